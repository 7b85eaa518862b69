import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from netfaq.tools import training

ROOT = Path(__file__).resolve().parent.parent


def netfaq(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netfaq", *args], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize(
    "command", ["validate", "build", "train", "run", "chat", "coverage", "evaluate", "web", "retention", "review"]
)
def test_every_command_has_help_with_an_example(command):
    result = netfaq(command, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout and f"netfaq {command}" in result.stdout


@pytest.mark.parametrize("sub", ["list", "show", "mark", "inbox", "label", "summary", "web"])
def test_every_review_sub_command_has_help_with_an_example(sub):
    result = netfaq("review", sub, "--help")
    assert result.returncode == 0
    assert "example:" in result.stdout and f"netfaq review {sub}" in result.stdout


def test_validate_reports_ok_with_counts():
    result = netfaq("validate")
    assert result.returncode == 0
    assert "knowledge base OK: 5 sources, 12 procedures" in result.stdout
    snippets = len(yaml.safe_load((ROOT / "data" / "augmentation" / "personal_details.yml").read_text())["snippets"])
    assert f"personal details OK: {snippets} snippets, 10% of the questions copied with them" in result.stdout


def test_validate_fails_naming_file_entry_and_problem(kb_copy):
    path = kb_copy / "procedures" / "ct_scan.yml"
    data = yaml.safe_load(path.read_text())
    data["procedure"]["topics"]["why"][0]["source"] = "unknown_leaflet"
    path.write_text(yaml.safe_dump(data))
    result = netfaq("validate", "--knowledge", str(kb_copy))
    assert result.returncode == 1
    assert (
        "data/knowledge/procedures/ct_scan.yml: procedure 'ct_scan', topic 'why', fact 1: "
        "unknown source id 'unknown_leaflet'" in result.stderr
    )


def test_coverage_table_shows_gaps():
    result = netfaq("coverage")
    assert result.returncode == 0
    mibg = next(line for line in result.stdout.splitlines() if line.startswith("mibg_scan"))
    assert mibg.split()[-1] == "-"  # results: the sources don't say


def test_bootstrap_without_python310_says_what_to_install(tmp_path):
    copy = tmp_path / "project"
    (copy / "scripts").mkdir(parents=True)
    (copy / "scripts" / "bootstrap.sh").write_text((ROOT / "scripts" / "bootstrap.sh").read_text())
    result = subprocess.run(
        ["/bin/bash", "scripts/bootstrap.sh"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Python 3.10 was not found" in result.stderr
    assert "pyenv install 3.10.13" in result.stderr
    assert not (copy / ".venv").exists()


def test_train_skips_when_nothing_changed():
    from netfaq.tools.training import current_model

    if not current_model().exists():
        assert netfaq("train").returncode == 0
    result = netfaq("train")
    assert result.returncode == 0
    assert "Model is up to date" in result.stdout
    assert current_model().exists()


def test_fingerprint_changes_with_training_data(tmp_path):
    import shutil

    for name in ("config.yml", "domain.yml", "data", "build"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    before = training.training_fingerprint(tmp_path)
    assert before == training.training_fingerprint(ROOT)  # where the project is does not matter
    rules = tmp_path / "data" / "rules" / "conversation.yml"
    rules.write_text(rules.read_text() + "\n")
    assert training.training_fingerprint(tmp_path) != before


def test_training_keeps_only_the_newest_models(tmp_path):
    now = time.time()
    for age, name in enumerate(["netfaq-d.tar.gz", "netfaq-c.tar.gz", "netfaq-b.tar.gz", "netfaq-a.tar.gz"]):
        (tmp_path / name).write_bytes(b"model")
        os.utime(tmp_path / name, (now - 60 * age, now - 60 * age))
    (tmp_path / "someone-elses.tar.gz").write_bytes(b"kept")
    removed = training.remove_old_models(tmp_path, 3)
    assert [path.name for path in removed] == ["netfaq-a.tar.gz"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "netfaq-b.tar.gz",
        "netfaq-c.tar.gz",
        "netfaq-d.tar.gz",
        "someone-elses.tar.gz",
    ]
