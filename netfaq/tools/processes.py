"""Start, wait for, restart and stop the servers: Rasa, the action server, the demo page, the review pages."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from netfaq.core.paths import BUILD_DIR, PROJECT_ROOT

BIN = Path(sys.executable).parent


def quiet_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(overrides or {})}
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def rasa_command() -> list[str]:
    return [str(BIN / "rasa")]


def endpoints_for(action_port: int, base: Path = PROJECT_ROOT / "endpoints.yml") -> Path:
    """endpoints.yml with the action server URL pointing at `action_port`."""
    config = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    config.setdefault("action_endpoint", {})["url"] = f"http://127.0.0.1:{action_port}/webhook"
    target = BUILD_DIR / f"endpoints.{action_port}.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    command: list[str]
    env: dict[str, str] | None = None

    def restart(self) -> Process:
        """The same command again, logging to the same file (after a crash)."""
        self.stop()
        return start_process(self.name, self.command, self.log.parent, self.env)

    def last_words(self) -> str:
        """The last line it logged: after a crash, usually the reason."""
        lines = [line.strip() for line in _tail(self.log, 5).splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait()


def start_process(name: str, command: list[str], log_dir: Path, env: dict[str, str] | None = None) -> Process:
    """`command` in its own process group, logging to `log_dir`/`name`.log, readable by us only."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    # Readable by the service user only, like everything the servers write (umask below).
    handle = os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
    log.chmod(0o600)
    popen = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=quiet_env(env),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop() ends its children too
        umask=0o077,
    )
    handle.close()
    return Process(name, popen, log, command, env)


def start_action_server(port: int, log_dir: Path = BUILD_DIR / "logs", env: dict[str, str] | None = None) -> Process:
    """On loopback, like the Rasa server (actions/__init__.py defaults rasa-sdk's SANIC_HOST)."""
    command = rasa_command() + ["run", "actions", "--actions", "actions", "--port", str(port)]
    return start_process(f"actions-{port}", command, log_dir, env)


def start_rasa_server(
    port: int,
    action_port: int,
    model: Path,
    log_dir: Path = BUILD_DIR / "logs",
    cors_origin: str | None = None,
    env: dict[str, str] | None = None,
    endpoints: Path | None = None,
) -> Process:
    """The Rasa server on loopback; browsers may call it only from `cors_origin` (never `*`).

    Rasa's HTTP API (--enable-api: trackers, model replacement) stays off: nothing here needs it.
    `endpoints` replaces the project's endpoints.yml (whose action server is then `action_port`).
    """
    command = rasa_command() + [
        "run",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(model),
        "--endpoints",
        str(endpoints or endpoints_for(action_port)),
        "--credentials",
        str(PROJECT_ROOT / "credentials.yml"),
        *(["--cors", cors_origin] if cors_origin else []),
    ]
    return start_process(f"rasa-{port}", command, log_dir, env)


@contextmanager
def running_assistant(model: Path, log_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """An action server and a Rasa server serving `model` on free loopback ports: yields the Rasa
    server's URL once both answer, and stops both on the way out."""
    action_port, rasa_port = free_port(), free_port()
    actions = start_action_server(action_port, log_dir, env)
    rasa = start_rasa_server(rasa_port, action_port, model, log_dir, env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        rasa.stop()
        actions.stop()


def start_web_server(port: int, rasa_url: str, log_dir: Path = BUILD_DIR / "logs") -> Process:
    command = [sys.executable, "-m", "netfaq", "web", "--port", str(port), "--rasa-url", rasa_url]
    return start_process(f"web-{port}", command, log_dir)


def start_review_server(port: int, log_dir: Path = BUILD_DIR / "logs", env: dict[str, str] | None = None) -> Process:
    command = [sys.executable, "-m", "netfaq", "review", "web", "--port", str(port)]
    return start_process(f"review-{port}", command, log_dir, env)


def free_port() -> int:
    """A loopback port free right now, for servers started by tests and benchmarks."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: Process, timeout: float = 180.0) -> float:
    """Seconds until `url` answers 200; raises with the log's tail if the process dies or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited early; see {process.log}:\n{_tail(process.log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{process.name} did not answer {url} within {timeout:.0f}s; see {process.log}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
