"""Staff review over a real SQLite tracker store written by the real redacting store."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from netfaq.review import records
from rasa_extensions.tracker_store import RedactingSQLTrackerStore

ROOT = Path(__file__).resolve().parent.parent


def at(day: int, hour: int = 10) -> float:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc).timestamp()


def user(text, intent, confidence, when, procedure=None):
    entities = [{"entity": "procedure", "value": procedure}] if procedure else []
    return UserUttered(text, {"name": intent, "confidence": confidence}, entities, timestamp=when)


def turn(message, action, reply, when):
    return [
        message,
        ActionExecuted(action, timestamp=when),
        BotUttered(reply, timestamp=when),
        ActionExecuted("action_listen", timestamp=when),
    ]


CONVERSATIONS = {
    "handed-off": [
        *turn(
            user(
                "how do i prepare for an ultrasound, ring me on 07700 900123",
                "ask_preparation",
                0.97,
                at(2),
                "abdominal_ultrasound",
            ),
            "action_answer_question",
            "Ultrasound scan: preparing",
            at(2),
        ),
        *turn(user("can i talk to a nurse", "ask_nurse", 0.99, at(2)), "action_nurse_handoff", "freephone", at(2)),
    ],
    "emergency": [
        *turn(user("i have chest pain", "emergency", 1.0, at(10)), "utter_emergency", "call 999", at(10)),
    ],
    "complained": [
        *turn(
            user("what is an mibg scan", "ask_what_is", 0.95, at(16), "mibg_scan"),
            "action_answer_question",
            "MIBG scan: what it is",
            at(16),
        ),
        *turn(
            user("thats not what i asked", "feedback_negative", 0.9, at(16)),
            "action_negative_feedback",
            "Sorry",
            at(16),
        ),
    ],
    "fallback": [
        *turn(user("blorp zzz", "nlu_fallback", 0.4, at(20)), "action_answer_question", "Sorry", at(20)),
        *turn(
            user("when do mibg results come", "ask_results", 0.55, at(20), "mibg_scan"),
            "action_answer_question",
            "our sources don't say",
            at(20),
        ),
    ],
}


def store_conversations(path: Path) -> sa.engine.Engine:
    """CONVERSATIONS saved through the real redacting tracker store into a SQLite file."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = RedactingSQLTrackerStore(domain, url=sa.engine.URL.create("sqlite", database=str(path)))
    for sender, events in CONVERSATIONS.items():
        start = events[0].timestamp
        history = [
            ActionExecuted("action_session_start", timestamp=start),
            SessionStarted(timestamp=start),
            ActionExecuted("action_listen", timestamp=start),
            *events,
        ]
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, history, domain.slots)))
    return sa.create_engine(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return store_conversations(tmp_path_factory.mktemp("review") / "conversations.db")


def ids(items):
    return [c.id for c in items]


def test_list_newest_first_with_flags(engine):
    items = records.conversations(engine)
    assert ids(items) == ["fallback", "complained", "emergency", "handed-off"]
    flags = {c.id: c.flags for c in items}
    assert flags == {
        "handed-off": ["handoff"],
        "emergency": ["emergency"],
        "complained": ["negative_feedback"],
        "fallback": ["fallback", "low_confidence"],
    }
    assert items[3].started == datetime(2026, 11, 2, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"flag": "handoff"}, ["handed-off"]),
        ({"flag": "low_confidence"}, ["fallback"]),
        ({"flag": "negative_feedback"}, ["complained"]),
        ({"since": "2026-11-05", "until": "2026-11-15"}, ["emergency"]),
        ({"procedure": "mibg_scan"}, ["fallback", "complained"]),
        ({"intent": "ask_preparation"}, ["handed-off"]),
        ({"search": "CHEST"}, ["emergency"]),
        ({"search": "07700"}, []),  # stored redacted
    ],
)
def test_filters(engine, filters, expected):
    assert ids(records.conversations(engine, records.Filters(**filters))) == expected


def test_transcript_has_intent_confidence_procedure_action_and_redacted_text(engine):
    item = records.conversation(engine, "handed-off")
    first = item.turns[0]
    assert first.text == "how do i prepare for an ultrasound, ring me on [phone]"
    assert (first.intent, first.confidence, first.procedures) == ("ask_preparation", 0.97, ["abdominal_ultrasound"])
    assert first.actions == ["action_answer_question"]
    assert item.turns[1].replies == ["freephone"]
    assert records.conversation(engine, "no-such-id") is None


@pytest.mark.parametrize(("name", "value"), [("since", "23/11/2026"), ("until", "yesterday")])
def test_malformed_date_filter_gives_a_clear_message(engine, name, value):
    with pytest.raises(ValueError, match=f"{name} must be a date written YYYY-MM-DD"):
        records.Filters(**{name: value})


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"flag": "angry"}, "flag must be one of"),
        ({"status": "done"}, "status must be one of reviewed, unreviewed"),
        ({"since": "2026-11-20", "until": "2026-11-01"}, "since .2026-11-20. is after until"),
    ],
)
def test_bad_filter_values_are_refused_with_a_clear_message(filters, message):
    with pytest.raises(ValueError, match=message):
        records.Filters(**filters)


def test_status_and_tag_filters_use_staff_notes(engine):
    notes = {"emergency": records.Note(reviewed=True, tags=("urgent",))}
    assert ids(records.conversations(engine, records.Filters(status="reviewed"), notes)) == ["emergency"]
    assert "emergency" not in ids(records.conversations(engine, records.Filters(status="unreviewed"), notes))
    assert ids(records.conversations(engine, records.Filters(tag="URGENT"), notes)) == ["emergency"]
    assert ids(records.conversations(engine, records.Filters(tag="other"), notes)) == []


def test_inbox_holds_the_fallback_and_low_confidence_messages_newest_first(engine):
    entries = records.inbox(records.conversations(engine))
    assert [(e.conversation_id, e.turn_index, e.turn.text) for e in entries] == [
        ("fallback", 1, "when do mibg results come"),
        ("fallback", 0, "blorp zzz"),
    ]


def test_summary_counts(engine):
    counts = records.summarise(records.conversations(engine))
    assert (counts.conversations, counts.patient_messages) == (4, 7)
    assert (counts.handoffs, counts.emergencies, counts.negative_feedback) == (1, 1, 1)
    assert counts.fallback_messages == 1 and counts.fallback_rate == pytest.approx(1 / 7)
    assert counts.top_procedures == [("mibg_scan", 2), ("abdominal_ultrasound", 1)]
    assert [(d.day, n) for d, n in counts.per_day] == [(2, 1), (10, 1), (16, 1), (20, 1)]


def test_incremental_index_sees_new_and_deleted_conversations(engine):
    index = records.ConversationIndex(engine)
    assert len(index.all()) == 4
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('late', 'user', :t, :d)"),
            {"t": at(22), "d": '{"event": "user", "text": "hello again", "parse_data": {}}'},
        )
    assert ids(index.all())[0] == "late"
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'late'"))
    assert "late" not in ids(index.all())


def test_csv_export_and_empty_export_has_headers(engine):
    out = io.StringIO()
    assert records.write_csv(records.conversations(engine, records.Filters(flag="emergency")), out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(records.CSV_COLUMNS)
    assert rows[1][0] == "emergency" and rows[1][4] == "emergency"
    empty = io.StringIO()
    assert records.write_csv(records.conversations(engine, records.Filters(search="nothing like this")), empty) == 0
    assert empty.getvalue().strip() == ",".join(records.CSV_COLUMNS)


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_stay_text():
    item = records.Conversation("=HYPERLINK(1)", datetime(2026, 11, 1), datetime(2026, 11, 1), [])
    out = io.StringIO()
    records.write_csv([item], out, {item.id: records.Note(note="+44 call back")})
    row = list(csv.reader(io.StringIO(out.getvalue())))[1]
    assert row[0] == "'=HYPERLINK(1)" and row[-1] == "'+44 call back"
    for sneaky in ("\t=1+1", "\r=cmd"):
        out = io.StringIO()
        records.write_csv([item], out, {item.id: records.Note(note=sneaky)})
        assert list(csv.reader(io.StringIO(out.getvalue())))[1][-1] == "'" + sneaky


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [(0, "conversation", "0 conversations"), (1, "conversation", "1 conversation"), (2, "event", "2 events")],
)
def test_counts_are_worded_in_the_singular_only_for_one(number, noun, expected):
    assert records.counted(number, noun) == expected


def test_an_empty_database_lists_nothing(tmp_path):
    assert records.conversations(sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")) == []


def cli(*args, db: Path, project: Path | None = None):
    env = {"PATH": "/usr/bin:/bin", "NETFAQ_DB_DIALECT": "sqlite", "NETFAQ_DB_NAME": str(db)}
    if project is not None:
        env["NETFAQ_PROJECT_DIR"] = str(project)
    return subprocess.run(
        [sys.executable, "-m", "netfaq", "review", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_command_line_twin(engine, tmp_path):
    db = Path(engine.url.database)
    listing = cli("list", "--flag", "emergency", db=db)
    assert listing.returncode == 0 and "emergency" in listing.stdout and "1 conversation\n" in listing.stdout
    shown = cli("show", "handed-off", db=db)
    assert "patient: how do i prepare for an ultrasound, ring me on [phone]" in shown.stdout
    assert "intent ask_preparation (0.97); procedure abdominal_ultrasound" in shown.stdout
    missing = cli("show", "nobody", db=db)
    assert missing.returncode == 1 and "no conversation with id 'nobody'" in missing.stderr
    bad = cli("list", "--since", "last week", db=db)
    assert bad.returncode == 2 and "since must be a date written YYYY-MM-DD" in bad.stderr
    export = tmp_path / "out.csv"
    assert cli("list", "--csv", str(export), db=db).returncode == 0
    assert len(export.read_text().splitlines()) == 5


def test_command_line_twin_marks_labels_and_exports(tmp_path):
    db = tmp_path / "conversations.db"
    store_conversations(db)
    marked = cli("mark", "emergency", "--reviewed", "--tags", "urgent, chest", "--note", "right advice", db=db)
    assert marked.returncode == 0 and "emergency: reviewed yes; tags urgent chest" in marked.stdout
    assert "emergency" in cli("list", "--status", "reviewed", "--tag", "chest", db=db).stdout
    assert cli("mark", "nobody", "--reviewed", db=db).returncode == 1
    assert "must be up to 40 letters" in cli("mark", "emergency", "--tags", "<b>", db=db).stderr
    inbox = cli("inbox", db=db)
    assert "fallback 0  nlu_fallback (0.40)  blorp zzz" in inbox.stdout and "2 messages to label" in inbox.stdout
    assert cli("label", "fallback", "0", "--intent", "made_up", db=db).returncode == 2
    assert cli("label", "fallback", "7", "--intent", "out_of_scope", db=db).returncode == 1
    labelled = cli("label", "fallback", "1", "--intent", "ask_results", "--procedure", "mibg_scan", db=db)
    assert labelled.stdout.strip() == "labelled 'when do mibg results come' as ask_results (mibg_scan)"
    assert "1 message to label; 1 labelled" in cli("inbox", db=db).stdout
    exported = tmp_path / "inbox.yml"
    assert cli("inbox", "--yaml", str(exported), db=db).returncode == 0
    assert '- intent: ask_results\n  examples:\n  - text: "when do mibg results come"' in exported.read_text()
    project = tmp_path / "project"
    shutil.copytree(ROOT / "data" / "nlu", project / "data" / "nlu")
    added = cli("inbox", "--to-data", db=db, project=project)
    assert added.returncode == 0 and "added 1 labelled message(s) to data/nlu (0 already there)" in added.stdout
    assert "    - when do mibg results come\n" in (project / "data" / "nlu" / "questions.yml").read_text()
    assert "(1 already there)" in cli("inbox", "--to-data", db=db, project=project).stdout
    summary = cli("summary", db=db).stdout
    assert "4 conversations, 7 patient messages; handoffs 1; emergencies 1; negative feedback 1" in summary
    assert "top procedures: mibg_scan 2, abdominal_ultrasound 1" in summary


def test_command_line_erasure_needs_confirming_and_keeps_the_rest(tmp_path):
    db = tmp_path / "conversations.db"
    engine = store_conversations(db)
    before = {c.id for c in records.conversations(engine)}
    refused = cli("erase", "emergency", db=db)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert {c.id for c in records.conversations(engine)} == before
    erased = cli("erase", "emergency", "--yes", db=db)
    assert erased.returncode == 0 and erased.stdout.startswith("erased emergency:")
    assert {c.id for c in records.conversations(engine)} == before - {"emergency"}
    assert cli("erase", "emergency", "--yes", db=db).returncode == 1  # nothing left to erase
