"""Start, wait for and stop the Rasa server and the action server."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from netfaq.paths import BUILD_DIR, CODE_ROOT, INTENT_CLASSIFIER_CODE, MODELS_DIR, PROJECT_ROOT, SPACY_MODEL_DIR

BIN = Path(sys.executable).parent


TRACKER_STORE_DEFAULTS = {
    "NETFAQ_DB_DIALECT": "sqlite",
    "NETFAQ_DB_NAME": str(PROJECT_ROOT / "var" / "conversations.db"),
    "NETFAQ_DB_HOST": "",
    "NETFAQ_DB_PORT": "",
    "NETFAQ_DB_USER": "",
    "NETFAQ_DB_PASSWORD": "",
}


def quiet_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for name, default in TRACKER_STORE_DEFAULTS.items():
        env.setdefault(name, default)
    env.update(overrides or {})
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def rasa_command() -> list[str]:
    return [str(BIN / "rasa")]


# Everything a trained model depends on: the project's data and settings, and our code Rasa runs
# in training. Rasa 3 re-packages a model on every `rasa train` (28 s here even when its cache
# makes every component a no-op), so we skip the call ourselves.
TRAINING_DATA = ("config.yml", "domain.yml", "data/nlu", "data/rules", "data/stories", "data/augmentation")
TRAINING_CODE = ("rasa_extensions", *(str(path.relative_to(CODE_ROOT)) for path in INTENT_CLASSIFIER_CODE))


def training_fingerprint(project: Path = PROJECT_ROOT) -> str:
    from importlib.metadata import version

    digest = hashlib.sha256(f"rasa {version('rasa')}".encode())
    inputs = [(project, name) for name in TRAINING_DATA] + [(CODE_ROOT, name) for name in TRAINING_CODE]
    inputs.append((project, str(SPACY_MODEL_DIR.relative_to(PROJECT_ROOT))))
    for root, name in inputs:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        hash_files(digest, root, (f for f in files if f.is_file() and "__pycache__" not in f.parts))
    return digest.hexdigest()[:16]


def hash_files(digest: hashlib._Hash, root: Path, files: Iterable[Path]) -> None:
    """Each file's path (from `root`) and content, so a rename changes the digest too."""
    for file in files:
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())


def current_model() -> Path:
    """The model file trained from the project as it is now (it may not exist yet)."""
    return MODELS_DIR / f"netfaq-{training_fingerprint()}.tar.gz"


def latest_model() -> Path | None:
    """The current model if trained, else the newest one in models/."""
    if current_model().exists():
        return current_model()
    models = sorted(MODELS_DIR.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def served_model() -> Path | None:
    """The promoted model in service (models/registry.json), else the latest one."""
    from netfaq.model_registry import load

    in_service = load().in_service
    if in_service and (MODELS_DIR / in_service).exists():
        return MODELS_DIR / in_service
    return latest_model()


def train(force: bool = False, finetune_from: Path | None = None) -> int:
    """Train unless a model for the current data, domain and config already exists.

    With `finetune_from`, Rasa continues training that model on the new data (`rasa train --finetune`)."""
    target = current_model()
    if target.exists() and not force:
        print(f"Model is up to date: {target.relative_to(PROJECT_ROOT)} (nothing changed since it was trained)")
        return 0
    command = rasa_command() + ["train", "--out", str(MODELS_DIR), "--fixed-model-name", target.name[:-7]]
    if force:
        command.append("--force")
    if finetune_from is not None:
        command += ["--finetune", str(finetune_from), "--epoch-fraction", "0.5"]
    code = subprocess.call(command, cwd=PROJECT_ROOT, env=quiet_env())
    if code == 0:
        removed = remove_old_models(MODELS_DIR, KEPT_MODELS)
        if removed:
            print(f"Removed {len(removed)} older model(s) from models/, kept the {KEPT_MODELS} newest.")
    return code


KEPT_MODELS = 3  # the new one and two to go back to


def remove_old_models(folder: Path, keep: int) -> list[Path]:
    """Every retraining adds a model (8 MB); delete all but the `keep` newest of ours and the promoted ones."""
    from netfaq.model_registry import kept_models

    promoted = kept_models(folder / "registry.json")
    models = sorted(folder.glob("netfaq-*.tar.gz"), key=lambda path: path.stat().st_mtime, reverse=True)
    old = [model for model in models[keep:] if model.name not in promoted]
    for model in old:
        model.unlink()
    return old


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
        return _start(self.name, self.command, self.log.parent, self.env)

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


def _start(name: str, command: list[str], log_dir: Path, env: dict[str, str] | None = None) -> Process:
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
    """On loopback, like the Rasa server (rasa-sdk's SANIC_HOST; set it to listen elsewhere)."""
    command = rasa_command() + ["run", "actions", "--actions", "actions", "--port", str(port)]
    return _start(
        f"actions-{port}", command, log_dir, {"SANIC_HOST": os.environ.get("SANIC_HOST", "127.0.0.1"), **(env or {})}
    )


def start_rasa_server(
    port: int,
    action_port: int,
    model: Path,
    log_dir: Path = BUILD_DIR / "logs",
    cors_origin: str | None = None,
    env: dict[str, str] | None = None,
) -> Process:
    """The Rasa server on loopback; browsers may call it only from `cors_origin` (never `*`).

    Rasa's HTTP API (--enable-api: trackers, model replacement) stays off: nothing here needs it.
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
        str(endpoints_for(action_port)),
        "--credentials",
        str(PROJECT_ROOT / "credentials.yml"),
        *(["--cors", cors_origin] if cors_origin else []),
    ]
    return _start(f"rasa-{port}", command, log_dir, env)


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
    return _start(f"web-{port}", command, log_dir)


def start_review_server(port: int, log_dir: Path = BUILD_DIR / "logs", env: dict[str, str] | None = None) -> Process:
    command = [sys.executable, "-m", "netfaq", "review", "web", "--port", str(port)]
    return _start(f"review-{port}", command, log_dir, env)


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
