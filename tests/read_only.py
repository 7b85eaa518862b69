"""A folder whose files can't be written, even by root (who ignores file modes): a read-only
tmpfs mount when running as root, plain modes otherwise."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def read_only_sqlite_file(folder: Path) -> Iterator[Path]:
    """A valid SQLite file in `folder`, then made read-only with its folder."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = False
    if os.geteuid() == 0:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)]).returncode != 0:
            pytest.skip("running as root without permission to mount: no way to make a file read-only here")
        mounted = True
    path = folder / "conversations.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE kept (x)")
    connection.close()
    try:
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            path.chmod(0o400)
            folder.chmod(0o500)
        yield path
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        else:
            folder.chmod(0o700)
            path.chmod(0o600)
