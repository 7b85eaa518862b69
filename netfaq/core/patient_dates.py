"""Days and times as patients write them ("half nine on Friday", "20/11", "I had it last Thursday"),
read relative to now in the hospital's time zone.

ctparse (MIT; its model ships in the package and is checked against the upstream file before it is
unpickled) reads days; the British ways it lacks are put the way it reads them first: day before
month, "half nine", "twenty past 11", "9 in the morning", "at 2" in hospital hours, "next Monday" as
the Monday of next week, "Friday week", named days, typos of day names. A test already had looks
back. A date that can't be right (31 February, two days at once) is a problem, never a guess.
What the conversation keeps of a day and time is plain data (`told_as_data`). No Rasa imports.
"""

from __future__ import annotations

import calendar
import difflib
import hashlib
import logging
import re
import warnings
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from dateutil.relativedelta import relativedelta

from netfaq.core.schema import WEEKDAYS

IMPOSSIBLE_DATE = "impossible_date"  # 31 February
TWO_DATES = "two_dates"  # "the 14th or the 15th"

_MONTH_NAMES = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"  # noqa: E501
_MONTH_NUMBER = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAME = re.compile(rf"\b(?:{_MONTH_NAMES})\b", re.I)
_ORDINAL = r"(?:st|nd|rd|th)?"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?({_MONTH_NAMES})\b\.?(?:,?\s+(\d{{4}}))?", re.I)
_MONTH_DAY = re.compile(rf"\b({_MONTH_NAMES})\.?\s+(?:the\s+)?(\d{{1,2}}){_ORDINAL}\b(?:,?\s+(\d{{4}}))?", re.I)
_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})\s?/\s?(\d{1,2})(?:\s?/\s?(\d{2}|\d{4}))?(?![\d/])")
_WEEKDAYS = r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?"
_WEEKDAY = re.compile(rf"\b{_WEEKDAYS}\b", re.I)
_WEEKDAY_INDEX = {name[:3]: number for number, name in enumerate(WEEKDAYS)}
_DAY_OF_MONTH = re.compile(r"\b(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b", re.I)
_RELATIVE_DAY = re.compile(r"\b(?:today|tonight|tomorrow|tmrw|tmr|yesterday)\b", re.I)
_STATED_DAY = (_WEEKDAY, _DAY_OF_MONTH, _RELATIVE_DAY, _NUMERIC_DATE, _MONTH_NAME)
# Clauses read apart: "that was the old letter. The new one is the 2nd" is not a test had on the 2nd.
_CLAUSE = re.compile(r"(?<=[!?;])\s+|(?<=[a-z)])\.\s+|\s+-+\s+|\n+|\bbut\b", re.I)
# Words before a day that reject it: "it's the 15th, not the 14th".
_REJECTED = re.compile(r"(?:\bnot|\binstead of|\brather than|\bisn'?t|\bwasn'?t)\s*(?:on\s+)?(?:the\s+)?$", re.I)
_LOOSE_ENDS = re.compile(r"^(?:\s*\b(?:at|on|of)\b)+|(?:\b(?:at|on|the|of)\b\s*)+$", re.I)
_AT_HOUR = re.compile(r"\bat \d")
# "in 3 days", "3 days from now"; "in a week or two" is a span, not a day.
_COUNTED_DAYS = re.compile(
    r"\b(?:in\s+(a|one|two|three|four|\d{1,2})\s+(day|week)s?(?:'?\s+time)?|(a|one|two|three|four|\d{1,2})\s+(day|week)s?\s+from\s+(?:now|today))\b"
    r"(?!\s+or\s+(?:two|2|three|3|so))",
    re.I,
)
_WEEKS_FROM = re.compile(r"\b(a|one|two|three|four|\d)\s+weeks?\s+(today|tomorrow)\b", re.I)
_MORNING = re.compile(r"\bmorning\b", re.I)
# A test already had: these (outside quotes) turn "Monday" into last Monday and "20/11" into the last 20 November.
_PAST = re.compile(
    rf"\b(?:had|was|were|went|did|done|been|ago|yesterday|last\s+(?:week|month|{_WEEKDAYS})|{_WEEKDAYS}\s+(?:just\s+)?(?:gone|past))\b",
    re.I,
)
_AGO = re.compile(r"\b(a|an|one|two|three|four|five|six|\d{1,2})\s+(day|week|month)s?\s+(?:ago|back)\b", re.I)
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_HOUR_WORD = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
# British ways of telling the time that ctparse doesn't know, written as it does.
_MINUTES_WORD = {"five": 5, "ten": 10, "twenty": 20, "twenty-five": 25, "twenty five": 25, "quarter": 15}
_MINUTES_DIGITS = r"([1-5]?[05])"  # "20 past 11", "10 to 3"; not a span ("5 to 10 minutes")
_NOT_A_SPAN = r"(?!\s*(?:min|hour|hr|day|week|month|year))"
_MINUTES_AFTER = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "forty": 40, "forty five": 45, "fifty": 50}
# "eleven fifteen", "two forty-five": an hour and its minutes in words.
_HOUR_AND_MINUTES = re.compile(
    rf"\b{_HOUR_WORD}\s+(fifteen|twenty|forty[- ]five|forty|fifty|ten|five)\b{_NOT_A_SPAN}", re.I
)
_BRITISH_TIMES = (
    (
        re.compile(rf"\b{_MINUTES_DIGITS}\s+past\s+{_HOUR_WORD}\b{_NOT_A_SPAN}", re.I),
        lambda minutes, hour: f"{hour}:{int(minutes):02d}",
    ),
    (
        re.compile(rf"\b{_MINUTES_DIGITS}\s+to\s+{_HOUR_WORD}\b{_NOT_A_SPAN}", re.I),
        lambda minutes, hour: f"{(hour - 2) % 12 + 1}:{60 - int(minutes):02d}",
    ),
    (
        re.compile(rf"\b(five|ten|twenty-five|twenty five|twenty)\s+past\s+{_HOUR_WORD}\b", re.I),
        lambda minutes, hour: f"{hour}:{_MINUTES_WORD[minutes.lower()]:02d}",
    ),
    (
        re.compile(rf"\b(five|ten|twenty-five|twenty five|twenty)\s+to\s+{_HOUR_WORD}\b", re.I),
        lambda minutes, hour: f"{(hour - 2) % 12 + 1}:{60 - _MINUTES_WORD[minutes.lower()]:02d}",
    ),
    (re.compile(rf"\bhalf\s+(?:past\s+)?{_HOUR_WORD}\b", re.I), lambda hour: f"{hour}:30"),
    (re.compile(rf"\bquarter\s+past\s+{_HOUR_WORD}\b", re.I), lambda hour: f"{hour}:15"),
    (re.compile(rf"\bquarter\s+to\s+{_HOUR_WORD}\b", re.I), lambda hour: f"{(hour - 2) % 12 + 1}:45"),
    (re.compile(rf"\b{_HOUR_WORD}\s+thirty\b", re.I), lambda hour: f"{hour}:30"),
    (re.compile(rf"\b{_HOUR_WORD}\s+o'?clock\b", re.I), lambda hour: f"{hour}:00"),
    (re.compile(rf"(?<=\bat\s){_HOUR_WORD}\b", re.I), lambda hour: f"{hour}"),
)
# Days people name rather than date (the dates are fixed; bank holidays come from `holidays`).
_NAMED_DAYS = (
    (re.compile(r"\bchristmas\s+eve\b", re.I), "24 December"),
    (re.compile(r"\bchristmas\s+day\b", re.I), "25 December"),
    (re.compile(r"\bboxing\s+day\b", re.I), "26 December"),
    (re.compile(r"\bnew\s+year'?s\s+eve\b|\bhogmanay\b", re.I), "31 December"),
    (re.compile(r"\bnew\s+year'?s\s+day\b", re.I), "1 January"),
)
_DAY_WORDS = (*WEEKDAYS, "tomorrow", "yesterday")
_MONTH_WORDS = tuple(name.lower() for name in calendar.month_name if name)
_SHORT_FOR = {
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "tomoz": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tues": "tuesday",
    "weds": "wednesday",
    "thurs": "thursday",
}
_CASUAL_DAY_WORDS = re.compile(r"\b[a-z0-9]{3,}\b", re.I)
_PART_OF_DAY_TIME = re.compile(
    r"(?P<time>\b\d{1,2}(?::\d{2})?)\s+(?:o'?clock\s+)?in\s+(?:the\s+)?(?P<part>morning|afternoon|evening)\b", re.I
)
_ORDINALS = {
    word: f"{number}{'th' if 10 < number % 100 < 14 else {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th')}"
    for number, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
        "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(),
        start=1,
    )
}
_ORDINALS.update({f"twenty {w}": f"2{n}" for w, n in list(_ORDINALS.items())[:9]})
_ORDINALS.update({f"twenty-{w}": f"2{n}" for w, n in list(_ORDINALS.items())[:9]})
_ORDINALS.update({"thirtieth": "30th", "thirty first": "31st", "thirty-first": "31st"})
_ORDINAL_WORDS = "|".join(sorted(map(re.escape, _ORDINALS), key=len, reverse=True))
# An ordinal word is a day only beside a month, after "on the", or as "the twenty-first" ending a
# clause or before a time ("the fifteenth of May", "it's the twenty-first at 2"): "the first one"
# points at a test.
_ORDINAL_WORD = re.compile(
    rf"(?P<before>\bon\s+the\s+|\b(?:{_MONTH_NAMES})\s+(?:the\s+)?|\bthe\s+(?=(?:{_ORDINAL_WORDS})\s*(?:$|[,.!?;)]|at\b)))?"
    rf"\b(?P<word>{_ORDINAL_WORDS})\b(?!\s+(?:day|days|time|one|scan|test|week|visit|set|lot|part|injection)\b)"
    rf"(?P<after>\s+(?:of\s+)?(?:{_MONTH_NAMES})\b)?",
    re.I,
)
# "15.1", "on 10.12", "3.2.27": day.month(.year), where it can't be a time.
_DOTTED_DATE = re.compile(
    r"(?P<on>\bon\s+(?:the\s+)?)?(?<![\d:.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})(?:\.(?P<year>\d{2}|\d{4}))?"
    r"(?![\d:.]|\s*(?:am|pm)\b)",
    re.I,
)
_BRACKETS = re.compile(r"[()\[\]]")
_YEAR = re.compile(r"\b\d{4}\b|\d/\d{1,2}\s?/\s?\d{2}\b")  # a year given: "2027", "14/1/27"
_ISO_DATE = re.compile(r"\b(20\d{2})-(\d{1,2})-(\d{1,2})\b")
_HYPHENED_DATE = re.compile(r"\b(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})\b")
_HOURS_SUFFIX = re.compile(r"\b(\d{1,2}[:.]?\d{2})\s?(?:hrs|hr|h)\b", re.I)
_THIS_PART_OF_DAY = re.compile(r"\b(?:this|earlier)\s+(?:morning|afternoon|evening)\b|\bearlier\s+today\b", re.I)
_SHORT_YEAR = re.compile(r"(?<![\d/])(\d{1,2}\s?/\s?\d{1,2})\s?/\s?(\d{2})(?![\d/])")
_NOON = re.compile(r"\b(?:noon|midday|12\s*noon)\b", re.I)
_SPACED_MERIDIEM = re.compile(r"(\d)\s*(a|p)\.?\s?m\b\.?", re.I)
# Words that can belong to a day or a time; a stretch of them with an anchor is read as one.
_TOKEN = re.compile(
    rf"(?P<word>{_WEEKDAYS}|{_MONTH_NAMES}|\d{{1,2}}(?:st|nd|rd|th)|\d{{1,2}}\s?/\s?\d{{1,2}}(?:\s?/\s?\d{{2,4}})?"
    r"|\d{1,2}(?:[:.]\d{2})?(?:am|pm)|\d{1,2}[:.]\d{2}|\d{3,4}|\d{1,2}|at|on|the|of|next|this|coming|last|today|tonight|tomorrow|yesterday"
    r"|morning|afternoon|evening|noon|week|weeks|day|days|after|before|in|a|one|two|three|four)(?![\w/])|[^\s,]+",
    re.I,
)
_ANCHOR = re.compile(
    rf"{_WEEKDAYS}|{_MONTH_NAMES}|\d{{1,2}}(?:st|nd|rd|th)|\d{{1,2}}\s?/\s?\d{{1,2}}(?:\s?/\s?\d{{2,4}})?"
    r"|\d{1,2}(?:[:.]\d{2})?(?:am|pm)|\d{1,2}[:.]\d{2}|today|tonight|tomorrow|yesterday",
    re.I,
)
# Ways of writing a time, tried in order: "2pm"/"9.15am", "14:30"/"08:40", "at 2".
_CLOCK_TIMES = (
    re.compile(r"(?<![\d/.:])(?P<zero>0)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<meridiem>am|pm)\b", re.I),
    re.compile(r"(?<![\d/.:])(?P<zero>0)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?![\d/.:])(?P<meridiem>)", re.I),
    re.compile(
        r"(?<=\bat )(?P<zero>)(?P<hour>\d{1,2})(?P<minute>)(?P<meridiem>)"
        rf"(?![\d/.:]|st|nd|rd|th|\s+(?:of\s+)?(?:{_MONTH_NAMES})\b)",  # "at 22 of february" is a day
        re.I,
    ),
    # "1430", "at 930": the 24-hour clock without a colon; "2027" is a year unless said "at 2027".
    re.compile(
        r"(?:(?<=\bat )|(?<=@ )|(?<=@))(?P<zero>0)?(?P<hour>1\d|2[0-3]|\d)(?P<minute>[0-5]\d)(?P<meridiem>)(?![\d/.:])"
    ),
    re.compile(r"(?<![\d/.:£$])(?P<zero>0)?(?P<hour>1\d|2[1-3]|(?<=0)\d)(?P<minute>[0-5]\d)(?P<meridiem>)(?![\d/.:])"),
)
MIN_WORDS_ASKED = 4  # words a message must keep without its days and times to be matched without them
HOSPITAL_HOURS_PM = range(1, 8)  # "at 2" is 2pm: nobody is booked at 2 in the night


@dataclass(frozen=True)
class Told:
    """When the patient said their test is or was: a day, and perhaps a time."""

    day: date | None
    at: time | None = None
    past: bool = False  # spoken of as already had ("I had it on Monday")
    words: str = ""  # what they wrote
    year_given: bool = False
    earlier: date | None = None  # another day given before for the same test, until they say which


@dataclass(frozen=True)
class Heard:
    """What a message says about dates: nothing, a day and time, or a problem with them."""

    told: Told | None = None
    problem: str | None = None


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS.index(word.lower()) + 1


def _count(word: str) -> int:
    """ "a", "an", "one", "two" or "3" as a number ("a week ago", "two weeks today")."""
    return 1 if word.lower() in ("a", "an") else _hour(word)


def _weekday_index(match: re.Match[str]) -> int:
    return _WEEKDAY_INDEX[match.group(0)[:3].lower()]


def british(text: str) -> str:
    """The message with British times written the way ctparse reads them ("half nine" -> "9:30")."""
    text = _BRACKETS.sub(" ", text)  # "first thing Tuesday (8am)"
    text = _SPACED_MERIDIEM.sub(lambda m: f"{m.group(1)}{m.group(2).lower()}m", text)
    text = _THIS_PART_OF_DAY.sub("today", text)
    text = _NOON.sub("12:00pm", text)
    text = re.sub(r"\b(?:a\s+)?fortnight\b", "2 weeks", text, flags=re.I)  # "in a fortnight": in 2 weeks
    text = _ISO_DATE.sub(lambda m: f"{int(m.group(3))}/{int(m.group(2))}/{m.group(1)}", text)  # 2027-03-17
    text = _HYPHENED_DATE.sub(r"\1/\2/\3", text)  # 22-12-2026
    text = _HOURS_SUFFIX.sub(r"\1", text)  # "10.30hrs"
    for name, day in _NAMED_DAYS:
        text = name.sub(day, text)
    text = _CASUAL_DAY_WORDS.sub(_spelt_right, text)
    text = _HOUR_AND_MINUTES.sub(
        lambda m: f"{_hour(m.group(1))}:{_MINUTES_AFTER[m.group(2).lower().replace('-', ' ')]:02d}", text
    )
    for pattern, written in _BRITISH_TIMES:
        text = pattern.sub(lambda m, written=written: written(*m.groups()[:-1], _hour(m.groups()[-1])), text)
    text = _PART_OF_DAY_TIME.sub(_with_meridiem, text)
    text = _ORDINAL_WORD.sub(_day_number, text)
    text = _DOTTED_DATE.sub(_slashed, text)
    return _SHORT_YEAR.sub(lambda m: f"{m.group(1)}/20{m.group(2)}", text)  # "11/1/27", "19.11.26": 2027, 2026


def _day_number(match: re.Match[str]) -> str:
    """ "the fifteenth of May" -> "the 15th of May"; "the first one" is left alone."""
    if not (match.group("before") or match.group("after")):
        return match.group(0)
    return f"{match.group('before') or ''}{_ORDINALS[match.group('word').lower()]}{match.group('after') or ''}"


def _with_meridiem(match: re.Match[str]) -> str:
    """ "9 in the morning" -> "9am", "half 2 in the afternoon" (2:30 by then) -> "2:30pm"."""
    meridiem = "am" if match.group("part").lower() == "morning" else "pm"
    return f"{match.group('time')}{meridiem}"


def _slashed(match: re.Match[str]) -> str:
    """ "15.1" or "on 10.12" -> "15/1", "10/12": a date, not a time (a time has two-digit minutes
    and is not said "on")."""
    day, month, year = match.group("day"), match.group("month"), match.group("year")
    if len(month) == 2 and not year and not match.group("on"):
        return match.group(0)
    return f"{match.group('on') or ''}{day}/{month}" + (f"/{year}" if year else "")


def _spelt_right(match: re.Match[str]) -> str:
    """ "tmrw" -> "tomorrow", "wensday" -> "wednesday": the day words ctparse must know."""
    word = match.group(0)
    lowered = word.lower()
    if lowered in _SHORT_FOR:
        return _SHORT_FOR[lowered]
    if lowered in _DAY_WORDS or lowered in _MONTH_WORDS or len(lowered) < 6:
        return word
    close = difflib.get_close_matches(lowered, _DAY_WORDS, n=1, cutoff=0.8)
    # A month misspelt keeps its first letter: "decmber" is December, "member" is not.
    month = [m for m in difflib.get_close_matches(lowered, _MONTH_WORDS, n=1, cutoff=0.8) if m[0] == lowered[0]]
    return (close or month or [word])[0]


def _impossible(text: str) -> bool:
    """A day the month doesn't have (31 February, 31/11), or a month that doesn't exist (12/13)."""
    found = [(int(d), _MONTH_NUMBER[m[:3].lower()], y) for d, m, y in _DAY_MONTH.findall(text)]
    found += [(int(d), _MONTH_NUMBER[m[:3].lower()], y) for m, d, y in _MONTH_DAY.findall(text)]
    for day_text, month_text, year_text in _NUMERIC_DATE.findall(text):
        if not 1 <= int(month_text) <= 12:
            return True
        found.append((int(day_text), int(month_text), year_text))
    for day, month, year in found:
        longest = (
            calendar.monthrange(_full_year(year), month)[1]
            if year
            else (29 if month == 2 else calendar.monthrange(2001, month)[1])
        )
        if not 1 <= day <= longest:
            return True
    return False


def _full_year(year: str) -> int:
    return int(year) + 2000 if len(year) == 2 else int(year)


class DateModelError(RuntimeError):
    """ctparse's packaged model is not the upstream file: it is unpickled, so it is not loaded."""


# sha256 of ctparse 0.3.6's packaged model (ctparse/models/model.pbz in the wheel on PyPI).
CTPARSE_MODEL_SHA256 = "48130441cf7165d40ececb9b66d5610bcb78b0d0a422ade0e9d58ccdd8bacfcd"


def _check_model() -> None:
    import importlib.util

    spec = importlib.util.find_spec("ctparse")
    assert spec is not None and spec.origin is not None
    model = Path(spec.origin).parent / "models" / "model.pbz"
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    if digest != CTPARSE_MODEL_SHA256:
        raise DateModelError(f"{model} has sha256 {digest}, not the upstream {CTPARSE_MODEL_SHA256}")


@lru_cache(maxsize=1)
def _ctparse():
    _check_model()
    with warnings.catch_warnings():  # its model was pickled by an older scikit-learn
        warnings.simplefilter("ignore")
        from ctparse import ctparse
        from ctparse.types import Time

        logging.getLogger("ctparse").setLevel(logging.ERROR)  # "Failed to produce result" is our normal case
        ctparse("tomorrow at 2", ts=datetime(2026, 1, 1))  # loads its model now, not at a patient's question
    return ctparse, Time


def _runs(text: str) -> list[tuple[int, str]]:
    """The stretches of the message that speak of a day or a time ("at 2pm on friday", "20/11"),
    each with where it starts: ctparse reads short stretches well, and whole messages badly."""
    runs: list[tuple[int, str]] = []
    current: list[str] = []
    start, anchored = 0, False
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if match.group("word") is None:
            if current and anchored:
                runs.append((start, " ".join(current)))
            current, anchored = [], False
            continue
        if not current:
            start = match.start()
        current.append(token)
        anchored = anchored or bool(
            _ANCHOR.fullmatch(token) or (token[0].isdigit() and len(current) > 1 and current[-2].lower() == "at")
        )
    if current and anchored:
        runs.append((start, " ".join(current)))
    return runs + [(m.start(), m.group(0)) for m in _COUNTED_DAYS.finditer(text)]


def _clock(run: str) -> tuple[time | None, str]:
    """The time of day a stretch names ("2pm", "14:30", "at 2" in hospital hours), and the stretch
    without it: times are regular enough to read directly, and ctparse then reads only the day."""
    match = next(filter(None, (pattern.search(run) for pattern in _CLOCK_TIMES)), None)
    if match is None:
        return None, run
    hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
    meridiem = (match.group("meridiem") or "").lower()
    if hour > 23 or minute > 59 or (meridiem and not 1 <= hour <= 12):
        return None, run
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    elif not meridiem and hour in HOSPITAL_HOURS_PM and not match.group("zero") and not _MORNING.search(run):
        hour += 12  # "at 2": nobody is booked at 2 in the night
    rest = _LOOSE_ENDS.sub("", run[: match.start()] + " " + run[match.end() :]).strip()
    return time(hour, minute), rest


def _parsed(run: str, now: datetime, past: bool) -> Told | None:
    """The day and time a stretch of words names: the time read directly, the day by ctparse (a
    day of the month alone, "Saturday the 5th", by `_day_of_month`)."""
    at, rest = _clock(run)
    if not _stated_day(rest):
        return Told(None, at, words=run) if at else None
    relative = _relative_day(rest, now.date())
    if relative is not None:
        return Told(relative, at, words=run)
    number = _DAY_OF_MONTH.search(rest)
    if number and not _NUMERIC_DATE.search(rest) and not _MONTH_NAME.search(rest):
        weekday = _WEEKDAY.search(rest)
        named = _weekday_index(weekday) if weekday else None
        day = _day_of_month(int(re.sub(r"\D", "", number.group(0))), named, now.date(), past)
        return Told(day, at, words=run) if day else None
    weekday = _WEEKDAY.search(rest)
    dated = weekday is not None and bool(_NUMERIC_DATE.search(rest) or _MONTH_NAME.search(rest))
    if dated:
        # "Tuesday 1 December", "thursday nov 26": the date says the day; the weekday, which ctparse
        # would read instead, only says which year (see `_agreeing`).
        rest = _LOOSE_ENDS.sub("", _WEEKDAY.sub(" ", rest)).strip()
    found = _day_read_leaving_words(rest, now.replace(second=0, microsecond=0, tzinfo=None))
    if found is None:
        return Told(None, at, words=run) if at else None
    try:
        day = date(*found)
    except ValueError:  # ctparse can name a day the month hasn't got ("30/02/2027")
        return Told(None, at, words=run) if at else None
    if dated and weekday is not None and not _YEAR.search(rest):
        day = _agreeing(day, _weekday_index(weekday), now.date())
    return Told(day, at, words=run)


def _day_read_leaving_words(words: str, now: datetime) -> tuple[int, int, int] | None:
    """The day ctparse reads in a stretch, leaving out words after it that it can't place
    ("11/1/2027 days" from "11/1/27, days to keep free?")."""
    found, kept = _day_read(words, now), words.split()
    while found is None and len(kept) > 1 and not _ANCHOR.fullmatch(kept[-1]):
        kept = kept[:-1]
        found = _day_read(" ".join(kept), now)
    return found


def _agreeing(day: date, weekday: int, today: date) -> date:
    """The same date in the year, within a year either side of today, on which it falls on the
    weekday given ("Weds 25th Nov" said in December 2026 is 25 November 2026, gone, not 2027's,
    a Thursday); the date as read when no year agrees."""
    if day.weekday() == weekday:
        return day
    years = [_clamped(day.year + offset, day.month, day.day) for offset in (-1, 1)]
    agreeing = [d for d in years if d.weekday() == weekday and abs((d - today).days) <= 366]
    return min(agreeing, key=lambda d: abs((d - today).days)) if agreeing else day


@lru_cache(maxsize=1024)
def _day_read(words: str, now: datetime) -> tuple[int, int, int] | None:
    """The (year, month, day) ctparse reads in a few words, or None; kept, as one message is read
    several times while it is answered (what it asks, whether it only says when, its timeline)."""
    parse, Time = _ctparse()
    try:
        resolution = getattr(parse(words, ts=now, timeout=0.5), "resolution", None)
    except (ValueError, OverflowError):  # ctparse builds some days a month hasn't got, and raises
        return None
    if not isinstance(resolution, Time) or None in (resolution.day, resolution.month, resolution.year):
        return None
    return resolution.year, resolution.month, resolution.day


def _relative_day(words: str, today: date) -> date | None:
    """British ways of counting days that ctparse reads otherwise: "next Monday" (Monday of next
    week), "Thursday next week", "a week on Friday" / "Friday week", "a week today", "the day after
    tomorrow", "in 3 days"."""
    weekday = _WEEKDAY.search(words)
    index = _weekday_index(weekday) if weekday else None
    next_monday = today + timedelta(days=7 - today.weekday())
    if index is not None and (
        re.search(r"\bnext\s+week\b", words, re.I) or re.search(rf"\bnext\s+{_WEEKDAYS}\b", words, re.I)
    ):
        return next_monday + timedelta(days=index)
    if index is not None and re.search(
        rf"\ba\s+week\s+(?:(?:on|from)\s+)?{_WEEKDAYS}\b|\b{_WEEKDAYS}\s+week\b", words, re.I
    ):
        return today + timedelta(days=(index - today.weekday() - 1) % 7 + 1 + 7)
    weeks_from = _WEEKS_FROM.search(words)
    if weeks_from:  # "a week today", "two weeks tomorrow"
        count = _count(weeks_from.group(1))
        return today + timedelta(days=7 * count + (weeks_from.group(2).lower() == "tomorrow"))
    if re.search(r"\bday\s+after\s+tomorrow\b", words, re.I):
        return today + timedelta(days=2)
    if re.search(r"\bday\s+before\s+yesterday\b", words, re.I):
        return today - timedelta(days=2)
    counted = _COUNTED_DAYS.search(words)
    if counted:
        number, unit = [group for group in counted.groups() if group]
        count = _count(number)
        return today + timedelta(days=count * (7 if unit.lower() == "week" else 1))
    return None


def _day_of_month(number: int, weekday: int | None, today: date, past: bool) -> date | None:
    """ "the 14th": the nearest 14th ahead (or, for a test had, behind); "Saturday 5th": the nearest
    5th in that direction that is a Saturday, if there is one within a year."""
    months = [today.replace(day=1) + relativedelta(months=offset) for offset in range(-12, 13)]
    days = [m.replace(day=number) for m in months if number <= calendar.monthrange(m.year, m.month)[1]]
    ahead = [d for d in days if (d < today if past else d >= today)]
    fitting = [d for d in ahead if weekday is None or d.weekday() == weekday]
    chosen = fitting or ahead
    return min(chosen, key=lambda d: abs((d - today).days)) if chosen else None


def _stated_day(words: str) -> bool:
    return any(pattern.search(words) for pattern in _STATED_DAY) or bool(_COUNTED_DAYS.search(words))


def _looking_back(day: date, words: str, today: date) -> date:
    """The day as last had: ctparse always looks ahead ("Monday" -> next Monday)."""
    if day <= today or _YEAR.search(words):
        return day
    weekday = _WEEKDAY.search(words)
    if weekday and _weekday_index(weekday) == day.weekday() and not _weekday_only(words):
        return day  # "moved to Weds 27th Jan": the date its weekday agrees with, not last year's
    if weekday and not _DAY_OF_MONTH.search(words) and not _NUMERIC_DATE.search(words):
        while day >= today:  # "I had it on Monday", said on a Monday: last week's
            day -= timedelta(days=7)
        return day
    if _MONTH_NAME.search(words) or _NUMERIC_DATE.search(words):
        return same_day_year_before(day)
    if _DAY_OF_MONTH.search(words):
        earlier = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        return _clamped(earlier.year, earlier.month, day.day)
    return day


def same_day_year_before(day: date) -> date:
    return _clamped(day.year - 1, day.month, day.day)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def hear(text: str, now: datetime) -> Heard:
    """What the message says about when the test is or was. `now` is in the hospital's time zone."""
    written = british(text or "")
    today = now.date()
    ago = _AGO.search(written)
    if ago:
        count = _count(ago.group(1))
        unit = ago.group(2).lower()
        back = relativedelta(months=count) if unit == "month" else timedelta(days=count * (7 if unit == "week" else 1))
        return Heard(Told(today - back, past=True, words=ago.group(0)))
    if not (_ANCHOR.search(written) or _AT_HOUR.search(written) or _COUNTED_DAYS.search(written)):
        return Heard()
    if _impossible(written):
        # The time, if one was given, is kept: "sorry, I meant the 31st" completes it.
        at = next((t.at for clause in _CLAUSE.split(written) for t in _told_in(clause, now) if t.at), None)
        return Heard(Told(None, at) if at else None, problem=IMPOSSIBLE_DATE)
    told_days = [told for clause in _CLAUSE.split(written) for told in _told_in(clause, now)]
    if not told_days:
        return Heard()
    days = {t.day for t in told_days if t.day is not None}
    if len(days) > 1:
        # "on 28 Dec, the bank holiday Monday": a weekday alone that agrees with a date is that date.
        dated = {t.day for t in told_days if t.day is not None and not _weekday_only(t.words)}
        if dated and all(t.day in dated or t.day.weekday() in {d.weekday() for d in dated} for t in told_days if t.day):
            days = dated
    if len(days) > 1:
        # "the letter came this morning: it says Tuesday 15 December": "today" beside a day given
        # by its date or weekday is when something else happened, not the test.
        given = {t.day for t in told_days if t.day is not None and not _RELATIVE_DAY.fullmatch(t.words.strip())}
        # "today, or is it Friday?" offers both: asked which.
        if given and len(given) < len(days) and not re.search(r"\bor\b", written, re.I):
            days = given
    if len(days) > 1:
        return Heard(problem=TWO_DATES)
    day = next(iter(days), None)
    at = next((t.at for t in told_days if t.at is not None), None)
    past = any(t.past for t in told_days if t.day == day)
    words = " ".join(t.words for t in told_days)
    return Heard(Told(day, at, past, words, any(t.year_given for t in told_days if t.day == day)))


def _told_in(clause: str, now: datetime) -> list[Told]:
    """The days and times one clause gives, read as past if the clause speaks of a test had; a
    day the clause rejects ("the 15th, not the 14th") is left out."""
    past = bool(_PAST.search(clause))
    found = []
    for start, run in _runs(clause):
        if _REJECTED.search(clause[:start]):
            continue
        told = _parsed(run, now, past)
        if told is None:
            continue
        year_given = bool(_YEAR.search(run))
        day = _looking_back(told.day, run, now.date()) if past and told.day is not None else told.day
        found.append(Told(day, told.at, past, run, year_given))
    return found


def _weekday_only(words: str) -> bool:
    return bool(_WEEKDAY.search(words)) and not (
        _DAY_OF_MONTH.search(words) or _NUMERIC_DATE.search(words) or _MONTH_NAME.search(words)
    )


def told_as_data(procedure: str | None, told: Told) -> dict[str, object]:
    """What the conversation keeps of a test's date (a Rasa slot's value): plain data."""
    return {
        "procedure": procedure,
        "day": told.day.isoformat() if told.day else None,
        "at": told.at.strftime("%H:%M") if told.at else None,
        "past": told.past,
        "year_given": told.year_given,
        "earlier": told.earlier.isoformat() if told.earlier else None,
    }


def told_from_data(data: object) -> tuple[str | None, Told] | None:
    """The test and date kept by `told_as_data`, or None for anything else (an older or broken value)."""
    if not isinstance(data, dict):
        return None
    try:
        day = date.fromisoformat(data["day"]) if data.get("day") else None
        at = time.fromisoformat(data["at"]) if data.get("at") else None
        earlier = date.fromisoformat(data["earlier"]) if data.get("earlier") else None
    except (TypeError, ValueError):
        return None
    past, year_given = bool(data.get("past")), bool(data.get("year_given"))
    return data.get("procedure"), Told(day, at, past, year_given=year_given, earlier=earlier)


def in_conversation(heard: Heard, procedure: str | None, kept: object, corrects: bool = False) -> Heard:
    """What to work from: the message's day and time, completed by what the conversation kept for
    the same test ("my scan is on Friday" ... "it's at 2pm"). Another day replaces the kept one when
    the message says it corrects it ("sorry, it's actually Thursday": the time is kept, and said
    back); otherwise the two days are a problem, asked about until one of them is given again."""
    remembered = told_from_data(kept)
    before = remembered[1] if remembered and remembered[0] in (procedure, None) else None
    told = heard.told
    if heard.problem is not None or before is None:
        return heard
    unresolved = TWO_DATES if before.earlier else None
    if told is None:
        return Heard(before, unresolved)
    if told.day is None and told.at is not None:
        return Heard(replace(before, at=told.at, words=told.words), unresolved)
    if told.day is None or told.past or before.past:
        return heard
    at = told.at or before.at
    if told.day == before.day or told.day == before.earlier or corrects or before.day is None:
        return Heard(replace(told, at=at, earlier=None))
    return Heard(replace(told, at=at, earlier=before.day), TWO_DATES)


# A message that asks something besides when: a question mark, or a clause opening as a question.
_ASKS = re.compile(
    r"\?|(?:^|[,.;!]\s*|\b(?:and|but|so)\s+)(?:when|what|how|why|where|which|who|will|would|can|could|should|"
    r"must|do|does|did|is|are|am|have|has|shall|may)\b(?!\s*(?:the|a|an|on|at)\b\s*\d)",
    re.I,
)


def without_when(text: str, now: datetime) -> str:
    """The message with the days and times it gives taken out: what it asks, not when the test is
    ("my ultrasound is at 2pm on Friday, how long will it take?" matched as a question about the
    ultrasound's length, not about Fridays)."""
    written = british(text or "")
    found = [(start, run) for start, run in _runs(written) if _parsed(run, now, False) is not None]
    if not found:
        return text
    for start, run in sorted(found, reverse=True):
        end = start + len(run)
        if written[start:end] != run:  # its words were joined over commas or extra spaces: left in
            continue
        written = written[:start] + written[end:]
    left = " ".join(written.split())
    # "it's Saturday though" is about the day itself: with little else said, the day stays.
    return left if len(re.findall(r"[a-z]{2,}", left, re.I)) >= MIN_WORDS_ASKED else text


def tells_only_when(text: str, now: datetime) -> bool:
    """Whether the message only says when the test is ("it's on Friday at 2", "sorry, it's actually
    the 10th"), asking nothing else."""
    return not _ASKS.search(without_when(text, now))
