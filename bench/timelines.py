"""Personal timelines scored against a running assistant (bench/data/timelines.yml).

Each message, and each conversation's turns, goes to the REST channel with the set's clock in its
metadata (honoured only by a server started with NETFAQ_TEST_CLOCK=1, as this script starts its
own). A reply's timeline is the `custom.timeline` data the chat page gets beside the text. A turn is
right when every expected value is there and equal: the appointment as understood, the fasting
start, the results window, the chase date, the days to keep free, or the problem asked back
(past_date, impossible_date, ...). `no_figure` means nothing may be worked out: a timeline with any
date worked out for such a turn is counted as invented.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.answers import Score

DEFAULT_SET = Path(__file__).parent / "data" / "timelines.yml"
# The sets `make bench` reports: the first was read item by item while building (a dev set); the
# others were written blind and are read only as figures and kinds of failure.
SETS = {
    "timelines (dev)": DEFAULT_SET,
    "timelines_b (blind)": DEFAULT_SET.with_name("timelines_b.yml"),
    "timelines_c (blind)": DEFAULT_SET.with_name("timelines_c.yml"),
}
# The set's words for what is worked out -> the figure each comes from (data/knowledge/timelines.yml).
FIGURE_OF = {
    "fasting_from": "fasting",
    "results_between": "results_time",
    "chase_from": "chase_after",
    "keep_free": "further_scans",
}
TEST_CLOCK_ENV = {"NETFAQ_TEST_CLOCK": "1"}
EPILOG = """examples:
  .venv/bin/python -m bench.timelines                      # starts the servers with the latest model
  .venv/bin/python -m bench.timelines --url http://127.0.0.1:5005 --failures
"""


def share_text(score: Score) -> str:
    return f"{score.right}/{score.total} ({100 * score.share:.1f} %)"


@dataclass
class Result:
    messages: Score = field(default_factory=Score)
    turns: Score = field(default_factory=Score)
    conversations: Score = field(default_factory=Score)
    by_kind: dict[str, Score] = field(default_factory=dict)
    invented: int = 0
    no_figure_items: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)


def timelines_in(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [(r.get("custom") or {})["timeline"] for r in replies if "timeline" in (r.get("custom") or {})]


def kind_of(expect: dict[str, Any]) -> str:
    if "problem" in expect:
        return f"problem: {expect['problem']}"
    if expect.get("no_figure"):
        return "no figure"
    worked = [key for key in FIGURE_OF if key in expect]
    return worked[0] if worked else "appointment"


def wrong_values(expect: dict[str, Any], found: list[dict[str, Any]]) -> list[str]:
    """What differs from the expected timeline ([] when right)."""
    timeline = found[-1] if found else {}
    wrong = []
    if expect.get("no_figure"):
        invented = [key for key, figure in FIGURE_OF.items() if figure in timeline]
        return [f"worked out {', '.join(invented)} with no figure"] if invented else []
    if "problem" in expect and timeline.get("problem") != expect["problem"]:
        wrong.append(f"problem {timeline.get('problem')!r}, expected {expect['problem']!r}")
    if "appointment" in expect and "problem" not in expect and timeline.get("appointment") != expect["appointment"]:
        wrong.append(f"appointment {timeline.get('appointment')!r}, expected {expect['appointment']!r}")
    for key, figure in FIGURE_OF.items():
        if key not in expect:
            continue
        wanted = expect[key]
        got = timeline.get(figure)
        if key == "chase_from" and isinstance(got, list) and len(got) == 1:
            got = got[0]
        if got != wanted:
            wrong.append(f"{key} {got!r}, expected {wanted!r}")
    return wrong


def sender_for(url: str, timeout: float = 30.0):
    endpoint = url.rstrip("/") + "/webhooks/rest/webhook"

    def send(sender: str, text: str, now: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": text, "metadata": {"now": now}}).encode()
        request = urllib.request.Request(endpoint, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"[]")

    return send


def score(data: dict[str, Any], send) -> Result:
    result = Result()
    run = uuid.uuid4().hex[:8]
    default_now = data["now"]

    def judge(where: str, text: str, expect: dict[str, Any], replies: list[dict[str, Any]]) -> bool:
        found = timelines_in(replies)
        wrong = wrong_values(expect, found)
        kind = kind_of(expect)
        result.by_kind.setdefault(kind, Score()).add(not wrong)
        if expect.get("no_figure"):
            result.no_figure_items += 1
            result.invented += bool(wrong)
        if wrong:
            shown = " | ".join(r.get("text", "")[:160] for r in replies if r.get("text"))
            result.failures.append({"where": where, "text": text, "wrong": wrong, "reply": shown})
        return not wrong

    for item in data.get("messages") or []:
        replies = send(f"timelines-{run}-{item['id']}", item["text"], item.get("now") or default_now)
        result.messages.add(judge(item["id"], item["text"], item["expect"], replies))
    for conversation in data.get("conversations") or []:
        sender = f"timelines-{run}-{conversation['id']}"
        now = conversation.get("now") or default_now
        all_right = True
        for number, turn in enumerate(conversation["turns"], start=1):
            replies = send(sender, turn["text"], now)
            if turn.get("expect") is None:
                continue
            ok = judge(f"{conversation['id']} turn {number}", turn["text"], turn["expect"], replies)
            result.turns.add(ok)
            all_right = all_right and ok
        result.conversations.add(all_right)
    return result


def summary(result: Result) -> dict[str, Any]:
    return {
        "messages": vars(result.messages),
        "turns": vars(result.turns),
        "conversations": vars(result.conversations),
        "invented": result.invented,
        "no_figure_items": result.no_figure_items,
        "by_kind": {kind: vars(t) for kind, t in sorted(result.by_kind.items())},
        "failures": result.failures,
    }


def run_sets(url: str) -> dict[str, dict[str, Any]]:
    """Every set of SETS that exists, scored against a server started with TEST_CLOCK_ENV."""
    found = {}
    for name, path in SETS.items():
        if path.exists():
            found[name] = summary(score(yaml.safe_load(path.read_text(encoding="utf-8")), sender_for(url)))
    return found


def describe(result: Result) -> str:
    lines = [
        f"messages right: {share_text(result.messages)}",
        f"conversation turns right: {share_text(result.turns)}; "
        f"whole conversations right: {share_text(result.conversations)}",
        f"timelines invented where the sources give no figure: {result.invented} of {result.no_figure_items}",
        "by kind:",
    ]
    lines += [f"  {kind}: {share_text(score)}" for kind, score in sorted(result.by_kind.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.timelines",
        description=__doc__.split("\n\n")[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("set", nargs="?", type=Path, default=DEFAULT_SET, help="the set (default: %(default)s)")
    parser.add_argument("--url", help="a running Rasa server started with NETFAQ_TEST_CLOCK=1 (default: start one)")
    parser.add_argument("--failures", action="store_true", help="print every failure")
    parser.add_argument("--json", type=Path, help="write the figures and failures here")
    args = parser.parse_args(argv)
    data = yaml.safe_load(args.set.read_text(encoding="utf-8"))

    from bench.serving import our_servers

    with our_servers(args.url, action_env=TEST_CLOCK_ENV, rasa_env=TEST_CLOCK_ENV) as url:
        result = score(data, sender_for(url))
    print(describe(result))
    if args.failures:
        for failure in result.failures:
            print(f"  FAIL {failure['where']}: {failure['text']!r}\n    {'; '.join(failure['wrong'])}")
            print(f"    reply: {failure['reply'][:300]!r}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary(result), indent=1, ensure_ascii=False), encoding="utf-8")
    return 0 if result.messages.total else 1


if __name__ == "__main__":
    sys.exit(main())
