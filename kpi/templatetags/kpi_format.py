"""Localised display of KPI values: numbers grouped, CNY as "¥1,234,567" / "1,234,567 元", units translated.

The Python functions are what the views call when they prepare a large table (a filter call per cell in a
template is measurably slower); the template filters wrap the same functions for everything else.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import numberformat
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language, gettext, pgettext

from kpi.definitions import Direction, KpiDefinition, Unit

register = template.Library()

# Money is written the way each language writes it. Locale data, not translation: a missing catalogue
# entry must not turn "1,234,567 元" into "¥1,234,567" in the middle of a Chinese sentence.
_CURRENCY_PATTERNS = {"zh": "{amount} 元", "en": "¥{amount}"}
# Units of a relative change: percentages move by percentage points; other units by their own unit.
_POINT_UNITS = frozenset({Unit.PERCENT, Unit.PERMILLE})
EMPTY = "–"
_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(6))


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=16)
def _separators(language: str) -> tuple[str, str, int]:
    """(decimal separator, thousands separator, grouping) of a language, looked up once per process.

    Django's zh_Hans format leaves thousands ungrouped ("1234567"); Chinese business documents group money
    and counts by thousands with commas, so a locale without a thousands separator gets "," every 3 digits.
    """
    decimal_sep = get_format("DECIMAL_SEPARATOR", language, use_l10n=True)
    thousand_sep = get_format("THOUSAND_SEPARATOR", language, use_l10n=True)
    grouping = get_format("NUMBER_GROUPING", language, use_l10n=True)
    if not thousand_sep:
        return decimal_sep, ",", 3
    return decimal_sep, thousand_sep, grouping


def group_number(value: Decimal | int | float, decimals: int = 0) -> str:
    """The number rounded half-up to `decimals` places, written with the active language's separators.

    A league table formats thousands of numbers, so the common case ("." and "," every three digits, as
    English and Chinese write them) uses Python's own grouping; any other locale goes through Django's
    number_format.
    """
    number = _as_decimal(value)
    if number is None:
        return EMPTY
    number = number.quantize(_QUANTA[decimals] if decimals < len(_QUANTA) else Decimal(1).scaleb(-decimals),
                             rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # no "-0.0"
    language = get_language() or "en"
    decimal_sep, thousand_sep, grouping = _separators(language)
    if (decimal_sep, thousand_sep, grouping) == (".", ",", 3):
        return format(number, f",.{decimals}f")
    if get_format("THOUSAND_SEPARATOR", language, use_l10n=True):
        return number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return numberformat.format(number, decimal_sep, decimal_pos=decimals, grouping=grouping,
                               thousand_sep=thousand_sep, force_grouping=True, use_l10n=True)


def format_cny(value, decimals: int = 0) -> str:
    if _as_decimal(value) is None:
        return EMPTY
    amount = group_number(value, decimals)
    negative = amount.startswith("-")
    pattern = _CURRENCY_PATTERNS.get(_language(), _CURRENCY_PATTERNS["en"])
    text = pattern.format(amount=amount.lstrip("-"))
    return f"−{text}" if negative else text


def unit_label(unit: Unit) -> str:
    """The unit as shown after a number ("" where the number speaks for itself)."""
    return _unit_label(unit, get_language() or "en")


@functools.lru_cache(maxsize=64)
def _unit_label(unit: Unit, language: str) -> str:
    # Keyed by the language: the translation of a unit never changes while the process runs.
    return {
        Unit.CNY: "",
        Unit.PERCENT: "%",
        Unit.PERMILLE: "‰",
        Unit.COUNT: "",
        Unit.HOURS: pgettext("unit", "h"),
        Unit.DAYS: pgettext("unit", "days"),
        Unit.SCORE: "",
        Unit.POINTS: "",
        Unit.TURNS: pgettext("unit", "turns/yr"),
    }[unit]


def column_unit(unit: Unit) -> str:
    """The unit as named in a column header: "CNY", "%", "h" …"""
    return {
        Unit.CNY: pgettext("unit", "CNY"),
        Unit.COUNT: pgettext("unit", "count"),
        Unit.SCORE: pgettext("unit", "score"),
        Unit.POINTS: pgettext("unit", "points"),
    }.get(unit) or unit_label(unit)


def format_value(value, kpi: KpiDefinition) -> str:
    """A KPI's value in its unit: "¥1,234,567", "92.3%", "1.25‰", "36.5 h", "6.12 turns/yr", "96.5"."""
    number = _as_decimal(value)
    if number is None:
        return EMPTY
    if kpi.unit is Unit.CNY:
        return format_cny(number, kpi.decimals)
    text = group_number(number, kpi.decimals)
    unit = unit_label(kpi.unit)
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "‰") else f"{text} {unit}"


def format_plain(value, kpi: KpiDefinition) -> str:
    """The number alone, for cells under a header that names the unit."""
    number = _as_decimal(value)
    return EMPTY if number is None else group_number(number, kpi.decimals)


def format_change(change, kpi: KpiDefinition, base=None) -> str:
    """A change against a comparison period: "+1.2 pp", "−3.5 h", "+12.4%" (money and counts change relatively)."""
    delta = _as_decimal(change)
    if delta is None:
        return EMPTY
    if kpi.unit in (Unit.CNY, Unit.COUNT):
        reference = _as_decimal(base)
        if reference is None or reference == 0:
            return EMPTY
        delta, decimals, suffix = delta * 100 / abs(reference), 1, "%"
    elif kpi.unit in _POINT_UNITS:
        decimals = kpi.decimals
        suffix = " " + (pgettext("unit", "pp") if kpi.unit is Unit.PERCENT else "‰")
    else:
        decimals, unit = kpi.decimals, unit_label(kpi.unit)
        suffix = f" {unit}" if unit else ""
    text = group_number(abs(delta), decimals)
    if abs(delta).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) == 0:
        return f"±{text}{suffix}"
    return f"{'+' if delta > 0 else '−'}{text}{suffix}"


def change_tone(change, kpi: KpiDefinition, base=None) -> str:
    """"good" / "bad" / "" for colouring a change by the KPI's direction (none where no change is shown)."""
    delta = _as_decimal(change)
    if not delta or kpi.direction is Direction.NEUTRAL:
        return ""
    if kpi.unit in (Unit.CNY, Unit.COUNT) and not _as_decimal(base):
        return ""  # a relative change against nothing is not shown, so it has no colour either
    better = delta > 0 if kpi.direction is Direction.HIGHER else delta < 0
    return "good" if better else "bad"


def status_text(status: str) -> str:
    """Words for a red/amber/green status, so colour is never the only signal."""
    return _status_text(status, get_language() or "en")


@functools.lru_cache(maxsize=32)
def _status_text(status: str, language: str) -> str:
    return {
        "green": gettext("on target"),
        "amber": gettext("close to target"),
        "red": gettext("off target"),
    }.get(status, "")


@register.filter
def kpi_value(kv) -> str:
    """{{ kpi_value_object|kpi_value }} → the value formatted by the KPI's unit."""
    if kv is None:
        return EMPTY
    return format_value(kv.value, kv.kpi)


@register.filter
def kpi_target(kv) -> str:
    if kv is None or kv.target is None:
        return EMPTY
    return format_value(kv.target, kv.kpi)


@register.filter
def kpi_change(kv, against: str = "previous") -> str:
    """{{ kv|kpi_change }} against the previous period; {{ kv|kpi_change:"last_year" }} against last year."""
    if kv is None:
        return EMPTY
    if against == "last_year":
        return format_change(kv.change_last_year, kv.kpi, kv.last_year)
    return format_change(kv.change, kv.kpi, kv.previous)


@register.filter
def kpi_tone(kv, against: str = "previous") -> str:
    if kv is None:
        return ""
    if against == "last_year":
        return change_tone(kv.change_last_year, kv.kpi, kv.last_year)
    return change_tone(kv.change, kv.kpi, kv.previous)


@register.filter
def cny(value, decimals: int = 0) -> str:
    """{{ amount|cny }} → "¥1,234,567" (English) / "1,234,567 元" (Chinese)."""
    return format_cny(value, int(decimals))


@register.filter
def grouped(value, decimals: int = 0) -> str:
    return group_number(value, int(decimals))


@register.filter
def rag_text(status: str) -> str:
    return status_text(status)


@register.filter
def in_unit(value, kpi: KpiDefinition) -> str:
    """{{ number|in_unit:kpi }} → the number formatted in the KPI's unit."""
    return format_value(value, kpi) if kpi is not None else group_number(value, 1)


@register.filter
def bucket_label(by: str) -> str:
    """"day" / "week" / "month" in the active language, for "by month"-style phrases."""
    return {"day": pgettext("by", "day"), "week": pgettext("by", "week"), "month": pgettext("by", "month")}.get(by, by)
