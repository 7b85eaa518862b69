"""Pure statistics for the benchmark, kept free of Rasa imports so they are quick to unit-test."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from netfaq.core.dialogue import FALLBACK_INTENT

FALLBACK = FALLBACK_INTENT
# Final intents that mean "the assistant did not take this as a question it answers".
REJECTED = frozenset({FALLBACK, "out_of_scope"})


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Confusion:
    expected: str
    predicted: str
    count: int


@dataclass(frozen=True)
class Parsed:
    """What the pipeline said about one message, with the classifier's own ranking kept for the sweep."""

    intent: str
    procedures: frozenset[str]
    ranking: tuple[tuple[str, float], ...]  # classifier's intents, best first, without nlu_fallback
    forced: bool  # the safety guard overrode the classifier (it runs after the fallback)


@dataclass(frozen=True)
class SweepPoint:
    threshold: float
    rejection: float  # off-topic messages rejected
    acceptance: float  # in-scope held-out messages accepted
    macro_f1: float  # held-out intent macro-F1 at this threshold


def _share(numerator: int, denominator: int, empty: float) -> float:
    return numerator / denominator if denominator else empty


def prf(tp: int, fp: int, fn: int, empty: float = 0.0) -> PRF:
    """Precision, recall and F1; `empty` stands for 0/0 (sklearn's zero_division)."""
    precision = _share(tp, tp + fp, empty)
    recall = _share(tp, tp + fn, empty)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp + fn)


def intent_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, PRF]:
    """Per-intent scores over the gold labels; a prediction outside them (nlu_fallback) is only a miss."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for expected, got in zip(gold, predicted, strict=True):
        if expected == got:
            tp[expected] += 1
        else:
            fn[expected] += 1
            fp[got] += 1
    return {label: prf(tp[label], fp[label], fn[label]) for label in sorted(set(gold))}


def macro(scores: dict[str, PRF]) -> PRF:
    """Unweighted mean over labels, as sklearn's average='macro' (F1 is the mean of F1s)."""
    n = len(scores)
    if not n:
        return PRF(0.0, 0.0, 0.0, 0)
    values = scores.values()
    return PRF(
        sum(s.precision for s in values) / n,
        sum(s.recall for s in values) / n,
        sum(s.f1 for s in values) / n,
        sum(s.support for s in values),
    )


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return _share(sum(g == p for g, p in zip(gold, predicted, strict=True)), len(gold), 0.0)


def entity_scores(gold: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]]) -> PRF:
    """Procedure values compared as sets per message (as netfaq.evaluate); no entities at all scores 1."""
    tp = fp = fn = 0
    for expected, got in zip(gold, predicted, strict=True):
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
    return prf(tp, fp, fn, empty=1.0)


def confused_pairs(gold: Sequence[str], predicted: Sequence[str], top: int = 10) -> list[Confusion]:
    """Most frequent (expected → predicted) mistakes, ties broken by name so reports are stable."""
    counts = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Confusion(expected, got, count) for (expected, got), count in ordered[:top]]


def intent_at(parsed: Parsed, threshold: float, ambiguity: float) -> str:
    """The final intent FallbackClassifier (then the safety guard) would give at this threshold."""
    if parsed.forced:
        return parsed.intent
    if not parsed.ranking:
        return FALLBACK
    top = parsed.ranking[0][1]
    second = parsed.ranking[1][1] if len(parsed.ranking) > 1 else None
    if top < threshold or (second is not None and top - second < ambiguity):
        return FALLBACK
    return parsed.ranking[0][0]


def rejection_rate(intents: Sequence[str]) -> float:
    return _share(sum(i in REJECTED for i in intents), len(intents), 0.0)


def thresholds(step: float = 0.05, stop: float = 0.95) -> list[float]:
    return [round(i * step, 10) for i in range(int(round(stop / step)) + 1)]


def sweep(
    in_scope: Sequence[Parsed],
    in_scope_gold: Sequence[str],
    off_topic: Sequence[Parsed],
    ambiguity: float,
    points: Sequence[float],
) -> list[SweepPoint]:
    """Rejection, acceptance and macro-F1 at each threshold, from one parse per message."""
    result = []
    for t in points:
        accepted = [intent_at(p, t, ambiguity) for p in in_scope]
        rejected = [intent_at(p, t, ambiguity) for p in off_topic]
        result.append(
            SweepPoint(
                threshold=t,
                rejection=rejection_rate(rejected),
                acceptance=1.0 - rejection_rate(accepted),
                macro_f1=macro(intent_scores(in_scope_gold, accepted)).f1,
            )
        )
    return result


def stratified_folds(labels: Sequence[str], k: int, seed: int = 42) -> list[list[int]]:
    """Indices of each fold's test part: every label dealt round-robin after a seeded shuffle."""
    if k < 2:
        raise ValueError("need at least 2 folds")
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for label in sorted(by_label):
        indices = by_label[label]
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            # Start each label where the last one stopped, so small labels don't all pile into fold 0.
            folds[(offset + position) % k].append(index)
        offset += len(indices)
    return [sorted(fold) for fold in folds]


def percentile(values: Sequence[float], q: float) -> float:
    """q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n-1); one value has no spread."""
    if not values:
        return math.nan, math.nan
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def ratio(ours: float | None, stock: float | None) -> float | None:
    """ours / stock, or None when either side is missing or stock is zero."""
    if ours is None or stock is None or stock == 0:
        return None
    return ours / stock
