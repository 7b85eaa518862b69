"""Which trained model is in service, which were before it, and what each measured when promoted.

models/registry.json holds one manifest per promoted model, oldest first, and the one in service.
Nothing here trains or evaluates: netfaq/tools/gate.py decides; this only records and rolls back.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from netfaq.core.paths import MODEL_REGISTRY_FILE, MODELS_DIR


class RegistryError(ValueError):
    pass


@dataclass
class Manifest:
    model: str  # file name in models/
    training_fingerprint: str  # config, domain, NLU data, entity ruler, classifier code
    knowledge_fingerprint: str  # data/knowledge: served by the action server, not part of the model
    metrics: dict[str, Any]
    trained_seconds: float
    finetuned_from: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # hashes of config.yml and domain.yml
    promoted_at: str = ""
    promoted_by: str = ""
    rolled_back: list[str] = field(default_factory=list)  # when it was taken out of service by a rollback


@dataclass
class Registry:
    in_service: str | None
    history: list[Manifest]

    def manifest(self, model: str | None) -> Manifest | None:
        return next((m for m in self.history if m.model == model), None)

    @property
    def service(self) -> Manifest | None:
        return self.manifest(self.in_service)


def load(path: Path = MODEL_REGISTRY_FILE) -> Registry:
    if not path.exists():
        return Registry(None, [])
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Registry(raw["in_service"], [Manifest(**m) for m in raw["history"]])
    except (ValueError, KeyError, TypeError) as error:
        raise RegistryError(f"{path}: unreadable model registry ({error}); restore it from a backup") from None


def save(registry: Registry, path: Path = MODEL_REGISTRY_FILE) -> None:
    """Written to a temporary file and renamed, so a crash never leaves half a registry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    payload = {"in_service": registry.in_service, "history": [asdict(m) for m in registry.history]}
    scratch.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def promote(manifest: Manifest, by: str, path: Path = MODEL_REGISTRY_FILE) -> Registry:
    registry = load(path)
    manifest.promoted_at, manifest.promoted_by = _now(), by
    registry.history = [m for m in registry.history if m.model != manifest.model] + [manifest]
    registry.in_service = manifest.model
    save(registry, path)
    return registry


def rollback(path: Path = MODEL_REGISTRY_FILE, models_dir: Path = MODELS_DIR) -> tuple[Manifest, Manifest]:
    """Put the model promoted before the one in service back in service; returns (taken out, restored)."""
    registry = load(path)
    current = registry.service
    if current is None:
        raise RegistryError("no model has been promoted yet: nothing to roll back")
    earlier = registry.history[: registry.history.index(current)]
    restored = next((m for m in reversed(earlier) if (models_dir / m.model).exists()), None)
    if restored is None:
        raise RegistryError(f"no earlier promoted model to go back to (in service: {current.model})")
    current.rolled_back.append(_now())
    registry.in_service = restored.model
    save(registry, path)
    return current, restored


def kept_models(path: Path = MODEL_REGISTRY_FILE) -> set[str]:
    """Models the registry may still need: never deleted when old models are cleared away."""
    return {m.model for m in load(path).history}
