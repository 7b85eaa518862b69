"""Understanding benchmark: held-out scores, k-fold cross-validation, out-of-scope rejection and threshold sweep.

Every message goes through the whole trained NLU pipeline (fallback and safety guard included), as in
production; the sweep replays FallbackClassifier on the classifier's own ranking so one parse per
message gives every threshold.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench import stats
from bench.stats import PRF, Confusion, Parsed, SweepPoint
from netfaq.core.conversation import SAFETY_OVERRIDE
from netfaq.core.paths import PROJECT_ROOT
from netfaq.nlu.evaluate import ENTITY, Example, read_examples
from netfaq.tools.processes import quiet_env, rasa_command

HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
HELDOUT_DETAILS = PROJECT_ROOT / "tests" / "nlu" / "heldout_details.yml"  # questions with personal details
TRAINING_DATA = PROJECT_ROOT / "data" / "nlu"
CONFIG = PROJECT_ROOT / "config.yml"
OFF_TOPIC = Path(__file__).resolve().parent / "data" / "off_topic.yml"
OUT_OF_SCOPE = "out_of_scope"

Say = Callable[[str], None]


@dataclass
class Scores:
    examples: int
    intent_macro: PRF
    intent_accuracy: float
    per_intent: dict[str, PRF]
    entity: PRF
    confused: list[Confusion]
    fallbacks: int  # messages the FallbackClassifier took over
    classifier_macro_f1: float  # the classifier's own top intent, no fallback: what the threshold costs


@dataclass
class Fold:
    fold: int
    train_examples: int
    test_examples: int
    train_seconds: float
    intent_macro_f1: float
    classifier_macro_f1: float
    fallbacks: int
    entity_f1: float


@dataclass
class CrossValidation:
    folds: list[Fold]
    intent_macro_f1_mean: float
    intent_macro_f1_std: float
    entity_f1_mean: float
    entity_f1_std: float
    intent_macro_precision_mean: float
    intent_macro_recall_mean: float
    confused: list[Confusion]
    fallbacks: int  # over all folds' test messages
    classifier_macro_f1: float  # over all folds' test messages, the classifier's own top intent


@dataclass
class OutOfScope:
    threshold: float
    ambiguity_threshold: float
    off_topic_messages: int
    in_scope_messages: int
    rejection: float
    acceptance: float
    heldout_out_of_scope_rejection: float
    rejection_by_category: dict[str, float]
    accepted_off_topic: list[dict[str, str]]
    sweep: list[SweepPoint]
    # Messages where replaying the fallback at the configured threshold disagrees with the pipeline (should be 0).
    replay_mismatches: int


@dataclass
class Understanding:
    model: str
    heldout: Scores
    with_details: Scores
    out_of_scope: OutOfScope
    cross_validation: CrossValidation | None
    notes: list[str] = field(default_factory=list)


def fallback_settings(config: Path = CONFIG) -> tuple[float, float]:
    """FallbackClassifier's threshold and ambiguity_threshold as configured (Rasa's defaults otherwise)."""
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(component.get("ambiguity_threshold", 0.1))
    raise ValueError(f"no FallbackClassifier in {config}")


def quiet_rasa() -> None:
    """Only figures on stdout: Rasa logs every parse at debug level unless told otherwise.

    Sanic turns deprecation warnings back on when it is imported, so it is imported before silencing them.
    """
    import logging
    import warnings

    import sanic  # noqa: F401

    warnings.filterwarnings("ignore")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING, warn_only_once=False)
    configure_structlog(logging.WARNING)


def load_agent(model: Path) -> Any:
    from rasa.core.agent import Agent

    quiet_rasa()
    return Agent.load(str(model))


def to_parsed(result: dict[str, Any]) -> Parsed:
    ranking = tuple(
        (r["name"], float(r["confidence"])) for r in result.get("intent_ranking") or [] if r["name"] != stats.FALLBACK
    )
    procedures = frozenset(e["value"] for e in result.get("entities") or [] if e["entity"] == ENTITY)
    return Parsed(result["intent"]["name"], procedures, ranking, SAFETY_OVERRIDE in result)


def parse_all(agent: Any, texts: Sequence[str]) -> list[Parsed]:
    async def parse() -> list[Parsed]:
        return [to_parsed(await agent.parse_message(text)) for text in texts]

    return asyncio.run(parse())


def score(examples: Sequence[Example], parsed: Sequence[Parsed]) -> Scores:
    gold = [e.intent for e in examples]
    predicted = [p.intent for p in parsed]
    per_intent = stats.intent_scores(gold, predicted)
    return Scores(
        examples=len(examples),
        intent_macro=stats.macro(per_intent),
        intent_accuracy=stats.accuracy(gold, predicted),
        per_intent=per_intent,
        entity=stats.entity_scores([e.procedures for e in examples], [p.procedures for p in parsed]),
        confused=stats.confused_pairs(gold, predicted),
        fallbacks=predicted.count(stats.FALLBACK),
        classifier_macro_f1=stats.macro(stats.intent_scores(gold, [stats.intent_at(p, 0.0, 0.0) for p in parsed])).f1,
    )


def off_topic_messages(path: Path = OFF_TOPIC) -> dict[str, list[str]]:
    return {
        category: [str(m) for m in messages]
        for category, messages in yaml.safe_load(path.read_text())["off_topic"].items()
    }


def training_overlap(messages: Sequence[str]) -> list[str]:
    """Off-topic messages that also appear in the training data: they would flatter the rejection rate."""
    from rasa.shared.nlu.training_data.loading import load_data

    def normal(text: str) -> str:
        return " ".join(text.lower().split())

    trained = {normal(m.get("text")) for m in load_data(str(TRAINING_DATA)).training_examples}
    return [m for m in messages if normal(m) in trained]


def out_of_scope(
    heldout: Sequence[Example],
    heldout_parsed: Sequence[Parsed],
    categories: dict[str, list[str]],
    off_topic_parsed: Sequence[Parsed],
    threshold: float,
    ambiguity: float,
) -> OutOfScope:
    in_scope = [(e, p) for e, p in zip(heldout, heldout_parsed, strict=True) if e.intent != OUT_OF_SCOPE]
    heldout_oos = [p.intent for e, p in zip(heldout, heldout_parsed, strict=True) if e.intent == OUT_OF_SCOPE]
    texts = [m for messages in categories.values() for m in messages]
    labels = [c for c, messages in categories.items() for _ in messages]
    by_category = {
        c: stats.rejection_rate([p.intent for p, label in zip(off_topic_parsed, labels, strict=True) if label == c])
        for c in categories
    }
    every = [*heldout_parsed, *off_topic_parsed]
    return OutOfScope(
        threshold=threshold,
        ambiguity_threshold=ambiguity,
        off_topic_messages=len(texts),
        in_scope_messages=len(in_scope),
        rejection=stats.rejection_rate([p.intent for p in off_topic_parsed]),
        acceptance=1.0 - stats.rejection_rate([p.intent for _, p in in_scope]),
        heldout_out_of_scope_rejection=stats.rejection_rate(heldout_oos),
        rejection_by_category=by_category,
        accepted_off_topic=[
            {"text": t, "category": c, "intent": p.intent}
            for t, c, p in zip(texts, labels, off_topic_parsed, strict=True)
            if p.intent not in stats.REJECTED
        ],
        sweep=stats.sweep(
            [p for _, p in in_scope], [e.intent for e, _ in in_scope], off_topic_parsed, ambiguity, stats.thresholds()
        ),
        replay_mismatches=sum(stats.intent_at(p, threshold, ambiguity) != p.intent for p in every),
    )


def write_fold(data: Any, indices: Sequence[int], path: Path) -> None:
    """A Rasa YAML file (version 3.1) with these examples and the whole synonym table.

    The synonym table is kept whole: the procedure extractor is a rule-based entity ruler built from the
    knowledge base, so the split is about intents, and EntitySynonymMapper needs the full table.
    """
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    part = TrainingData(
        training_examples=[data.training_examples[i] for i in indices],
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
    )
    path.write_text(RasaYAMLWriter().dumps(part), encoding="utf-8")


def train_nlu(train_file: Path, out: Path, name: str, log: Path) -> float:
    """Seconds to train an NLU-only model with the project's config; cwd is the project (relative spaCy path)."""
    command = rasa_command() + ["train", "nlu", "--config", str(CONFIG), "--nlu", str(train_file)]
    command += ["--out", str(out), "--fixed-model-name", name]
    env = quiet_env({"RASA_CACHE_DIRECTORY": str(out / "cache")})  # cold, and the project's cache untouched
    started = time.monotonic()
    with open(log, "wb") as handle:
        code = subprocess.call(command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    if code != 0:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        raise RuntimeError(f"fold training failed ({code}); see {log}:\n" + "\n".join(tail))
    return time.monotonic() - started


def cross_validate(k: int, say: Say, seed: int = 42) -> CrossValidation:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(TRAINING_DATA))
    labels = [m.get("intent") for m in data.training_examples]
    folds = stats.stratified_folds(labels, k, seed)
    results: list[Fold] = []
    gold: list[str] = []
    every_parsed: list[Parsed] = []
    precision: list[float] = []
    recall: list[float] = []
    with tempfile.TemporaryDirectory(prefix="netfaq-bench-cv-") as tmp:
        work = Path(tmp)
        for number, test in enumerate(folds, start=1):
            held = set(test)
            train = [i for i in range(len(labels)) if i not in held]
            train_file, test_file = work / f"fold{number}_train.yml", work / f"fold{number}_test.yml"
            write_fold(data, train, train_file)
            write_fold(data, test, test_file)
            say(f"  fold {number}/{k}: training on {len(train)} examples...")
            seconds = train_nlu(train_file, work, f"fold{number}", work / f"fold{number}.log")
            examples = read_examples(test_file)
            agent = load_agent(work / f"fold{number}.tar.gz")
            parsed = parse_all(agent, [e.text for e in examples])
            del agent
            gc.collect()
            scores = score(examples, parsed)
            gold += [e.intent for e in examples]
            every_parsed += parsed
            precision.append(scores.intent_macro.precision)
            recall.append(scores.intent_macro.recall)
            results.append(
                Fold(
                    number,
                    len(train),
                    len(test),
                    seconds,
                    scores.intent_macro.f1,
                    scores.classifier_macro_f1,
                    scores.fallbacks,
                    scores.entity.f1,
                )
            )
            say(
                f"  fold {number}/{k}: intent macro-F1 {scores.intent_macro.f1:.3f} (classifier alone "
                f"{scores.classifier_macro_f1:.3f}, {scores.fallbacks} fallbacks), entity F1 {scores.entity.f1:.3f} "
                f"(trained in {seconds:.0f} s)"
            )
    return summarise_folds(results, gold, every_parsed, precision, recall)


def summarise_folds(
    results: list[Fold], gold: list[str], parsed: list[Parsed], precision: list[float], recall: list[float]
) -> CrossValidation:
    """Means over folds, and counts and confusions over every fold's test messages together."""
    f1_mean, f1_std = stats.mean_std([f.intent_macro_f1 for f in results])
    entity_mean, entity_std = stats.mean_std([f.entity_f1 for f in results])
    predicted = [p.intent for p in parsed]
    return CrossValidation(
        folds=results,
        intent_macro_f1_mean=f1_mean,
        intent_macro_f1_std=f1_std,
        entity_f1_mean=entity_mean,
        entity_f1_std=entity_std,
        intent_macro_precision_mean=stats.mean_std(precision)[0],
        intent_macro_recall_mean=stats.mean_std(recall)[0],
        confused=stats.confused_pairs(gold, predicted),
        fallbacks=predicted.count(stats.FALLBACK),
        classifier_macro_f1=stats.macro(stats.intent_scores(gold, [stats.intent_at(p, 0.0, 0.0) for p in parsed])).f1,
    )


def run(model: Path, folds: int | None, say: Say = print) -> Understanding:
    """Held-out and out-of-scope with `model`; then `folds`-fold cross-validation unless folds is None."""
    threshold, ambiguity = fallback_settings()
    heldout = read_examples(HELDOUT)
    categories = off_topic_messages()
    texts = [m for messages in categories.values() for m in messages]
    notes = [f"off-topic message also in the training data: {m!r}" for m in training_overlap(texts)]
    say(f"understanding: loading {model.name} and parsing {len(heldout)} held-out + {len(texts)} off-topic messages")
    agent = load_agent(model)
    heldout_parsed = parse_all(agent, [e.text for e in heldout])
    details = read_examples(HELDOUT_DETAILS)
    details_scores = score(details, parse_all(agent, [e.text for e in details]))
    off_topic_parsed = parse_all(agent, texts)
    del agent
    gc.collect()
    scores = score(heldout, heldout_parsed)
    say(
        f"  held-out: intent macro P/R/F1 {scores.intent_macro.precision:.3f} / {scores.intent_macro.recall:.3f} / "
        f"{scores.intent_macro.f1:.3f}, accuracy {scores.intent_accuracy:.3f} ({scores.fallbacks} fallbacks, "
        f"classifier alone macro-F1 {scores.classifier_macro_f1:.3f}); procedure P/R/F1 "
        f"{scores.entity.precision:.3f} / {scores.entity.recall:.3f} / {scores.entity.f1:.3f}"
    )
    say(
        f"  held-out questions with personal details: accuracy {details_scores.intent_accuracy:.3f} of "
        f"{details_scores.examples}, intent macro-F1 {details_scores.intent_macro.f1:.3f}"
    )
    oos = out_of_scope(heldout, heldout_parsed, categories, off_topic_parsed, threshold, ambiguity)
    say(
        f"  out-of-scope at threshold {threshold}: rejection {oos.rejection:.3f} of {oos.off_topic_messages}, "
        f"in-scope acceptance {oos.acceptance:.3f} of {oos.in_scope_messages}"
    )
    cv = None
    if folds:
        say(f"understanding: {folds}-fold cross-validation over {TRAINING_DATA.relative_to(PROJECT_ROOT)}")
        cv = cross_validate(folds, say)
        say(
            f"  cross-validation: intent macro-F1 {cv.intent_macro_f1_mean:.3f} ± {cv.intent_macro_f1_std:.3f}, "
            f"entity F1 {cv.entity_f1_mean:.3f} ± {cv.entity_f1_std:.3f}"
        )
    return Understanding(shown(model), scores, details_scores, oos, cv, notes)


def shown(path: Path) -> str:
    """A path relative to the project when it is inside it, for reports that read the same on any clone."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
