from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from netfaq.core.hours import helpline_status

LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("moment", "is_open", "next_change"),
    [
        (london(2026, 11, 23, 9, 0), True, london(2026, 11, 23, 17, 0)),  # Monday, opening minute
        (london(2026, 11, 23, 8, 59), False, london(2026, 11, 23, 9, 0)),
        (london(2026, 11, 23, 16, 59, 59), True, london(2026, 11, 23, 17, 0)),
        (london(2026, 11, 23, 17, 0), False, london(2026, 11, 24, 9, 0)),  # 5pm is closed
        (london(2026, 11, 27, 17, 0), False, london(2026, 11, 30, 9, 0)),  # Friday 5pm -> Monday
        (london(2026, 11, 28, 12, 0), False, london(2026, 11, 30, 9, 0)),  # Saturday
        (london(2026, 11, 29, 23, 59), False, london(2026, 11, 30, 9, 0)),  # Sunday night
    ],
)
def test_open_from_nine_until_five_on_weekdays(kb, moment, is_open, next_change):
    status = helpline_status(kb.helpline, moment)
    assert status.is_open is is_open
    assert status.next_change == next_change


def test_uses_uk_time_whatever_the_callers_zone(kb):
    # 08:30 UTC in British Summer Time is 09:30 in London: open.
    summer = datetime(2026, 7, 1, 8, 30, tzinfo=timezone.utc)
    assert helpline_status(kb.helpline, summer).is_open
    # 16:30 UTC in summer is 17:30 in London: closed.
    assert not helpline_status(kb.helpline, datetime(2026, 7, 1, 16, 30, tzinfo=timezone.utc)).is_open
    # In winter UTC and London agree.
    assert helpline_status(kb.helpline, datetime(2026, 12, 1, 16, 30, tzinfo=timezone.utc)).is_open


def test_naive_datetimes_are_refused(kb):
    with pytest.raises(ValueError):
        helpline_status(kb.helpline, datetime(2026, 11, 23, 12, 0))


def test_bank_holidays_close_the_lines_and_say_so(kb):
    christmas = helpline_status(kb.helpline, london(2026, 12, 25, 11, 0))  # a Friday
    assert christmas.is_open is False and christmas.bank_holiday == "Christmas Day"
    # Boxing Day falls on a Saturday, so Monday 28 December is its bank holiday: Tuesday it is.
    assert christmas.next_change == london(2026, 12, 29, 9, 0)
    assert helpline_status(kb.helpline, london(2026, 12, 24, 11, 0)).bank_holiday is None


def test_the_nation_whose_bank_holidays_apply_is_a_setting(kb):
    from dataclasses import replace

    from netfaq.core.knowledge import BankHolidays

    scotland = replace(kb.helpline, bank_holidays=BankHolidays("GB", "SCT", "{holiday}"))
    england = helpline_status(kb.helpline, london(2027, 1, 4, 11, 0))  # 2 January 2027 is a Saturday
    assert england.is_open is True
    scottish = helpline_status(scotland, london(2027, 1, 4, 11, 0))  # the 2nd of January's day off in Scotland
    assert scottish.is_open is False and scottish.bank_holiday
