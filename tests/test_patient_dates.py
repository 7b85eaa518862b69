"""Days and times as patients write them (netfaq/core/patient_dates.py): read the British way,
looking back for a test had; dates that can't be right are problems; nothing breaks the reader."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from netfaq.core.patient_dates import (
    IMPOSSIBLE_DATE,
    TWO_DATES,
    Heard,
    Told,
    british,
    hear,
    in_conversation,
    tells_only_when,
    told_as_data,
    told_from_data,
    without_when,
)

LONDON = ZoneInfo("Europe/London")


MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)  # Monday 7 December 2026


def heard(text: str, now: datetime = MONDAY) -> tuple[date | None, time | None]:
    told = hear(text, now).told
    assert told is not None, text
    return told.day, told.at


@pytest.mark.parametrize(
    "text, day, at",
    [
        ("my ultrasound is at 2pm on friday, when should I stop eating?", date(2026, 12, 11), time(14)),
        ("Friday at 2", date(2026, 12, 11), time(14)),  # hospital hours: 2 is 2pm
        ("next Tuesday at 9", date(2026, 12, 15), time(9)),  # the Tuesday of next week
        ("half nine tuesday", date(2026, 12, 8), time(9, 30)),
        ("quarter to three on weds", date(2026, 12, 9), time(14, 45)),
        ("the 14th at 10:30", date(2026, 12, 14), time(10, 30)),
        ("on the 3rd of Jan at 8.15am", date(2027, 1, 3), time(8, 15)),
        ("scan is 14/12 at 9.30", date(2026, 12, 14), time(9, 30)),  # day before month
        ("my mums scan is 2 p.m. thursday", date(2026, 12, 10), time(14)),
        ("at noon on friday", date(2026, 12, 11), time(12)),
        ("tomorrow morning", date(2026, 12, 8), None),  # a part of the day is not a time
        ("my scan is on Monday", date(2026, 12, 14), None),  # today's weekday: a week on
        ("scan on 15.1 at 9.30", date(2027, 1, 15), time(9, 30)),  # a dotted date, a dotted time
        ("9 in the morning on the fifteenth", date(2026, 12, 15), time(9)),
        ("the twenty-first at half two in the afternoon", date(2026, 12, 21), time(14, 30)),
        ("christmas eve at 10.20am", date(2026, 12, 24), time(10, 20)),
        ("ultrasound tmrw 11am", date(2026, 12, 8), time(11)),
        ("its on wensday at twenty past 11", date(2026, 12, 9), time(11, 20)),
        ("ultrasound thursday 1430", date(2026, 12, 10), time(14, 30)),  # the 24-hour clock, no colon
        ("scan friday at 930", date(2026, 12, 11), time(9, 30)),
        ("20 past 11 tuesday 22nd", date(2026, 12, 22), time(11, 20)),
        ("friday at 10 to 3", date(2026, 12, 11), time(14, 50)),
        ("first thing Tuesday (8am)", date(2026, 12, 8), time(8)),  # a time in brackets
        ("on 22 decmber at 9am", date(2026, 12, 22), time(9)),  # a month misspelt
        ("two weeks today at 1.15pm", date(2026, 12, 21), time(13, 15)),
        ("a week tomorrow", date(2026, 12, 15), None),
        ("octreotide scan 11/1/27", date(2027, 1, 11), None),  # a two-digit year
        ("Sunday 31 October 2027 at 5am", date(2027, 10, 31), time(5)),
        # The date says the day; the weekday beside it says which year ("Weds 25th Nov" is gone).
        ("abdo US on Weds 25th Nov, no results yet", date(2026, 11, 25), None),
        ("scan on Weds 25/11, no results yet", date(2026, 11, 25), None),  # the month is no year
        ("the letter came this morning: Tuesday 15 December at 1.40pm", date(2026, 12, 15), time(13, 40)),
        ("liver scan at ten thirty on 22-12-2026", date(2026, 12, 22), time(10, 30)),  # hyphens
        ("ultrasound of the liver 10am 2027-03-17", date(2027, 3, 17), time(10)),  # the ISO way
        ("Ultrasound Abdomen, 12/01/2027, 10.30hrs", date(2027, 1, 12), time(10, 30)),
        ("half eleven a week Friday", date(2026, 12, 18), time(11, 30)),
        ("in a fortnight at ten", date(2026, 12, 21), time(10)),
        ("3 days from now at 2 pm", date(2026, 12, 10), time(14)),
        ("on the twenty ninth of december at eleven fifteen", date(2026, 12, 29), time(11, 15)),
        ("on 26 of January, hour 10 in morning", date(2027, 1, 26), time(10)),
        ("has been moved to Weds 27th Jan at 2.30", date(2027, 1, 27), time(14, 30)),  # "been" is not "had"
        ("my octreotid scanning begin at 22 of february", date(2027, 2, 22), None),  # a day, not 10pm
        ("the injection on the first day, that's Monday 4 Jan", date(2027, 1, 4), None),  # not the 1st
    ],
)
def test_days_and_times_are_read_the_british_way(text, day, at):
    assert heard(text) == (day, at)


@pytest.mark.parametrize(
    "text, day",
    [
        ("I had my liver ultrasound on 20 November", date(2026, 11, 20)),
        ("scan was 20/11, results when?", date(2026, 11, 20)),
        ("I had it last thursday", date(2026, 12, 3)),
        ("I had it on Monday", date(2026, 11, 30)),
        ("the scan was two weeks ago", date(2026, 11, 23)),
        ("a fortnight ago I had the scan", date(2026, 11, 23)),
        ("my scan was yesterday", date(2026, 12, 6)),
        ("had an ultrasound the day before yesterday", date(2026, 12, 5)),
        ("had my ultrasound this morning", date(2026, 12, 7)),
        ("it was Tue 24 Nov", date(2026, 11, 24)),  # not the Tuesday ctparse would read
        ("had it on thrusday nov 26", date(2026, 11, 26)),
        ("she had it on Tuesday 1 December", date(2026, 12, 1)),
        ("I make the liver ultrasound on Tuesday past", date(2026, 12, 1)),
        ("had an ultrasound of my liver 19.11.26", date(2026, 11, 19)),
        ("had it done on Dec 3rd and my nurse said results in a week or two", date(2026, 12, 3)),  # a span
    ],
)
def test_a_test_already_had_is_read_looking_back(text, day):
    told = hear(text, MONDAY).told
    assert told is not None and told.past and told.day == day


@pytest.mark.parametrize(
    "text, problem",
    [
        ("my scan is on 31 February", IMPOSSIBLE_DATE),
        ("my scan is on 31/11", IMPOSSIBLE_DATE),
        ("it's on 12/13", IMPOSSIBLE_DATE),
        ("it's either the 14th or the 15th", TWO_DATES),
        ("my scan is today, or is it friday?", TWO_DATES),  # "today" offered beside another day
    ],
)
def test_dates_that_cannot_be_right_are_problems(text, problem):
    assert hear(text, MONDAY).problem == problem


@pytest.mark.parametrize(
    "text",
    [
        "how long does the scan take?",
        "I'm 45 and scared",
        "fast for 6 hours?",
        "may I eat before it?",
        "do I need to get ready for the first one",  # pointing at a test, not the 1st
        "it takes 5 to 10 minutes",  # a span, not ten to five
        "my family member is coming with me",  # not December
        "",
    ],
)
def test_messages_without_a_day_or_time_hear_none(text):
    assert hear(text, MONDAY) == Heard()


def test_british_times_are_written_as_the_parser_reads_them():
    assert british("half 2 on thurs") == "2:30 on thursday"
    assert british("at nine on friday") == "at 9 on friday"
    assert british("quarter past ten") == "10:15"


def test_the_conversation_completes_a_day_with_a_later_time():
    kept = told_as_data("abdominal_ultrasound", Told(date(2026, 12, 11)))
    combined = in_conversation(hear("it's at 2pm", MONDAY), "abdominal_ultrasound", kept)
    assert (combined.told.day, combined.told.at) == (date(2026, 12, 11), time(14))
    # Kept for another test: not used.
    assert in_conversation(Heard(), "mri_scan", kept) == Heard()
    # A day corrected keeps the time told before.
    with_time = told_as_data("abdominal_ultrasound", Told(date(2026, 12, 11), time(14)))
    moved = in_conversation(hear("sorry, it's Thursday", MONDAY), "abdominal_ultrasound", with_time, corrects=True)
    assert (moved.told.day, moved.told.at, moved.problem) == (date(2026, 12, 10), time(14), None)


def test_another_day_not_said_to_correct_the_first_is_asked_about_until_one_is_given():
    friday = told_as_data("abdominal_ultrasound", Told(date(2026, 12, 11), time(14)))
    both = in_conversation(hear("it's on the 14th", MONDAY), "abdominal_ultrasound", friday)
    assert both.problem == TWO_DATES and (both.told.day, both.told.earlier) == (date(2026, 12, 14), date(2026, 12, 11))
    pending = told_as_data("abdominal_ultrasound", both.told)
    assert in_conversation(Heard(), "abdominal_ultrasound", pending).problem == TWO_DATES  # still asked
    chosen = in_conversation(hear("friday", MONDAY), "abdominal_ultrasound", pending)
    assert (chosen.told.day, chosen.told.at, chosen.told.earlier, chosen.problem) == (
        date(2026, 12, 11),
        time(14),
        None,
        None,
    )


def test_kept_data_round_trips_and_broken_values_are_ignored():
    told = Told(date(2026, 12, 11), time(14), past=False, year_given=True, earlier=date(2026, 12, 10))
    assert told_from_data(told_as_data("ct_scan", told)) == ("ct_scan", told)
    assert told_from_data({"day": "31/02"}) is None and told_from_data("Friday") is None


def _messages_in(path):
    import yaml

    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "message", "q") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_no_message_breaks_the_date_reader():
    """Every message of our answer sets, and fragments of dates and times jumbled together."""
    import random
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    texts = [t for path in sorted((root / "tests" / "answers").glob("*.yml")) for t in _messages_in(path)]
    parts = [
        "31",
        "30/02",
        "29/2/2027",
        "0",
        "99:99",
        "at 7",
        "24:00",
        "12am",
        "feb",
        "the 32nd",
        "next",
        "last",
        "monday",
        "ago",
        "tmrw",
        "half",
        "quarter to",
        "/",
        ".",
        "2027",
        "13/13",
        "noon",
        "-",
    ]
    rng = random.Random(7)
    texts += [" ".join(rng.choice(parts) for _ in range(rng.randint(1, 8))) for _ in range(400)]
    for text in texts:
        assert isinstance(hear(text, MONDAY), Heard), text
    assert len(texts) > 500


WEDNESDAY = datetime(2027, 1, 13, 11, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    "words, day",
    [
        ("next monday", date(2027, 1, 18)),  # Monday of next week
        ("next friday", date(2027, 1, 22)),
        ("this friday", date(2027, 1, 15)),
        ("thurs next week", date(2027, 1, 21)),
        ("a week on friday", date(2027, 1, 22)),
        ("friday week", date(2027, 1, 22)),
        ("a week today", date(2027, 1, 20)),
        ("the day after tomorrow", date(2027, 1, 15)),
        ("in two weeks time", date(2027, 1, 27)),
        ("friday just gone", date(2027, 1, 8)),
    ],
)
def test_days_counted_the_british_way(words, day):
    assert heard(f"my scan {words}", WEDNESDAY)[0] == day


@pytest.mark.parametrize(
    "text, only_when",
    [
        ("it's on friday at 2pm", True),
        ("sorry it's actually the 10th", True),
        ("I had it on monday", True),
        ("the letter says 8.45", True),
        ("my MRI is on friday at 2, does it hurt?", False),
        ("my mibg injection is on monday, when will they scan me", False),
        ("I am have ultrasound tomorow in the morning, must I not eat", False),
    ],
)
def test_a_message_that_only_says_when_is_told_apart_from_one_that_asks(text, only_when):
    assert tells_only_when(text, MONDAY) is only_when


def test_what_a_message_asks_is_matched_without_its_days_and_times():
    assert without_when("my ultrasound is at 2pm on friday, how long will it take?", MONDAY) == (
        "my ultrasound is , how long will it take?"
    )
    assert without_when("how long does it take?", MONDAY) == "how long does it take?"
    assert without_when("its saturday tho", MONDAY) == "its saturday tho"  # the day is what it says
