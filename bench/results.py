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
    answers: dict[str, Any] | None = None  # bench/answers.py: each set's summary, and the shared eval
    ours_new_wording: Serving | None = None  # ours again without the question-embedding cache
    reading: dict[str, Any] | None = None  # reading ease of every answer the knowledge base can give
    emergency_ms: dict[str, float] | None = None  # the emergency check per message (bench/emergency.py)


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


def answer_set(results: Results, name: str) -> dict[str, Any] | None:
    """One answer set's summary (bench/answers.py), if measured."""
    return next((s for s in (results.answers or {}).get("sets", []) if s["set"] == name), None)


def _share(right: int, total: int) -> str:
    return f"{right / total:.1%} ({right}/{total})" if total else "not measured"


def answer_targets(results: Results) -> list[Target]:
    """Issue 11: the right fact for at least 95% of questions and 90% of conversations, on our blind
    set and on the shared eval alike, every emergency caught and no look-alike sent to 999."""
    blind = answer_set(results, "blind")
    shared = (results.answers or {}).get("shared_eval")
    found: list[Target] = []
    for label, q, c in (
        ("our blind set", blind and blind["questions"], blind and blind["conversations"]),
        (
            "shared eval",
            shared and {"right": shared["questions"][0], "total": shared["questions"][1]},
            shared and {"right": shared["conversations"][0], "total": shared["conversations"][1]},
        ),
    ):
        found.append(
            Target(
                f"Single questions answered right, {label}",
                "≥ 95%",
                _share(q["right"], q["total"]) if q else "not measured",
                q["right"] >= 0.95 * q["total"] if q else None,
            )
        )
        found.append(
            Target(
                f"Conversations right in every turn, {label}",
                "≥ 90%",
                _share(c["right"], c["total"]) if c else "not measured",
                c["right"] >= 0.90 * c["total"] if c else None,
            )
        )
    caught, emergencies = 0, 0
    if blind:
        caught, emergencies = blind["emergencies_caught"]["right"], blind["emergencies_caught"]["total"]
    if shared and "emergency" in shared["by_kind"]:
        caught, emergencies = (
            caught + shared["by_kind"]["emergency"][0],
            emergencies + shared["by_kind"]["emergency"][1],
        )
    found.append(
        Target(
            "Emergencies caught (blind set and shared eval)",
            "100%",
            _share(caught, emergencies),
            caught == emergencies if emergencies else None,
        )
    )
    lookalikes = [s for s in (results.answers or {}).get("sets", [])]
    sent = sum(s["lookalikes_sent_to_999"] for s in lookalikes)
    total = sum(s["lookalikes"] for s in lookalikes)
    found.append(
        Target("Look-alikes sent to 999 (all our sets)", "0", f"{sent} of {total}", sent == 0 if total else None)
    )
    return found


def new_wording_targets(results: Results) -> list[Target]:
    """The latency target again with every question embedded anew (no question cache)."""
    new10 = level(results.ours_new_wording, 10)
    if new10 is None:
        return []
    return [
        Target(
            "p95 latency at 10 concurrent, every question embedded anew (no question cache)",
            "≤ 150 ms",
            f"{new10.p95_ms:.0f} ms",
            new10.p95_ms <= 150,
        )
    ]


def targets(results: Results) -> list[Target]:
    ours10, stock10 = level(results.ours, 10), level(results.stock, 10)
    throughput = ratio(ours10.msgs_per_s if ours10 else None, stock10.msgs_per_s if stock10 else None)
    understanding = results.understanding
    oos = understanding.out_of_scope
    rss = peak_rss(results.ours, "rasa")
    actions_rss = peak_rss(results.ours, "actions")
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
        *new_wording_targets(results),
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
            "Action server resident memory (peak after a load level)",
            "≤ 400 MB",
            f"{actions_rss:.0f} MB",
            actions_rss <= 400,
        ),
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
        *answer_targets(results),
    ]
