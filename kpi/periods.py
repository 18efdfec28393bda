"""The dashboards' period: what a "day / week / month / quarter / year / custom range" is, how it travels in
the URL (GET parameters, so a view can be bookmarked and shared) and how a bad parameter is reported.

URL parameters:
    period = day | week | month | quarter | year | custom      (default: month)
    on     = YYYY-MM-DD, any day inside the wanted day/week/month/quarter/year (default: yesterday)
    start, end = YYYY-MM-DD, inclusive, for period=custom

Facts are rolled up nightly, so the data ends yesterday (region time). A period reaching past yesterday is
cut at yesterday ("month to date"); the default is the month containing yesterday, which on the 1st of a
month is the whole previous month. Nothing here queries the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

DAY, WEEK, MONTH, QUARTER, YEAR, CUSTOM = "day", "week", "month", "quarter", "year", "custom"
PERIOD_CHOICES = (
    (DAY, _("Day")),
    (WEEK, _("Week")),
    (MONTH, _("Month")),
    (QUARTER, _("Quarter")),
    (YEAR, _("Year")),
    (CUSTOM, _("Custom range")),
)
DEFAULT_KIND = MONTH
# A custom range longer than this is refused: the trend of 10 years by day is not a dashboard any more.
MAX_CUSTOM_DAYS = 3 * 366
BUCKETS = ("day", "week", "month")


def data_end(today: dt.date | None = None) -> dt.date:
    """The last day with rolled-up facts: yesterday in the region's time zone."""
    return (today or timezone.localdate()) - dt.timedelta(days=1)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after day's month (negative goes back)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(day: dt.date) -> dt.date:
    return _add_months(day, 1) - dt.timedelta(days=1)


def bounds(kind: str, on: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar day/week (ISO, Monday first)/month/quarter/year containing `on`."""
    if kind == DAY:
        return on, on
    if kind == WEEK:
        monday = on - dt.timedelta(days=on.weekday())
        return monday, monday + dt.timedelta(days=6)
    if kind == MONTH:
        return _month_start(on), _month_end(on)
    if kind == QUARTER:
        first = dt.date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
        return first, _add_months(first, 3) - dt.timedelta(days=1)
    if kind == YEAR:
        return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    raise ValueError(f"unknown period kind {kind!r}")


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days, with the kind of period it was chosen as."""

    kind: str
    start: dt.date
    end: dt.date
    # True when the calendar period reached past the data and was cut at yesterday (month to date …).
    truncated: bool = False

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def anchor(self) -> dt.date:
        return self.end if self.kind != CUSTOM else self.start

    def params(self) -> dict[str, str]:
        """The GET parameters that select this period again."""
        if self.kind == CUSTOM:
            return {"period": CUSTOM, "start": self.start.isoformat(), "end": self.end.isoformat()}
        return {"period": self.kind, "on": self.start.isoformat()}

    def querystring(self, **extra: object) -> str:
        params: dict[str, object] = {**self.params(), **{k: v for k, v in extra.items() if v not in (None, "")}}
        return urlencode(params, doseq=True)

    def shifted(self, steps: int, *, last_day: dt.date) -> Period | None:
        """The period `steps` periods earlier/later of the same kind; None past the data's end."""
        if self.kind == CUSTOM:
            length = dt.timedelta(days=self.days)
            start, end = self.start + length * steps, self.end + length * steps
        elif self.kind in (DAY, WEEK):
            delta = dt.timedelta(days=1 if self.kind == DAY else 7) * steps
            start, end = bounds(self.kind, self.start + delta)
        else:
            months = {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind] * steps
            start, end = bounds(self.kind, _add_months(self.start, months))
        if start > last_day:
            return None
        return Period(self.kind, start, min(end, last_day), truncated=end > last_day)

    def label(self) -> str:
        """Localised, e.g. "May 2025", "2025年5月", "Q2 2025", "May 1, 2025 – May 26, 2025"."""
        if self.kind == DAY:
            return date_format(self.start, "DATE_FORMAT")
        if self.kind == MONTH and not self.truncated:
            return date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.kind == QUARTER and not self.truncated:
            return _("Q%(quarter)s %(year)s") % {"quarter": (self.start.month - 1) // 3 + 1, "year": self.start.year}
        if self.kind == YEAR and not self.truncated:
            return str(self.start.year)
        return f"{date_format(self.start, 'DATE_FORMAT')} – {date_format(self.end, 'DATE_FORMAT')}"

    def default_bucket(self) -> str:
        """The trend's granularity that gives a readable number of points for this length."""
        if self.days <= 62:
            return "day"
        if self.days <= 200:
            return "week"
        return "month"


def default_period(today: dt.date | None = None) -> Period:
    last = data_end(today)
    start, end = bounds(DEFAULT_KIND, last)
    return Period(DEFAULT_KIND, start, min(end, last), truncated=end > last)


class PeriodForm(forms.Form):
    """Validates the period GET parameters; its errors are what the page shows."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    on = forms.DateField(label=_("Date"), required=False, input_formats=["%Y-%m-%d"])
    start = forms.DateField(label=_("From"), required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=_("To"), required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, *args, last_day: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.last_day = last_day

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("period") or DEFAULT_KIND
        if kind == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                if "start" not in self.errors and "end" not in self.errors:
                    raise forms.ValidationError(_("A custom range needs both a start and an end date."))
                return data
            if end < start:
                raise forms.ValidationError(_("The end date %(end)s is before the start date %(start)s.")
                                            % {"end": end.isoformat(), "start": start.isoformat()})
            if start > self.last_day:
                raise forms.ValidationError(_("There is no data after %(day)s yet (the figures are rolled up "
                                              "nightly).") % {"day": self.last_day.isoformat()})
            if (end - start).days + 1 > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(_("A custom range may span at most %(days)s days.")
                                            % {"days": MAX_CUSTOM_DAYS})
        else:
            on = data.get("on")
            if on and bounds(kind, on)[0] > self.last_day:
                raise forms.ValidationError(_("There is no data after %(day)s yet (the figures are rolled up "
                                              "nightly).") % {"day": self.last_day.isoformat()})
        return data

    def to_period(self) -> Period:
        data = self.cleaned_data
        kind = data.get("period") or DEFAULT_KIND
        if kind == CUSTOM:
            start, end = data["start"], data["end"]
        else:
            start, end = bounds(kind, data.get("on") or self.last_day)
        return Period(kind, start, min(end, self.last_day), truncated=end > self.last_day)


def parse_period(params, *, today: dt.date | None = None) -> tuple[Period, list[str]]:
    """The period chosen by GET `params`, and the messages explaining any parameter that was refused.

    A refused parameter never breaks the page: the dashboard falls back to the default period and says why.
    """
    last = data_end(today)
    relevant = {key: params.get(key) for key in ("period", "on", "start", "end") if params.get(key) not in (None, "")}
    if not relevant:
        return default_period(today), []
    form = PeriodForm(relevant, last_day=last)
    if form.is_valid():
        return form.to_period(), []
    messages = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for error in errors:
            messages.append(f"{label}: {error}" if label else str(error))
    fallback = default_period(today)
    messages.append(str(_("Showing %(period)s instead.") % {"period": fallback.label()}))
    return fallback, messages


def spark_window(period: Period) -> tuple[dt.date, dt.date, str]:
    """The range and granularity of a tile's sparkline: enough points to show a direction.

    A day shows the last 30 days, a week the last 12 weeks, a month or quarter the last 12 months, a year
    the last 24 months; a custom range its own days/weeks/months.
    """
    end = period.end
    if period.kind == DAY:
        return end - dt.timedelta(days=29), end, "day"
    if period.kind == WEEK:
        monday = end - dt.timedelta(days=end.weekday())
        return monday - dt.timedelta(weeks=11), end, "week"
    if period.kind in (MONTH, QUARTER):
        return _add_months(end, -11), end, "month"
    if period.kind == YEAR:
        return _add_months(end, -23), end, "month"
    return period.start, period.end, period.default_bucket()
