"""What staff add to stored conversations: reviewed marks, notes, tags, and training labels.

Kept in two tables of our own beside Rasa's `events` table (same database), so Rasa's schema is
never altered and retention of conversations stays Rasa's business.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

import sqlalchemy as sa

from netfaq.core.redaction import plain_text
from netfaq.review.records import InboxItem, Note

metadata = sa.MetaData()

notes_table = sa.Table(
    "netfaq_review_notes",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("reviewed", sa.Boolean, nullable=False, default=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("tags", sa.Text, nullable=False, default=""),
    sa.Column("updated_at", sa.Float, nullable=False),
)

labels_table = sa.Table(
    "netfaq_training_labels",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("turn_index", sa.Integer, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(255), nullable=False),
    sa.Column("procedure", sa.String(255), nullable=True),
    sa.Column("labelled_at", sa.Float, nullable=False),
)

MAX_NOTE = 5000
_TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@cache
def ensure_tables(engine: sa.engine.Engine) -> None:
    """Create our tables once per engine, not on every read (the review pages read on every request)."""
    metadata.create_all(engine, checkfirst=True)


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags typed as "a, b c": lower-cased, de-duplicated; a tag is letters, digits, - and _."""
    tags: list[str] = []
    for raw in re.split(r"[,\s]+", text.strip().lower()):
        if not raw:
            continue
        if not _TAG.match(raw):
            raise ValueError(f"tag {raw!r} must be up to 40 letters, digits, '-' or '_'")
        if raw not in tags:
            tags.append(raw)
    return tuple(tags)


def _note(row: sa.engine.RowMapping) -> Note:
    return Note(bool(row["reviewed"]), row["note"], tuple(row["tags"].split()))


def all_notes(engine: sa.engine.Engine) -> dict[str, Note]:
    ensure_tables(engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(notes_table)).mappings().all()
    return {r["conversation_id"]: _note(r) for r in rows}


def get_note(engine: sa.engine.Engine, conversation_id: str) -> Note:
    ensure_tables(engine)
    query = sa.select(notes_table).where(notes_table.c.conversation_id == conversation_id)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return _note(row) if row else Note()


def save_note(
    engine: sa.engine.Engine,
    conversation_id: str,
    reviewed: bool | None = None,
    note: str | None = None,
    tags: tuple[str, ...] | None = None,
) -> Note:
    """Update the parts given (None keeps what is stored)."""
    if note is not None and len(note) > MAX_NOTE:
        raise ValueError(f"a note can be at most {MAX_NOTE} characters (this one has {len(note)})")
    current = get_note(engine, conversation_id)
    updated = Note(
        current.reviewed if reviewed is None else reviewed,
        current.note if note is None else note.strip(),
        current.tags if tags is None else tags,
    )
    with engine.begin() as connection:
        connection.execute(sa.delete(notes_table).where(notes_table.c.conversation_id == conversation_id))
        connection.execute(
            sa.insert(notes_table).values(
                conversation_id=conversation_id,
                reviewed=updated.reviewed,
                note=updated.note,
                tags=" ".join(updated.tags),
                updated_at=time.time(),
            )
        )
    return updated


@dataclass(frozen=True)
class Label:
    conversation_id: str
    turn_index: int
    text: str
    intent: str
    procedure: str | None
    labelled_at: datetime


def all_labels(engine: sa.engine.Engine) -> list[Label]:
    ensure_tables(engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(labels_table).order_by(labels_table.c.labelled_at)).mappings().all()
    return [
        Label(
            r["conversation_id"],
            r["turn_index"],
            r["text"],
            r["intent"],
            r["procedure"],
            datetime.fromtimestamp(r["labelled_at"], tz=timezone.utc),
        )
        for r in rows
    ]


def save_label(
    engine: sa.engine.Engine,
    conversation_id: str,
    turn_index: int,
    text: str,
    intent: str,
    procedure: str | None = None,
) -> None:
    ensure_tables(engine)
    key = (labels_table.c.conversation_id == conversation_id) & (labels_table.c.turn_index == turn_index)
    with engine.begin() as connection:
        connection.execute(sa.delete(labels_table).where(key))
        connection.execute(
            sa.insert(labels_table).values(
                conversation_id=conversation_id,
                turn_index=turn_index,
                text=text,
                intent=intent,
                procedure=procedure or None,
                labelled_at=time.time(),
            )
        )


def remove_label(engine: sa.engine.Engine, conversation_id: str, turn_index: int) -> bool:
    ensure_tables(engine)
    key = (labels_table.c.conversation_id == conversation_id) & (labels_table.c.turn_index == turn_index)
    with engine.begin() as connection:
        return connection.execute(sa.delete(labels_table).where(key)).rowcount > 0


def unlabelled(entries: list[InboxItem], labels: list[Label]) -> list[InboxItem]:
    """Inbox messages no one has labelled yet."""
    done = {(label.conversation_id, label.turn_index) for label in labels}
    return [entry for entry in entries if (entry.conversation_id, entry.turn_index) not in done]


def _yaml_string(text: str) -> str:
    """A double-quoted YAML scalar: safe for any character a patient typed (JSON's escapes,
    control characters included, are YAML's too)."""
    return json.dumps(" ".join(plain_text(text).split()), ensure_ascii=False)


def nlu_yaml(labels: list[Label], now: datetime | None = None) -> str:
    """Rasa NLU YAML (version 3.1) for the labelled messages, grouped by intent.

    The procedure goes into each example's metadata: the spaCy entity ruler, not the intent classifier, finds
    procedures, so a procedure the assistant missed needs an alias in the knowledge base.
    """
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Exported from the training inbox on {stamp}: {len(labels)} labelled patient messages.",
        "# Move each example into data/nlu/<topic>.yml under its intent, then `make train`.",
        "# A procedure in the metadata that the assistant did not recognise needs an alias in",
        "# data/knowledge/procedures/<procedure>.yml (then `make build`).",
        'version: "3.1"',
        "nlu:",
    ]
    by_intent: dict[str, list[Label]] = {}
    for label in labels:
        by_intent.setdefault(label.intent, []).append(label)
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples:"]
        for label in by_intent[intent]:
            lines.append(f"  - text: {_yaml_string(label.text)}")
            if label.procedure:
                lines += ["    metadata:", f"      procedure: {label.procedure}"]
    return "\n".join(lines) + "\n"
