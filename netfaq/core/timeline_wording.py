"""How a personal timeline is said, and written as a calendar file (RFC 5545, with `icalendar`).

Every worked-out date or time stands beside the fact it comes from, in the source's own hedging
("you may have to stop eating for 6 hours"), with its source; the patient's appointment letter has
the last word. The calendar file holds only the times the patient typed and what was worked out
from them, each event saying where its time came from.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event

from netfaq.core.freshness import MONTHS
from netfaq.core.knowledge import KnowledgeBase
from netfaq.core.patient_dates import IMPOSSIBLE_DATE, TWO_DATES, Told
from netfaq.core.replies import clock, fact_text, helpline_sentence, source_line
from netfaq.core.timeline import (
    NO_DAY,
    NO_FIGURE,
    NO_TIME,
    PAST_DATE,
    TOO_FAR,
    Timeline,
    Worked,
)
from netfaq.core.topics import TOPIC_GAPS

CHECK_LETTER = "Your appointment letter says for sure: if it says something different, go by the letter."
CALENDAR_NAME = "netfaq-timeline.ics"
PRODUCT_ID = "-//NET imaging FAQ assistant//Personal timeline//EN"


def day_text(day: date) -> str:
    """Friday 11 December: the year is left out, as patients say it."""
    return f"{day.strftime('%A')} {day.day} {MONTHS[day.month - 1]}"


def moment_text(moment: datetime) -> str:
    return f"{clock(moment)} on {day_text(moment.date())}"


def _with_holiday(day: date, worked: Worked) -> str:
    name = dict(worked.holidays).get(day)
    return f"{day_text(day)} (a bank holiday: {name})" if name else day_text(day)


def _appointment_text(timeline: Timeline, test: str) -> str:
    told = timeline.told
    assert told is not None and told.day is not None
    when = day_text(told.day) + (f" at {clock(told.at)}" if told.at else "")
    verb = "was" if told.past else "is"
    line = f"Your {test} {verb} on {when}."
    if timeline.appointment_holiday:
        line += f" That is a bank holiday ({timeline.appointment_holiday}): check the date on your appointment letter."
    return line


def _worked_line(worked: Worked, timeline: Timeline) -> str:
    told = timeline.told
    assert told is not None and told.day is not None
    works_out = worked.step.works_out
    if works_out == "start_before" and worked.moment is not None and told.at is not None:
        return (
            f"If you do need to, that would be from {moment_text(worked.moment)} "
            f"({worked.figure.display} before {clock(told.at)} on {day_text(told.day)})."
        )
    if works_out == "window_after":
        first, last = worked.days
        return (
            f"Counting {worked.figure.display} from {day_text(told.day)}: "
            f"between {_with_holiday(first, worked)} and {_with_holiday(last, worked)}."
        )
    if works_out == "date_after":
        (day,) = worked.days
        return f"{worked.figure.display.capitalize()} from {day_text(told.day)} is {_with_holiday(day, worked)}."
    days = " and ".join(_with_holiday(day, worked) for day in worked.days)
    return (
        f"With the first day on {day_text(told.day)}, keep {days} free, until the department tells you "
        "which days you need to come in."
    )


def problem_text(problem: str, test: str, furthest_ahead_days: int, told: Told | None = None) -> str:
    """What is asked back when the dates given can't be worked from."""
    if problem == TWO_DATES and told is not None and told.day and told.earlier:
        return (
            f"Earlier you told me {day_text(told.earlier)}, and now {day_text(told.day)}. Which day is your "
            f"{test}? Tell me that one and I'll work out the times for it."
        )
    return {
        IMPOSSIBLE_DATE: (
            "That date doesn't exist (that month hasn't got that many days). Could you check the date on "
            f"your appointment letter and tell me again? Then I can work out the times for your {test}."
        ),
        TWO_DATES: (
            f"You've given me two different dates. Which day is your {test}? Tell me just that one and I'll "
            "work out the times for it."
        ),
        NO_DAY: (
            f"Which day is your {test}? Tell me the day as well as the time (for example \u201cFriday at 2pm\u201d) "
            "and I'll work out the times for you."
        ),
        NO_TIME: (
            f"What time is your {test}? To work out when you might need to stop eating, I need the time of "
            "the appointment as well as the day (for example \u201cFriday at 2pm\u201d)."
        ),
        PAST_DATE: (
            f"That date has already passed. Could you check the date of your {test} on your appointment "
            "letter and tell me again?"
        ),
        TOO_FAR: (
            f"That date is more than {round(furthest_ahead_days / 30.5)} months away. Could you check the date on "
            "your appointment letter, the year too, and tell me again?"
        ),
    }[problem]


def timeline_text(kb: KnowledgeBase, timeline: Timeline, today: date) -> str:
    """The patient's own timeline, or the question asked back, or that nothing can be worked out."""
    test = kb.procedures[timeline.procedure].name
    if timeline.problem is not None:
        assert kb.timelines is not None  # a timeline is only worked out under its rules
        return problem_text(timeline.problem, test, kb.timelines.furthest_ahead_days, timeline.told)
    if timeline.without_figure:
        asked = timeline.without_figure[0]
        what = f"for {TOPIC_GAPS[asked].format(test='the ' + test)}" if asked != NO_FIGURE else f"about the {test}"
        told = timeline.told
        noted = f"{_appointment_text(timeline, test)} " if told is not None and told.day is not None else ""
        return (
            f"{noted}I can't work out dates for you {what}: our sources give no times to count from. Your "
            f"appointment letter or the department will tell you. You can also call {helpline_sentence(kb.helpline)}."
        )
    lines = [_appointment_text(timeline, test)]
    for worked in timeline.worked:
        lines.append(
            f"\u2022 {worked.step.label.capitalize()}: {fact_text(worked.fact)} {_worked_line(worked, timeline)}"
        )
    lines.append(CHECK_LETTER)
    lines.append(source_line(kb, [s for w in timeline.worked for s in w.fact.sources], today))
    return "\n".join(lines)


def timeline_payload(timeline: Timeline) -> dict[str, Any]:
    """The timeline as data for the chat page (and for checking it): ISO dates and times, by figure."""
    told = timeline.told
    payload: dict[str, Any] = {"procedure": timeline.procedure}
    if told is not None and told.day is not None:
        payload["appointment"] = told.day.isoformat() + (f"T{told.at.strftime('%H:%M')}" if told.at else "")
    if timeline.problem:
        payload["problem"] = timeline.problem
    if timeline.without_figure:
        payload["no_figure"] = True
    for worked in timeline.worked:
        if worked.moment is not None:
            payload[worked.step.figure] = worked.moment.strftime("%Y-%m-%dT%H:%M")
        else:
            payload[worked.step.figure] = [day.isoformat() for day in worked.days]
    return payload


def _uid(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + "@netfaq"


def calendar_file(kb: KnowledgeBase, timeline: Timeline, now: datetime) -> bytes | None:
    """An .ics file of the timeline's dates: the appointment, and each worked-out time as an event
    with a reminder, each saying where its time came from. None when nothing was worked out."""
    told = timeline.told
    if not timeline.worked or told is None or told.day is None:
        return None
    test = kb.procedures[timeline.procedure].name
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    stamp = now.astimezone().replace(microsecond=0)
    if not told.past:
        event = Event()
        event.add("summary", f"{test.capitalize()} (as you told the assistant)")
        if told.at is not None:
            event.add("dtstart", datetime.combine(told.day, told.at, tzinfo=now.tzinfo))
        else:
            event.add("dtstart", told.day)
        event.add("description", f"The time you gave. {CHECK_LETTER}")
        event.add("uid", _uid(timeline.procedure, "appointment", told.day.isoformat()))
        event.add("dtstamp", stamp)
        cal.add_component(event)
    for worked in timeline.worked:
        event = Event()
        sources = "; ".join(kb.sources[s].publisher_named for s in worked.fact.sources)
        event.add("summary", f"{test.capitalize()}: {worked.step.label}")
        event.add(
            "description",
            f"{fact_text(worked.fact)} {_worked_line(worked, timeline)} Source: {sources}. {CHECK_LETTER}",
        )
        if worked.moment is not None:
            event.add("dtstart", worked.moment)
            event.add("dtend", worked.moment + timedelta(minutes=15))
        else:
            event.add("dtstart", worked.days[0])
            event.add("dtend", worked.days[-1] + timedelta(days=1))
        event.add("uid", _uid(timeline.procedure, worked.step.figure, told.day.isoformat()))
        event.add("dtstamp", stamp)
        if worked.step.works_out in ("start_before", "date_after"):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{test.capitalize()}: {worked.step.label}")
            alarm.add("trigger", timedelta(hours=-1) if worked.moment is not None else timedelta(hours=9))
            event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()  # a VTIMEZONE for the hospital's zone, as RFC 5545 asks of a TZID
    return cal.to_ical()
