"""Deleting stored conversations (Rasa's SQL tracker store `events` table): old ones by retention,
one on request by erasure, each with the staff's notes and labels that quote it."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import sqlalchemy as sa

from netfaq.review.annotations import labels_table, notes_table

DEFAULT_RETENTION_DAYS = 90.0


def retention_days(env: dict[str, str] | None = None) -> float:
    """How long conversations are kept: NETFAQ_RETENTION_DAYS, else 90 days."""
    return float((env or os.environ).get("NETFAQ_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def erase_conversation(engine: sa.engine.Engine, sender_id: str) -> int:
    """Erase one conversation on request (the patient's or staff's): its events, notes and labels.
    Returns how many events were deleted."""
    with engine.begin() as connection:
        _overwrite_deleted(connection)
        inspector = sa.inspect(connection)
        if not inspector.has_table("events"):
            return 0
        deleted = connection.execute(
            sa.text("DELETE FROM events WHERE sender_id = :sender_id"), {"sender_id": sender_id}
        ).rowcount
        for table in (t for t in (notes_table, labels_table) if inspector.has_table(t.name)):
            connection.execute(sa.delete(table).where(table.c.conversation_id == sender_id))
    return deleted


def _overwrite_deleted(connection: sa.engine.Connection) -> None:
    """SQLite leaves deleted rows readable in the file's free pages until they are reused: with
    secure_delete it writes zeros over them, so an erased conversation can't be read back."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


@dataclass(frozen=True)
class RetentionResult:
    conversations: int
    events: int


def delete_older_than(engine: sa.engine.Engine, days: float, now: float | None = None) -> RetentionResult:
    """Delete whole conversations whose latest event is older than `days`, with their staff notes and labels."""
    if days < 0:
        raise ValueError("days must be zero or more")
    cutoff = (now if now is not None else time.time()) - days * 86400
    with engine.begin() as connection:
        _overwrite_deleted(connection)
        if not sa.inspect(connection).has_table("events"):
            return RetentionResult(0, 0)
        old = (
            connection.execute(
                sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
                {"cutoff": cutoff},
            )
            .scalars()
            .all()
        )
        staff_tables = [t for t in (notes_table, labels_table) if sa.inspect(connection).has_table(t.name)]
        deleted = 0
        for sender_id in old:
            deleted += connection.execute(
                sa.text("DELETE FROM events WHERE sender_id = :sender_id"), {"sender_id": sender_id}
            ).rowcount
            for table in staff_tables:  # notes and labels quote the conversation: they go with it
                connection.execute(sa.delete(table).where(table.c.conversation_id == sender_id))
    return RetentionResult(len(old), deleted)
