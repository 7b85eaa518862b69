"""Answer-level evaluation: does the patient get the right fact, whatever the intent was called?

Sends whole questions (each in a fresh conversation) and whole conversations (one sender) through
the REST channel of a running assistant, with the real action server, and checks every reply with
regular expressions: each `must_match` must be found and no `must_not_match` (a wrong or invented
figure, 999 for a look-alike). Reports the share right by kind and by procedure, conversations right
in every turn, emergencies caught and look-alikes sent to 999, with every failure listed.

Sets (never trained on; tests/test_answers.py checks none of their messages is in the training data):
  tests/answers/blind_*.yml   our blind set, written from the source documents only (floor test)
  bench/data/dev*_*.yml       two development sets written the same way, for looking at failures
  bench/data/fresh_*.yml      a third set written the same way late on, measured but never looked into
  ../shared/eval              an independent set with its own runner, run when the folder is present
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a script: make `bench` and `netfaq` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netfaq.core.paths import PROJECT_ROOT  # noqa: E402

SETS = {
    name: (folder / f"{name}_questions.yml", folder / f"{name}_conversations.yml")
    for name, folder in (
        ("blind", PROJECT_ROOT / "tests" / "answers"),
        ("dev", PROJECT_ROOT / "bench" / "data"),
        ("dev2", PROJECT_ROOT / "bench" / "data"),
        ("fresh", PROJECT_ROOT / "bench" / "data"),
    )
}
SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval"
EMERGENCY_KINDS = ("emergency",)
LOOKALIKE_KIND = "lookalike"
NINE_NINE_NINE = re.compile(r"\b999\b")

Send = Callable[[str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Check:
    must_match: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()

    def failures(self, reply: str) -> tuple[list[str], list[str]]:
        """(patterns missing, patterns found that must not be)."""
        missing = [p for p in self.must_match if not re.search(p, reply, re.IGNORECASE | re.DOTALL)]
        forbidden = [p for p in self.must_not_match if re.search(p, reply, re.IGNORECASE | re.DOTALL)]
        return missing, forbidden


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str
    procedure: str | None
    check: Check


@dataclass(frozen=True)
class Conversation:
    name: str
    turns: tuple[tuple[str, Check], ...]


@dataclass
class Failure:
    where: str
    text: str
    reply: str
    missing: list[str]
    forbidden: list[str]


@dataclass
class Score:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class SetResult:
    name: str
    questions: Score = field(default_factory=Score)
    by_kind: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    by_procedure: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    conversations: Score = field(default_factory=Score)
    turns: Score = field(default_factory=Score)
    emergencies_caught: Score = field(default_factory=Score)
    lookalikes_sent_to_999: int = 0
    lookalikes: int = 0
    failures: list[Failure] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def score(s: Score) -> dict[str, Any]:
            return {"right": s.right, "total": s.total, "share": round(s.share, 4)}

        return {
            "set": self.name,
            "questions": score(self.questions),
            "conversations": score(self.conversations),
            "turns": score(self.turns),
            "emergencies_caught": score(self.emergencies_caught),
            "lookalikes_sent_to_999": self.lookalikes_sent_to_999,
            "lookalikes": self.lookalikes,
            "by_kind": {k: score(v) for k, v in sorted(self.by_kind.items())},
            "by_procedure": {k: score(v) for k, v in sorted(self.by_procedure.items())},
            "failures": [asdict(f) for f in self.failures],
        }


def _check(raw: dict[str, Any]) -> Check:
    return Check(tuple(raw.get("must_match") or ()), tuple(raw.get("must_not_match") or ()))


def load_questions(path: Path) -> list[Question]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        Question(str(item.get("id", i)), item["text"], item["kind"], item.get("procedure"), _check(item))
        for i, item in enumerate(items)
    ]


def load_conversations(path: Path) -> list[Conversation]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Conversation(c["name"], tuple((t["user"], _check(t)) for t in c["turns"])) for c in items]


def messages_in(path: Path) -> list[str]:
    """Every patient message of a question or conversation file."""
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [item["text"] if "text" in item else turn["user"] for item in items for turn in item.get("turns", [item])]


def flatten(messages: Iterable[dict[str, Any]]) -> str:
    """What the patient sees: texts and button titles, as one string."""
    parts = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"])
        parts.extend(str(button.get("title", "")) for button in message.get("buttons") or [])
    return "\n".join(parts)


def rest_sender(url: str, timeout: float = 30.0) -> Send:
    endpoint = url.rstrip("/") + "/webhooks/rest/webhook"

    def send(sender: str, text: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(endpoint, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"[]")

    return send


def evaluate(name: str, send: Send, questions: list[Question], conversations: list[Conversation]) -> SetResult:
    result = SetResult(name)
    run = uuid.uuid4().hex[:8]
    for question in questions:
        started = time.perf_counter()
        reply = flatten(send(f"answers-{run}-{question.id}", question.text))
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        missing, forbidden = question.check.failures(reply)
        ok = not missing and not forbidden
        result.questions.add(ok)
        result.by_kind[question.kind].add(ok)
        result.by_procedure[question.procedure or "(none)"].add(ok)
        if question.kind in EMERGENCY_KINDS:
            result.emergencies_caught.add(bool(NINE_NINE_NINE.search(reply)))
        if question.kind == LOOKALIKE_KIND:
            result.lookalikes += 1
            result.lookalikes_sent_to_999 += bool(NINE_NINE_NINE.search(reply))
        if not ok:
            result.failures.append(
                Failure(f"{question.id} ({question.kind})", question.text, reply, missing, forbidden)
            )
    for conversation in conversations:
        sender = f"answers-{run}-{conversation.name}"
        all_right = True
        for number, (text, check) in enumerate(conversation.turns, start=1):
            started = time.perf_counter()
            reply = flatten(send(sender, text))
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            missing, forbidden = check.failures(reply)
            ok = not missing and not forbidden
            result.turns.add(ok)
            all_right = all_right and ok
            if not ok:
                result.failures.append(Failure(f"{conversation.name} turn {number}", text, reply, missing, forbidden))
        result.conversations.add(all_right)
    return result


def run_set(name: str, send: Send) -> SetResult:
    questions_file, conversations_file = SETS[name]
    return evaluate(name, send, load_questions(questions_file), load_conversations(conversations_file))


def run_shared_eval(url: str, out: Path | None = None) -> dict[str, Any] | None:
    """The independent set, by its own runner; None when ../shared/eval is not here."""
    runner = SHARED_EVAL / "run_eval.py"
    if not runner.exists():
        return None
    out = out or Path(tempfile.mkdtemp(prefix="shared-eval-"))
    done = subprocess.run(
        [sys.executable, str(runner), "--url", url, "--out", str(out)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"shared eval failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary["failures"] = yaml.safe_load((out / "failures.yml").read_text(encoding="utf-8")) or []
    summary["printed"] = done.stdout
    return summary


def describe(result: SetResult) -> str:
    s = result.summary()
    q, c, t, e = s["questions"], s["conversations"], s["turns"], s["emergencies_caught"]
    lines = [
        f"{result.name}: questions {q['right']}/{q['total']} = {q['share']:.1%}; "
        f"conversations {c['right']}/{c['total']} = {c['share']:.1%} (turns {t['right']}/{t['total']}); "
        f"emergencies caught {e['right']}/{e['total']}; look-alikes sent to 999 "
        f"{s['lookalikes_sent_to_999']}/{s['lookalikes']}",
        "  by kind: " + ", ".join(f"{k} {v['right']}/{v['total']}" for k, v in s["by_kind"].items()),
        "  by procedure: " + ", ".join(f"{k} {v['right']}/{v['total']}" for k, v in s["by_procedure"].items()),
    ]
    return "\n".join(lines)


def describe_shared(summary: dict[str, Any]) -> str:
    (qr, qn), (cr, cn), (tr, tn) = summary["questions"], summary["conversations"], summary["turns"]
    kinds = ", ".join(f"{k} {r}/{n}" for k, (r, n) in sorted(summary["by_kind"].items()))
    return (
        f"shared eval: questions {qr}/{qn} = {qr / max(qn, 1):.1%}; conversations {cr}/{cn} = "
        f"{cr / max(cn, 1):.1%} (turns {tr}/{tn})\n  by kind: {kinds}"
    )


# The ways of matching a question to the facts compared by --compare (actions/knowledge_store.py
# reads the settings from NETFAQ_MATCH_SETTINGS); the thresholds were chosen for the first.
MATCHING_OPTIONS = {
    "meaning (sentence embeddings)": "",
    "words (lexical overlap)": "meaning_weight=0,word_weight=1",
    "meaning + words": "word_weight=0.2",
}


def compare_matching(names: list[str]) -> list[dict[str, Any]]:
    """Each way of matching, on every set and the shared eval, with its own servers."""
    from bench.serving import our_servers

    rows = []
    for option, spec in MATCHING_OPTIONS.items():
        with our_servers(action_env={"NETFAQ_MATCH_SETTINGS": spec}) as url:
            sets = [run_set(name, rest_sender(url)).summary() for name in names]
            shared = run_shared_eval(url)
        rows.append({"option": option, "settings": spec, "sets": sets, "shared_eval": shared})
    return rows


def describe_comparison(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| matching | " + " | ".join(s["set"] for s in rows[0]["sets"]) + " | shared eval |",
        "|---" * (len(rows[0]["sets"]) + 2) + "|",
    ]
    for row in rows:
        cells = [f"{s['questions']['share']:.1%} q, {s['conversations']['share']:.1%} c" for s in row["sets"]]
        shared = row["shared_eval"]
        if shared:
            (qr, qn), (cr, cn) = shared["questions"], shared["conversations"]
            cells.append(f"{qr / max(qn, 1):.1%} q, {cr / max(cn, 1):.1%} c")
        else:
            cells.append("–")
        lines.append(f"| {row['option']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


EPILOG = """examples:
  .venv/bin/python -m bench.answers --url http://127.0.0.1:5005            # blind + dev + shared eval
  .venv/bin/python -m bench.answers --url http://127.0.0.1:5005 --sets dev --failures
  .venv/bin/python -m bench.answers --sets blind --json reports/answers.json   # starts its own servers
  .venv/bin/python -m bench.answers --compare     # embeddings vs word overlap vs both, each on its own servers
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.answers",
        description=__doc__.split("\n\n")[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="a running Rasa server (default: start the servers with the latest model)")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=sorted(SETS))
    parser.add_argument("--no-shared", action="store_true", help="skip ../shared/eval even when present")
    parser.add_argument("--failures", action="store_true", help="print every failure")
    parser.add_argument("--json", type=Path, help="write the figures and failures here")
    parser.add_argument("--compare", action="store_true", help="compare the ways of matching (starts servers for each)")
    args = parser.parse_args(argv)
    if args.compare:
        rows = compare_matching(args.sets)
        print(describe_comparison(rows))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
        return 0

    from bench.serving import our_servers  # starts the real action server and Rasa server

    with our_servers(args.url) as url:
        results = [run_set(name, rest_sender(url)) for name in args.sets]
        shared = None if args.no_shared else run_shared_eval(url)
    report: dict[str, Any] = {"sets": [r.summary() for r in results], "shared_eval": shared}
    for result in results:
        print(describe(result))
        if args.failures:
            for failure in result.failures:
                print(f"  FAIL {failure.where}: {failure.text!r}\n    reply: {failure.reply[:400]!r}")
                print(f"    missing: {failure.missing} forbidden: {failure.forbidden}")
    if shared is not None:
        print(describe_shared(shared))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
