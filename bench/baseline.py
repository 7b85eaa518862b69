"""The baseline: a stock `rasa init --no-prompt` assistant, same Rasa version, created and trained in this run."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import yaml

from bench.serving import Conversation, Servers, Turn
from netfaq.tools.processes import Process, free_port, quiet_env, rasa_command

# Four turns the stock stories and rules answer: greet, mood_unhappy, affirm, goodbye.
STOCK_CONVERSATIONS: tuple[Conversation, ...] = (
    (
        Turn("hello", "How are you?"),
        Turn("I am sad", "cheer you up"),
        Turn("yes", "Great, carry on!"),
        Turn("bye", "Bye"),
    ),
)


def create(directory: Path, log: Path) -> float:
    """Seconds for `rasa init --no-prompt`, which copies the template and trains it (cold cache)."""
    directory.mkdir(parents=True, exist_ok=True)
    command = rasa_command() + ["init", "--no-prompt", "--init-dir", str(directory)]
    env = quiet_env({"RASA_CACHE_DIRECTORY": str(directory / ".rasa" / "cache")})
    started = time.monotonic()
    with open(log, "wb") as handle:
        code = subprocess.call(command, cwd=directory, env=env, stdout=handle, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    if code != 0 or not list((directory / "models").glob("*.tar.gz")):
        raise RuntimeError(f"`rasa init` failed ({code}); see {log}")
    return seconds


def model(directory: Path) -> Path:
    return max((directory / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


def _start(directory: Path, name: str, command: list[str], log_dir: Path) -> Process:
    """As netfaq.tools.processes starts ours, but in the stock project's folder: own process group, quiet env."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with open(log, "ab") as handle:
        popen = subprocess.Popen(
            command,
            cwd=directory,
            env=quiet_env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name, popen, log, command)


def start(directory: Path, log_dir: Path) -> Servers:
    """Its (empty) action server and its Rasa server, wired together like ours, on free loopback ports."""
    action_port, rasa_port = free_port(), free_port()
    endpoints = directory / "bench-endpoints.yml"
    config = yaml.safe_load((directory / "endpoints.yml").read_text(encoding="utf-8")) or {}
    config["action_endpoint"] = {"url": f"http://127.0.0.1:{action_port}/webhook"}
    endpoints.write_text(yaml.safe_dump(config), encoding="utf-8")
    actions = _start(
        directory,
        f"stock-actions-{action_port}",
        rasa_command() + ["run", "actions", "--actions", "actions", "--port", str(action_port)],
        log_dir,
    )
    try:
        rasa = _start(
            directory,
            f"stock-rasa-{rasa_port}",
            rasa_command()
            + ["run", "--interface", "127.0.0.1", "--port", str(rasa_port), "--model", str(model(directory))]
            + ["--endpoints", str(endpoints), "--credentials", str(directory / "credentials.yml")],
            log_dir,
        )
    except BaseException:
        actions.stop()
        raise
    return Servers(actions, rasa, action_port, rasa_port)
