"""The developers' workflow end to end, in a copy of the project: a new leaflet is ingested, its
draft reviewed and accepted, the model retrained through the gate and promoted, and the running
assistant answers a question about the new test; a worse model is refused; rollback restores the
model before. Real `rasa train`, real Rasa and action servers, real files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LEAFLET = ROOT / "tests" / "fixtures" / "ingest" / "capsule-endoscopy.html"
COPIED = ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml", "data", "bench", "rasa_extensions")
COPIED += ("tests/nlu", "tests/answers", "build/spacy_procedures", ".rasa")

# The reviewer's own words for the leaflet's facts (figures carried over exactly).
REVIEWED_FACTS = {
    "what_is": ["A capsule endoscopy takes pictures of the small bowel with a camera inside a capsule you swallow."],
    "why": ["It can look for a tumour in the small bowel that other scans cannot show."],
    "preparation": ["Have nothing to eat for 12 hours before the test; clear drinks are fine until 2 hours before."],
    "during": ["You wear a recorder on a belt and swallow the capsule, which takes pictures for about 8 hours."],
    "afterwards": [
        "The recorder goes back the next morning; the capsule passes out naturally, usually in 1 to 3 days."
    ],
    "results": ["Your doctor gets the results within 3 weeks."],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory, trained_model: Path) -> Path:
    """A copy of the project's data and settings, with the trained model; the code is the installed one."""
    copy = tmp_path_factory.mktemp("project")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("drafts", "__pycache__"))
        elif source.exists():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / "models").mkdir()
    shutil.copy2(trained_model, copy / "models" / trained_model.name)
    return copy


def netfaq_env(project: Path) -> dict[str, str]:
    from netfaq.tools.processes import quiet_env

    return quiet_env({"NETFAQ_PROJECT_DIR": str(project), "NETFAQ_DB_NAME": str(project / "var" / "c.db")})


def netfaq(project: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "netfaq", *args],
        cwd=project,
        env=netfaq_env(project),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def registry(project: Path) -> dict:
    return json.loads((project / "models" / "registry.json").read_text(encoding="utf-8"))


def review_draft(path: Path) -> None:
    """What a person does: facts in our own words, TODOs gone, name signed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    draft = data["draft"]
    draft["reviewed_by"] = "Test Reviewer"
    draft["source"]["publisher"] = "Example Hospital (a leaflet written for the tests)"
    procedure = draft["procedure"]
    procedure["aliases"] += ["capsule camera", "pill camera"]
    for topic in procedure["topics"]:
        texts = REVIEWED_FACTS.get(topic)
        procedure["topics"][topic] = (
            [{"text": t, "source": draft["source"]["id"]} for t in texts] if texts else "not_in_sources"
        )
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def ask(project: Path, model: Path, texts: list[str]) -> list[str]:
    """Replies of a real Rasa server (serving `model`) and action server working on the project copy."""
    from netfaq.tools.processes import running_assistant

    env = {"NETFAQ_PROJECT_DIR": str(project), "NETFAQ_DB_NAME": str(project / "var" / "ask.db")}
    replies = []
    with running_assistant(model, project / "logs", env) as url:
        for number, text in enumerate(texts):
            body = json.dumps({"sender": f"walkthrough-{number}", "message": text}).encode()
            request = urllib.request.Request(f"{url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                replies.append("\n".join(m.get("text", "") for m in json.loads(response.read())))
    return replies


def test_a_new_leaflet_is_ingested_reviewed_retrained_through_the_gate_and_answered(project: Path):
    first = netfaq(project, "retrain", "--by", "first")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    in_service = registry(project)["in_service"]

    ingested = netfaq(project, "ingest", str(LEAFLET), "--id", "capsule_endoscopy", "--source-id", "capsule_leaflet")
    assert ingested.returncode == 0, ingested.stderr
    draft = project / "data" / "knowledge" / "drafts" / "capsule_endoscopy.yml"
    assert "12 hours" in draft.read_text(encoding="utf-8")

    # Not reviewed yet: refused, nothing written, and the draft is not in the knowledge base.
    refused = netfaq(project, "draft", "accept", "capsule_endoscopy")
    assert (
        refused.returncode == 2 and "not reviewed yet" in refused.stderr and "capsule_endoscopy.yml" in refused.stderr
    )
    assert not (project / "data" / "knowledge" / "procedures" / "capsule_endoscopy.yml").exists()

    review_draft(draft)
    accepted = netfaq(project, "draft", "accept", "capsule_endoscopy")
    assert accepted.returncode == 0, accepted.stderr
    assert not draft.exists()
    assert "capsule_leaflet" in (project / "data" / "knowledge" / "sources.yml").read_text(encoding="utf-8")

    retrained = netfaq(project, "retrain", "--by", "Test Reviewer")
    assert retrained.returncode == 0, retrained.stdout[-3000:] + retrained.stderr[-3000:]
    assert "| intent macro-F1 |" in retrained.stdout and "promoted" in retrained.stdout
    assert re.search(r"Restart the Rasa server to serve it .*: \d+ s here", retrained.stdout)
    after = registry(project)
    assert after["in_service"] != in_service
    manifest = after["history"][-1]
    assert manifest["promoted_by"] == "Test Reviewer" and manifest["metrics"]["questions right"] > 0

    model = project / "models" / after["in_service"]
    (reply,) = ask(project, model, ["how do I get ready for my capsule endoscopy?"])
    assert "12 hours" in reply, reply
    assert re.search(r"Capsule endoscopy", reply) and "Example Hospital" in reply, reply


def test_a_worse_model_is_refused_and_rollback_restores_the_one_before(project: Path):
    promoted = registry(project)
    assert len(promoted["history"]) >= 2, "runs after the walkthrough"
    service = promoted["in_service"]

    questions = project / "data" / "nlu" / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    worse = re.sub(
        r"(- intent: ask_(preparation|results|duration)\n  examples: \|\n(    - .*\n){3})(    - .*\n)+", r"\1", text
    )
    assert worse != text
    questions.write_text(worse, encoding="utf-8")
    try:
        refused = netfaq(project, "retrain", "--by", "someone")
    finally:
        questions.write_text(text, encoding="utf-8")
    assert refused.returncode == 1, refused.stdout[-3000:] + refused.stderr[-3000:]
    assert "refused" in refused.stdout and "**worse**" in refused.stdout
    assert registry(project)["in_service"] == service

    before = promoted["history"][-2]["model"]
    rolled = netfaq(project, "rollback")
    assert rolled.returncode == 0, rolled.stderr
    assert registry(project)["in_service"] == before
    listed = netfaq(project, "models")
    assert f"* {before}" in listed.stdout
    served = subprocess.run(
        [sys.executable, "-c", "from netfaq.tools.training import served_model; print(served_model().name)"],
        env={**netfaq_env(project)},
        capture_output=True,
        text=True,
    )
    assert served.stdout.strip() == before, served.stderr  # what `netfaq run` starts Rasa with
    again = netfaq(project, "rollback")
    assert again.returncode == 2 and "no earlier promoted model" in again.stderr
