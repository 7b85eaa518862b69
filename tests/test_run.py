"""`netfaq run` watches the servers it started: a crashed one is restarted and the terminal says
so; one that keeps crashing stops everything with the reason. Real servers, real crashes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from netfaq.core.paths import PROJECT_ROOT
from netfaq.tools.processes import free_port, quiet_env

pytestmark = [pytest.mark.model, pytest.mark.servers]


class Output:
    """Everything a process prints, collected as it comes."""

    def __init__(self, process: subprocess.Popen):
        self.text = ""
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.text += line

    def wait_for(self, words: str, timeout: float = 180.0, count: int = 1) -> None:
        started = time.monotonic()
        while self.text.count(words) < count:
            if time.monotonic() - started > timeout:
                pytest.fail(f"{words!r} never printed; output:\n{self.text}")
            time.sleep(0.2)


def pid_of_rasa(port: int) -> int:
    found = subprocess.run(["pgrep", "-f", f"run --interface 127.0.0.1 --port {port} "], capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split()]
    assert len(pids) == 1, found.stdout
    return pids[0]


def bind_when_free(sock: socket.socket, port: int, timeout: float = 10.0) -> None:
    """Take the port as soon as the killed server lets go of it."""
    started = time.monotonic()
    while True:
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
            return
        except OSError:
            if time.monotonic() - started > timeout:
                raise
            time.sleep(0.05)


def port_open(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
        return True
    except requests.ConnectionError:
        return False


def test_a_crashed_server_is_restarted_and_one_that_keeps_crashing_stops_everything(trained_model, tmp_path):
    database = tmp_path / "conversations.db"
    ports = {name: free_port() for name in ("port", "actions-port", "web-port", "review-port")}
    env = quiet_env({"NETFAQ_DB_NAME": str(database), "NETFAQ_REVIEW_TOKEN": "a-token-for-this-test-only"})
    command = [
        sys.executable,
        "-m",
        "netfaq",
        "run",
        "--no-chat",
        *(f"--{name}={port}" for name, port in ports.items()),
    ]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = Output(process)
    rasa_port = ports["port"]
    try:
        output.wait_for("Servers running")
        os.kill(pid_of_rasa(rasa_port), signal.SIGKILL)
        output.wait_for("The Rasa server is running again")
        assert "The Rasa server stopped (exit code -9)" in output.text
        assert "Restarting the Rasa server ..." in output.text
        reply = requests.post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
            json={"sender": "after-restart", "message": "how long does an MIBG scan take?"},
            timeout=60,
        ).json()
        assert "MIBG" in reply[0]["text"]

        # A store that fails while running does not keep the server down: it comes back, emergency
        # advice first (then the apology that the conversation can't be kept).
        for path in database.parent.glob(f"{database.name}*"):
            path.unlink()
        database.mkdir()
        os.kill(pid_of_rasa(rasa_port), signal.SIGKILL)
        output.wait_for("The Rasa server is running again", count=2)
        reply = requests.post(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
            json={"sender": "store-down", "message": "my husband has collapsed and isn't breathing"},
            timeout=60,
        ).json()
        assert "999" in reply[0]["text"]

        # One that can't start at all (another program took its port) stops everything.
        with socket.socket() as squatter:
            os.kill(pid_of_rasa(rasa_port), signal.SIGKILL)
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            bind_when_free(squatter, rasa_port)
            output.wait_for("so everything is stopping", timeout=240)
            assert process.wait(timeout=60) == 1
        output._thread.join(timeout=10)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    assert "It was restarted 3 times in the last 5 minutes, so everything is stopping." in output.text
    assert not any(port_open(port) for port in ports.values())


def test_run_refuses_an_unusable_store_before_starting_anything(trained_model, tmp_path):
    (tmp_path / "var").write_text("a file where the folder should be")
    env = quiet_env({"NETFAQ_DB_NAME": str(tmp_path / "var" / "c.db")})
    ports = [f"--port={free_port()}", f"--actions-port={free_port()}", f"--web-port={free_port()}"]
    done = subprocess.run(
        [sys.executable, "-m", "netfaq", "run", "--no-chat", *ports, f"--review-port={free_port()}"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"the SQLite file {tmp_path / 'var' / 'c.db'}: {tmp_path / 'var'} is a file, not a folder" in done.stderr
    assert "Starting the action server" not in done.stdout
