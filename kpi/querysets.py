"""Chainable, side-effect-free filters of the fact table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.db.models import Count, Q, QuerySet, Sum


class DealerDayFactQuerySet(QuerySet):
    def for_dealers(self, dealer_ids: Collection[int]) -> DealerDayFactQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def between(self, start: dt.date, end: dt.date) -> DealerDayFactQuerySet:
        return self.filter(day__gte=start, day__lte=end)

    def in_periods(self, periods: Iterable[tuple[dt.date, dt.date]]) -> DealerDayFactQuerySet:
        condition = Q()
        for start, end in periods:
            condition |= Q(day__gte=start, day__lte=end)
        return self.filter(condition)


def measure_sums(measures: Iterable[str], *, prefix: str = "", condition: Q | None = None) -> dict:
    """Aggregations `<prefix>rows` (row count) and `<prefix><measure>` (Σ) for .aggregate()/.annotate()."""
    kwargs = {"filter": condition} if condition is not None else {}
    sums: dict = {f"{prefix}rows": Count("id", **kwargs)}
    for measure in measures:
        sums[f"{prefix}{measure}"] = Sum(measure, **kwargs)
    return sums
