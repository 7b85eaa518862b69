"""Shared fixtures: the real knowledge base, a copy to break, and one way to build trackers."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from netfaq.core.knowledge import KnowledgeBase, load_knowledge  # noqa: E402
from netfaq.core.paths import KNOWLEDGE_DIR  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    """The safety case's checks on the run itself (tests/safety_case.py)."""
    from netfaq.tools.hazards import load_hazard_log
    from tests.safety_case import HazardControls, SourceFreshness

    config.pluginmanager.register(HazardControls(load_hazard_log()), "netfaq-hazard-controls")
    config.pluginmanager.register(SourceFreshness(load_knowledge(), date.today()), "netfaq-source-freshness")


@pytest.fixture(scope="session", autouse=True)
def conversations_database(tmp_path_factory) -> Path:
    """Servers started by tests store conversations here, never in the developer's var/."""
    path = tmp_path_factory.mktemp("db") / "conversations.db"
    os.environ["NETFAQ_DB_DIALECT"] = "sqlite"
    os.environ["NETFAQ_DB_NAME"] = str(path)
    return path


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the real knowledge base, laid out as data/knowledge under tmp_path."""
    target = tmp_path / "data" / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def make_tracker(
    intent: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    text: str = "",
    events: list[dict[str, Any]] | None = None,
    **latest_message: Any,
):
    """A rasa-sdk Tracker whose latest user message has this intent, entities and text; `events`
    are the conversation before it (see user_event), the latest message is added at their end."""
    from rasa_sdk import Tracker

    message = {
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
        "text": text,
        **latest_message,
    }
    return Tracker(
        sender_id="test-user",
        slots=slots or {},
        latest_message=message,
        events=[*(events or []), {"event": "user", "text": text, "parse_data": message}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def user_event(text: str, intent: str, *procedures: str) -> list[dict[str, Any]]:
    """A patient's earlier message as tracker events: the message, then the procedure slot it set."""
    parse = {"intent": {"name": intent, "confidence": 0.99}, "entities": [procedure_entity(p) for p in procedures]}
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "parse_data": parse}]
    return events + [{"event": "slot", "name": "procedure", "value": p} for p in procedures]


def procedure_entity(value: str) -> dict[str, Any]:
    return {"entity": "procedure", "value": value, "extractor": "SpacyEntityExtractor"}


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """Build and train once per run; `rasa train` itself skips training when nothing changed."""
    import subprocess
    import sys

    from netfaq.tools.processes import quiet_env
    from netfaq.tools.training import current_model

    result = subprocess.run(
        [sys.executable, "-m", "netfaq", "train"], cwd=ROOT, env=quiet_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    model = current_model()
    assert model.exists(), result.stdout[-3000:]
    return model


@pytest.fixture(scope="session")
def assistant_url(trained_model: Path, tmp_path_factory) -> str:
    """The real action server and Rasa server on loopback ports, started once for every test that talks to them;
    a message's metadata may set the clock (NETFAQ_TEST_CLOCK), for tests of dates."""
    from netfaq.tools.processes import running_assistant

    with running_assistant(trained_model, tmp_path_factory.mktemp("logs"), {"NETFAQ_TEST_CLOCK": "1"}) as url:
        yield url


@pytest.fixture(scope="session")
def emergency_guard(trained_model: Path, tmp_path_factory):
    """The emergency guard as the trained model holds it (patterns and the model trained on the bank)."""
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    from rasa_extensions.emergency_guard import EmergencyGuard

    storage, metadata = LocalModelStorage.from_model_archive(tmp_path_factory.mktemp("model"), trained_model)
    node = next(n for n in metadata.predict_schema.nodes.values() if n.uses is EmergencyGuard)
    context = ExecutionContext(metadata.predict_schema, metadata.model_id)
    return EmergencyGuard.load(node.config, storage, node.resource, context)
