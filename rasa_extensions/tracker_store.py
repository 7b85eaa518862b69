"""Rasa's SQL tracker store, storing only redacted copies of what patients typed.

SQLite in a file by default; PostgreSQL when endpoints.yml's environment variables say so
(see README). The conversation in memory keeps the original text, so understanding is unchanged.

Rasa's own store took 40% of the server's time per message (profiled under load): a new SQLite
connection for every query, a COUNT query on every save to find the new events, and ORM objects
for every row. This one keeps SQLite connections open, remembers on each tracker how many of its
events are already stored, and reads and writes rows without the ORM. The rows are the same.
"""

from __future__ import annotations

import copy
import itertools
import json
from functools import lru_cache
from typing import Any, Iterator

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from netfaq.knowledge import load_knowledge
from netfaq.redaction import redact

# Set on every tracker this store reads or writes: how many of its events are in the database.
STORED_EVENTS = "_netfaq_stored_events"


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
            # SQLAlchemy 1.4 opens a new SQLite connection per session; keep a small pool instead.
            # Rasa runs its queries on the event loop's thread, one at a time.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, pool_size=2, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", _sqlite_wal)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:  # what Rasa's COUNT on save would find
            setattr(tracker, STORED_EVENTS, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))

    @staticmethod
    def _row(sender_id: str, event: Any) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _additional_events(self, session: Any, tracker: Any) -> Iterator:
        stored = getattr(tracker, STORED_EVENTS, None)
        new = (
            super()._additional_events(session, tracker)
            if stored is None  # a tracker this store has not seen: count the stored events, as Rasa does
            else itertools.islice(tracker.events, stored, None)
        )
        for event in new:
            yield redacted_copy(event) if isinstance(event, UserUttered) else event
