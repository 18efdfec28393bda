"""Pure KPI arithmetic on small, already-aggregated results: periods, buckets, values, targets.

Nothing here touches the database. kpi.selectors loads Σ of the measure columns (a handful of rows) and
the relevant KpiTarget rows, and hands them to these functions; the tests exercise them without a
database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .definitions import KPI_BY_CODE, KPIS, KpiDefinition, TargetKind, get_kpi

ZERO = Decimal(0)
BUCKETS = ("day", "week", "month")


@dataclass(frozen=True)
class KpiValue:
    kpi: KpiDefinition
    numerator: Decimal
    denominator: Decimal | None  # None for plain totals (output_value, ro_count, escalation_count)
    value: Decimal | None  # None when the denominator is 0 or nothing was rolled up for the scope
    target: Decimal | None  # resolved absolute target for this scope and period
    status: str  # "green" | "amber" | "red" | ""
    previous: Decimal | None  # value over the previous period of the same length
    last_year: Decimal | None  # value over the same period one year earlier
    change: Decimal | None  # value - previous
    change_last_year: Decimal | None  # value - last_year


@dataclass(frozen=True)
class KpiPoint:
    start: dt.date  # first day of the bucket (day, ISO week's Monday, month's 1st)
    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None


@dataclass(frozen=True)
class Sums:
    """Σ of measure columns over some dealer-day rows; `rows` counts the rows (0 = nothing rolled up)."""

    rows: int
    measures: Mapping[str, Decimal]

    @classmethod
    def empty(cls) -> Sums:
        return cls(rows=0, measures={})

    @classmethod
    def of(cls, row: Mapping[str, object], measures: Iterable[str], prefix: str = "") -> Sums:
        """From an aggregate row whose keys are `<prefix><measure>` and `<prefix>rows`."""
        return cls(
            rows=int(row.get(f"{prefix}rows") or 0),  # type: ignore[call-overload]
            measures={m: Decimal(row.get(f"{prefix}{m}") or 0) for m in measures},  # type: ignore[arg-type]
        )


# --- codes ---------------------------------------------------------------------------------------


def kpis_for(codes: Sequence[str] | None) -> tuple[KpiDefinition, ...]:
    """The definitions for `codes` in the given order (all KPIs when None); unknown codes raise KeyError."""
    if codes is None:
        return KPIS
    return tuple(get_kpi(code) for code in dict.fromkeys(codes))


def measures_for(kpis: Iterable[KpiDefinition]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for kpi in kpis for m in kpi.measures))


# --- periods -------------------------------------------------------------------------------------


def check_period(start: dt.date, end: dt.date) -> None:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise TypeError("start and end must be dates")
    if start > end:
        raise ValueError(f"the period starts ({start.isoformat()}) after it ends ({end.isoformat()})")


def period_days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length that ends the day before `start`."""
    length = period_days(start, end)
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same calendar date `years` later (negative: earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_year_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    return shift_years(start, -1), shift_years(end, -1)


def bucket_start(day: dt.date, by: str) -> dt.date:
    if by == "day":
        return day
    if by == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO week: Monday
    if by == "month":
        return day.replace(day=1)
    raise ValueError(f"by must be one of {', '.join(BUCKETS)}, not {by!r}")


def bucket_starts(start: dt.date, end: dt.date, by: str) -> list[dt.date]:
    """Every bucket touching [start, end], in order: the first may begin before `start`."""
    check_period(start, end)
    first = bucket_start(start, by)
    result = []
    current = first
    while current <= end:
        result.append(current)
        if by == "day":
            current += dt.timedelta(days=1)
        elif by == "week":
            current += dt.timedelta(days=7)
        else:
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return result


def months_covered(start: dt.date, end: dt.date) -> list[tuple[dt.date, int, int]]:
    """(first day of month, days of [start, end] in it, days in the month) for every month touched."""
    check_period(start, end)
    result = []
    month = start.replace(day=1)
    while month <= end:
        length = calendar.monthrange(month.year, month.month)[1]
        last = month.replace(day=length)
        covered = (min(end, last) - max(start, month)).days + 1
        result.append((month, covered, length))
        month = last + dt.timedelta(days=1)
    return result


# --- values --------------------------------------------------------------------------------------


def kpi_numbers(kpi: KpiDefinition, sums: Sums) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """(numerator, denominator, value) of a KPI over summed rows; no rows → no value, even for totals."""
    numerator = kpi.numerator_of(sums.measures)  # type: ignore[arg-type]
    denominator = kpi.denominator_of(sums.measures)  # type: ignore[arg-type]
    value = kpi.value(numerator, denominator) if sums.rows else None
    return numerator, denominator, value


def _difference(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def kpi_value(
    kpi: KpiDefinition,
    current: Sums,
    *,
    target: Decimal | None,
    previous: Sums | None = None,
    last_year: Sums | None = None,
) -> KpiValue:
    numerator, denominator, value = kpi_numbers(kpi, current)
    previous_value = kpi_numbers(kpi, previous)[2] if previous is not None else None
    last_year_value = kpi_numbers(kpi, last_year)[2] if last_year is not None else None
    return KpiValue(
        kpi=kpi,
        numerator=numerator,
        denominator=denominator,
        value=value,
        target=target,
        status=kpi.status(value, target),
        previous=previous_value,
        last_year=last_year_value,
        change=_difference(value, previous_value),
        change_last_year=_difference(value, last_year_value),
    )


def kpi_point(kpi: KpiDefinition, start: dt.date, sums: Sums) -> KpiPoint:
    numerator, denominator, value = kpi_numbers(kpi, sums)
    return KpiPoint(start=start, numerator=numerator, denominator=denominator, value=value)


# --- targets -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetTable:
    """KpiTarget rows indexed for lookup: (kpi, "dealer" | "region", id, month or None) → value."""

    rows: Mapping[tuple[str, str, int, dt.date | None], Decimal]

    @classmethod
    def build(cls, targets: Iterable[object]) -> TargetTable:
        rows: dict[tuple[str, str, int, dt.date | None], Decimal] = {}
        for t in targets:
            if t.dealer_id is not None:  # type: ignore[attr-defined]
                rows[(t.kpi, "dealer", t.dealer_id, t.month)] = Decimal(t.value)  # type: ignore[attr-defined]
            else:
                rows[(t.kpi, "region", t.region_id, t.month)] = Decimal(t.value)  # type: ignore[attr-defined]
        return cls(rows=rows)

    def get(self, code: str, level: str, owner: int, month: dt.date | None) -> Decimal | None:
        return self.rows.get((code, level, owner, month))

    def most_specific(self, code: str, level: str, owner: int, month: dt.date) -> Decimal | None:
        found = self.get(code, level, owner, month)
        return found if found is not None else self.get(code, level, owner, None)


def _uniform(values: Iterable[Decimal | None]) -> Decimal | None:
    """The common value when every entry has the same one, else None."""
    distinct = set(values)
    if len(distinct) == 1:
        (only,) = distinct
        return only
    return None


def _setting_for_month(
    kpi: KpiDefinition, dealer_ids: Collection[int], dealer_regions: Mapping[int, int], month: dt.date, table: TargetTable
) -> Decimal | None:
    """The target setting for one month: dealer+month > dealer > region+month > region > default.

    For several dealers a dealer-level setting applies only when every dealer has the same one; otherwise
    the region-level setting (the same rule across regions) and finally the definition's default.
    """
    if dealer_ids:
        dealer_level = _uniform(table.most_specific(kpi.code, "dealer", d, month) for d in dealer_ids)
        if dealer_level is not None:
            return dealer_level
        regions = {dealer_regions[d] for d in dealer_ids if d in dealer_regions}
        if regions:
            region_level = _uniform(table.most_specific(kpi.code, "region", r, month) for r in regions)
            if region_level is not None:
                return region_level
    return kpi.target


def _day_weighted(parts: list[tuple[Decimal, int]]) -> Decimal | None:
    if not parts:
        return None
    if len({value for value, _days in parts}) == 1:
        return parts[0][0]
    days = sum(d for _v, d in parts)
    return sum((value * d for value, d in parts), ZERO) / days


def resolve_target(
    kpi: KpiDefinition,
    *,
    dealer_ids: Collection[int],
    dealer_regions: Mapping[int, int],
    start: dt.date,
    end: dt.date,
    table: TargetTable,
    last_year_value: Decimal | None = None,
) -> Decimal | None:
    """The absolute target of `kpi` for these dealers over [start, end].

    BUDGET: Σ over dealers and months of the dealer's monthly budget (dealer+month, else the dealer's
        standing monthly budget) × days of the period in that month / days in the month; None unless every
        dealer has a budget for every month touched (a partial sum would flatter the value).
    VS_LAST_YEAR: last year's value × (1 + setting/100), the setting resolved like an absolute target.
    ABSOLUTE: the most specific setting (see _setting_for_month); a period spanning months takes the
        day-weighted mean of the months' settings.
    """
    check_period(start, end)
    if kpi.target_kind is TargetKind.NONE:
        return None
    months = months_covered(start, end)
    if kpi.target_kind is TargetKind.BUDGET:
        if not dealer_ids:
            return None
        total = ZERO
        for dealer_id in dealer_ids:
            for month, covered, length in months:
                budget = table.most_specific(kpi.code, "dealer", dealer_id, month)
                if budget is None:
                    return None
                total += budget * covered / length
        return total
    settings = [
        (setting, covered)
        for month, covered, _length in months
        if (setting := _setting_for_month(kpi, dealer_ids, dealer_regions, month, table)) is not None
    ]
    setting = _day_weighted(settings)
    if setting is None:
        return None
    if kpi.target_kind is TargetKind.VS_LAST_YEAR:
        if last_year_value is None:
            return None
        return last_year_value * (1 + setting / 100)
    return setting


def known_codes() -> frozenset[str]:
    return frozenset(KPI_BY_CODE)
