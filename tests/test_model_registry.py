"""The registry of promoted models: promotion records who and what was measured; rollback goes back one."""

from __future__ import annotations

import pytest

from netfaq.tools import model_registry
from netfaq.tools.model_registry import Manifest, RegistryError
from netfaq.tools.training import remove_old_models


def manifest(name: str, f1: float = 0.97) -> Manifest:
    return Manifest(name, "fp-" + name, "kb", {"intent macro-F1": f1}, 30.0)


def test_promote_then_rollback_walks_back_through_what_was_promoted(tmp_path):
    path = tmp_path / "registry.json"
    for name in ("netfaq-a.tar.gz", "netfaq-b.tar.gz", "netfaq-c.tar.gz"):
        (tmp_path / name).write_bytes(b"model")
        model_registry.promote(manifest(name), "Dev One", path)
    registry = model_registry.load(path)
    assert registry.in_service == "netfaq-c.tar.gz" and registry.service.promoted_by == "Dev One"
    assert registry.service.promoted_at.endswith("Z")
    out, back = model_registry.rollback(path, tmp_path)
    assert (out.model, back.model) == ("netfaq-c.tar.gz", "netfaq-b.tar.gz")
    assert model_registry.load(path).manifest("netfaq-c.tar.gz").rolled_back
    (tmp_path / "netfaq-a.tar.gz").unlink()  # a model file gone: rollback says so instead of serving nothing
    with pytest.raises(RegistryError, match="no earlier promoted model"):
        model_registry.rollback(path, tmp_path)
    assert model_registry.load(path).in_service == "netfaq-b.tar.gz"


def test_nothing_to_roll_back_and_a_broken_registry_are_named(tmp_path):
    path = tmp_path / "registry.json"
    with pytest.raises(RegistryError, match="no model has been promoted yet"):
        model_registry.rollback(path, tmp_path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RegistryError, match="registry.json: unreadable model registry"):
        model_registry.load(path)


def test_clearing_old_models_keeps_every_promoted_one(tmp_path):
    import os

    for age, name in enumerate(["netfaq-old.tar.gz", "netfaq-x1.tar.gz", "netfaq-x2.tar.gz", "netfaq-x3.tar.gz"]):
        (tmp_path / name).write_bytes(b"model")
        os.utime(tmp_path / name, (1000 + age, 1000 + age))
    model_registry.promote(manifest("netfaq-old.tar.gz"), "Dev", tmp_path / "registry.json")
    removed = remove_old_models(tmp_path, keep=2)
    assert [p.name for p in removed] == ["netfaq-x1.tar.gz"]
    assert (tmp_path / "netfaq-old.tar.gz").exists()
