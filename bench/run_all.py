"""Run every benchmark (understanding, serving, stock baseline) and write the report as Markdown, JSON and PNG."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before anything imports TensorFlow
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import asdict  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

if __package__ in (None, ""):  # run as a script: make `bench` and `netfaq` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import answers, baseline, charts, emergency, report, serving, timelines, understanding  # noqa: E402
from bench.results import Results, Training, targets  # noqa: E402
from netfaq.core.paths import PROJECT_ROOT  # noqa: E402
from netfaq.tools.training import current_model, latest_model  # noqa: E402

EPILOG = """examples:
  .venv/bin/python -m bench.run_all                          # everything (10 to 30 minutes on 2 cores)
  .venv/bin/python -m bench.run_all --quick --skip-baseline  # smoke test: a few minutes
  .venv/bin/python -m bench.run_all --skip-cv --duration 10 --concurrency 1 10
"""


def say(line: str) -> None:
    print(line, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run_all",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports" / "bench", help="report folder")
    parser.add_argument("--model", type=Path, default=None, help="our model file (default: the latest in models/)")
    parser.add_argument("--quick", action="store_true", help="2 folds, concurrency 1 and 10, 5 s a level, no training")
    parser.add_argument("--folds", type=int, default=None, help="cross-validation folds (default 5; 2 with --quick)")
    parser.add_argument("--skip-cv", action="store_true", help="no cross-validation")
    parser.add_argument("--skip-train", action="store_true", help="do not time a full training of our model")
    parser.add_argument("--skip-baseline", action="store_true", help="no stock `rasa init` assistant")
    parser.add_argument("--skip-answers", action="store_true", help="no answer-level sets (bench/answers.py)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per load level (default 20; 5 --quick)")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=None, help="concurrent conversations (default 1 10 50)"
    )
    args = parser.parse_args(argv)
    args.folds = None if args.skip_cv else args.folds or (2 if args.quick else 5)
    args.duration = args.duration or (5.0 if args.quick else 20.0)
    args.concurrency = args.concurrency or ([1, 10] if args.quick else [1, 10, 50])
    args.skip_train = args.skip_train or args.quick
    return args


def our_model(path: Path | None) -> Path:
    model = path or latest_model()
    if model is None or not model.exists():
        raise SystemExit("no trained model in models/: run `make train` first")
    model = model.resolve()
    if model != current_model():
        say(f"note: {model.name} is not trained from the current data and config (run `make train` for that)")
    return model


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rasa": version("rasa"),
        "rasa-sdk": version("rasa-sdk"),
        "platform": platform.platform(terse=True),
    }


def code_version(root: Path = PROJECT_ROOT) -> str:
    """Which code was measured: the commit, and whether the working tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if changed else "")


def time_our_training(work: Path, logs: Path) -> tuple[float, float]:
    say("training: full `rasa train --force` of our project into a temporary folder (cold cache)...")
    seconds = serving.train_seconds(PROJECT_ROOT, work / "ours", logs / "train-ours.log", "bench")
    size = serving.size_mb(work / "ours" / "bench.tar.gz")
    say(f"  ours: trained in {seconds:.0f} s, model {size:.1f} MB")
    return seconds, size


def run(args: argparse.Namespace) -> Results:
    model = our_model(args.model)
    logs = args.out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    u = understanding.run(model, args.folds, say)
    reading = measure_reading()
    say("emergency check: milliseconds per message, patterns and model (bench/emergency.py)")
    emergency_ms = emergency.measure_cost()
    for message, ms in emergency_ms.items():
        say(f"  {message}: {ms} ms")
    answer_level = None if args.skip_answers else measure_answers(model, logs)
    with tempfile.TemporaryDirectory(prefix="netfaq-bench-") as tmp:
        work = Path(tmp)
        ours_s, ours_mb = time_our_training(work, logs) if not args.skip_train else (None, None)
        say(f"serving: our assistant, {args.duration:.0f} s at each of {args.concurrency} concurrent conversations")
        ours = serving.measure(
            "ours",
            model,
            lambda: serving.start_ours(model, logs, work / "conversations.db"),
            serving.OUR_CONVERSATIONS,
            args.concurrency,
            args.duration,
            say,
        )
        say("serving: our assistant again with no question cache (every question embedded anew)")
        new_wording = serving.measure(
            "ours, no question cache",
            model,
            lambda: serving.start_ours(model, logs, work / "conversations-new.db", serving.NO_QUESTION_CACHE),
            serving.OUR_CONVERSATIONS,
            [c for c in args.concurrency if c <= 10],
            args.duration,
            say,
        )
        stock, stock_s = None, None
        if not args.skip_baseline:
            say("baseline: `rasa init --no-prompt` in a temporary folder (creates and trains the stock assistant)...")
            project = work / "stock"
            stock_s = baseline.create(project, logs / "rasa-init.log")
            say(f"  stock: created and trained in {stock_s:.0f} s")
            stock = serving.measure(
                "stock",
                baseline.model(project),
                lambda: baseline.start(project, logs),
                baseline.STOCK_CONVERSATIONS,
                args.concurrency,
                args.duration,
                say,
            )
    settings = {
        "folds": args.folds,
        "concurrency": args.concurrency,
        "seconds_per_level": args.duration,
        "training_timed": not args.skip_train,
        "baseline": not args.skip_baseline,
        "code": code_version(),
    }
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    training = Training(ours_s, ours_mb, stock_s)
    return Results(
        generated, machine(), settings, u, training, ours, stock, answer_level, new_wording, reading, emergency_ms
    )


def measure_reading() -> dict[str, Any]:
    """Reading ease of every answer the knowledge base can give (bench/answers.py)."""
    reading = answers.knowledge_reading()
    say("reading ease: every answer the knowledge base can give")
    for line in answers.describe_reading(reading, "answers"):
        say(line)
    return reading


def measure_answers(model: Path, logs: Path) -> dict[str, Any]:
    """Our answer sets and ../shared/eval through our servers (bench/answers.py)."""
    say(f"answers: {', '.join(sorted(answers.SETS))} and the shared eval, through our servers")
    with serving.our_servers(model=model, log_dir=logs, rasa_env=timelines.TEST_CLOCK_ENV) as url:
        sets = [answers.run_set(name, answers.rest_sender(url)) for name in sorted(answers.SETS)]
        shared = answers.run_shared_eval(url, logs.parent / "shared-eval")
        personal = timelines.run_sets(url)
    for result in sets:
        say("  " + answers.describe(result).replace("\n", "\n  "))
    if shared is not None:
        say("  " + answers.describe_shared(shared).replace("\n", "\n  "))
    for name, figures in personal.items():
        m, c = figures["messages"], figures["conversations"]
        say(f"  {name}: messages {m['right']}/{m['total']}, conversations {c['right']}/{c['total']}")
    return {"sets": [r.summary() for r in sets], "shared_eval": shared, "timelines": personal}


def write(results: Results, out: Path) -> list[Path]:
    judged = targets(results)
    pictures = charts.draw(results, out)
    json_path, md_path = out / "report.json", out / "report.md"
    payload = {**asdict(results), "targets": [asdict(t) for t in judged]}
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(report.markdown(results, judged, pictures, out), encoding="utf-8")
    say("targets:")
    for t in judged:
        verdict = "not measured" if t.met is None else "met" if t.met else "NOT met"
        say(f"  {t.name}: {t.value} (goal {t.goal}) -> {verdict}")
    return [md_path, json_path, *pictures.values()]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    understanding.quiet_rasa()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in write(run(args), args.out):
        say(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
