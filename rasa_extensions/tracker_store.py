"""Rasa's SQL tracker store, storing only redacted copies of what patients typed.

SQLite in a file by default; PostgreSQL when endpoints.yml's environment variables say so
(see README). The conversation in memory keeps the original text, so understanding is unchanged.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any, Iterator

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import UserUttered

from netfaq.knowledge import load_knowledge
from netfaq.redaction import redact


@lru_cache(maxsize=1)
def _numbers_to_keep() -> tuple[str, ...]:
    return (load_knowledge().helpline.phone,)


def redacted_copy(event: UserUttered) -> UserUttered:
    clean = copy.deepcopy(event)
    result = redact(event.text, _numbers_to_keep())
    clean.text = result.text
    if isinstance(clean.parse_data, dict):
        clean.parse_data["text"] = result.text
        if result.kinds:
            clean.parse_data["redacted"] = list(result.kinds)
    return clean


def _sqlite_wal(connection: Any, record: Any) -> None:
    """Write-ahead logging: a commit costs no full-file sync, and the review pages can read while Rasa writes."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, host: str | None = None, port: Any = None, **kwargs: Any) -> None:
        # Values come from environment variables in endpoints.yml, so "" means "not set".
        super().__init__(*args, host=host or None, port=int(port) if port else None, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_wal)
            self.engine.dispose()  # connections opened while Rasa created the tables get the pragmas too

    def _additional_events(self, session: Any, tracker: Any) -> Iterator:
        for event in super()._additional_events(session, tracker):
            yield redacted_copy(event) if isinstance(event, UserUttered) else event
