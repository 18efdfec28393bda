"""Numbers, arrows, colours and dates of a digest, in the active language (call inside translation.override).

KPI values, changes and status words come from kpi.templatetags.kpi_format — the same strings the
portal shows, so a number in a mail can be found on the page it links to. The HTML and the plain-text
part print the same strings, made here once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import dateformat, formats, translation
from django.utils.translation import gettext as _

from kpi.definitions import KpiDefinition
from kpi.templatetags import kpi_format

from .choices import DigestFrequency
from .periods import Period

RAG_COLOURS = {"green": "#1b7f3b", "amber": "#a86400", "red": "#b42318"}
GOOD, BAD, NEUTRAL = "#1b7f3b", "#b42318", "#52606d"
EMPTY = kpi_format.EMPTY


def format_number(value: Decimal, decimals: int) -> str:
    return kpi_format.group_number(value, decimals)


def format_kpi_value(kpi: KpiDefinition, value: Decimal | None) -> str:
    """'¥1,234,567' / '1,234,567 元', '95.3%', '1.25‰', '36.5 h' …; '–' for no value."""
    return kpi_format.format_value(value, kpi)


def format_change(kpi: KpiDefinition, change: Decimal | None, previous: Decimal | None) -> str:
    """The change against the previous period with its sign: percentages in points, money and counts relative."""
    return kpi_format.format_change(change, kpi, previous)


def change_arrow(kpi: KpiDefinition, change: Decimal | None) -> tuple[str, str]:
    """(arrow, colour): ▲/▼ by the sign of the change, ▶ for none; green when it moved the better way."""
    if change is None:
        return "", NEUTRAL
    if change == 0:
        return "▶", NEUTRAL
    tone = kpi_format.change_tone(change, kpi)
    return ("▲" if change > 0 else "▼"), {"good": GOOD, "bad": BAD}.get(tone, NEUTRAL)


def status_label(status: str) -> str:
    return kpi_format.status_text(status) or _("no target")


def status_colour(status: str) -> str:
    return RAG_COLOURS.get(status, NEUTRAL)


def _is_zh() -> bool:
    return (translation.get_language() or "").lower().startswith("zh")


def format_day(day: dt.date) -> str:
    return day.isoformat() if _is_zh() else dateformat.format(day, "j M Y")


def format_period(period: Period) -> str:
    """'2026-11-16 – 2026-11-22' in Chinese; '16–22 Nov 2026' in English; months as '2026年11月' / 'November 2026'."""
    start, end = period.start, period.end
    if period.frequency == DigestFrequency.MONTHLY and start.day == 1 and end.month == start.month:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    if start == end:
        return format_day(start)
    if _is_zh():
        return f"{start.isoformat()} – {end.isoformat()}"
    if start.year != end.year:
        return f"{dateformat.format(start, 'j M Y')} – {dateformat.format(end, 'j M Y')}"
    if start.month != end.month:
        return f"{dateformat.format(start, 'j M')} – {dateformat.format(end, 'j M Y')}"
    return f"{start.day}–{dateformat.format(end, 'j M Y')}"
