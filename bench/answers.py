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
  tests/blind/conversations*.yml, out_of_scope.yml  written blind before the conversation work
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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a script: make `bench` and `netfaq` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netfaq.core.paths import PROJECT_ROOT  # noqa: E402

BLIND = PROJECT_ROOT / "tests" / "blind"
# Each set: its single questions and its conversations (either may be None).
SETS: dict[str, tuple[Path | None, Path | None]] = {
    **{
        name: (folder / f"{name}_questions.yml", folder / f"{name}_conversations.yml")
        for name, folder in (
            ("blind", PROJECT_ROOT / "tests" / "answers"),
            ("dev", PROJECT_ROOT / "bench" / "data"),
            ("dev2", PROJECT_ROOT / "bench" / "data"),
            ("fresh", PROJECT_ROOT / "bench" / "data"),
        )
    },
    # Written blind from the sources and issue 23's list of what fails, frozen before the fourth
    # round of conversation work, scored once blind, then read item by item as a development set.
    "dev3": (None, PROJECT_ROOT / "bench" / "data" / "dev3_conversations.yml"),
    # Written blind before the conversation work (issue 23), frozen: read in aggregate only.
    "conversations_a": (None, BLIND / "conversations.yml"),
    "conversations_b": (BLIND / "out_of_scope.yml", BLIND / "conversations_b.yml"),
    # Written blind (sources and issue 23 only) and frozen before the second round of conversation work.
    "conversations_c": (BLIND / "out_of_scope_c.yml", BLIND / "conversations_c.yml"),
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

    @property
    def kind(self) -> str:
        """What went wrong, for counting failures without reading them: what the patient got
        instead, and whether something needed was missing or something wrong was there."""
        return f"{reply_kind(self.reply)}, {'something wrong said' if self.forbidden else 'something missing'}"


def reply_kind(reply: str) -> str:
    """The kind of reply, told by the wording our replies use (netfaq/core/replies.py, the
    redirects file and the service numbers of data/safety/emergency.yml)."""
    from netfaq.core.redirects import default_redirects
    from netfaq.core.replies import ASK_REPHRASE, ASK_WHICH_TEST
    from netfaq.core.safety import default_rules

    numbers = [number for name, number in default_rules().services.items() if name.endswith("_number")]
    redirects = default_redirects()
    if any(re.search(rf"(?<!\d){re.escape(number)}(?!\d)", reply) for number in numbers):
        return "emergency advice"
    if ASK_WHICH_TEST in reply:
        return "asked which test"
    if reply.startswith(ASK_REPHRASE[:30]):
        return "not understood"
    if reply.startswith(redirects.out_of_scope[:40]):
        return "told it is out of scope"
    if any(reply.startswith(text[:40]) for text in redirects.replies.values()):
        return "sent elsewhere"
    if "not sure our sources answer exactly" in reply:
        return "closest facts, hedged"
    if "our sources don't" in reply:
        return "told our sources don't say"
    return "facts"


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
    replies: list[tuple[str, str]] = field(default_factory=list)  # (where, what the patient saw)

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
            "failures": [{**asdict(f), "kind": f.kind} for f in self.failures],
            "failure_kinds": dict(Counter(f.kind for f in self.failures).most_common()),
            "reading_ease": reading_summary(self.replies),
        }


def reading_summary(replies: Iterable[tuple[str, str]], worst: int = 10) -> dict[str, Any]:
    """Flesch reading ease of the replies (netfaq/core/reading_ease.py): the median and the hardest."""
    from netfaq.core.reading_ease import score_all, summary

    return summary(score_all(replies), worst)


def knowledge_reading(today: date | None = None, worst: int = 10) -> dict[str, Any]:
    """Flesch reading ease of every answer the knowledge base can give (no servers needed): the
    median and the hardest, as tests/test_reading_ease.py measures them."""
    from netfaq.core.knowledge import load_knowledge
    from netfaq.core.paths import PRIVACY_FILE
    from netfaq.core.reading_ease import possible_answers, score_all, summary
    from netfaq.core.replies import privacy_notice
    from netfaq.core.safety import default_rules
    from netfaq.review.retention import retention_days

    notice = privacy_notice(PRIVACY_FILE, retention_days())
    found = possible_answers(load_knowledge(), today or date.today(), default_rules().services, notice)
    return summary(score_all(found), worst)


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
        result.replies.append((f"{question.id} ({question.kind})", reply))
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
            result.replies.append((f"{conversation.name} turn {number}", reply))
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
    questions = load_questions(questions_file) if questions_file else []
    conversations = load_conversations(conversations_file) if conversations_file else []
    return evaluate(name, send, questions, conversations)


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
        *describe_reading(s["reading_ease"], "replies"),
    ]
    return "\n".join(lines)


def describe_reading(reading: dict[str, Any], what: str) -> list[str]:
    """The median reading ease and the hardest answers, one line each."""
    if not reading["answers"]:
        return [f"  reading ease: no {what}"]
    lines = [f"  reading ease (Flesch) of {reading['answers']} {what}: median {reading['median']:.1f}; hardest:"]
    for item in reading["worst"]:
        text = " / ".join(item["text"].splitlines())
        lines.append(f"    {item['score']:6.1f}  {item['name']}: {text[:110]}")
    return lines


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


def compare_matching(
    names: list[str], options: dict[str, str] = MATCHING_OPTIONS, shared: bool = True
) -> list[dict[str, Any]]:
    """Each way of matching, on every set and the shared eval, with its own servers."""
    from bench.serving import our_servers

    rows = []
    for option, spec in options.items():
        with our_servers(action_env={"NETFAQ_MATCH_SETTINGS": spec}) as url:
            sets = [run_set(name, rest_sender(url)).summary() for name in names]
            shared_eval = run_shared_eval(url) if shared else None
        rows.append({"option": option, "settings": spec, "sets": sets, "shared_eval": shared_eval})
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
  .venv/bin/python -m bench.answers --compare --try "" "redirect_lead=0.05"   # any match settings side by side
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
    parser.add_argument(
        "--try", dest="tries", nargs="+", metavar="SETTINGS", help="with --compare: these match settings instead"
    )
    args = parser.parse_args(argv)
    if args.compare:
        rows = compare_matching(
            args.sets,
            {spec or "as configured": spec for spec in args.tries} if args.tries else MATCHING_OPTIONS,
            shared=not args.no_shared,
        )
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
