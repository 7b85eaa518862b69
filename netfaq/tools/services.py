"""Debian's PostgreSQL, Redis and HAProxy, found on this machine and run as our own processes on
loopback ports (no system service is touched): for the several-server stack, its tests and its
benchmark. scripts/ensure_test_tools.sh installs the packages when they are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from netfaq.tools.processes import Process, start_process

MISSING = "{what} is not installed: scripts/ensure_test_tools.sh installs it from Debian's packages ({package})"


def postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _required(command: str, what: str, package: str) -> str:
    # Debian puts haproxy in /usr/sbin, which a non-root user's PATH may lack.
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")
    if found is None:
        raise RuntimeError(MISSING.format(what=what, package=package))
    return found


class PostgresCluster:
    """A throwaway cluster with one database, `netfaq`, owned by the user `netfaq` (trust on loopback)."""

    def __init__(self, port: int, data: Path | None = None):
        binaries = postgres_binaries()
        if binaries is None:
            raise RuntimeError(MISSING.format(what="PostgreSQL", package="postgresql"))
        self.binaries = binaries
        # Not under a private temporary folder: the postgres user must be able to reach it.
        self.data = data or Path(tempfile.mkdtemp(prefix="netfaq-pg-"))
        self.data.mkdir(parents=True, exist_ok=True)
        self.run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.data, "postgres", "postgres")
            self.data.chmod(0o700)
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.port = port
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "netfaq")
            self.start()
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "netfaq", "netfaq")
        else:
            self.start()

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        subprocess.run([*self.run_as, str(self.binaries / program), *args], check=check, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    @property
    def env(self) -> dict[str, str]:
        """The NETFAQ_DB_* settings (netfaq/core/database.py) that point at this cluster."""
        return {
            "NETFAQ_DB_DIALECT": "postgresql",
            "NETFAQ_DB_HOST": "127.0.0.1",
            "NETFAQ_DB_PORT": str(self.port),
            "NETFAQ_DB_NAME": "netfaq",
            "NETFAQ_DB_USER": "netfaq",
            "NETFAQ_DB_PASSWORD": "",
        }


def start_redis(port: int, log_dir: Path) -> Process:
    """Redis on loopback, keeping nothing on disk: it holds only the conversations' locks."""
    command = [
        _required("redis-server", "Redis", "redis-server"),
        "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--protected-mode", "yes", "--dir", str(log_dir),
    ]  # fmt: skip
    return start_process(f"redis-{port}", command, log_dir)


def start_haproxy(config: Path, log_dir: Path) -> Process:
    """HAProxy in the foreground (-db), so it is one of our processes and stops with them."""
    haproxy = _required("haproxy", "HAProxy", "haproxy")
    checked = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"HAProxy refuses {config}:\n{checked.stdout}{checked.stderr}")
    return start_process(f"haproxy-{config.stem}", [haproxy, "-db", "-f", str(config)], log_dir)
