"""The check that decides whether the assistant may start on a conversation store."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from netfaq.core.store_health import database_problem, describe, refusal, sqlite_problem
from netfaq.tools.processes import free_port
from tests.read_only import read_only_sqlite_file


def test_a_working_file_and_a_first_start_are_fine(tmp_path):
    assert sqlite_problem(tmp_path / "new" / "folder" / "c.db", create=True) is None
    assert (tmp_path / "new" / "folder" / "c.db").exists()
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute("CREATE TABLE t (x)")
    assert sqlite_problem(tmp_path / "old.db") is None


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "c.db"
    path.write_text("not a database " * 200)
    assert sqlite_problem(path, create=True) == ("it is not an SQLite database (SQLite says: file is not a database)")


def test_a_read_only_file(tmp_path):
    with read_only_sqlite_file(tmp_path / "ro") as path:
        assert (
            sqlite_problem(path, create=True) == "it is read-only (SQLite says: attempt to write a readonly database)"
        )


def test_a_folder_that_cant_be_made(tmp_path):
    (tmp_path / "blocked").write_text("a file where the folder should be")
    assert (
        sqlite_problem(tmp_path / "blocked" / "c.db", create=True) == f"{tmp_path / 'blocked'} is a file, not a folder"
    )
    problem = sqlite_problem(tmp_path / "blocked" / "var" / "c.db", create=True)
    assert problem.startswith(f"its folder {tmp_path / 'blocked' / 'var'} can't be created (Not a directory")


def test_a_directory_in_place_of_the_file(tmp_path):
    (tmp_path / "c.db").mkdir()
    assert sqlite_problem(tmp_path / "c.db", create=True) == "it is not a file"


def test_while_running_a_missing_file_or_folder_is_not_made_again(tmp_path):
    assert sqlite_problem(tmp_path / "c.db") == "the file is gone"
    assert sqlite_problem(tmp_path / "gone" / "c.db") == f"its folder {tmp_path / 'gone'} is gone"
    assert not (tmp_path / "c.db").exists() and not (tmp_path / "gone").exists()


def test_an_unreachable_database_server_is_named_without_its_password():
    url = sa.engine.URL.create(
        "postgresql", username="netfaq", password="s3cret-pw", host="127.0.0.1", port=free_port(), database="netfaq"
    )
    problem = database_problem(url)
    assert problem.startswith("it can't be reached (") and "s3cret" not in problem
    message = refusal(url, problem)
    assert message.startswith(
        f"The conversation store can't be used: the postgresql database 'netfaq' on 127.0.0.1:{url.port}"
    )
    assert "s3cret" not in message and "does not start" in message
    assert describe(sa.engine.make_url("sqlite:////var/x/c.db")) == "the SQLite file /var/x/c.db"


def test_a_new_database_folder_is_the_service_user_s_only(tmp_path):
    assert sqlite_problem(tmp_path / "var" / "c.db", create=True) is None
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
