"""Read stored conversations for staff review: summaries with flags, filters, transcripts, CSV.

Works on Rasa's SQL tracker store `events` table (SQLite or PostgreSQL); the text in it is
already redacted by rasa_extensions/tracker_store.py. Staff notes, tags and training labels
live beside it (netfaq/review/annotations.py).
"""

from __future__ import annotations

import csv
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from typing import IO, Callable, Iterable, Mapping

import sqlalchemy as sa

from netfaq.core.dialogue import EMERGENCY_RESPONSE, FALLBACK_INTENT, HANDOFF_ACTION, NEGATIVE_FEEDBACK_INTENT

LOW_CONFIDENCE = 0.6
FLAG_ACTIONS = {"handoff": HANDOFF_ACTION, "emergency": EMERGENCY_RESPONSE}
FLAGS = ("handoff", "emergency", "fallback", "low_confidence", "negative_feedback")
STATUSES = ("reviewed", "unreviewed")


@dataclass
class Turn:
    text: str
    intent: str | None
    confidence: float | None
    procedures: list[str]
    actions: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    # The classifier's own best guess when the FallbackClassifier replaced it.
    classifier_intent: str | None = None

    @property
    def fell_to_fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT

    @property
    def low_confidence(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE

    @property
    def needs_training(self) -> bool:
        """Where the assistant was unsure: the messages the training inbox offers for labelling."""
        return self.fell_to_fallback or self.low_confidence


@dataclass
class Conversation:
    id: str
    started: datetime
    ended: datetime
    turns: list[Turn]

    @cached_property
    def flags(self) -> list[str]:
        actions = {a for t in self.turns for a in t.actions}
        found = [flag for flag, action in FLAG_ACTIONS.items() if action in actions]
        if any(t.fell_to_fallback for t in self.turns):
            found.append("fallback")
        if any(t.low_confidence for t in self.turns):
            found.append("low_confidence")
        if any(t.intent == NEGATIVE_FEEDBACK_INTENT for t in self.turns):
            found.append("negative_feedback")
        return found

    @cached_property
    def procedures(self) -> list[str]:
        return sorted({p for t in self.turns for p in t.procedures})

    @cached_property
    def intents(self) -> list[str]:
        return sorted({t.intent for t in self.turns if t.intent})


@dataclass(frozen=True)
class Note:
    """What staff recorded about a conversation."""

    reviewed: bool = False
    note: str = ""
    tags: tuple[str, ...] = ()


def counted(number: int, noun: str) -> str:
    """ "1 conversation", "3 conversations": the nouns counted in the review tools take a plain -s."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD filter value; a malformed one raises ValueError naming the filter."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD, for example 2026-11-23 (got {value!r})") from None


@dataclass(frozen=True)
class Filters:
    """The list filters, checked once on creation so a bad value is reported before any work."""

    flag: str | None = None
    since: str | None = None
    until: str | None = None
    procedure: str | None = None
    intent: str | None = None
    search: str | None = None
    status: str | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        if self.flag and self.flag not in FLAGS:
            raise ValueError(f"flag must be one of {', '.join(FLAGS)} (got {self.flag!r})")
        if self.status and self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)} (got {self.status!r})")
        first, last = self.days
        if first and last and first > last:
            raise ValueError(f"since ({first}) is after until ({last}): no day can match")

    @cached_property
    def days(self) -> tuple[date | None, date | None]:
        """since and until as dates, parsed once rather than for every conversation matched."""
        return parse_day(self.since, "since"), parse_day(self.until, "until")

    def matches(self, item: Conversation, note: Note) -> bool:
        first, last = self.days
        if self.flag and self.flag not in item.flags:
            return False
        if first and item.ended.date() < first or last and item.started.date() > last:
            return False
        if self.procedure and self.procedure not in item.procedures:
            return False
        if self.intent and self.intent not in item.intents:
            return False
        if self.search and not any(self.search.lower() in t.text.lower() for t in item.turns):
            return False
        if self.status and note.reviewed != (self.status == "reviewed"):
            return False
        return not self.tag or self.tag.strip().lower() in note.tags


def _stamp(seconds: float | None) -> datetime:
    return datetime.fromtimestamp(seconds or 0, tz=timezone.utc)


def _classifier_intent(parse: dict) -> str | None:
    ranking = [r.get("name") for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    return ranking[0] if ranking else None


def _conversation(sender_id: str, rows: Iterable[tuple[str, float, str]]) -> Conversation | None:
    turns: list[Turn] = []
    stamps: list[float] = []
    for type_name, timestamp, raw in rows:
        data = json.loads(raw)
        stamps.append(timestamp or 0)
        if type_name == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            procedures = [e["value"] for e in parse.get("entities", []) if e.get("entity") == "procedure"]
            turns.append(
                Turn(
                    data.get("text") or "",
                    intent.get("name"),
                    intent.get("confidence"),
                    procedures,
                    classifier_intent=_classifier_intent(parse),
                )
            )
        elif turns and type_name == "action" and data.get("name") != "action_listen":
            turns[-1].actions.append(data["name"])
        elif turns and type_name == "bot" and data.get("text"):
            turns[-1].replies.append(data["text"])
    if not turns:
        return None  # a session start with no patient message yet
    return Conversation(sender_id, _stamp(min(stamps)), _stamp(max(stamps)), turns)


def _grouped_rows(connection: sa.engine.Connection, senders: list[str] | None = None) -> dict[str, list]:
    query = "SELECT sender_id, type_name, timestamp, data FROM events"
    params: dict[str, object] = {}
    statement = sa.text(query + " ORDER BY id")
    if senders is not None:
        statement = sa.text(query + " WHERE sender_id IN :senders ORDER BY id").bindparams(
            sa.bindparam("senders", expanding=True)
        )
        params["senders"] = senders
    grouped: dict[str, list] = {}
    for sender, type_name, timestamp, data in connection.execute(statement, params):
        grouped.setdefault(sender, []).append((type_name, timestamp, data))
    return grouped


class ConversationIndex:
    """Parsed conversations, refreshed incrementally: only senders with new events are re-read.

    Rasa only appends events, so the highest event id tells what is new; when the count is not
    the old count plus the new events, some were deleted (retention, an erasure): a full reload.
    """

    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine
        self._items: dict[str, Conversation] = {}
        self._seen: tuple[int, int] | None = None
        self._lock = threading.Lock()  # the review server answers requests in threads

    def refresh(self) -> None:
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        with self.engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                self._items, self._seen = {}, None
                return
            count, highest = connection.execute(sa.text("SELECT COUNT(*), MAX(id) FROM events")).one()
            state = (count, highest or 0)
            if state == self._seen:
                return
            added = (
                connection.execute(
                    sa.text("SELECT COUNT(*) FROM events WHERE id > :seen"), {"seen": self._seen[1]}
                ).scalar()
                if self._seen is not None
                else 0
            )
            if self._seen is None or count != self._seen[0] + added:
                self._items = {}
                grouped = _grouped_rows(connection)
            else:
                senders = (
                    connection.execute(
                        sa.text("SELECT DISTINCT sender_id FROM events WHERE id > :seen"), {"seen": self._seen[1]}
                    )
                    .scalars()
                    .all()
                )
                grouped = _grouped_rows(connection, list(senders)) if senders else {}
        for sender_id, rows in grouped.items():
            item = _conversation(sender_id, rows)
            if item is not None:
                self._items[sender_id] = item
        self._seen = state

    def get(self, sender_id: str) -> Conversation | None:
        self.refresh()
        return self._items.get(sender_id)

    def all(self) -> list[Conversation]:
        """Every conversation with a patient message, newest first."""
        self.refresh()
        return sorted(self._items.values(), key=lambda c: c.ended, reverse=True)


def conversation(engine: sa.engine.Engine, sender_id: str) -> Conversation | None:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return None
        rows = _grouped_rows(connection, [sender_id]).get(sender_id)
    return _conversation(sender_id, rows) if rows else None


def select(
    items: Iterable[Conversation], filters: Filters, notes: Mapping[str, Note] | None = None
) -> list[Conversation]:
    notes = notes or {}
    return [item for item in items if filters.matches(item, notes.get(item.id, Note()))]


def conversations(
    engine: sa.engine.Engine, filters: Filters | None = None, notes: Mapping[str, Note] | None = None
) -> list[Conversation]:
    """Conversations matching every filter given, newest first."""
    filters = filters or Filters()
    return select(ConversationIndex(engine).all(), filters, notes)


@dataclass(frozen=True)
class InboxItem:
    """A patient message the assistant was unsure about, addressed by conversation and turn."""

    conversation_id: str
    turn_index: int
    when: datetime
    turn: Turn


def inbox(items: Iterable[Conversation]) -> list[InboxItem]:
    """Messages that fell to fallback or had low confidence, newest first."""
    found = [
        InboxItem(item.id, index, item.ended, turn)
        for item in items
        for index, turn in enumerate(item.turns)
        if turn.needs_training and turn.text.strip()
    ]
    return sorted(found, key=lambda i: (i.when, i.turn_index), reverse=True)


@dataclass(frozen=True)
class Summary:
    conversations: int
    patient_messages: int
    per_day: list[tuple[date, int]]
    handoffs: int
    emergencies: int
    negative_feedback: int
    fallback_messages: int
    top_procedures: list[tuple[str, int]]

    @property
    def fallback_rate(self) -> float:
        return self.fallback_messages / self.patient_messages if self.patient_messages else 0.0


def summarise(items: list[Conversation], days: int = 30, top: int = 5) -> Summary:
    """Counts for the top of the review page; per_day covers the last `days` days that have any."""
    per_day = Counter(item.started.date() for item in items)
    flags = Counter(flag for item in items for flag in item.flags)
    procedures = Counter(p for item in items for p in item.procedures)
    return Summary(
        conversations=len(items),
        patient_messages=sum(len(item.turns) for item in items),
        per_day=sorted(per_day.items())[-days:],
        handoffs=flags["handoff"],
        emergencies=flags["emergency"],
        negative_feedback=flags["negative_feedback"],
        fallback_messages=sum(t.fell_to_fallback for item in items for t in item.turns),
        top_procedures=procedures.most_common(top),
    )


def _cell(value: object) -> str:
    """Spreadsheets run cells starting with = + - @ (or a tab or carriage return before one) as
    formulas; a sender id or note must stay text."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class Column:
    """One column of the conversation list, the same in the CSV export, the review page and the CLI."""

    key: str  # the CSV header
    heading: str  # on the page and in the terminal
    value: Callable[[Conversation, Note], str]
    listed: bool = True  # shown on the page and in the terminal, not only exported


COLUMNS = (
    Column("conversation_id", "Conversation", lambda item, note: item.id),
    Column("started", "Started", lambda item, note: item.started.isoformat(timespec="seconds"), listed=False),
    Column("ended", "Last message", lambda item, note: item.ended.isoformat(timespec="seconds")),
    Column("patient_messages", "Messages", lambda item, note: str(len(item.turns))),
    Column("flags", "Flags", lambda item, note: " ".join(item.flags)),
    Column("procedures", "Procedures", lambda item, note: " ".join(item.procedures)),
    Column("intents", "Intents", lambda item, note: " ".join(item.intents), listed=False),
    Column("reviewed", "Reviewed", lambda item, note: "yes" if note.reviewed else "no"),
    Column("tags", "Tags", lambda item, note: " ".join(note.tags)),
    Column("note", "Note", lambda item, note: note.note, listed=False),
)
CSV_COLUMNS = tuple(column.key for column in COLUMNS)
LISTED_COLUMNS = tuple(column for column in COLUMNS if column.listed)


def write_csv(items: Iterable[Conversation], out: IO[str], notes: Mapping[str, Note] | None = None) -> int:
    notes = notes or {}
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for item in items:
        note = notes.get(item.id, Note())
        writer.writerow([_cell(column.value(item, note)) for column in COLUMNS])
        count += 1
    return count
