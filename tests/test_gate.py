"""The gate's comparison: the deciding measures may not get worse; per-intent and per-kind changes are shown."""

from __future__ import annotations

from netfaq.tools.gate import compare, not_worse, render

SERVICE = {
    "intent macro-F1": 0.970,
    "questions right": 310,
    "conversations right": 45,
    "emergencies caught": 21,
    "look-alikes sent to 999": 0,
    "per intent F1": {"ask_results": 0.95, "greet": 1.0},
    "per kind right": {"answer": 190, "emergency": 21},
}


def changed(**values) -> dict:
    return {**SERVICE, **values}


def test_the_same_or_better_is_promoted_and_the_first_model_has_nothing_to_beat():
    assert not_worse(compare(SERVICE, changed(**{"questions right": 312})))
    assert not_worse(compare(None, SERVICE))


def test_any_deciding_measure_worse_refuses():
    for worse in (
        {"intent macro-F1": 0.960},
        {"questions right": 309},
        {"conversations right": 44},
        {"emergencies caught": 20},
        {"look-alikes sent to 999": 1},
    ):
        rows = compare(SERVICE, changed(**worse))
        assert not not_worse(rows), worse
        assert [r.measure for r in rows if r.worse] == list(worse)


def test_the_tolerance_applies_to_intent_f1_only():
    assert not_worse(compare(SERVICE, changed(**{"intent macro-F1": 0.966}), tolerance=0.005))
    assert not not_worse(compare(SERVICE, changed(**{"questions right": 309}), tolerance=0.005))


def test_the_table_shows_every_intent_and_kind_that_changed():
    candidate = changed(**{"per intent F1": {"ask_results": 0.90, "greet": 1.0}, "intent macro-F1": 0.95})
    table = render(compare(SERVICE, candidate))
    assert "| intent macro-F1 | 0.970 | 0.950 | -0.02 **worse** |" in table
    assert "|   F1 ask_results | 0.950 | 0.900 | -0.05 |" in table
    assert "greet" not in table  # unchanged rows are left out
