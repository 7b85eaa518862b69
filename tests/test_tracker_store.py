"""Conversations are stored redacted, in a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from netfaq.core.database import database_url
from netfaq.core.paths import PROJECT_ROOT
from netfaq.review import annotations, records
from netfaq.review.pages import make_app
from netfaq.review.retention import delete_older_than
from netfaq.tools.processes import free_port, start_action_server, start_rasa_server, wait_until_up
from netfaq.tools.services import PostgresCluster
from rasa_extensions.tracker_store import RedactingSQLTrackerStore
from tests.test_e2e import Assistant, texts

QUESTION_WITH_PHONE = "how do I prepare for an ultrasound next week? you can ring me on 07700 900123"
DETAILS = "my nhs number is 943 476 5919, postcode SW1A 1AA, email jo@example.com, born 3/4/1961"


@pytest.fixture(scope="module")
def action_port(tmp_path_factory):
    port = free_port()
    process = start_action_server(port, tmp_path_factory.mktemp("logs"))
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process)
        yield port
    finally:
        process.stop()


def a_turn(text: str, intent: str, action: str, at: float) -> list:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=at),
        ActionExecuted(action, timestamp=at + 0.1),
        SlotSet("procedure", "ct_scan", timestamp=at + 0.1),
        BotUttered(f"answer to {text}", timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


def a_session_start(at: float) -> list:
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at + 0.01),
        ActionExecuted("action_listen", timestamp=at + 0.02),
    ]


def stored_rows(path: Path) -> list[tuple]:
    with sa.create_engine(f"sqlite:///{path}").connect() as connection:
        query = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
        return [tuple(row) for row in connection.execute(sa.text(query))]


def rows_after_a_processor_like_run(store: SQLTrackerStore, path: Path, now: float) -> list[tuple]:
    """Rasa's processor, per message: read the tracker (or create it), add the turn's events, save once."""
    messages = [
        (a_session_start(now), ("how long does a ct scan take", "ask_duration")),
        ([], ("does it hurt", "ask_pain")),
        (a_session_start(now + 3600), ("when do results come", "ask_results")),  # an hour later: new session
    ]

    async def run() -> None:
        for number, (session_start, (text, intent)) in enumerate(messages):
            tracker = await store.get_or_create_tracker("patient", append_action_listen=False)
            for event in [*session_start, *a_turn(text, intent, "action_answer", now + 3600 * (number // 2) + number)]:
                tracker.update(event)
            await store.save(tracker)

    asyncio.run(run())
    return stored_rows(path)


def test_stores_the_same_rows_as_rasas_own_sql_tracker_store(tmp_path):
    domain, now = Domain.load(str(PROJECT_ROOT / "domain.yml")), time.time()
    theirs = rows_after_a_processor_like_run(
        SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "rasa.db")), tmp_path / "rasa.db", now
    )
    ours = rows_after_a_processor_like_run(
        RedactingSQLTrackerStore(domain, url=sa.engine.URL.create("sqlite", database=str(tmp_path / "ours.db"))),
        tmp_path / "ours.db",
        now,
    )
    assert len(ours) == 3 + 5 + 5 + 3 + 5
    assert [row[1] for row in ours].count("user") == 3
    assert ours == theirs


def test_saving_a_tracker_again_stores_only_its_new_events(tmp_path):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = RedactingSQLTrackerStore(domain, url=sa.engine.URL.create("sqlite", database=str(tmp_path / "c.db")))
    now = time.time()

    async def run() -> None:
        tracker = await store.get_or_create_tracker("patient", append_action_listen=False)
        for event in a_session_start(now):
            tracker.update(event)
        await store.save(tracker)
        await store.save(tracker)
        for event in a_turn("is an mri loud", "ask_during", "action_answer", now + 1):
            tracker.update(event)
        await store.save(tracker)

    asyncio.run(run())
    assert [row[1] for row in stored_rows(tmp_path / "c.db")] == [
        *["action", "session_started", "action"],
        *["user", "action", "slot", "bot", "action"],
    ]


def test_a_retrieved_tracker_has_the_latest_session_and_its_slots(tmp_path):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = RedactingSQLTrackerStore(domain, url=sa.engine.URL.create("sqlite", database=str(tmp_path / "c.db")))
    rows_after_a_processor_like_run(store, tmp_path / "c.db", time.time())
    tracker = asyncio.run(store.retrieve("patient"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["when do results come"]
    assert tracker.get_slot("procedure") == "ct_scan"
    full = asyncio.run(store.retrieve_full_tracker("patient"))
    assert len([e for e in full.events if isinstance(e, UserUttered)]) == 3
    assert asyncio.run(store.retrieve("nobody")) is None


def converse_and_check_storage(db_env: dict[str, str], model: Path, action_port: int, logs: Path) -> sa.engine.Engine:
    """Hold a conversation through a Rasa server using this database; check what was stored."""
    port = free_port()
    process = start_rasa_server(port, action_port, model, logs, env=db_env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        engine = sa.create_engine(database_url(db_env))
        sender = hold_conversation_and_check_storage(Assistant(f"http://127.0.0.1:{port}"), engine)
    finally:
        process.stop()
    find_in_the_review_tool(engine, sender)
    return engine


def find_in_the_review_tool(engine: sa.engine.Engine, sender: str) -> None:
    """The staff review tool lists the conversation, filtered correctly, redacted, and takes notes and labels."""
    found = records.conversations(engine, records.Filters(flag="handoff", procedure="abdominal_ultrasound"))
    assert sender in [c.id for c in found]
    assert sender not in [c.id for c in records.conversations(engine, records.Filters(flag="emergency"))]
    assert [c.id for c in records.conversations(engine, records.Filters(search="07700"))] == []
    item = records.conversation(engine, sender)
    assert item.turns[0].text.endswith("ring me on [phone]")
    assert item.turns[0].intent == "ask_preparation" and item.turns[1].procedures == []
    assert "action_nurse_handoff" in item.turns[3].actions
    annotations.save_note(engine, sender, reviewed=True, note="checked", tags=("handoff",))
    annotations.save_label(engine, sender, 2, item.turns[2].text, "request_diagnosis")
    notes = annotations.all_notes(engine)
    assert [c.id for c in records.conversations(engine, records.Filters(status="reviewed", tag="handoff"), notes)] == [
        sender
    ]
    app = make_app(engine, "a-token-for-this-test-only")
    page = app.handle("GET", "/?search=[NHS number]", {}, {"authorization": "Bearer a-token-for-this-test-only"})
    assert page.status == 200 and f"/conversations/{sender}".encode() in page.body


def stored_user_and_bot_text(engine: sa.engine.Engine, sender: str) -> tuple[list[str], list[str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    users = [json.loads(d)["text"] for t, d in rows if t == "user"]
    bots = [json.loads(d).get("text") or "" for t, d in rows if t == "bot"]
    return users, bots


def hold_conversation_and_check_storage(assistant: Assistant, engine: sa.engine.Engine) -> str:
    sender = uuid.uuid4().hex
    # Understanding runs on the original text ...
    assert "stop eating for 6 hours" in texts(assistant.say(QUESTION_WITH_PHONE, sender))
    assert "within 1 or 2 weeks" in texts(assistant.say("and the results?", sender))
    assert texts(assistant.say(DETAILS, sender))
    assert "0808 800 4040" in texts(assistant.say("can I talk to a nurse", sender))
    users, bots = stored_user_and_bot_text(engine, sender)
    # ... and only the stored copy is redacted.
    assert users == [
        "how do I prepare for an ultrasound next week? you can ring me on [phone]",
        "and the results?",
        "my nhs number is [NHS number], postcode [postcode], email [email], born [date]",
        "can I talk to a nurse",
    ]
    assert any("freephone 0808 800 4040" in b for b in bots), "the helpline number is not redacted"
    return sender


@pytest.mark.model
@pytest.mark.servers
def test_sqlite_file_stores_redacted_conversations_and_retention_deletes_old_ones(trained_model, action_port, tmp_path):
    db_file = tmp_path / "conversations.db"
    env = {"NETFAQ_DB_DIALECT": "sqlite", "NETFAQ_DB_NAME": str(db_file)}
    engine = converse_and_check_storage(env, trained_model, action_port, tmp_path)
    with engine.connect():
        # A rollback journal, not write-ahead logging (whose mapped -shm file crashes the server when
        # it stops being writable): no -wal or -shm file beside the database.
        assert not Path(f"{db_file}-wal").exists() and not Path(f"{db_file}-shm").exists()
        # Patients' words are readable by the service user only: the file and the logs.
        private = [db_file, *tmp_path.glob("*.log")]
        assert {str(p): oct(p.stat().st_mode & 0o777) for p in private} == {str(p): "0o600" for p in private}
    for log in tmp_path.glob("*.log"):
        assert "07700" not in log.read_text(encoding="utf-8", errors="replace"), f"a phone number in {log}"
    assert delete_older_than(engine, days=30).conversations == 0
    later = time.time() + 31 * 86400
    result = delete_older_than(engine, days=30, now=later)
    assert result.conversations == 1 and result.events > 6
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar() == 0
    assert annotations.all_notes(engine) == {} and annotations.all_labels(engine) == []


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server of our own (Debian's binaries; `make test` installs them)."""
    server = PostgresCluster(free_port())
    try:
        yield server.env
    finally:
        server.remove()


@pytest.mark.model
@pytest.mark.servers
def test_postgresql_stores_redacted_conversations(trained_model, action_port, postgres, tmp_path):
    engine = converse_and_check_storage(postgres, trained_model, action_port, tmp_path)
    assert delete_older_than(engine, days=0, now=time.time() + 10).conversations >= 1
