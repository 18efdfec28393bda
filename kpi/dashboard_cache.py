"""The dashboards' reads of kpi.selectors, cached until the numbers could have changed.

Facts change only when kpi.services.kpi_rollup rewrites them (nightly, or on demand), and targets when
someone edits one. Every cache key therefore carries a version read in two index-sized queries:

- the newest roll-up run (kpi.models.RollupRun, committed with the facts it wrote): the PostgreSQL
  roll-up rewrites existing fact rows in place, so the facts' own ids say nothing of a re-run;
- the number of KpiTarget rows and their latest updated_at (an edit, an addition or a deletion);
- the same of the dealers (a dealer moved to another region resolves its targets there; a renamed one
  must not keep its old name in a cached table);

plus every argument of the selector. Entries also expire after CACHE_SECONDS, which bounds the staleness of
the changes the version cannot see (a fact row changed in the database by hand, bypassing the roll-up; the
admin cannot change facts). It is a little over a day because kpi.warmup renders the dashboards right after
the nightly roll-up and those entries must last until the next one.

What is cached is plain numbers; KpiValue/KpiPoint objects are rebuilt around the canonical KPI
definitions on the way out, so a cached answer is indistinguishable from a fresh one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import astuple, dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from dealers.models import Dealer
from kpi import selectors
from kpi.definitions import KPI_BY_CODE
from kpi.models import KpiTarget, RollupRun
from kpi.selectors import KpiPoint, KpiValue

T = TypeVar("T")
CACHE_SECONDS = 26 * 3600
PREFIX = "kpi-dash:v1"
_RUNS, _TARGETS, _DEALERS = RollupRun._meta.db_table, KpiTarget._meta.db_table, Dealer._meta.db_table
# One round trip, each part answered from an index or a small table: the newest roll-up run by primary key,
# the targets' count and latest edit, the dealers' count and latest edit (updated_at is indexed).
VERSION_SQL = (
    f"SELECT (SELECT id FROM {_RUNS} ORDER BY id DESC LIMIT 1),"  # noqa: S608 — table names from the models
    f" (SELECT COUNT(*) FROM {_TARGETS}), (SELECT MAX(updated_at) FROM {_TARGETS}),"
    f" (SELECT COUNT(*) FROM {_DEALERS}), (SELECT MAX(updated_at) FROM {_DEALERS})"
)


@dataclass(frozen=True)
class Reader:
    """The selectors, bound to one data version (build one per request)."""

    version: str

    @classmethod
    def current(cls) -> Reader:
        with connection.cursor() as cursor:
            cursor.execute(VERSION_SQL)
            row = cursor.fetchone()
        return cls(hashlib.sha1(str(row).encode(), usedforsecurity=False).hexdigest())

    def _key(self, name: str, **kwargs) -> str:
        parts = [name, self.version]
        for key in sorted(kwargs):
            value = kwargs[key]
            if isinstance(value, (list, tuple, set, frozenset)):
                value = ",".join(map(str, sorted(value) if key == "dealer_ids" else value))
            parts.append(f"{key}={value}")
        return f"{PREFIX}:{hashlib.sha1('|'.join(parts).encode(), usedforsecurity=False).hexdigest()}"

    def remember(self, name: str, compute: Callable[[], T], **key_parts) -> T:
        """`compute()`'s result for this data version and these key parts (anything built only from the
        numbers, such as a rendered table: the key must name everything else it depends on)."""
        key = self._key(name, **key_parts)
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, CACHE_SECONDS)
        return found

    def kpi_values(self, *, dealer_ids: Collection[int], start: dt.date, end: dt.date,
                   codes: Sequence[str] | None = None, compare: bool = True) -> dict[str, KpiValue]:
        key = self._key("values", dealer_ids=dealer_ids, start=start, end=end, codes=codes or "all", compare=compare)
        packed = cache.get(key)
        if packed is None:
            result = selectors.kpi_values(dealer_ids=dealer_ids, start=start, end=end, codes=codes, compare=compare)
            cache.set(key, _pack_values(result), CACHE_SECONDS)
            return result
        return _unpack_values(packed)

    def kpi_series(self, *, dealer_ids: Collection[int], start: dt.date, end: dt.date,
                   codes: Sequence[str] | None = None, by: str = "day") -> dict[str, list[KpiPoint]]:
        key = self._key("series", dealer_ids=dealer_ids, start=start, end=end, codes=codes or "all", by=by)
        packed = cache.get(key)
        if packed is None:
            result = selectors.kpi_series(dealer_ids=dealer_ids, start=start, end=end, codes=codes, by=by)
            cache.set(key, {code: [astuple(p) for p in points] for code, points in result.items()}, CACHE_SECONDS)
            return result
        return {code: [KpiPoint(*p) for p in points] for code, points in packed.items()}

    def kpi_by_dealer(self, *, dealer_ids: Collection[int], start: dt.date, end: dt.date,
                      codes: Sequence[str] | None = None, compare: bool = False) -> dict[int, dict[str, KpiValue]]:
        key = self._key("by_dealer", dealer_ids=dealer_ids, start=start, end=end, codes=codes or "all", compare=compare)
        packed = cache.get(key)
        if packed is None:
            result = selectors.kpi_by_dealer(dealer_ids=dealer_ids, start=start, end=end, codes=codes, compare=compare)
            cache.set(key, {dealer: _pack_values(values) for dealer, values in result.items()}, CACHE_SECONDS)
            return result
        return {dealer: _unpack_values(values) for dealer, values in packed.items()}


def _pack_values(values: dict[str, KpiValue]) -> dict[str, tuple]:
    return {code: (kv.numerator, kv.denominator, kv.value, kv.target, kv.status, kv.previous, kv.last_year,
                   kv.change, kv.change_last_year) for code, kv in values.items()}


def _unpack_values(packed: dict[str, tuple]) -> dict[str, KpiValue]:
    return {code: KpiValue(KPI_BY_CODE[code], *fields) for code, fields in packed.items()}
