"""Everything one benchmark run measured, and the issue's targets judged against it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.serving import Level, Serving
from bench.stats import ratio
from bench.understanding import Understanding


@dataclass
class Training:
    ours_s: float | None  # `rasa train --force`, cold cache; None when skipped
    ours_model_mb: float | None
    stock_s: float | None  # `rasa init --no-prompt`: template copy (milliseconds) + full training, cold cache


@dataclass
class Results:
    generated: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    understanding: Understanding
    training: Training
    ours: Serving
    stock: Serving | None


@dataclass
class Target:
    name: str
    goal: str
    value: str
    met: bool | None  # None: not measured in this run


def level(serving: Serving | None, concurrency: int) -> Level | None:
    if serving is None:
        return None
    return next((lv for lv in serving.levels if lv.concurrency == concurrency), None)


def peak_rss(serving: Serving, process: str) -> float:
    return max((lv.rss_mb[process] for lv in serving.levels), default=float("nan"))


def targets(results: Results) -> list[Target]:
    ours10, stock10 = level(results.ours, 10), level(results.stock, 10)
    throughput = ratio(ours10.msgs_per_s if ours10 else None, stock10.msgs_per_s if stock10 else None)
    understanding = results.understanding
    oos = understanding.out_of_scope
    rss = peak_rss(results.ours, "rasa")
    training = results.training.ours_s
    return [
        Target(
            "Messages/s at 10 concurrent, ratio to stock",
            "≥ 3×",
            f"{throughput:.2f}×" if throughput is not None else "not measured",
            throughput >= 3 if throughput is not None else None,
        ),
        Target(
            "p95 latency at 10 concurrent (custom action included)",
            "≤ 150 ms",
            f"{ours10.p95_ms:.0f} ms" if ours10 else "not measured",
            ours10.p95_ms <= 150 if ours10 else None,
        ),
        Target(
            "Start to first answer",
            "≤ 20 s",
            f"{results.ours.startup.first_answer_s:.1f} s",
            results.ours.startup.first_answer_s <= 20,
        ),
        Target(
            "Full training",
            "≤ 90 s",
            f"{training:.0f} s" if training is not None else "not measured",
            training <= 90 if training is not None else None,
        ),
        Target("Rasa server resident memory (peak after a load level)", "≤ 800 MB", f"{rss:.0f} MB", rss <= 800),
        Target(
            "Held-out intent macro-F1",
            "≥ 0.97",
            f"{understanding.heldout.intent_macro.f1:.3f}",
            understanding.heldout.intent_macro.f1 >= 0.97,
        ),
        Target(
            f"Out-of-scope rejection with in-scope acceptance (threshold {oos.threshold})",
            "≥ 0.90 with ≥ 0.97",
            f"{oos.rejection:.3f} with {oos.acceptance:.3f}",
            oos.rejection >= 0.90 and oos.acceptance >= 0.97,
        ),
    ]
