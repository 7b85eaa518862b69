"""How the personal-timeline benchmark judges a reply (bench/timelines.py) and reports it."""

from __future__ import annotations

from bench.report import Results, timelines_section
from bench.timelines import kind_of, wrong_values

FASTING = {"procedure": "abdominal_ultrasound", "appointment": "2026-12-11T14:00", "fasting": "2026-12-11T08:00"}


def test_a_reply_is_right_only_when_every_expected_value_is_equal():
    expect = {"appointment": "2026-12-11T14:00", "fasting_from": "2026-12-11T08:00"}
    assert wrong_values(expect, [FASTING]) == []
    assert wrong_values(expect, [{**FASTING, "fasting": "2026-12-11T09:00"}]) == [
        "fasting_from '2026-12-11T09:00', expected '2026-12-11T08:00'"
    ]
    assert wrong_values(expect, []) == [
        "appointment None, expected '2026-12-11T14:00'",
        "fasting_from None, expected '2026-12-11T08:00'",
    ]


def test_the_chase_date_and_windows_compare_as_the_set_writes_them():
    found = {"results_time": ["2026-11-27", "2026-12-04"], "chase_after": ["2026-12-04"]}
    assert wrong_values({"results_between": ["2026-11-27", "2026-12-04"], "chase_from": "2026-12-04"}, [found]) == []


def test_any_date_worked_out_where_the_sources_give_no_figure_is_invented():
    assert wrong_values({"no_figure": True}, [{"procedure": "mri_scan", "no_figure": True}]) == []
    assert wrong_values({"no_figure": True}, []) == []
    assert wrong_values({"no_figure": True}, [FASTING]) == ["worked out fasting_from with no figure"]


def test_a_problem_must_be_the_one_expected():
    assert wrong_values({"problem": "too_far"}, [{"problem": "past_date"}]) == [
        "problem 'past_date', expected 'too_far'"
    ]
    assert kind_of({"problem": "too_far"}) == "problem: too_far" and kind_of({"keep_free": []}) == "keep_free"


def test_the_report_has_a_row_per_set():
    tally = {"right": 9, "total": 10}
    figures = {"messages": tally, "turns": tally, "conversations": tally, "invented": 0, "no_figure_items": 3}
    results = Results("now", {}, {}, None, None, None, None, {"timelines": {"set a": {**figures, "by_kind": {}}}})
    section = "\n".join(timelines_section(results))
    assert (
        "## Personal timelines" in section and "| set a | 90.0% (9/10) | 90.0% (9/10) | 90.0% (9/10) | 0/3 |" in section
    )
    assert timelines_section(Results("now", {}, {}, None, None, None, None)) == []
