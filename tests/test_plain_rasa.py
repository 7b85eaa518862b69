"""Rasa's own commands work in the project folder with no environment variable of ours set:
`rasa run actions` and `rasa run` answer (SQLite in var/conversations.db), `rasa shell` chats,
`rasa test core` runs the test stories."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
import requests

from netfaq.core.paths import PROJECT_ROOT
from netfaq.tools.processes import BIN, Process, free_port, start_process, wait_until_up

pytestmark = [pytest.mark.model, pytest.mark.servers]


def plain_env() -> dict[str, str]:
    """The environment with none of our settings: what someone typing Rasa's commands has."""
    return {k: v for k, v in os.environ.items() if not k.startswith("NETFAQ_")}


def plain(name: str, args: list[str], log_dir) -> Process:
    """A Rasa command as typed in the project folder (start_process runs it there)."""
    return start_process(name, [str(BIN / "rasa"), *args], log_dir)


@pytest.fixture
def no_settings(monkeypatch):
    for name in [k for k in os.environ if k.startswith("NETFAQ_")]:
        monkeypatch.delenv(name)


def test_rasa_run_and_rasa_run_actions_answer_with_nothing_set(trained_model, no_settings, tmp_path):
    actions = plain("plain-actions", ["run", "actions"], tmp_path)  # port 5055, as endpoints.yml says
    port = free_port()
    rasa = plain("plain-rasa", ["run", "--port", str(port), "--model", str(trained_model)], tmp_path)
    try:
        wait_until_up("http://127.0.0.1:5055/health", actions)
        wait_until_up(f"http://127.0.0.1:{port}/", rasa)
        sender = f"plain-{uuid.uuid4().hex[:8]}"
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        first = requests.post(url, json={"sender": sender, "message": "how do I prepare for an MIBG scan?"}, timeout=60)
        after = requests.post(url, json={"sender": sender, "message": "how long does it take?"}, timeout=60)
        assert "MIBG scan" in first.text and "MIBG scan" in after.text
        log = rasa.log.read_text(encoding="utf-8")
        assert "expand the environment variables" not in log
        assert (PROJECT_ROOT / "var" / "conversations.db").exists()
    finally:
        rasa.stop()
        actions.stop()
    with pytest.raises(requests.ConnectionError):  # the action server listened on loopback only, now stopped
        requests.get("http://127.0.0.1:5055/health", timeout=2)


def test_rasa_shell_chats_with_nothing_set(trained_model, no_settings):
    done = subprocess.run(
        [str(BIN / "rasa"), "shell", "--model", str(trained_model), "--port", str(free_port())],
        input="how long does an echocardiogram take?\n/stop\n",
        cwd=PROJECT_ROOT,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Echocardiogram" in done.stdout or "echo" in done.stdout.lower(), done.stdout[-2000:] + done.stderr[-2000:]


def test_rasa_test_core_runs_the_test_stories_with_nothing_set(trained_model, no_settings, tmp_path):
    done = subprocess.run(
        [str(BIN / "rasa"), "test", "core", "--model", str(trained_model), "--out", str(tmp_path / "results")],
        cwd=PROJECT_ROOT,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "results" / "story_report.json").exists()
