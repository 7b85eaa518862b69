"""Scale-out benchmark: one and two Rasa servers behind HAProxy on PostgreSQL and Redis, the lock
store's cost per message, and what Rasa's own RedisLockStore does when one conversation's messages
reach two servers at once. Prints figures and ratios from one run; writes JSON with --json.

    .venv/bin/python -m bench.scale --json reports/bench/scale.json
    .venv/bin/python -m bench.scale --duration 10 --concurrency 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
import sqlalchemy as sa
import yaml

from bench.serving import OUR_CONVERSATIONS, Level, load_level, warm_up
from netfaq.core.database import database_url
from netfaq.tools.processes import start_rasa_server, wait_until_up
from netfaq.tools.stack import STACK_ENDPOINTS, Stack, running_stack
from netfaq.tools.training import latest_model


@dataclass
class Race:
    """One conversation's messages sent all at once, `senders` times over."""

    routing: str
    messages: int
    answered: int
    stored: int
    lost: int
    duplicated: int
    interleaved: int  # a message stored before the previous one's answer: two turns ran at once
    servers_per_conversation: float


def race(stack: Stack, routing: str, senders: int = 5, messages: int = 12) -> Race:
    answered = stored = lost = duplicated = interleaved = 0
    servers_seen = []
    engine = sa.create_engine(database_url(stack.env))
    for _ in range(senders):
        sender = f"race-{uuid.uuid4().hex[:12]}"
        texts = [f"how long does an MIBG scan take? ({n})" for n in range(messages)]

        def post(text: str, sender: str = sender) -> requests.Response:
            return requests.post(
                f"{stack.url}/webhooks/rest/webhook",
                params={"sender": sender},
                json={"sender": sender, "message": text},
                timeout=120,
            )

        with ThreadPoolExecutor(max_workers=messages) as pool:
            responses = list(pool.map(post, texts))
        answered += sum(1 for r in responses if r.status_code == 200 and "MIBG" in r.text)
        servers_seen.append(len({r.headers.get("X-Netfaq-Server") for r in responses}))
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).all()
        users = [json.loads(data)["text"] for type_name, data in rows if type_name == "user"]
        stored += len(users)
        lost += len(set(texts) - set(users))
        duplicated += len(users) - len(set(users))
        waiting = False
        for type_name, _ in rows:
            if type_name == "user":
                interleaved += waiting
                waiting = True
            elif type_name == "bot":
                waiting = False
    engine.dispose()
    return Race(
        routing, senders * messages, answered, stored, lost, duplicated, interleaved, sum(servers_seen) / senders
    )


def without_lock_store(folder: Path) -> Path:
    """deploy/endpoints.yml without its lock store: Rasa then locks in the process's memory."""
    endpoints = yaml.safe_load(STACK_ENDPOINTS.read_text(encoding="utf-8"))
    endpoints.pop("lock_store")
    target = folder / "endpoints-memory-lock.yml"
    target.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return target


def levels_through(url: str, concurrency: list[int], seconds: float) -> list[Level]:
    asyncio.run(warm_up(url, OUR_CONVERSATIONS, print))
    return [asyncio.run(load_level(url, OUR_CONVERSATIONS, c, seconds)) for c in concurrency]


def line(name: str, level: Level) -> str:
    return (
        f"  {name} @ {level.concurrency}: {level.msgs_per_s:.1f} msg/s, p50 {level.p50_ms:.0f} ms, "
        f"p95 {level.p95_ms:.0f} ms, p99 {level.p99_ms:.0f} ms ({level.messages} messages, "
        f"{level.errors} errors, {level.unexpected} unexpected)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per load level (default 20)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    model = latest_model()
    if model is None:
        raise SystemExit("no trained model: run `make train` first")
    folder = Path(tempfile.mkdtemp(prefix="netfaq-scale-"))
    results: dict = {"cores": os.cpu_count(), "duration_s": args.duration, "servers": {}}
    for servers in (1, 2):
        print(f"{servers} Rasa server(s) and 2 action servers behind HAProxy, on PostgreSQL and Redis")
        with running_stack(model, servers, 2, folder / f"stack-{servers}") as stack:
            levels = levels_through(stack.url, args.concurrency, args.duration)
            for level in levels:
                print(line(f"{servers} server(s)", level))
            results["servers"][servers] = [asdict(level) for level in levels]
            if servers == 1:
                print("lock store cost: the same Rasa server settings, locks in Redis or in memory")
                redis_lock = levels_through(f"http://127.0.0.1:{stack.ports.rasa[0]}", [1], args.duration)[0]
                stack.stop_rasa(0)
                memory = start_rasa_server(
                    stack.ports.rasa[0], 0, model, folder / "logs", env=stack.env, endpoints=without_lock_store(folder)
                )
                stack.rasa[0] = memory
                wait_until_up(f"http://127.0.0.1:{stack.ports.rasa[0]}/", memory)
                memory_lock = levels_through(f"http://127.0.0.1:{stack.ports.rasa[0]}", [1], args.duration)[0]
                cost = redis_lock.mean_ms - memory_lock.mean_ms
                print(line("Redis lock", redis_lock))
                print(line("memory lock", memory_lock))
                print(f"  the Redis lock store costs {cost:.2f} ms a message (mean at 1 concurrent)")
                results["lock_store"] = {
                    "redis": asdict(redis_lock),
                    "memory": asdict(memory_lock),
                    "cost_ms_per_message": cost,
                }
    one, two = results["servers"][1], results["servers"][2]
    for a, b in zip(one, two, strict=True):
        ratio = b["msgs_per_s"] / a["msgs_per_s"]
        print(
            f"2 servers / 1 server at {a['concurrency']} concurrent: {ratio:.2f}× msg/s, "
            f"p95 {b['p95_ms']:.0f} ms vs {a['p95_ms']:.0f} ms"
        )
    print("one conversation's messages sent at once, 2 Rasa servers, Rasa's own RedisLockStore:")
    for routing, by_sender in (("by sender (as shipped)", True), ("round robin", False)):
        with running_stack(model, 2, 2, folder / f"race-{by_sender}", by_sender=by_sender) as stack:
            outcome = race(stack, routing)
        results.setdefault("race", []).append(asdict(outcome))
        print(
            f"  {routing}: {outcome.answered}/{outcome.messages} answered, {outcome.stored} stored, "
            f"{outcome.lost} lost, {outcome.duplicated} duplicated, {outcome.interleaved} interleaved, "
            f"{outcome.servers_per_conversation:.1f} servers per conversation"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"done in {time.monotonic() - started:.0f} s")
    raise SystemExit(code)
