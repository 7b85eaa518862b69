"""Personal timelines: a patient's own dates and times, worked out from the sources' figures.

"My ultrasound is at 2pm on Friday" and "you may have to stop eating for 6 hours" make "from 8am
on Friday 11 December". What each figure works out is data (data/knowledge/timelines.yml); a test
without the figure gets nothing worked out, and a date that can't be right for what was asked (a
day already gone, one too far ahead, fasting without a time) is asked back, never used. Days and
times are read by netfaq/core/patient_dates.py. No Rasa imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from netfaq.core.hours import bank_holiday
from netfaq.core.knowledge import Fact, Figure, KnowledgeBase, Procedure, TimelineRules, TimelineStep
from netfaq.core.patient_dates import IMPOSSIBLE_DATE, TWO_DATES, Heard, Told, same_day_year_before

# Problems with the day told for what was asked, each answered with a question instead of dates.
NO_DAY = "no_day"  # "at 2pm", with no day
NO_TIME = "no_time"  # a day, but fasting needs the time too
PAST_DATE = "past_date"  # a test still to come, on a day already gone
TOO_FAR = "too_far"  # further ahead than furthest_ahead_days
PROBLEMS = (IMPOSSIBLE_DATE, TWO_DATES, NO_DAY, NO_TIME, PAST_DATE, TOO_FAR)
NO_FIGURE = "no_figure"  # the sources give no figure for what was asked, for that test
TO_COME = ("start_before", "days_reached")  # workings only for a test still to come
NEEDS_TIME = ("start_before",)  # workings that need the appointment's time, not only its day


@dataclass(frozen=True)
class Worked:
    """One thing worked out: the step, the figure and fact it comes from, and the dates or time."""

    step: TimelineStep
    figure: Figure
    fact: Fact
    days: tuple[date, ...] = ()  # a window (first, last), a date, or the days to keep free
    moment: datetime | None = None  # a time (fasting from), in the hospital's time zone
    holidays: tuple[tuple[date, str], ...] = ()  # bank holidays among the dates


@dataclass(frozen=True)
class Timeline:
    """A patient's own timeline for one test, or why there is none."""

    procedure: str
    told: Told | None
    worked: tuple[Worked, ...] = ()
    problem: str | None = None  # one of PROBLEMS
    without_figure: tuple[str, ...] = ()  # the topics asked that the sources give no figure for
    appointment_holiday: str | None = None


def local_now(rules: TimelineRules, now: datetime | None = None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(rules.timezone))


def _holiday_names(rules: TimelineRules, days: tuple[date, ...]) -> tuple[tuple[date, str], ...]:
    named = ((day, bank_holiday(rules.bank_holidays, day)) for day in days)
    return tuple((day, name) for day, name in named if name)


def _fact_stating(procedure: Procedure, figure: str) -> Fact | None:
    return next((f for facts in procedure.topics.values() for f in facts or () if figure in f.figures), None)


def _span(figure: Figure, amount: float) -> timedelta:
    return timedelta(weeks=amount) if figure.unit == "weeks" else timedelta(days=amount)


def _work_out(
    step: TimelineStep, figure: Figure, told: Told, zone: ZoneInfo
) -> tuple[tuple[date, ...], datetime | None]:
    day = told.day
    assert day is not None
    if step.works_out == "start_before":
        appointment = datetime.combine(day, told.at or time(), tzinfo=zone)
        # Real hours, not hours on the clock: across a clock change the two differ.
        start = (appointment.astimezone(timezone.utc) - timedelta(hours=figure.value or 0)).astimezone(zone)
        return (), start
    if step.works_out == "window_after":
        return (day + _span(figure, figure.min or 0), day + _span(figure, figure.max or 0)), None
    if step.works_out == "date_after":
        return (day + _span(figure, figure.value or 0),), None
    first, last = math.ceil((figure.min or 0) / 24), math.ceil((figure.max or 0) / 24)
    return tuple(day + timedelta(days=n) for n in range(max(first, 1), last + 1)), None


def timeline(
    kb: KnowledgeBase, procedure_id: str, heard: Heard, topic: str | tuple[str, ...] | None, now: datetime
) -> Timeline | None:
    """The patient's own timeline for what they asked (`topic`, or the topics of a message asking
    two things; None: all that can be worked out for the test), or the problem that stops it; None
    when no timeline answers the question."""
    rules = kb.timelines
    if rules is None:
        return None
    procedure = kb.procedures[procedure_id]
    asked = (topic,) if isinstance(topic, str) else topic or ()
    steps = [s for s in rules.steps if not asked or set(asked) & set(s.answers)]
    if not steps:
        return None  # a question no timeline answers ("does it hurt?")
    stating = {s.figure: _fact_stating(procedure, s.figure) for s in steps if s.figure in procedure.figures}
    usable = [s for s in steps if stating.get(s.figure)]
    told = heard.told
    if told is None and heard.problem is None:
        return None  # no day or time told: the answer's own facts say it all
    if not usable:
        return Timeline(procedure_id, told, without_figure=asked or (NO_FIGURE,))
    if heard.problem is not None or told is None:
        return Timeline(procedure_id, told, problem=heard.problem)
    if told.day is None:
        return Timeline(procedure_id, told, problem=NO_DAY)
    zone = ZoneInfo(rules.timezone)
    today = now.astimezone(zone).date()
    ahead = (told.day - today).days
    if ahead > rules.furthest_ahead_days:
        # "my scan is on 1 December" on 7 December: a day already gone, not one a year away.
        gone = not told.year_given and (today - same_day_year_before(told.day)).days <= rules.recently_passed_days
        return Timeline(procedure_id, told, problem=PAST_DATE if gone else TOO_FAR)
    if ahead < 0:
        still_useful = [s for s in usable if s.works_out not in TO_COME]
        if not still_useful:
            return Timeline(procedure_id, told, problem=PAST_DATE)
        usable = still_useful
    if told.at is None and any(s.works_out in NEEDS_TIME for s in usable):
        without_time = [s for s in usable if s.works_out not in NEEDS_TIME]
        if not without_time:
            return Timeline(procedure_id, told, problem=NO_TIME)
        usable = without_time
    worked = []
    for step in usable:
        figure = procedure.figures[step.figure]
        days, moment = _work_out(step, figure, told, zone)
        fact = stating[step.figure]
        assert fact is not None
        worked.append(Worked(step, figure, fact, days, moment, _holiday_names(rules, days)))
    holiday = dict(_holiday_names(rules, (told.day,))).get(told.day)
    return Timeline(procedure_id, told, tuple(worked), appointment_holiday=holiday)
