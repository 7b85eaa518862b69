"""Generate N stored conversations (default 10,000) and time the staff review pages on them.

Conversations are written as Rasa's own events (UserUttered, ActionExecuted, BotUttered, SlotSet
serialised by Rasa) into the `events` table Rasa's SQL tracker store creates, so the review tool
reads exactly what a real deployment holds. Patient messages come from the held-out NLU set.

example:
  .venv/bin/python -m bench.review_load --conversations 10000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from netfaq.core.paths import PROJECT_ROOT

HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
TOKEN = "bench-review-token-0123456789"
REPLY = (
    "Ultrasound scan: preparing\n- You may be asked not to eat or drink for a few hours before the scan.\n"
    "- Wear loose clothing you can take off easily.\nSource: Cancer Research UK, last reviewed 2023."
)


def _examples() -> list[tuple[str, str, list[str]]]:
    from netfaq.nlu.evaluate import read_examples

    return [(e.text, e.intent, sorted(e.procedures)) for e in read_examples(HELD_OUT)]


def _user(text: str, intent: str, confidence: float, procedures: list[str], when: float):
    from rasa.shared.core.events import UserUttered

    ranking = [{"name": intent, "confidence": confidence}, {"name": "ask_what_is", "confidence": 1 - confidence}]
    if intent == "nlu_fallback":
        ranking.insert(1, {"name": "ask_results", "confidence": confidence})
    entities = [{"entity": "procedure", "value": p, "extractor": "SpacyEntityExtractor"} for p in procedures]
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": entities, "intent_ranking": ranking}
    return UserUttered(text, parse["intent"], entities, parse, timestamp=when)


def conversation_events(rng: random.Random, examples: list, start: float) -> list:
    """One conversation of 1–6 turns; about 5% emergencies, 8% handoffs, 10% fallbacks, 3% complaints."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet

    when = start
    events = [ActionExecuted("action_session_start", timestamp=when), SessionStarted(timestamp=when)]
    events.append(ActionExecuted("action_listen", timestamp=when))
    for _ in range(rng.randint(1, 6)):
        when += rng.uniform(5, 90)
        text, intent, procedures = rng.choice(examples)
        confidence = rng.uniform(0.6, 1.0)
        action = "action_answer_question"
        roll = rng.random()
        if roll < 0.05:
            text, intent, action = "I have chest pain and feel faint", "emergency", "utter_emergency"
        elif roll < 0.13:
            text, intent, action = "can I speak to a nurse please", "ask_nurse", "action_nurse_handoff"
        elif roll < 0.23:
            intent, confidence, action = "nlu_fallback", rng.uniform(0.2, 0.4), "action_answer_question"
        elif roll < 0.26:
            text, intent, action = "that didn't answer my question", "feedback_negative", "action_negative_feedback"
        elif roll < 0.38:
            confidence = rng.uniform(0.4, 0.6)
        events.append(_user(text, intent, confidence, procedures, when))
        if procedures:
            events.append(SlotSet("procedure", procedures[0], timestamp=when))
        events += [
            ActionExecuted(action, timestamp=when + 0.2),
            BotUttered(REPLY, {"elements": None}, timestamp=when + 0.2),
            ActionExecuted("action_listen", timestamp=when + 0.3),
        ]
    return events


def generate(engine: sa.engine.Engine, count: int, seed: int = 7, days: int = 60, now: float | None = None) -> int:
    """Write `count` conversations spread over the last `days` days; returns the number of events."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore(dialect=engine.url.get_backend_name(), db=engine.url.database)  # creates Rasa's schema
    rng = random.Random(seed)
    examples = _examples()
    now = now or time.time()
    rows = []
    for number in range(count):
        sender = f"bench-{number:05d}"
        for event in conversation_events(rng, examples, now - rng.uniform(0, days * 86400)):
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": sender,
                    "type_name": event.type_name,
                    "timestamp": event.timestamp,
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                    "action_name": data.get("name") if event.type_name == "action" else None,
                    "data": json.dumps(data),
                }
            )
    table = sa.Table("events", sa.MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        for first in range(0, len(rows), 5000):
            connection.execute(table.insert(), rows[first : first + 5000])
    return len(rows)


def _get(url: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        size = len(response.read())
    return time.perf_counter() - started, size


def measure(engine: sa.engine.Engine, repeats: int = 5) -> dict[str, float]:
    """Seconds for the first (cold) list page, then the median of `repeats` warm loads of each page."""
    from netfaq.review.pages import make_app, make_server

    server = make_server(make_app(engine, TOKEN), 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        figures = {"list_cold_s": _get(f"{base}/")[0]}
        pages = {
            "list": "/",
            "list_filtered": "/?flag=handoff&since=2000-01-01&search=nurse",
            "list_page_20": "/?page=20",
            "transcript": "/conversations/bench-00042",
            "inbox": "/inbox",
            "csv_all": "/export.csv",
        }
        for name, path in pages.items():
            figures[f"{name}_warm_s"] = statistics.median(_get(base + path)[0] for _ in range(repeats))
        return figures
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="example:\n  .venv/bin/python -m bench.review_load --json reports/review_load.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--database", type=Path, help="SQLite file to write (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.database or Path(scratch) / "conversations.db"
        engine = sa.create_engine(f"sqlite:///{path}")
        started = time.perf_counter()
        events = generate(engine, args.conversations)
        figures = {
            "conversations": args.conversations,
            "events": events,
            "database_mb": round(path.stat().st_size / 1e6, 1),
            "generate_s": round(time.perf_counter() - started, 1),
        }
        figures.update({k: round(v, 3) for k, v in measure(engine).items()})
    for name, value in figures.items():
        print(f"{name:>22}: {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
