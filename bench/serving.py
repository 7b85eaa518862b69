"""Serving benchmark: start-up, latency and throughput through the REST channel, memory, training time.

The same code measures our assistant and the stock one: only how the servers start and what the
conversations say differ. The load generator runs in this process with asyncio and aiohttp.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import stats
from netfaq.tools.processes import (
    Process,
    free_port,
    quiet_env,
    rasa_command,
    start_action_server,
    start_rasa_server,
    wait_until_up,
)
from netfaq.tools.training import latest_model

Say = Callable[[str], None]


@dataclass(frozen=True)
class Turn:
    text: str
    expect: str  # the reply must contain this (any case), else the turn counts as unexpected

    def answered_by(self, reply: str) -> bool:
        return self.expect.lower() in reply.lower()


Conversation = tuple[Turn, ...]

# Procedure question first, then follow-ups that only make sense with the `procedure` slot carried over,
# so every turn runs the custom action against the knowledge base. Every answer names the procedure (also
# "our sources don't say ..."), which is how a turn that lost the slot shows up as unexpected.
OUR_CONVERSATIONS: tuple[Conversation, ...] = (
    (
        Turn("how do I prepare for an MIBG scan?", "MIBG scan"),
        Turn("how long does it take?", "MIBG scan"),
        Turn("does it hurt?", "MIBG scan"),
        Turn("when will I get the results?", "MIBG scan"),
    ),
    (
        Turn("what is an octreotide scan?", "octreotide scan"),
        Turn("why would I need one?", "octreotide scan"),
        Turn("what happens during it?", "octreotide scan"),
        Turn("what happens afterwards?", "octreotide scan"),
    ),
    (
        Turn("how do I prepare for an ultrasound?", "ultrasound scan"),
        Turn("what happens when I arrive?", "ultrasound scan"),
        Turn("are there any risks?", "ultrasound scan"),
        Turn("and when do I get the results?", "ultrasound scan"),
    ),
)


@dataclass
class Servers:
    actions: Process
    rasa: Process
    action_port: int
    rasa_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()


@dataclass
class Startup:
    action_ready_s: float
    rasa_ready_s: float
    first_answer_s: float  # from starting both processes to the first reply


@dataclass
class Level:
    concurrency: int
    messages: int
    seconds: float
    msgs_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int
    unexpected: int
    rss_mb: dict[str, float]  # process → resident memory right after this level


@dataclass
class Serving:
    assistant: str
    model: str  # file name
    model_mb: float
    startup: Startup
    levels: list[Level]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    unexpected: int = 0


def size_mb(path: Path) -> float:
    return path.stat().st_size / 2**20


def group_rss_mb(group: int) -> float:
    """Resident memory of every process in a process group (our servers each start their own)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # proc(5) fields from 3 (state) on: index = field - 3
        if int(fields[2]) == group:  # field 5, pgrp
            total += int(fields[21]) * page  # field 24, rss in pages
    return total / 2**20


# The serving benchmark repeats a few conversations, so with the answerer's cache of question
# embeddings (as shipped) no question is embedded after the warm-up. A second run without the cache
# gives the figures for wording never seen before, every question embedded anew.
NO_QUESTION_CACHE = {"NETFAQ_MATCH_SETTINGS": "question_cache=0"}


def start_ours(
    model: Path,
    log_dir: Path,
    database: Path,
    action_env: dict[str, str] | None = None,
    rasa_env: dict[str, str] | None = None,
) -> Servers:
    """Our action server and Rasa server on free loopback ports, conversations stored in `database`."""
    action_port, rasa_port = free_port(), free_port()
    actions = start_action_server(action_port, log_dir, action_env)
    env = {**(rasa_env or {}), "NETFAQ_DB_DIALECT": "sqlite", "NETFAQ_DB_NAME": str(database)}
    try:
        rasa = start_rasa_server(rasa_port, action_port, model, log_dir, env=env)
    except BaseException:
        actions.stop()
        raise
    return Servers(actions, rasa, action_port, rasa_port)


@contextmanager
def our_servers(
    url: str | None = None,
    action_env: dict[str, str] | None = None,
    model: Path | None = None,
    log_dir: Path | None = None,
    rasa_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`url` itself, or our servers started with `model` (default: the latest), stopped afterwards."""
    if url:
        yield url
        return
    model = model or latest_model()
    if model is None:
        raise SystemExit("no trained model in models/: run `make train` first")
    with tempfile.TemporaryDirectory(prefix="netfaq-bench-") as folder:
        servers = start_ours(model, log_dir or Path(folder), Path(folder) / "conversations.db", action_env, rasa_env)
        try:
            wait_until_up(f"http://127.0.0.1:{servers.action_port}/health", servers.actions)
            wait_until_up(f"{servers.url}/", servers.rasa)
            yield servers.url
        finally:
            servers.stop()


def train_seconds(project: Path, out: Path, log: Path, name: str) -> float:
    """Wall-clock seconds of a full `rasa train --force` with a cold cache, written to `out`, never to models/."""
    command = rasa_command() + ["train", "--out", str(out), "--force", "--fixed-model-name", name]
    env = quiet_env({"RASA_CACHE_DIRECTORY": str(out / "cache")})
    started = time.monotonic()
    with open(log, "wb") as handle:
        code = subprocess.call(command, cwd=project, env=env, stdout=handle, stderr=subprocess.STDOUT)
    if code != 0:
        raise RuntimeError(f"`rasa train` failed ({code}) in {project}; see {log}")
    return time.monotonic() - started


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> tuple[float, str | None]:
    """Seconds for one REST round trip and the reply text joined, or None if the request failed.
    The sender goes in the address too, as the widget sends it, for a balancer to route by."""
    started = time.perf_counter()
    body = {"sender": sender, "message": text}
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", params={"sender": sender}, json=body) as response:
            replies: Any = await response.json() if response.status == 200 else None
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):  # ValueError: a body that isn't JSON
        replies = None
    elapsed = time.perf_counter() - started
    if not isinstance(replies, list):
        return elapsed, None
    return elapsed, "\n".join(str(r.get("text", "")) for r in replies)


def new_sender() -> str:
    return f"bench-{uuid.uuid4().hex[:12]}"


async def first_answer(url: str, turn: Turn, timeout: float = 120.0) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        _, reply = await say(session, url, new_sender(), turn.text)
    if reply is None:
        raise RuntimeError(f"no answer from {url} to {turn.text!r}")


async def warm_up(url: str, conversations: Sequence[Conversation], say_line: Say) -> None:
    """Each conversation once, in order, outside the statistics: the first predictions build TF graphs."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for conversation in conversations:
            sender = new_sender()
            for turn in conversation:
                _, reply = await say(session, url, sender, turn.text)
                if reply is None or not turn.answered_by(reply):
                    say_line(f"  warning: warm-up {turn.text!r} got {reply!r:.200} (expected {turn.expect!r})")


async def converse(
    session: aiohttp.ClientSession,
    url: str,
    conversations: Sequence[Conversation],
    first: int,
    deadline: float,
    tally: Tally,
) -> None:
    """Whole conversations, each with a new sender, until the deadline (the turn in flight still counts)."""
    number = first
    while True:
        sender = new_sender()
        for turn in conversations[number % len(conversations)]:
            if time.perf_counter() >= deadline:
                return
            latency, reply = await say(session, url, sender, turn.text)
            tally.latencies.append(latency)
            if reply is None:
                tally.errors += 1
            elif not turn.answered_by(reply):
                tally.unexpected += 1
        number += 1


async def load_level(url: str, conversations: Sequence[Conversation], concurrency: int, seconds: float) -> Level:
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(converse(session, url, conversations, i, deadline, tally) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    ms = [latency * 1000 for latency in tally.latencies]
    return Level(
        concurrency=concurrency,
        messages=len(ms),
        seconds=elapsed,
        msgs_per_s=len(ms) / elapsed,
        p50_ms=stats.percentile(ms, 50),
        p95_ms=stats.percentile(ms, 95),
        p99_ms=stats.percentile(ms, 99),
        mean_ms=stats.mean_std(ms)[0],
        max_ms=max(ms, default=float("nan")),
        errors=tally.errors,
        unexpected=tally.unexpected,
        rss_mb={},
    )


def measure(
    assistant: str,
    model: Path,
    start: Callable[[], Servers],
    conversations: Sequence[Conversation],
    levels: Sequence[int],
    seconds: float,
    say_line: Say = print,
) -> Serving:
    """Start both servers, time the first answer, warm up, then run each concurrency level; always stop them."""
    started = time.monotonic()
    servers = start()
    try:
        wait_until_up(f"http://127.0.0.1:{servers.action_port}/health", servers.actions)
        action_ready = time.monotonic() - started
        wait_until_up(f"{servers.url}/", servers.rasa)
        rasa_ready = time.monotonic() - started
        asyncio.run(first_answer(servers.url, conversations[0][0]))
        startup = Startup(action_ready, rasa_ready, time.monotonic() - started)
        say_line(
            f"  {assistant}: action server up {action_ready:.1f} s, Rasa up {rasa_ready:.1f} s, "
            f"first answer {startup.first_answer_s:.1f} s after start"
        )
        asyncio.run(warm_up(servers.url, conversations, say_line))
        results = []
        for concurrency in levels:
            level = asyncio.run(load_level(servers.url, conversations, concurrency, seconds))
            level.rss_mb = {
                "rasa": group_rss_mb(servers.rasa.popen.pid),
                "actions": group_rss_mb(servers.actions.popen.pid),
            }
            say_line(
                f"  {assistant} @ {concurrency} concurrent: {level.msgs_per_s:.1f} msg/s, p50 {level.p50_ms:.0f} ms, "
                f"p95 {level.p95_ms:.0f} ms, p99 {level.p99_ms:.0f} ms ({level.messages} messages, "
                f"{level.errors} errors, {level.unexpected} unexpected); RSS Rasa {level.rss_mb['rasa']:.0f} MB, "
                f"actions {level.rss_mb['actions']:.0f} MB"
            )
            results.append(level)
    finally:
        servers.stop()
    return Serving(assistant, model.name, size_mb(model), startup, results)
