"""Erasing a conversation leaves nothing of it in the database file, or beside it; only its own
erase key may erase it."""

from __future__ import annotations

import sqlalchemy as sa

from netfaq.review.retention import (
    delete_older_than,
    erase_conversation,
    erase_key_digest,
    erase_keys_table,
    may_erase,
    register_erase_key,
)


def test_erased_words_can_t_be_read_back_from_the_sqlite_file(tmp_path):
    path = tmp_path / "c.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    # As an SQLite built without SQLITE_SECURE_DELETE (this one has it on by default), which
    # leaves deleted rows readable in free pages.
    sa.event.listen(engine, "connect", lambda connection, record: connection.execute("PRAGMA secure_delete=OFF"))
    secret = "my neighbour Margaret Okonkwo drives me to the PET scan"
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        for n in range(50):  # enough rows that the erased ones sit in pages of their own
            connection.exec_driver_sql("INSERT INTO events (sender_id, data) VALUES ('keep', ?)", (f"kept {n}",))
        connection.exec_driver_sql("INSERT INTO events (sender_id, data) VALUES ('gone', ?)", (secret,))
    assert secret.encode() in path.read_bytes()
    assert erase_conversation(engine, "gone") == 1
    engine.dispose()
    left = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the file and any journal beside it
    assert secret.encode() not in left
    assert b"kept 49" in left


def test_only_the_first_erase_key_a_conversation_sent_may_erase_it(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    first, later = erase_key_digest("a" * 32), erase_key_digest("b" * 32)
    assert not may_erase(engine, "web-1", first)  # nothing registered yet
    register_erase_key(engine, "web-1", first)
    register_erase_key(engine, "web-1", later)  # a later key (someone who learnt the sender id) changes nothing
    assert may_erase(engine, "web-1", first)
    assert not may_erase(engine, "web-1", later) and not may_erase(engine, "web-1", None)
    assert not may_erase(engine, "web-2", first)  # a key is its own conversation's only


def test_malformed_erase_keys_are_no_keys():
    assert erase_key_digest(None) is None and erase_key_digest("short") is None and erase_key_digest(["a" * 32]) is None
    assert erase_key_digest("x" * 129) is None and len(erase_key_digest("x" * 16)) == 64


def test_a_conversation_s_erase_key_goes_with_it_by_erasure_or_retention(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)")
        connection.exec_driver_sql("INSERT INTO events (sender_id, timestamp) VALUES ('erased', 1e9), ('old', 1.0)")
    for sender in ("erased", "old"):
        register_erase_key(engine, sender, erase_key_digest(sender * 8))
    erase_conversation(engine, "erased")
    delete_older_than(engine, days=1, now=1e9)
    with engine.connect() as connection:
        assert connection.execute(sa.select(erase_keys_table)).all() == []
