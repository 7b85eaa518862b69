"""How a personal timeline is said and written as a calendar file (netfaq/core/timeline_wording.py):
every worked-out time beside its fact, hedged as the source is, with the source; an .ics file whose
events say where their times came from."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from netfaq.core.patient_dates import hear
from netfaq.core.timeline import PROBLEMS, timeline
from netfaq.core.timeline_wording import (
    CHECK_LETTER,
    calendar_file,
    day_text,
    problem_text,
    timeline_payload,
    timeline_text,
)

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)


def found(kb, procedure, text, topic=None, now=MONDAY):
    return timeline(kb, procedure, hear(text, now), topic, now)


def test_each_worked_out_time_stands_beside_its_fact_and_source(kb):
    text = timeline_text(kb, found(kb, "abdominal_ultrasound", "my scan is at 2pm on Friday"), MONDAY.date())
    lines = text.split("\n")
    assert lines[0] == "Your ultrasound scan is on Friday 11 December at 2pm."
    fasting = next(line for line in lines if line.startswith("\u2022 Stop eating"))
    assert "You may need to stop eating for 6 hours" in fasting  # the source's hedging, kept
    assert "If you do need to, that would be from 8am on Friday 11 December" in fasting
    results = next(line for line in lines if line.startswith("\u2022 Results usually back"))
    assert "between Friday 18 December and Friday 25 December (a bank holiday: Christmas Day)" in results
    assert CHECK_LETTER in lines and lines[-1].startswith("Source: Cancer Research UK")


def test_a_page_written_for_another_condition_says_so(kb):
    text = timeline_text(kb, found(kb, "liver_ultrasound", "I had it on 20 November", "results"), MONDAY.date())
    assert "Your liver ultrasound was on Friday 20 November." in text
    assert "not for people with NETs" in text


@pytest.mark.parametrize("problem", PROBLEMS)
def test_every_problem_asks_back_and_names_the_test(kb, problem):
    text = problem_text(problem, "ultrasound scan", kb.timelines.furthest_ahead_days)
    assert text.rstrip().endswith(("?", ".")) and "?" in text
    assert "ultrasound scan" in text or "appointment letter" in text


def test_no_figure_says_so_and_where_to_ask(kb):
    text = timeline_text(kb, found(kb, "mri_scan", "MRI at 2pm on friday", "preparation"), MONDAY.date())
    assert text.startswith("Your MRI scan is on Friday 11 December at 2pm. I can't work out dates")
    assert "appointment letter" in text and "0808 800 4040" in text


def test_the_payload_holds_iso_dates_by_figure(kb):
    payload = timeline_payload(found(kb, "octreotide_scan", "the injection is on Monday", "duration"))
    assert payload == {
        "procedure": "octreotide_scan",
        "appointment": "2026-12-14",
        "further_scans": ["2026-12-15", "2026-12-16"],
    }


def test_the_calendar_file_has_an_event_a_worked_out_time_each_saying_where_it_came_from(kb):
    ics = calendar_file(kb, found(kb, "abdominal_ultrasound", "my scan is at 7am on Monday 28 December"), MONDAY)
    calendar = Calendar.from_ical(ics)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "Ultrasound scan (as you told the assistant)",
        "Ultrasound scan: stop eating",
        "Ultrasound scan: results usually back",
        "Ultrasound scan: contact the doctor who arranged the test if you've heard nothing",
    }
    fasting = events["Ultrasound scan: stop eating"]
    assert fasting.decoded("dtstart") == datetime(2026, 12, 28, 1, 0, tzinfo=LONDON)  # 6 hours before 7am
    assert "Source: Cancer Research UK" in str(fasting["description"])
    assert [str(a["trigger"].to_ical(), "ascii") for a in fasting.walk("VALARM")] == ["-PT1H"]
    chase = events["Ultrasound scan: contact the doctor who arranged the test if you've heard nothing"]
    assert chase.decoded("dtstart") == date(2027, 1, 11) and chase.walk("VALARM")
    window = events["Ultrasound scan: results usually back"]
    assert (window.decoded("dtstart"), window.decoded("dtend")) == (date(2027, 1, 4), date(2027, 1, 11) + timedelta(1))
    assert calendar.walk("VTIMEZONE")  # RFC 5545: a TZID needs its VTIMEZONE


def test_the_calendar_file_holds_nothing_the_patient_did_not_type_about_times(kb):
    ics = calendar_file(
        kb, found(kb, "abdominal_ultrasound", "I'm Jane Smith, NHS 943 476 5919, scan at 2pm on Friday"), MONDAY
    ).decode()
    assert "Jane" not in ics and "943" not in ics and "5919" not in ics


def test_nothing_worked_out_makes_no_calendar_file(kb):
    assert calendar_file(kb, found(kb, "mri_scan", "MRI at 2pm on friday"), MONDAY) is None


def test_days_are_written_as_patients_say_them():
    assert day_text(date(2026, 12, 11)) == "Friday 11 December"


def test_two_days_given_in_turn_are_both_named_in_the_question():
    from netfaq.core.patient_dates import Told

    told = Told(date(2026, 12, 14), earlier=date(2026, 12, 11))
    assert problem_text("two_dates", "ultrasound scan", 183, told) == (
        "Earlier you told me Friday 11 December, and now Monday 14 December. Which day is your ultrasound scan? "
        "Tell me that one and I'll work out the times for it."
    )


def test_too_far_says_the_limit_the_rules_set(kb):
    assert "more than 6 months away" in problem_text("too_far", "ultrasound scan", kb.timelines.furthest_ahead_days)
    assert "more than 12 months away" in problem_text("too_far", "ultrasound scan", 366)
