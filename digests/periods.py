"""Which period a digest covers and on which day it is due (pure functions, no database).

- daily: yesterday; due every day.
- weekly: the previous ISO week, Monday to Sunday; due on Monday.
- monthly: the previous calendar month; due on the 1st.
"Today" is the date in the region's time zone (the caller converts), so a Shanghai region's Monday
digest goes out on Shanghai's Monday whatever the server's clock says.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from .choices import DigestFrequency


@dataclass(frozen=True)
class Period:
    frequency: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def send_date(self) -> dt.date:
        """The day the digest for this period is due: the day after it ends."""
        return self.end + dt.timedelta(days=1)


def _first_of_previous_month(day: dt.date) -> dt.date:
    last_of_previous = day.replace(day=1) - dt.timedelta(days=1)
    return last_of_previous.replace(day=1)


def period_for(frequency: str, today: dt.date) -> Period:
    """The last complete period before `today` (today itself never counts: its data is not rolled up)."""
    if frequency == DigestFrequency.DAILY:
        day = today - dt.timedelta(days=1)
        return Period(frequency, day, day)
    if frequency == DigestFrequency.WEEKLY:
        this_monday = today - dt.timedelta(days=today.weekday())
        return Period(frequency, this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1))
    if frequency == DigestFrequency.MONTHLY:
        return Period(frequency, _first_of_previous_month(today), today.replace(day=1) - dt.timedelta(days=1))
    raise ValueError(f"unknown digest frequency {frequency!r}; known: {', '.join(DigestFrequency.values)}")


def is_due(frequency: str, today: dt.date) -> bool:
    if frequency == DigestFrequency.DAILY:
        return True
    if frequency == DigestFrequency.WEEKLY:
        return today.weekday() == 0
    if frequency == DigestFrequency.MONTHLY:
        return today.day == 1
    raise ValueError(f"unknown digest frequency {frequency!r}; known: {', '.join(DigestFrequency.values)}")


def local_today(now: dt.datetime, timezone_name: str) -> dt.date:
    """The calendar date at `now` in the named time zone (a region's)."""
    return now.astimezone(zoneinfo.ZoneInfo(timezone_name)).date()


def local_midnight(day: dt.date, timezone_name: str) -> dt.datetime:
    """00:00 of `day` in the named time zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(timezone_name))


def trend_window(period: Period) -> tuple[dt.date, dt.date, str]:
    """(start, end, bucket) of the small trend graphic: 14 days, 8 ISO weeks or 6 months ending with the period."""
    if period.frequency == DigestFrequency.DAILY:
        return period.end - dt.timedelta(days=13), period.end, "day"
    if period.frequency == DigestFrequency.WEEKLY:
        return period.start - dt.timedelta(weeks=7), period.end, "week"
    start = period.start
    for _ in range(5):
        start = _first_of_previous_month(start)
    return start, period.end, "month"


def previous_period(period: Period) -> Period:
    """The period of the same length just before: what kpi.selectors compares with (KpiValue.previous),
    so a status change and the 'previous' column in the mail always agree."""
    length = dt.timedelta(days=period.days)
    return Period(period.frequency, period.start - length, period.end - length)
