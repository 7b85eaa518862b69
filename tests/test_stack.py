"""Two Rasa servers and two action servers behind HAProxy, on PostgreSQL and Redis, all started
here from Debian's packages: one conversation's messages stay in order under concurrency, a server
that stops is routed around with the conversation's state intact, Redis and PostgreSQL stopping
gets patients an apology with the helpline (999 advice first) and recovery without a restart, and
the review pages read the shared store while the servers write to it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from netfaq.core.database import database_url
from netfaq.core.knowledge import load_knowledge
from netfaq.tools.processes import free_port, start_review_server, wait_until_up
from netfaq.tools.stack import running_stack

pytestmark = [pytest.mark.model, pytest.mark.servers]

TOKEN = "a-review-token-for-the-stack-test"
STORE_APOLOGY = "Sorry: I can't keep a record of our conversation just now"


@pytest.fixture(scope="module")
def stack(trained_model, tmp_path_factory):
    with running_stack(trained_model, 2, 2, tmp_path_factory.mktemp("stack")) as running:
        yield running


def say(stack, sender: str, text: str, attempts: int = 1) -> requests.Response:
    """As the widget sends it (sender in the address too, for the balancer), retrying like Try again."""
    for attempt in range(attempts):
        response = requests.post(
            f"{stack.url}/webhooks/rest/webhook",
            params={"sender": sender},
            json={"sender": sender, "message": text},
            timeout=60,
        )
        if response.status_code == 200 or attempt == attempts - 1:
            return response
        time.sleep(0.5)
    raise AssertionError("unreachable")


def texts(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return "\n".join(reply.get("text", "") for reply in response.json())


def user_turns(stack, sender: str) -> list[tuple[str, list[str]]]:
    """Each stored user message with the event types that follow it, in the order stored."""
    engine = sa.create_engine(database_url(stack.env))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    engine.dispose()
    turns: list[tuple[str, list[str]]] = []
    for type_name, data in rows:
        if type_name == "user":
            turns.append((json.loads(data)["text"], []))
        elif turns:
            turns[-1][1].append(type_name)
    return turns


def test_one_conversations_messages_sent_at_once_are_each_answered_once_in_order(stack):
    sender = f"web-{uuid.uuid4().hex}"
    questions = [f"how long does an MIBG scan take? ({n})" for n in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda q: say(stack, sender, q), questions))
    assert all(r.status_code == 200 and "MIBG" in texts(r) for r in responses)
    served_by = {r.headers.get("X-Netfaq-Server") for r in responses}
    assert len(served_by) == 1  # one conversation, one server
    turns = user_turns(stack, sender)
    assert sorted(text for text, _ in turns) == sorted(questions)  # none lost, none twice
    for text, after in turns:  # each turn whole before the next began: its answer, then listening
        assert "bot" in after and after[-1] == "action", (text, after)


def test_a_rasa_server_stopped_under_load_is_routed_around_and_conversations_go_on(stack):
    sender = f"web-{uuid.uuid4().hex}"
    first = say(stack, sender, "how do I prepare for an MIBG scan?")
    assert "MIBG" in texts(first)
    serving = first.headers["X-Netfaq-Server"]
    index = int(serving.removeprefix("rasa")) - 1
    stop_load = threading.Event()

    def patient(number: int) -> list[bool]:
        """A conversation that goes on through the stop, retrying each message like Try again."""
        other = f"web-load-{number}-{uuid.uuid4().hex[:8]}"
        answered = []
        say(stack, other, "what is an octreotide scan?", attempts=20)
        while not stop_load.is_set():
            reply = say(stack, other, "how long does it take?", attempts=20)
            answered.append(reply.status_code == 200 and "octreotide scan" in reply.text.lower())
        return answered

    with ThreadPoolExecutor(max_workers=4) as pool:
        load = [pool.submit(patient, n) for n in range(4)]
        time.sleep(2)
        stack.stop_rasa(index)
        try:
            after = say(stack, sender, "and when do I get the results?", attempts=20)
            assert after.headers["X-Netfaq-Server"] != serving
            assert "results of an MIBG scan" in texts(after)  # the slot came from PostgreSQL
            time.sleep(3)
        finally:
            stop_load.set()
            outcomes = [answer for future in load for answer in future.result()]
            stack.start_rasa(index)
    assert outcomes and all(outcomes)  # every message answered, with its test, after at most a retry


def test_redis_then_postgresql_stopping_gets_an_apology_and_both_recover_by_themselves(stack):
    phone = load_knowledge().helpline.phone
    sender = f"web-{uuid.uuid4().hex}"
    assert "MIBG" in texts(say(stack, sender, "how do I prepare for an MIBG scan?"))

    stack.stop_redis()
    down = texts(say(stack, sender, "how long does it take?"))
    assert phone in down and "MIBG" not in down
    emergency = say(stack, sender, "I have crushing chest pain right now").json()
    assert "999" in emergency[0]["text"] and phone in emergency[-1]["text"]
    stack.start_redis()
    assert "MIBG" in texts(say(stack, sender, "how long does it take?", attempts=5))

    stack.postgres.stop()
    down = texts(say(stack, sender, "does it hurt?"))
    assert STORE_APOLOGY in down and phone in down
    stack.postgres.start()
    assert "MIBG" in texts(say(stack, sender, "when do I get the results?"))
    stored = [text for text, _ in user_turns(stack, sender)]
    assert stored == [
        "how do I prepare for an MIBG scan?",
        "how long does it take?",
        "when do I get the results?",
    ]


def test_the_review_pages_read_the_shared_store_while_the_servers_write(stack):
    port = free_port()
    review = start_review_server(port, stack.folder / "logs", {**stack.env, "NETFAQ_REVIEW_TOKEN": TOKEN})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/review.css", review)
        senders = [f"web-{uuid.uuid4().hex}" for _ in range(4)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            answered = list(pool.map(lambda s: say(stack, s, "what is an octreotide scan?"), senders))
            listed = requests.get(
                f"http://127.0.0.1:{port}/export.csv", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
            )
        assert all(r.status_code == 200 for r in answered) and listed.status_code == 200
        time.sleep(1)
        after = requests.get(
            f"http://127.0.0.1:{port}/export.csv", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        ).text
        assert all(sender in after for sender in senders)
    finally:
        review.stop()


def redis_servers() -> set[str]:
    import subprocess

    return set(subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout.split())


def test_one_command_starts_the_stack_and_ctrl_c_stops_all_of_it(trained_model):
    import signal
    import subprocess
    import sys

    from netfaq.core.paths import PROJECT_ROOT
    from netfaq.tools.processes import quiet_env

    redis_before = redis_servers()
    port, actions_port = free_port(), free_port()
    command = [sys.executable, "-m", "netfaq", "stack", f"--port={port}", f"--actions-port={actions_port}"]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=quiet_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ready in"):
                break
        assert any(line.startswith("Ready in") for line in lines), "".join(lines)
        sender = f"web-{uuid.uuid4().hex}"
        reply = requests.post(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            params={"sender": sender},
            json={"sender": sender, "message": "what is an MIBG scan?"},
            timeout=60,
        )
        assert "MIBG" in reply.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=90) == 0
        assert "Stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
    for closed in (port, actions_port):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{closed}/", timeout=2)
    config = PROJECT_ROOT / "build" / "stack" / "haproxy.cfg"
    leftovers = subprocess.run(["pgrep", "-f", f"haproxy -db -f {config}"], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""
    assert redis_servers() == redis_before
