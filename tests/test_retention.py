"""Erasing a conversation leaves nothing of it in the database file, or beside it."""

from __future__ import annotations

import sqlalchemy as sa

from netfaq.review.retention import erase_conversation


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
