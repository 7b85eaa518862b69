"""Training: what a model depends on (its fingerprint), training only when that changed, and
which model files are kept and served."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from pathlib import Path

from netfaq.core.paths import (
    CODE_ROOT,
    EMERGENCY_MODEL_CODE,
    INTENT_CLASSIFIER_CODE,
    MODELS_DIR,
    PROJECT_ROOT,
    SPACY_MODEL_DIR,
)
from netfaq.tools.processes import quiet_env, rasa_command

# Everything a trained model depends on: the project's data and settings, and our code Rasa runs
# in training. Rasa 3 re-packages a model on every `rasa train` (28 s here even when its cache
# makes every component a no-op), so we skip the call ourselves.
TRAINING_DATA = ("config.yml", "domain.yml", "data/nlu", "data/rules", "data/augmentation", "data/safety/bank")
TRAINING_CODE = (
    "rasa_extensions",
    *dict.fromkeys(str(path.relative_to(CODE_ROOT)) for path in (*INTENT_CLASSIFIER_CODE, *EMERGENCY_MODEL_CODE)),
)


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
    from netfaq.tools.model_registry import load

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
    from netfaq.tools.model_registry import kept_models

    promoted = kept_models(folder / "registry.json")
    models = sorted(folder.glob("netfaq-*.tar.gz"), key=lambda path: path.stat().st_mtime, reverse=True)
    old = [model for model in models[keep:] if model.name not in promoted]
    for model in old:
        model.unlink()
    return old
