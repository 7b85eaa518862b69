"""Deleting stored conversations (Rasa's SQL tracker store `events` table): old ones by retention,
one on request by erasure, each with the staff's notes and labels that quote it.

A patient may erase their conversation only with the erase key their browser made for it: knowing a
sender id (it travels in addresses and logs) is not enough. The first message that carries a key
registers its SHA-256 (never the key) in `erase_keys`; an erasure must present the same key."""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass

import sqlalchemy as sa

from netfaq.review.annotations import labels_table, notes_table

DEFAULT_RETENTION_DAYS = 90.0
ERASE_KEY_LENGTHS = range(16, 129)  # characters; the chat page sends 32 hex digits

_erase_keys_metadata = sa.MetaData()
erase_keys_table = sa.Table(
    "erase_keys",
    _erase_keys_metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("key_sha256", sa.String(64), nullable=False),
)
_KEPT_WITH_A_CONVERSATION = (notes_table, labels_table, erase_keys_table)


def erase_key_digest(key: object) -> str | None:
    """The SHA-256 of a well-formed erase key, else None."""
    if not isinstance(key, str) or len(key) not in ERASE_KEY_LENGTHS:
        return None
    return hashlib.sha256(key.encode()).hexdigest()


def register_erase_key(engine: sa.engine.Engine, sender_id: str, digest: str) -> None:
    """The first key a conversation's messages carry is its key; later ones change nothing."""
    erase_keys_table.create(engine, checkfirst=True)
    with engine.begin() as connection:
        known = connection.execute(
            sa.select(erase_keys_table.c.key_sha256).where(erase_keys_table.c.conversation_id == sender_id)
        ).first()
        if known is None:
            try:
                with connection.begin_nested():
                    connection.execute(sa.insert(erase_keys_table).values(conversation_id=sender_id, key_sha256=digest))
            except sa.exc.IntegrityError:
                pass  # another server registered the conversation's first key at the same moment


def may_erase(engine: sa.engine.Engine, sender_id: str, digest: str | None) -> bool:
    """Whether this key is the conversation's: no key, or a conversation with none registered, may not."""
    if digest is None or not sa.inspect(engine).has_table(erase_keys_table.name):
        return False
    with engine.connect() as connection:
        known = connection.execute(
            sa.select(erase_keys_table.c.key_sha256).where(erase_keys_table.c.conversation_id == sender_id)
        ).scalar()
    return known is not None and hmac.compare_digest(known, digest)


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
        for table in (t for t in _KEPT_WITH_A_CONVERSATION if inspector.has_table(t.name)):
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
        staff_tables = [t for t in _KEPT_WITH_A_CONVERSATION if sa.inspect(connection).has_table(t.name)]
        deleted = 0
        for sender_id in old:
            deleted += connection.execute(
                sa.text("DELETE FROM events WHERE sender_id = :sender_id"), {"sender_id": sender_id}
            ).rowcount
            for table in staff_tables:  # notes and labels quote the conversation: they go with it, and its key
                connection.execute(sa.delete(table).where(table.c.conversation_id == sender_id))
    return RetentionResult(len(old), deleted)
