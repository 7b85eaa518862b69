"""The emergency model measured on its own bank: cross-validated figures by level, a threshold
sweep (how the thresholds in config.yml were chosen), and its cost per message.

Every bank example and every ordinary training question is held out once (stratified folds by
kind); a held-out message is judged as the Rasa server judges it: the wording patterns and the
model together (netfaq.core.safety.triage), sentence by sentence.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netfaq.core.embedding import default_encoder  # noqa: E402
from netfaq.core.paths import PROJECT_ROOT  # noqa: E402
from netfaq.core.safety import CRISIS, EMERGENCY, LEVELS, NOTHING_URGENT, URGENT, default_rules, triage  # noqa: E402
from netfaq.nlu.emergency_model import EmergencyModel, Finding, Settings, load_bank, segments  # noqa: E402
from rasa_extensions.emergency_guard import THRESHOLD_SETTINGS, overrule_bars  # noqa: E402

EPILOG = """examples:
  .venv/bin/python -m bench.emergency                      # 5 folds, sweep, cost (about 3 minutes)
  .venv/bin/python -m bench.emergency --folds 3 --json reports/bench/emergency.json
"""
SWEEP = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
OVERRULE_SWEEP = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4)
COST_MESSAGES = {
    "short (6 words)": "does the octreotide scan hurt",
    "one sentence (20 words)": (
        "my husband has his PET scan on Thursday and we wanted to know if he can eat beforehand please"
    ),
    "long (600 characters)": (
        "Hello, I have my octreotide scan next week over two days and I wanted to ask a few things. "
        "Do I need to stop my usual tablets, and can I bring my daughter with me? I also wondered "
        "whether I can drive home afterwards because it's quite a long way and the buses are bad. "
        "The letter didn't say anything about eating. Sorry for all the questions, I'm just nervous "
        "about it all and I haven't slept much this week, and my chest has been feeling tight and "
        "heavy for the last half an hour and it's going into my left arm."
    ),
}


class CachedEncoder:
    """The real encoder, remembering every text it has seen (the folds see the same texts)."""

    def __init__(self) -> None:
        self._encoder = default_encoder()
        self._vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            self._vectors.update(zip(new, self._encoder.encode(new), strict=True))
        return np.vstack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


@dataclass(frozen=True)
class Scored:
    text: str
    kind: str
    expected: str  # the level the bank files it under, or NOTHING_URGENT
    findings: tuple[Finding, ...]  # every finding at the lowest threshold swept
    peaks: dict[str, float]


def ordinary_questions() -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    return [m.get("text") for m in data.intent_examples if m.get("intent") != "emergency"]


def cross_validate(folds: int, settings: Settings) -> list[Scored]:
    from sklearn.model_selection import StratifiedKFold

    rules = default_rules()
    bank = load_bank(PROJECT_ROOT / "data" / "safety" / "bank", rules.levels)
    ordinary = ordinary_questions()
    texts = [e for f in bank for e in f.examples] + ordinary
    kinds = [f.kind for f in bank for _ in f.examples] + ["ordinary_question"] * len(ordinary)
    categories = {f.kind: f.category for f in bank} | {"ordinary_question": NOTHING_URGENT}
    encoder = CachedEncoder()
    encoder.encode(sorted({s for t in texts for s in segments(t)}))
    lowest = {level: min(SWEEP) for level in LEVELS}  # findings kept down to the lowest threshold swept
    scored: list[Scored] = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for number, (train, test) in enumerate(splitter.split(texts, kinds), start=1):
        kept = {int(i) for i in train}
        train_bank = []
        for f in bank:
            examples = tuple(texts[i] for i in kept if kinds[i] == f.kind)
            train_bank.append(type(f)(f.path, f.category, f.kind, examples))
        train_ordinary = [texts[i] for i in sorted(kept) if kinds[i] == "ordinary_question"]
        model = EmergencyModel.train(train_bank, train_ordinary, rules.levels, encoder, settings)
        for i in test:
            category = categories[kinds[i]]
            expected = rules.level(category) if category != NOTHING_URGENT else NOTHING_URGENT
            assessment = model.assess(texts[i], lowest, encoder)
            scored.append(Scored(texts[i], kinds[i], expected, assessment.findings, dict(assessment.peaks)))
        print(f"  fold {number}/{folds} done", flush=True)
    return scored


def overruled(peaks: dict[str, float], bars: dict[str, float]) -> list[str]:
    """As the guard: the levels whose most worrying part is below that level's bar."""
    return [level for level, peak in peaks.items() if peak < bars[level]]


def judged_level(item: Scored, thresholds: dict[str, float], with_patterns: bool, bars: dict[str, float]) -> str:
    rules = default_rules()
    kept = [f for f in item.findings if f.probability >= thresholds[f.level]]
    if with_patterns:
        categories = triage(item.text, kept, overruled(item.peaks, bars), rules)
    else:
        categories = tuple(f.category for f in kept)
    return rules.level(categories[0]) if categories else NOTHING_URGENT


def figures(
    scored: list[Scored], thresholds: dict[str, float], bars: dict[str, float], with_patterns: bool = True
) -> dict[str, float]:
    got = defaultdict(Counter)
    for item in scored:
        got[item.expected][judged_level(item, thresholds, with_patterns, bars)] += 1

    def share(expected: str, *levels: str) -> float:
        total = sum(got[expected].values())
        return round(sum(got[expected][lv] for lv in levels) / total, 4) if total else 0.0

    return {
        "life-threatening to 999": share(EMERGENCY, EMERGENCY),
        "suicidal thoughts to Samaritans": share(CRISIS, CRISIS, EMERGENCY),
        "urgent to 111": share(URGENT, URGENT),
        "urgent to 999": share(URGENT, EMERGENCY),
        "nothing urgent to 999": share(NOTHING_URGENT, EMERGENCY),
        "nothing urgent to any advice": 1 - share(NOTHING_URGENT, NOTHING_URGENT),
    }


def misses_by_kind(scored: list[Scored], thresholds: dict[str, float], bars: dict[str, float]) -> dict[str, str]:
    totals, wrong = Counter(), Counter()
    for item in scored:
        totals[item.kind] += 1
        level = judged_level(item, thresholds, True, bars)
        if item.expected == NOTHING_URGENT:
            wrong[item.kind] += level == EMERGENCY
        elif item.expected == CRISIS:
            wrong[item.kind] += level not in (CRISIS, EMERGENCY)
        else:
            wrong[item.kind] += level != item.expected
    return {kind: f"{wrong[kind]}/{totals[kind]}" for kind in sorted(totals) if wrong[kind]}


def cost_per_message(model: EmergencyModel, encoder, repeats: int = 30) -> dict[str, float]:
    """Median milliseconds of CPU to judge a message as the guard does (patterns and model), fresh
    encoder. CPU time of this thread (the encoder runs on it), not wall time, which swung from 3.2 to
    8.0 ms within minutes on this shared machine; the messages take turns, so each sees the same load."""
    thresholds, bars = configured_thresholds()
    times: dict[str, list[float]] = {name: [] for name in COST_MESSAGES}
    for _ in range(repeats):
        for name, text in COST_MESSAGES.items():
            started = time.thread_time()
            assessment = model.assess(text, thresholds, encoder)
            triage(text, assessment.findings, overruled(dict(assessment.peaks), bars))
            times[name].append((time.thread_time() - started) * 1000)
    return {
        f"{name}, {len(segments(text))} parts": round(float(np.median(times[name])), 1)
        for name, text in COST_MESSAGES.items()
    }


def measure_cost() -> dict[str, float]:
    """The check's cost per message, for a model trained on the whole bank (as `netfaq train` trains it)."""
    rules = default_rules()
    bank = load_bank(PROJECT_ROOT / "data" / "safety" / "bank", rules.levels)
    encoder = default_encoder()
    whole = EmergencyModel.train(bank, ordinary_questions(), rules.levels, encoder, Settings())
    return cost_per_message(whole, encoder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.emergency",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    configured, bars = configured_thresholds()
    started = time.perf_counter()
    scored = cross_validate(args.folds, Settings())
    print(f"cross-validated in {time.perf_counter() - started:.0f} s over {len(scored)} messages\n")
    report: dict[str, object] = {"thresholds": configured, "overrule below": bars, "messages": len(scored)}
    report["model and patterns"] = figures(scored, configured, bars)
    report["model alone"] = figures(scored, configured, bars, with_patterns=False)
    report["patterns alone"] = figures(scored, {level: 2.0 for level in LEVELS}, {level: 0.0 for level in LEVELS})
    for level in LEVELS:
        report[f"sweep of the {level} threshold"] = {
            str(t): figures(scored, configured | {level: t}, bars) for t in SWEEP
        }
    report["sweep of overrule below"] = {
        str(c): figures(scored, configured, bars | {EMERGENCY: c, URGENT: c}) for c in OVERRULE_SWEEP
    }
    report["misses by kind"] = misses_by_kind(scored, configured, bars)
    report["milliseconds per message"] = measure_cost()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def configured_thresholds() -> tuple[dict[str, float], dict[str, float]]:
    """The guard's thresholds per level, and per level the bar below which it overrules the wording."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    guard = next(c for c in config["pipeline"] if c["name"].endswith("EmergencyGuard"))
    thresholds = {level: guard[name] for level, name in THRESHOLD_SETTINGS.items()}
    return thresholds, overrule_bars(guard)


if __name__ == "__main__":
    sys.exit(main())
