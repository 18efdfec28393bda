"""Reads of KPI values: the one place dashboards, the API, digests and reports get numbers from.

Callers pass dealer ids already filtered by dealers.policy. Each function sums the needed measure columns
of kpi.models.DealerDayFact in the database (a handful of rows come back) and computes values in Python
with kpi.calculations: a value over any dealers and days is Σnumerator / Σdenominator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import TruncMonth, TruncWeek

from dealers.models import Dealer

from .calculations import (
    KpiPoint,
    KpiValue,
    Sums,
    TargetTable,
    bucket_start,
    bucket_starts,
    check_period,
    kpi_numbers,
    kpi_point,
    kpi_value,
    kpis_for,
    last_year_period,
    measures_for,
    previous_period,
    resolve_target,
)
from .definitions import KpiDefinition, TargetKind
from .models import DealerDayFact, KpiTarget
from .querysets import measure_sums

__all__ = ["KpiPoint", "KpiValue", "kpi_by_dealer", "kpi_series", "kpi_target", "kpi_values"]


def _dealer_ids(dealer_ids: Collection[int]) -> list[int]:
    try:
        return sorted({int(d) for d in dealer_ids})
    except (TypeError, ValueError):
        raise TypeError(f"dealer_ids must be integers, got {dealer_ids!r}") from None


def _periods(start: dt.date, end: dt.date, *, compare: bool, last_year: bool) -> dict[str, tuple[dt.date, dt.date]]:
    periods = {"cur": (start, end)}
    if compare:
        periods["prev"] = previous_period(start, end)
    if compare or last_year:
        periods["ly"] = last_year_period(start, end)
    return periods


def _period_aggregations(measures: Sequence[str], periods: dict[str, tuple[dt.date, dt.date]]) -> dict:
    aggregations: dict = {}
    for key, (start, end) in periods.items():
        aggregations.update(measure_sums(measures, prefix=f"{key}_", condition=Q(day__gte=start, day__lte=end)))
    return aggregations


def _period_sums(ids: list[int], measures: Sequence[str], periods: dict[str, tuple[dt.date, dt.date]]) -> dict[str, Sums]:
    """Σ of each measure over each period, in one query: a plain aggregate per period, UNION ALL.

    Each part reads only its period's rows through the (dealer, day) index and sums them without a
    per-row FILTER; one aggregate with a FILTER per period and measure over the three periods' rows was
    three times slower (bench/dashboard_render.py, cold overview). Periods may overlap (a custom range
    longer than a year and its year-earlier twin): each part counts its own days.
    """
    if not ids:
        return {key: Sums.empty() for key in periods}
    parts = [
        DealerDayFact.objects.for_dealers(ids).between(first, last)
        .annotate(period=Value(key, output_field=CharField())).values("period")
        .annotate(**measure_sums(measures)).order_by()
        for key, (first, last) in periods.items()
    ]
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = {row["period"]: row for row in combined}
    return {key: Sums.of(rows.get(key, {}), measures) for key in periods}


def _needs_last_year(kpis: Sequence[KpiDefinition]) -> bool:
    return any(kpi.target_kind is TargetKind.VS_LAST_YEAR for kpi in kpis)


def _target_context(
    dealer_ids: list[int], kpis: Sequence[KpiDefinition], start: dt.date, end: dt.date
) -> tuple[dict[int, int], TargetTable]:
    """The dealers' regions and the KpiTarget rows that can apply to them over [start, end] (two queries)."""
    codes = [kpi.code for kpi in kpis if kpi.target_kind is not TargetKind.NONE]
    if not codes or not dealer_ids:
        return {}, TargetTable(rows={})
    dealer_regions = dict(Dealer.objects.filter(id__in=dealer_ids).values_list("id", "region_id"))
    rows = KpiTarget.objects.filter(kpi__in=codes).filter(
        Q(dealer_id__in=dealer_ids) | Q(region_id__in=set(dealer_regions.values()))
    ).filter(Q(month__isnull=True) | Q(month__gte=start.replace(day=1), month__lte=end))
    return dealer_regions, TargetTable.build(rows)


def kpi_values(
    *,
    dealer_ids: Collection[int],
    start: dt.date,
    end: dt.date,
    codes: Sequence[str] | None = None,
    compare: bool = True,
) -> dict[str, KpiValue]:
    """One value per KPI over [start, end] for the set of dealers (Σnum/Σden), with targets.

    With `compare`, also the previous period of the same length and the same period a year earlier.
    Three queries: the sums (all periods in one), the dealers' regions, the target rows.
    """
    check_period(start, end)
    kpis = kpis_for(codes)
    ids = _dealer_ids(dealer_ids)
    measures = measures_for(kpis)
    periods = _periods(start, end, compare=compare, last_year=_needs_last_year(kpis))
    sums = _period_sums(ids, measures, periods)
    dealer_regions, table = _target_context(ids, kpis, start, end)
    result = {}
    for kpi in kpis:
        last_year_value = kpi_numbers(kpi, sums["ly"])[2] if "ly" in sums else None
        target = resolve_target(
            kpi, dealer_ids=ids, dealer_regions=dealer_regions, start=start, end=end, table=table,
            last_year_value=last_year_value,
        )
        result[kpi.code] = kpi_value(
            kpi,
            sums["cur"],
            target=target,
            previous=sums.get("prev") if compare else None,
            last_year=sums.get("ly") if compare else None,
        )
    return result


def kpi_series(
    *,
    dealer_ids: Collection[int],
    start: dt.date,
    end: dt.date,
    codes: Sequence[str] | None = None,
    by: str = "day",
) -> dict[str, list[KpiPoint]]:
    """Per KPI, one point per day / ISO week / month touching [start, end] (one query).

    Every bucket is present; a bucket with nothing rolled up, or an empty denominator, has value None.
    Buckets at the edges hold only the days inside [start, end].
    """
    check_period(start, end)
    bucket_start(start, by)  # validates `by`
    kpis = kpis_for(codes)
    ids = _dealer_ids(dealer_ids)
    measures = measures_for(kpis)
    bucket = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}[by]
    rows = (
        DealerDayFact.objects.for_dealers(ids)
        .between(start, end)
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(**measure_sums(measures))
        .order_by("bucket")
    )
    by_bucket = {row["bucket"]: Sums.of(row, measures) for row in rows}
    starts = bucket_starts(start, end, by)
    return {
        kpi.code: [kpi_point(kpi, first, by_bucket.get(first, Sums.empty())) for first in starts] for kpi in kpis
    }


def kpi_by_dealer(
    *,
    dealer_ids: Collection[int],
    start: dt.date,
    end: dt.date,
    codes: Sequence[str] | None = None,
    compare: bool = False,
) -> dict[int, dict[str, KpiValue]]:
    """The league table: per dealer, per KPI, its value and target over [start, end] (three queries)."""
    check_period(start, end)
    kpis = kpis_for(codes)
    ids = _dealer_ids(dealer_ids)
    measures = measures_for(kpis)
    periods = _periods(start, end, compare=compare, last_year=_needs_last_year(kpis))
    rows = (
        DealerDayFact.objects.for_dealers(ids)
        .in_periods(periods.values())
        .values("dealer_id")
        .annotate(**_period_aggregations(measures, periods))
        .order_by("dealer_id")
    )
    per_dealer = {row["dealer_id"]: {key: Sums.of(row, measures, prefix=f"{key}_") for key in periods} for row in rows}
    dealer_regions, table = _target_context(ids, kpis, start, end)
    empty = {key: Sums.empty() for key in periods}
    result: dict[int, dict[str, KpiValue]] = {}
    for dealer_id in ids:
        sums = per_dealer.get(dealer_id, empty)
        values = {}
        for kpi in kpis:
            last_year_value = kpi_numbers(kpi, sums["ly"])[2] if "ly" in sums else None
            target = resolve_target(
                kpi, dealer_ids=[dealer_id], dealer_regions=dealer_regions, start=start, end=end, table=table,
                last_year_value=last_year_value,
            )
            values[kpi.code] = kpi_value(
                kpi,
                sums["cur"],
                target=target,
                previous=sums.get("prev") if compare else None,
                last_year=sums.get("ly") if compare else None,
            )
        result[dealer_id] = values
    return result


def kpi_target(*, kpi: KpiDefinition, dealer_ids: Collection[int], start: dt.date, end: dt.date) -> Decimal | None:
    """The absolute target of one KPI for these dealers over [start, end] (see calculations.resolve_target)."""
    check_period(start, end)
    ids = _dealer_ids(dealer_ids)
    last_year_value = None
    if kpi.target_kind is TargetKind.VS_LAST_YEAR:
        ly_start, ly_end = last_year_period(start, end)
        row = DealerDayFact.objects.for_dealers(ids).between(ly_start, ly_end).aggregate(**measure_sums(kpi.measures))
        last_year_value = kpi_numbers(kpi, Sums.of(row, kpi.measures))[2]
    dealer_regions, table = _target_context(ids, [kpi], start, end)
    return resolve_target(
        kpi, dealer_ids=ids, dealer_regions=dealer_regions, start=start, end=end, table=table,
        last_year_value=last_year_value,
    )
