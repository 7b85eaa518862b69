"""Rasa's SQL tracker store, storing only redacted copies of what patients typed.

SQLite in a file by default; PostgreSQL when endpoints.yml's environment variables say so
(see README). The conversation in memory keeps the original text, so understanding is unchanged.

Rasa's own store took 40% of the server's time per message (profiled under load): a new SQLite
connection for every query, a COUNT query on every save to find the new events, and ORM objects
for every row. This one keeps SQLite connections open, remembers on each tracker how many of its
events are already stored, and runs its two statements, compiled once for the database's dialect,
straight through the database driver: building and hashing SQLAlchemy queries per message had
cost more than the queries (still 40% of the server's time). The rows are the same.

A store that can't be used stops the server at start with a message naming it and the problem
(Rasa would quietly keep conversations in memory instead). A store that fails while running is
treated as down: nothing is read from or written to Rasa's in-memory fallback, the turn is marked
in STORE_TROUBLE so the channel tells the patient and gives the helpline, and the next message
tries the store again, so it recovers by itself. An SQLite file that is deleted or replaced under
the server counts as down too: SQLite would otherwise write on into the deleted file.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import os
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from netfaq.core.database import database_url
from netfaq.core.knowledge_store import current_knowledge
from netfaq.core.redaction import redact
from netfaq.core.store_health import (
    START_WITH_STORE_DOWN,
    database_problem,
    describe,
    first_line,
    missing_file_problem,
    refusal,
)

logger = logging.getLogger(__name__)

# Set on every tracker this store reads or writes: how many of its events are in the database.
STORED_EVENTS = "_netfaq_stored_events"

CONNECT_TIMEOUT_S = 5

# Set during a turn whose conversation could not be read or stored: what went wrong.
STORE_TROUBLE: ContextVar[str | None] = ContextVar("netfaq_store_trouble", default=None)


class StoreDown(Exception):
    """The store can't be used right now (the SQLite file is gone, or the database fails)."""


def _numbers_to_keep() -> tuple[str, ...]:
    """Numbers never redacted: the helpline's, as the knowledge base has it now."""
    return (current_knowledge().helpline.phone,)


def redacted_copy(event: UserUttered) -> UserUttered:
    clean = copy.deepcopy(event)
    result = redact(event.text, _numbers_to_keep())
    clean.text = result.text
    if isinstance(clean.parse_data, dict):
        clean.parse_data["text"] = result.text
        if result.kinds:
            clean.parse_data["redacted"] = list(result.kinds)
    return clean


def _sqlite_file(url: sa.engine.URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _sqlite_journal(connection: Any, record: Any) -> None:
    """A rollback journal, truncated after each commit, not write-ahead logging: WAL maps its
    `-shm` file into memory, and when that file stops being writable (made immutable, a disk
    remounted read-only) the next write kills the whole server with SIGBUS, 999 advice and all.
    A commit costs about 0.7 ms more than with WAL; the review pages' reads wait for it."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=TRUNCATE")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass(frozen=True)
class CompiledStatement:
    """A statement compiled once, with the parameter order its driver wants."""

    sql: str
    positional_names: tuple[str, ...] | None  # None: the driver takes named parameters

    @classmethod
    def compile(cls, statement: Any, dialect: Any) -> CompiledStatement:
        compiled = statement.compile(dialect=dialect)
        return cls(str(compiled), tuple(compiled.positiontup) if compiled.positional else None)

    def parameters(self, values: dict[str, Any]) -> tuple | dict[str, Any]:
        if self.positional_names is None:
            return values
        return tuple(values[name] for name in self.positional_names)


EVENT_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self, domain: Any = None, event_broker: Any = None, url: sa.engine.URL | None = None, **ignored: Any
    ) -> None:
        """The database is `url`, else the NETFAQ_DB_* settings (netfaq/core/database.py), so
        endpoints.yml names only this class and plain `rasa run` needs no variable set."""
        url = url or database_url()
        problem = database_problem(url, create=True)  # creates a first SQLite file, mode 600
        if problem and not os.environ.get(START_WITH_STORE_DOWN):
            message = refusal(url, problem)
            logger.critical(message)
            raise SystemExit(message)
        sqlite_file = _sqlite_file(url)
        super().__init__(
            domain,
            dialect=url.get_backend_name(),
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=event_broker,
        )
        self._described = describe(url)
        self._sqlite_file = sqlite_file
        self._sqlite_inode = sqlite_file.stat().st_ino if sqlite_file and sqlite_file.exists() else None
        self._down: str | None = None
        if problem:  # restarted by the launcher, which checked the store when it began
            logger.error(
                f"Starting with the conversation store down ({self._described}: {problem}). Replies, "
                "emergency advice first, go on with an apology and the helpline; the store is tried "
                "again on every turn."
            )
            self._down = problem
        if sqlite_file is not None:  # an older file, and what SQLite writes beside it: ours only
            for path in (sqlite_file, *(Path(f"{sqlite_file}{end}") for end in ("-wal", "-shm", "-journal"))):
                if path.exists():
                    with suppress(OSError):  # an immutable file is a store that is down, said below
                        path.chmod(0o600)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection per session; keep a small pool instead.
            # Rasa runs its queries on the event loop's thread, one at a time.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, pool_size=2, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", _sqlite_journal)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        elif self.engine.dialect.name == "postgresql":
            # Queries run on the event loop: a database that doesn't answer must not hold it for long.
            settings = create_engine_kwargs(self.engine.url)
            settings["connect_args"] = {**settings.get("connect_args", {}), "connect_timeout": CONNECT_TIMEOUT_S}
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, **settings)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        events = self.SQLEvent.__table__
        sender = events.c.sender_id == sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(sender, events.c.type_name == sa.bindparam("session_started"))
            .scalar_subquery()
        )
        all_sessions = sa.select(events.c.data).where(sender).order_by(events.c.id)
        # The same rows as Rasa's `_event_query`: from the latest session start on, or all if none.
        in_latest_session = sa.or_(events.c.timestamp >= session_start, session_start.is_(None))
        latest_session = sa.select(events.c.data).where(sender, in_latest_session).order_by(events.c.id)
        count_latest_session = sa.select(sa.func.count()).select_from(events).where(sender, in_latest_session)
        dialect = self.engine.dialect
        self._select_all = CompiledStatement.compile(all_sessions, dialect)
        self._select_latest = CompiledStatement.compile(latest_session, dialect)
        self._count_latest = CompiledStatement.compile(count_latest_session, dialect)
        # inline(): no RETURNING of the new ids, which executemany can't do.
        self._insert = CompiledStatement.compile(
            events.insert().inline().values({name: sa.bindparam(name) for name in EVENT_COLUMNS}), dialect
        )

    @contextmanager
    def _driver_cursor(self) -> Iterator[Any]:
        """A cursor on a pooled connection; commits if the block succeeds (the pool rolls back
        otherwise). Any failure of the store is raised as StoreDown."""
        self._check_sqlite_file()
        try:
            connection = self.engine.raw_connection()
            try:
                cursor = connection.cursor()
                yield cursor
                cursor.close()
                connection.commit()
            finally:
                connection.close()
        except (sa.exc.SQLAlchemyError, self.engine.dialect.dbapi.Error) as error:
            self.engine.dispose()  # the next attempt opens new connections
            raise StoreDown(first_line(error)) from error
        self._works_again()

    def _check_sqlite_file(self) -> None:
        """SQLite writes on into a deleted file, and would create an empty one in its place:
        a missing file is a store that is down; a replaced one (restored) is opened anew."""
        if self._sqlite_file is None:
            return
        try:
            inode = self._sqlite_file.stat().st_ino
        except OSError:
            raise StoreDown(missing_file_problem(self._sqlite_file)) from None
        if inode != self._sqlite_inode:
            self.engine.dispose()
            self._sqlite_inode = inode

    def _store_down(self, sender_id: str, doing: str, problem: str) -> None:
        STORE_TROUBLE.set(problem)
        if self._down != problem:
            logger.error(
                f"The conversation store stopped working ({self._described}: {problem}). Patients are "
                "told and given the helpline, and their turns are not stored, until it works again."
            )
            self._down = problem
        logger.error(f"Could not {doing} the conversation of sender {sender_id[:12]}: the store is down.")

    def _works_again(self) -> None:
        if self._down is not None:
            logger.warning(f"The conversation store works again ({self._described}).")
            self._down = None

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        statement = self._select_all if fetch_events_from_all_sessions else self._select_latest
        try:
            with self._driver_cursor() as cursor:
                cursor.execute(statement.sql, statement.parameters(self._sender_values(sender_id)))
                events = [json.loads(data) for (data,) in cursor.fetchall()]
        except StoreDown as down:
            self._store_down(sender_id, "read", str(down))
            return None  # Rasa starts a new tracker; the turn is answered, marked and not stored
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:  # what Rasa's COUNT on save would find
            setattr(tracker, STORED_EVENTS, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the turn's new events; not in memory when the store is down (the patient is told).
        A turn whose conversation could not be read is not stored either: its tracker started
        afresh, so its events would not follow the stored ones."""
        await self.stream_events(tracker)
        if STORE_TROUBLE.get() is not None:
            logger.error(f"The turn of sender {tracker.sender_id[:12]} was not stored: the store was down.")
            return
        try:
            with self._driver_cursor() as cursor:
                stored = getattr(tracker, STORED_EVENTS, None)
                if stored is None:  # a tracker this store has not read (a new one): count, as Rasa does
                    cursor.execute(
                        self._count_latest.sql, self._count_latest.parameters(self._sender_values(tracker.sender_id))
                    )
                    (stored,) = cursor.fetchone()
                rows = [self._row(tracker.sender_id, event) for event in self._new_events(tracker, stored)]
                if rows:
                    cursor.executemany(self._insert.sql, [self._insert.parameters(row) for row in rows])
        except StoreDown as down:
            self._store_down(tracker.sender_id, "store", str(down))
            return
        setattr(tracker, STORED_EVENTS, len(tracker.events))

    @staticmethod
    def _sender_values(sender_id: str) -> dict[str, str]:
        return {"sender_id": sender_id, "session_started": SessionStarted.type_name}

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

    @staticmethod
    def _new_events(tracker: DialogueStateTracker, stored: int) -> Iterator:
        for event in itertools.islice(tracker.events, stored, None):
            yield redacted_copy(event) if isinstance(event, UserUttered) else event
