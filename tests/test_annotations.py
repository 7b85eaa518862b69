"""Staff notes, tags and training labels in a real SQLite file; the NLU YAML export read back by Rasa."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from rasa.shared.nlu.training_data.loading import load_data

from netfaq.review import annotations
from netfaq.review.records import Note
from netfaq.review.retention import delete_older_than


@pytest.fixture
def engine(tmp_path):
    return sa.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")


def test_notes_update_only_what_is_given(engine):
    assert annotations.get_note(engine, "c1") == Note()
    annotations.save_note(engine, "c1", reviewed=True, note="  asked twice about MIBG  ", tags=("mibg",))
    annotations.save_note(engine, "c1", tags=("mibg", "wrong-answer"))
    assert annotations.get_note(engine, "c1") == Note(True, "asked twice about MIBG", ("mibg", "wrong-answer"))
    annotations.save_note(engine, "c1", reviewed=False)
    assert annotations.all_notes(engine)["c1"].reviewed is False


def test_a_huge_note_is_refused_and_nothing_is_lost(engine):
    annotations.save_note(engine, "c1", note="kept")
    with pytest.raises(ValueError, match="at most 5000 characters"):
        annotations.save_note(engine, "c1", note="x" * 5001)
    assert annotations.get_note(engine, "c1").note == "kept"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Urgent, MIBG  urgent", ("urgent", "mibg")), ("", ()), ("wrong-answer,follow_up", ("wrong-answer", "follow_up"))],
)
def test_tags_are_normalised(typed, expected):
    assert annotations.parse_tags(typed) == expected


@pytest.mark.parametrize("typed", ["<script>", "a" * 41, "semi;colon"])
def test_bad_tags_are_refused(typed):
    with pytest.raises(ValueError, match="must be up to 40 letters"):
        annotations.parse_tags(typed)


def test_labels_replace_per_message_and_can_be_removed(engine):
    annotations.save_label(engine, "c1", 0, "mibg thing wen results", "ask_results", "mibg_scan")
    annotations.save_label(engine, "c1", 0, "mibg thing wen results", "ask_duration", "mibg_scan")
    annotations.save_label(engine, "c2", 3, 'he said "bring a book"', "ask_arrival")
    labels = annotations.all_labels(engine)
    assert [(label.conversation_id, label.intent, label.procedure) for label in labels] == [
        ("c1", "ask_duration", "mibg_scan"),
        ("c2", "ask_arrival", None),
    ]
    assert annotations.remove_label(engine, "c2", 3) is True
    assert annotations.remove_label(engine, "c2", 3) is False


def test_nlu_yaml_export_is_read_by_rasa_with_intents_texts_and_procedures(engine, tmp_path):
    annotations.save_label(engine, "c1", 0, "mibg thing wen results", "ask_results", "mibg_scan")
    annotations.save_label(engine, "c2", 1, 'he said "bring a book"\\ [phone]', "ask_arrival")
    text = annotations.nlu_yaml(annotations.all_labels(engine), datetime(2026, 11, 23, tzinfo=timezone.utc))
    assert text.startswith("# Exported from the training inbox on 2026-11-23 00:00 UTC: 2 labelled")
    path = tmp_path / "inbox.yml"
    path.write_text(text, encoding="utf-8")
    data = load_data(str(path))
    examples = {m.get("text"): (m.get("intent"), m.get("metadata")) for m in data.intent_examples}
    assert examples == {
        "mibg thing wen results": ("ask_results", {"example": {"procedure": "mibg_scan"}}),
        'he said "bring a book"\\ [phone]': ("ask_arrival", None),
    }


def test_an_export_with_control_characters_and_broken_unicode_loads_back(engine, tmp_path):
    annotations.save_label(engine, "c3", 0, "escape \x1b[31m red \x00 nul \x7f half", "ask_results")
    path = tmp_path / "inbox.yml"
    path.write_text(annotations.nlu_yaml(annotations.all_labels(engine)), encoding="utf-8")
    texts = [m.get("text") for m in load_data(str(path)).intent_examples]
    assert "escape [31m red nul half" in texts


def test_an_empty_export_is_still_valid_yaml(tmp_path):
    path = tmp_path / "inbox.yml"
    path.write_text(annotations.nlu_yaml([]), encoding="utf-8")
    assert load_data(str(path)).intent_examples == []


def test_retention_removes_notes_and_labels_with_the_conversation(engine):
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)"))
        connection.execute(sa.text("INSERT INTO events (sender_id, timestamp) VALUES ('old', 1000), ('new', 200000)"))
    for sender in ("old", "new"):
        annotations.save_note(engine, sender, reviewed=True)
        annotations.save_label(engine, sender, 0, "text", "ask_results")
    assert delete_older_than(engine, days=1, now=1000 + 86400 * 2).conversations == 1
    assert set(annotations.all_notes(engine)) == {"new"}
    assert [label.conversation_id for label in annotations.all_labels(engine)] == ["new"]
