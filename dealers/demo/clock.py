"""Time in the demo: region-local seconds, calendar days of the period, business hours, DB formatting.

The generator keeps every instant as an int of *local* seconds since the epoch (UTC + the region's
offset), so "which day", "which hour of the day" and "add 3 business hours" are integer arithmetic.
The region's zone must keep one UTC offset over the period (Asia/Shanghai has had no daylight saving
since 1991); the constructor checks that.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

DAY = 86400
HOUR = 3600
MINUTE = 60


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Clock:
    """The period [start, end] (inclusive calendar days) in the region's time zone."""

    def __init__(self, *, start: dt.date, end: dt.date, tz_name: str, postgres: bool) -> None:
        zone = zoneinfo.ZoneInfo(tz_name)
        offsets = {
            dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset() for day in (start, end, add_months(start, 6))
        }
        if len(offsets) != 1:
            raise ValueError(f"time zone {tz_name} changes its UTC offset inside the period; the demo needs a fixed one")
        self.start = start
        self.end = end
        self.offset = int(offsets.pop().total_seconds())
        self.ndays = (end - start).days + 1
        self.epoch_ordinal = dt.date(1970, 1, 1).toordinal()
        self.day0 = (start.toordinal() - self.epoch_ordinal) * DAY  # local seconds of start 00:00
        self.cutoff = self.day0 + self.ndays * DAY  # end of the last day: nothing happens at or after it
        self._suffix = "+00" if postgres else ""
        self._day_strings: dict[int, str] = {}
        self._hms = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]

    # -- days
    def day_start(self, k: int) -> int:
        return self.day0 + k * DAY

    def day_of(self, t: int) -> int:
        """Index of the calendar day of local instant t (0 = start; may be negative or ≥ ndays)."""
        return (t - self.day0) // DAY

    def date(self, k: int) -> dt.date:
        return self.start + dt.timedelta(days=k)

    def progress(self, k: int) -> float:
        """0 on the first day of the period, 1 on the last."""
        return k / (self.ndays - 1) if self.ndays > 1 else 1.0

    def local(self, day: dt.date, seconds: int = 0) -> int:
        return (day.toordinal() - self.epoch_ordinal) * DAY + seconds

    # -- formatting for the database
    def ts(self, t: int) -> str:
        """The UTC text of local instant t as the DB stores it (SQLite) or parses it (PostgreSQL COPY)."""
        utc = t - self.offset
        day, sec = divmod(utc, DAY)
        text = self._day_strings.get(day)
        if text is None:
            text = self._day_strings[day] = dt.date.fromordinal(day + self.epoch_ordinal).isoformat()
        return f"{text} {self._hms[sec]}{self._suffix}"

    def ts_or_none(self, t: int | None) -> str | None:
        return None if t is None else self.ts(t)

    def date_text(self, t: int) -> str:
        """The local calendar date of instant t."""
        return dt.date.fromordinal(t // DAY + self.epoch_ordinal).isoformat()

    def aware(self, t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(t - self.offset, tz=dt.UTC)


def business_add(t: int, seconds: float, opens: int, closes: int) -> int:
    """Local instant after `seconds` of workshop time from t, counting only opening hours [opens, closes)."""
    remaining = int(seconds)
    while True:
        sod = t % DAY
        if sod < opens:
            t += opens - sod
            sod = opens
        elif sod >= closes:
            t += DAY - sod + opens
            sod = opens
        available = closes - sod
        if remaining <= available:
            return t + remaining
        remaining -= available
        t += DAY - sod + opens


def next_open(t: int, opens: int, closes: int) -> int:
    """t itself when the workshop is open then, else its next opening."""
    sod = t % DAY
    if sod < opens:
        return t + opens - sod
    if sod >= closes:
        return t + DAY - sod + opens
    return t
