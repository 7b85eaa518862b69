"""Whether the conversation store can keep conversations, said in words an operator can act on.

Rasa falls back to keeping conversations in memory when its store fails, which forgets every
turn and stores nothing. The assistant refuses to start on a store this module finds unusable,
and while running treats a failing store as down (the patient is told) until it works again.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa

# Set by `netfaq run`, which checks the store before starting anything: a Rasa server it restarts
# after a crash starts even if the store has failed since, and serves on (999 advice first, then
# an apology) rather than leaving patients with no server at all. Plain `rasa run` refuses.
START_WITH_STORE_DOWN = "NETFAQ_START_WITH_STORE_DOWN"


def describe(url: sa.engine.URL) -> str:
    """The store as an operator would name it (never the password)."""
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    where = f"{url.host or 'localhost'}{f':{url.port}' if url.port else ''}"
    return f"the {url.get_backend_name()} database {url.database!r} on {where}"


def missing_file_problem(path: Path) -> str:
    """What to call an SQLite file that is not there any more."""
    return "the file is gone" if path.parent.is_dir() else f"its folder {path.parent} is gone"


def sqlite_problem(path: Path, create: bool = False) -> str | None:
    """Why SQLite can't keep conversations in this file, or None. With `create`, a missing file
    (and folder) is made, as on a first start, readable by the service user only (patients' words
    go in it); otherwise a missing file is a problem, because SQLite would silently start an empty one."""
    folder = path.parent
    if not path.exists():
        if not create:
            return missing_file_problem(path)
        if folder.exists() and not folder.is_dir():
            return f"{folder} is a file, not a folder"
        try:
            if not folder.exists():
                folder.mkdir(parents=True)
                folder.chmod(0o700)  # the service user's only, like var/
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError as error:
            return f"its folder {folder} can't be created ({error.strerror or error})"
    elif not path.is_file():
        return "it is not a file"
    try:
        connection = sqlite3.connect(f"file:{path}?mode=rwc", uri=True, timeout=5, isolation_level=None)
    except sqlite3.Error as error:
        return f"it can't be opened ({error})"
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # A write, undone: SQLite opens a file it can't write read-only without a word.
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE netfaq_write_check (x)")
        connection.execute("ROLLBACK")
    except sqlite3.Error as error:
        return _plain_sqlite_error(error)
    finally:
        connection.close()
    return None


def _plain_sqlite_error(error: sqlite3.Error) -> str:
    message = str(error)
    if "readonly" in message or "read-only" in message:
        return "it is read-only (SQLite says: attempt to write a readonly database)"
    if "not a database" in message:
        return "it is not an SQLite database (SQLite says: file is not a database)"
    return f"SQLite says: {message}"


def database_problem(url: sa.engine.URL, create: bool = True) -> str | None:
    """Why the store at `url` can't keep conversations, or None."""
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return sqlite_problem(Path(url.database), create=create)
    engine = sa.create_engine(url, pool_pre_ping=False, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        return f"it can't be reached ({first_line(error)})"
    finally:
        engine.dispose()
    return None


def first_line(error: Exception) -> str:
    """The first line of what the database said (SQLAlchemy adds the statement and its values)."""
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def refusal(url: sa.engine.URL, problem: str) -> str:
    return (
        f"The conversation store can't be used: {describe(url)}: {problem}. "
        "The assistant does not start without a working store (it would forget every turn and keep "
        "nothing for review). Fix the store, or point NETFAQ_DB_* at a working one, and start again."
    )
