"""Personal timelines (netfaq/core/timeline.py): worked out from the sources' figures only; clock
changes, bank holidays and midnight crossings; a day that can't be right for what was asked, asked back."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from netfaq.core.knowledge import KnowledgeBaseError, load_knowledge
from netfaq.core.patient_dates import IMPOSSIBLE_DATE, TWO_DATES, hear
from netfaq.core.timeline import NO_DAY, NO_FIGURE, NO_TIME, PAST_DATE, TOO_FAR, timeline

LONDON = ZoneInfo("Europe/London")


MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)  # Monday 7 December 2026


def worked(kb, procedure, text, topic=None, now=MONDAY):
    return timeline(kb, procedure, hear(text, now), topic, now)


def test_fasting_starts_the_figures_hours_before_the_appointment(kb):
    found = worked(kb, "abdominal_ultrasound", "my ultrasound is at 2pm on friday", "preparation")
    (fasting,) = found.worked
    assert fasting.figure.display == "6 hours" and "{" not in fasting.fact.text
    assert fasting.moment == datetime(2026, 12, 11, 8, 0, tzinfo=LONDON)


def test_a_7am_scan_means_fasting_from_1am(kb):
    found = worked(kb, "liver_ultrasound", "liver scan at 7am on Thursday", "preparation")
    assert found.worked[0].moment.replace(tzinfo=None) == datetime(2026, 12, 10, 1, 0)


def test_fasting_across_the_clocks_going_forward_counts_real_hours(kb):
    before = datetime(2027, 3, 24, 9, 0, tzinfo=LONDON)
    # Clocks go forward at 1am on Sunday 28 March 2027: 6 real hours before 5am BST is 10pm GMT.
    sunday = worked(kb, "abdominal_ultrasound", "scan on sunday at 5am", "preparation", before)
    assert sunday.worked[0].moment.replace(tzinfo=None) == datetime(2027, 3, 27, 22, 0)
    # The Monday after: no change in between.
    monday = worked(kb, "abdominal_ultrasound", "scan on monday at 7am", "preparation", before)
    assert monday.worked[0].moment.replace(tzinfo=None) == datetime(2027, 3, 29, 1, 0)
    assert monday.worked[0].moment.utcoffset().total_seconds() == 3600


def test_results_window_and_chase_date_count_from_the_test(kb):
    found = worked(kb, "liver_ultrasound", "I had my liver ultrasound on 20 November", "results")
    by_figure = {w.step.figure: w.days for w in found.worked}
    assert by_figure == {
        "results_time": (date(2026, 11, 27), date(2026, 12, 4)),
        "chase_after": (date(2026, 12, 4),),
    }


def test_a_message_asking_two_timings_gets_both(kb):
    text = "liver ultrasound on Friday at 10am. When do I stop eating, and when will I get the results?"
    found = worked(kb, "liver_ultrasound", text, ("preparation", "results"))
    assert {w.step.figure for w in found.worked} == {"fasting", "results_time", "chase_after"}


def test_a_two_day_scan_keeps_the_days_its_hours_reach_free(kb):
    found = worked(kb, "octreotide_scan", "my octreotide scan starts on Monday", "duration")
    assert found.worked[0].days == (date(2026, 12, 15), date(2026, 12, 16))


def test_bank_holidays_are_named_beside_the_dates(kb):
    found = worked(kb, "abdominal_ultrasound", "scan on Monday 28th December at 10am")
    assert found.appointment_holiday and "Boxing Day" in found.appointment_holiday
    after = datetime(2026, 12, 21, 9, 0, tzinfo=LONDON)
    christmas_results = worked(kb, "abdominal_ultrasound", "I had the scan on 18 December", "results", after)
    holidays = dict(christmas_results.worked[0].holidays)
    assert "Christmas" in holidays[date(2026, 12, 25)] and date(2027, 1, 1) in dict(
        christmas_results.worked[1].holidays
    )


@pytest.mark.parametrize(
    "procedure, topic", [("mri_scan", "preparation"), ("mibg_scan", "duration"), ("bone_scan", "results")]
)
def test_no_figure_no_dates(kb, procedure, topic):
    found = worked(kb, procedure, "it's at 2pm on Friday", topic)
    assert found.worked == () and found.without_figure == (topic,)


def test_a_day_given_for_a_test_without_figures_works_out_nothing(kb):
    assert worked(kb, "ct_scan", "my CT is at 2pm on Friday").without_figure == (NO_FIGURE,)


def test_a_question_no_timeline_answers_gets_none(kb):
    assert worked(kb, "abdominal_ultrasound", "it's at 2pm on Friday, does it hurt?", "pain") is None


@pytest.mark.parametrize(
    "text, topic, problem",
    [
        ("my scan is at 2pm", "preparation", NO_DAY),
        ("my scan is friday morning", "preparation", NO_TIME),
        ("my scan is on 1 December", "preparation", PAST_DATE),  # this year's 1 December has gone
        ("my scan is on 1 December 2027", "preparation", TOO_FAR),
        ("my scan is on 31 February", "results", IMPOSSIBLE_DATE),
        ("the 14th or the 15th", "preparation", TWO_DATES),
    ],
)
def test_problems_stop_the_timeline(kb, text, topic, problem):
    found = worked(kb, "abdominal_ultrasound", text, topic)
    assert found.problem == problem and found.worked == ()


def test_a_day_without_a_time_still_gives_the_dates_that_need_no_time(kb):
    found = worked(kb, "abdominal_ultrasound", "my scan is on Friday")
    assert [w.step.figure for w in found.worked] == ["results_time", "chase_after"]


def test_a_day_gone_still_gives_the_results_dates(kb):
    found = worked(kb, "abdominal_ultrasound", "I had it last thursday")
    assert [w.step.figure for w in found.worked] == ["results_time", "chase_after"]


def test_a_step_whose_figure_cannot_be_worked_out_is_a_problem_naming_the_file(kb_copy):
    path = kb_copy / "timelines.yml"
    path.write_text(path.read_text().replace("works_out: start_before", "works_out: window_after"))
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge(kb_copy)
    problem = next(p for p in error.value.problems if p.file.endswith("timelines.yml"))
    assert problem.entry == "timelines, step 'fasting'"
    assert "procedure 'abdominal_ultrasound' figure 'fasting'" in problem.message and "min and max" in problem.message


def test_an_unknown_time_zone_is_a_problem(kb_copy):
    path = kb_copy / "timelines.yml"
    path.write_text(path.read_text().replace("timezone: Europe/London", "timezone: Europe/Londinium"))
    with pytest.raises(KnowledgeBaseError, match="unknown time zone 'Europe/Londinium'"):
        load_knowledge(kb_copy)
