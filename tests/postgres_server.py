"""A throwaway PostgreSQL server on a loopback port (initdb and pg_ctl from Debian's packages),
which tests can stop and start again to see what the assistant does while it is down."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from netfaq.tools.processes import free_port


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


class PostgresServer:
    def __init__(self, binaries: Path):
        self.binaries = binaries
        # Not under pytest's temp folder: the postgres user must be able to reach it.
        self.data = Path(tempfile.mkdtemp(prefix="netfaq-pg-"))
        self.run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.data, "postgres", "postgres")
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "netfaq")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "netfaq", "netfaq")

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        subprocess.run([*self.run_as, str(self.binaries / program), *args], check=check, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    @property
    def env(self) -> dict[str, str]:
        return {
            "NETFAQ_DB_DIALECT": "postgresql",
            "NETFAQ_DB_HOST": "127.0.0.1",
            "NETFAQ_DB_PORT": str(self.port),
            "NETFAQ_DB_NAME": "netfaq",
            "NETFAQ_DB_USER": "netfaq",
            "NETFAQ_DB_PASSWORD": "",
        }
