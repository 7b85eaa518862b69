"""Whether the nurse helpline is open at a given moment, in the helpline's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from netfaq.knowledge import Helpline

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class HelplineStatus:
    is_open: bool
    local_now: datetime
    # When the lines next close (if open) or next open (if closed), in the helpline's time zone.
    next_change: datetime


def helpline_status(helpline: Helpline, now: datetime) -> HelplineStatus:
    """Open from `opens` up to, not including, `closes` on the listed days. `now` must be timezone-aware."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(ZoneInfo(helpline.timezone))
    open_days = {WEEKDAYS.index(day) for day in helpline.days}
    for offset in range(8):
        day = (local_now + timedelta(days=offset)).date()
        if day.weekday() not in open_days:
            continue
        opens = datetime.combine(day, helpline.opens, tzinfo=local_now.tzinfo)
        closes = datetime.combine(day, helpline.closes, tzinfo=local_now.tzinfo)
        if opens <= local_now < closes:
            return HelplineStatus(True, local_now, closes)
        if local_now < opens:
            return HelplineStatus(False, local_now, opens)
    raise AssertionError("a helpline with at least one open day always opens within a week")
