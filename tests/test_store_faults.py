"""The conversation store failing, against real servers: the assistant refuses to start on an
unusable store, and while running a store that stops working gets the patient an apology with
the helpline (999 advice still first), keeps nothing in memory, and recovers by itself."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
import uuid

import pytest
import sqlalchemy as sa

from netfaq.core.database import database_url
from netfaq.core.knowledge import load_knowledge
from netfaq.core.store_health import START_WITH_STORE_DOWN
from netfaq.tools.processes import (
    free_port,
    running_assistant,
    start_action_server,
    start_rasa_server,
    wait_until_up,
)
from netfaq.tools.services import PostgresCluster
from tests.read_only import read_only_sqlite_file
from tests.test_e2e import Assistant, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]

APOLOGY = "Sorry: I can't keep a record of our conversation just now"


def helpline_phone() -> str:
    return load_knowledge().helpline.phone


def exits_with(process, timeout: float = 120.0) -> int:
    started = time.monotonic()
    while process.popen.poll() is None:
        if time.monotonic() - started > timeout:
            process.stop()
            pytest.fail(f"the Rasa server kept running on an unusable store; see {process.log}")
        time.sleep(0.3)
    return process.popen.returncode


def broken_file(folder):
    path = folder / "c.db"
    path.write_text("this is not a database " * 200)
    return path, "it is not an SQLite database (SQLite says: file is not a database)"


def blocked_folder(folder):
    (folder / "var").write_text("a file where the folder should be")
    return folder / "var" / "c.db", f"{folder / 'var'} is a file, not a folder"


@pytest.mark.parametrize("make", [broken_file, blocked_folder], ids=["not-a-database", "folder-blocked"])
def test_rasa_refuses_to_start_on_an_unusable_store_and_says_why(make, trained_model, tmp_path):
    path, problem = make(tmp_path)
    process = start_rasa_server(
        free_port(), free_port(), trained_model, tmp_path / "logs", env={"NETFAQ_DB_NAME": str(path)}
    )
    assert exits_with(process) != 0
    log = process.log.read_text(encoding="utf-8")
    assert f"The conversation store can't be used: the SQLite file {path}: {problem}" in log
    assert "InMemoryTrackerStore" not in log


def test_rasa_refuses_to_start_on_a_read_only_file(trained_model, tmp_path):
    with read_only_sqlite_file(tmp_path / "ro") as path:
        process = start_rasa_server(
            free_port(), free_port(), trained_model, tmp_path / "logs", env={"NETFAQ_DB_NAME": str(path)}
        )
        assert exits_with(process) != 0
    log = process.log.read_text(encoding="utf-8")
    assert f"The conversation store can't be used: the SQLite file {path}: it is read-only" in log


def stored_user_texts(url) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT data FROM events WHERE type_name = 'user' ORDER BY id"))
            return [json.loads(data)["text"] for (data,) in rows]
    finally:
        engine.dispose()


def check_outage(assistant: Assistant, take_down, bring_back) -> None:
    sender = uuid.uuid4().hex
    before = texts(assistant.say("how do I prepare for an MIBG scan?", sender))
    assert "MIBG" in before and APOLOGY not in before
    take_down()
    down = assistant.say("and how long does it take?", sender)
    assert APOLOGY in down[-1]["text"] and helpline_phone() in down[-1]["text"]
    emergency = assistant.say("I have crushing chest pain right now", sender)
    assert "call 999" in emergency[0]["text"] and APOLOGY in emergency[-1]["text"]
    bring_back()
    after = texts(assistant.say("and the results?", sender))  # still knows the test: its turn was stored
    assert "MIBG" in after and APOLOGY not in after


def test_sqlite_file_gone_while_running(trained_model, tmp_path):
    path = tmp_path / "var" / "conversations.db"
    backup = tmp_path / "backup.db"
    env = {"NETFAQ_DB_NAME": str(path)}

    def take_down() -> None:
        with sqlite3.connect(path) as source, sqlite3.connect(backup) as target:
            source.backup(target)
        shutil.rmtree(path.parent)  # SQLite would write on into the deleted file

    def bring_back() -> None:
        assert not path.parent.exists()  # nothing was written while it was gone
        path.parent.mkdir()
        shutil.copy(backup, path)

    logs = tmp_path / "logs"
    with running_assistant(trained_model, logs, env) as url:
        check_outage(Assistant(url), take_down, bring_back)
    assert stored_user_texts(database_url(env)) == ["how do I prepare for an MIBG scan?", "and the results?"]
    log = next(logs.glob("rasa-*.log")).read_text(encoding="utf-8")
    assert f"The conversation store stopped working (the SQLite file {path}: its folder {path.parent} is gone)" in log
    assert "The conversation store works again" in log and "InMemoryTrackerStore" not in log


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL server of our own (Debian's binaries; `make test` installs them)."""
    server = PostgresCluster(free_port())
    try:
        yield server
    finally:
        server.remove()


def test_postgresql_stopped_while_running(trained_model, postgres, tmp_path):
    logs = tmp_path / "logs"
    with running_assistant(trained_model, logs, postgres.env) as url:
        check_outage(Assistant(url), postgres.stop, postgres.start)
    assert stored_user_texts(database_url(postgres.env)) == ["how do I prepare for an MIBG scan?", "and the results?"]
    log = next(logs.glob("rasa-*.log")).read_text(encoding="utf-8")
    assert "The conversation store stopped working (the postgresql database 'netfaq'" in log
    assert "The conversation store works again" in log


def immutable(*paths) -> None:
    """The files can't be written, even by root: the attribute chattr sets on ext4 and most others."""
    for path in paths:
        if path.exists() and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.fail(f"chattr +i failed on {path}: this test needs a file system with the immutable attribute")


def mutable(*paths) -> None:
    for path in paths:
        if path.exists():
            subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)


def test_a_database_made_read_only_while_running_never_stops_the_999_advice(trained_model, tmp_path):
    """The SQLite file and what SQLite writes beside it made immutable just after a start: with
    write-ahead logging the next write killed the server (SIGBUS on the mapped -shm file) and its
    restarts were refused; now every message is answered, 999 advice first, and a restarted
    server serves on until the store works again."""
    path = tmp_path / "var" / "conversations.db"
    files = [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))]
    env = {"NETFAQ_DB_NAME": str(path), START_WITH_STORE_DOWN: "1"}
    logs = tmp_path / "logs"
    action_port, rasa_port = free_port(), free_port()
    actions = start_action_server(action_port, logs)
    rasa = start_rasa_server(rasa_port, action_port, trained_model, logs, env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        assistant = Assistant(f"http://127.0.0.1:{rasa_port}")
        assert "MIBG" in texts(assistant.say("how do I prepare for an MIBG scan?"))
        immutable(*files)
        for number in range(12):
            replies = assistant.say(f"I have crushing chest pain right now ({number})")
            assert "999" in replies[0]["text"] and APOLOGY in replies[-1]["text"], replies
        assert rasa.popen.poll() is None, "the Rasa server died"
        rasa = rasa.restart()  # as the launcher's supervisor does after a crash
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        for number in range(12):
            replies = assistant.say(f"my husband has collapsed and isn't breathing ({number})")
            assert "999" in replies[0]["text"] and APOLOGY in replies[-1]["text"], replies
        mutable(*files)
        after = texts(assistant.say("how long does an echo take?"))
        assert "half an hour" in after and APOLOGY not in after
    finally:
        mutable(*files)
        rasa.stop()
        actions.stop()
    log = "".join(p.read_text(encoding="utf-8") for p in logs.glob("rasa-*.log"))
    assert "Starting with the conversation store down" in log and "The conversation store works again" in log
    assert "how long does an echo take?" in stored_user_texts(database_url(env))
