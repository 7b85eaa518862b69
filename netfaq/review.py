"""Read stored conversations for staff review: summaries with flags, filters, transcripts, CSV.

Works on Rasa's SQL tracker store `events` table (SQLite or PostgreSQL); the text in it is
already redacted by rasa_extensions/tracker_store.py.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import IO, Iterable

import sqlalchemy as sa

LOW_CONFIDENCE = 0.6
FLAG_ACTIONS = {"handoff": "action_nurse_handoff", "emergency": "action_emergency"}
FLAGS = ("handoff", "emergency", "fallback", "low_confidence")
CSV_COLUMNS = ("conversation_id", "started", "ended", "patient_messages", "flags", "procedures", "intents")


@dataclass
class Turn:
    text: str
    intent: str | None
    confidence: float | None
    procedures: list[str]
    actions: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    id: str
    started: datetime
    ended: datetime
    turns: list[Turn]

    @property
    def flags(self) -> list[str]:
        actions = {a for t in self.turns for a in t.actions}
        found = [flag for flag, action in FLAG_ACTIONS.items() if action in actions]
        if "action_fallback" in actions or any(t.intent == "nlu_fallback" for t in self.turns):
            found.append("fallback")
        if any(t.confidence is not None and t.confidence < LOW_CONFIDENCE for t in self.turns):
            found.append("low_confidence")
        return found

    @property
    def procedures(self) -> list[str]:
        return sorted({p for t in self.turns for p in t.procedures})

    @property
    def intents(self) -> list[str]:
        return sorted({t.intent for t in self.turns if t.intent})


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD filter value; a malformed one raises ValueError naming the filter."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD, for example 2026-11-23 (got {value!r})") from None


def _stamp(seconds: float | None) -> datetime:
    return datetime.fromtimestamp(seconds or 0, tz=timezone.utc)


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
            turns.append(Turn(data.get("text") or "", intent.get("name"), intent.get("confidence"), procedures))
        elif turns and type_name == "action" and data.get("name") != "action_listen":
            turns[-1].actions.append(data["name"])
        elif turns and type_name == "bot" and data.get("text"):
            turns[-1].replies.append(data["text"])
    if not turns:
        return None  # a session start with no patient message yet
    return Conversation(sender_id, _stamp(min(stamps)), _stamp(max(stamps)), turns)


def _rows(connection: sa.engine.Connection, sender_id: str | None = None) -> dict[str, list]:
    query = "SELECT sender_id, type_name, timestamp, data FROM events"
    params = {}
    if sender_id is not None:
        query += " WHERE sender_id = :sender_id"
        params["sender_id"] = sender_id
    grouped: dict[str, list] = {}
    if not sa.inspect(connection).has_table("events"):
        return grouped
    for sender, type_name, timestamp, data in connection.execute(sa.text(query + " ORDER BY id"), params):
        grouped.setdefault(sender, []).append((type_name, timestamp, data))
    return grouped


def conversation(engine: sa.engine.Engine, sender_id: str) -> Conversation | None:
    with engine.connect() as connection:
        rows = _rows(connection, sender_id).get(sender_id)
    return _conversation(sender_id, rows) if rows else None


def conversations(
    engine: sa.engine.Engine,
    flag: str | None = None,
    since: str | None = None,
    until: str | None = None,
    procedure: str | None = None,
    intent: str | None = None,
    search: str | None = None,
) -> list[Conversation]:
    """Conversations matching every filter given, newest first."""
    if flag is not None and flag not in FLAGS:
        raise ValueError(f"flag must be one of {', '.join(FLAGS)} (got {flag!r})")
    first, last = parse_day(since, "since"), parse_day(until, "until")
    with engine.connect() as connection:
        grouped = _rows(connection)
    found = []
    for sender_id, rows in grouped.items():
        item = _conversation(sender_id, rows)
        if item is None:
            continue
        if flag and flag not in item.flags:
            continue
        if first and item.ended.date() < first or last and item.started.date() > last:
            continue
        if procedure and procedure not in item.procedures or intent and intent not in item.intents:
            continue
        if search and not any(search.lower() in t.text.lower() for t in item.turns):
            continue
        found.append(item)
    return sorted(found, key=lambda c: c.ended, reverse=True)


def write_csv(items: Iterable[Conversation], out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for item in items:
        writer.writerow(
            [
                item.id,
                item.started.isoformat(timespec="seconds"),
                item.ended.isoformat(timespec="seconds"),
                len(item.turns),
                " ".join(item.flags),
                " ".join(item.procedures),
                " ".join(item.intents),
            ]
        )
        count += 1
    return count
