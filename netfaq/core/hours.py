"""Whether the nurse helpline is open at a given moment, in the helpline's own time zone.

The sources say 9am to 5pm, Monday to Friday. They say nothing of bank holidays, so on one (the
`holidays` package's, for the country and nation set in helpline.yml) the lines count as maybe
closed: the assistant says so, and when they should open again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from netfaq.core.knowledge import BankHolidays, Helpline
from netfaq.core.schema import WEEKDAYS


@dataclass(frozen=True)
class HelplineStatus:
    is_open: bool
    local_now: datetime
    # When the lines next close (if open) or next open (if closed), in the helpline's time zone.
    next_change: datetime
    bank_holiday: str | None = None  # today's bank holiday, when it is one


@lru_cache(maxsize=8)
def _calendar(country: str, region: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=region)


def bank_holiday(rules: BankHolidays | None, day: date) -> str | None:
    """The name of the bank holiday on `day`, if it is one."""
    if rules is None:
        return None
    return _calendar(rules.country, rules.region).get(day)


def helpline_status(helpline: Helpline, now: datetime) -> HelplineStatus:
    """Open from `opens` up to, not including, `closes` on the listed days, except bank holidays.
    `now` must be timezone-aware."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(ZoneInfo(helpline.timezone))
    holiday_today = bank_holiday(helpline.bank_holidays, local_now.date())
    open_days = {WEEKDAYS.index(day) for day in helpline.days}
    for offset in range(15):
        day = (local_now + timedelta(days=offset)).date()
        if day.weekday() not in open_days or bank_holiday(helpline.bank_holidays, day):
            continue
        opens = datetime.combine(day, helpline.opens, tzinfo=local_now.tzinfo)
        closes = datetime.combine(day, helpline.closes, tzinfo=local_now.tzinfo)
        if opens <= local_now < closes:
            return HelplineStatus(True, local_now, closes)
        if local_now < opens:
            return HelplineStatus(False, local_now, opens, holiday_today)
    raise AssertionError("a helpline with at least one open day opens within a fortnight")
