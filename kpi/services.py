"""Writes of the KPI engine: the roll-up that rebuilds kpi.models.DealerDayFact.

kpi_rollup replaces every (dealer, day) row of a range — one row per dealer and local day, zeros
included, so a day with no work orders is a day with an empty denominator (no value), not a missing day.
It is idempotent and safe to run concurrently: each chunk of days is replaced inside one transaction,
and on PostgreSQL a transaction-level advisory lock serialises roll-ups, so overlapping runs never
double-count and end with the facts one run gives.

Engines (kpi.rollup): PostgreSQL computes everything in one INSERT … SELECT per chunk; other databases
(SQLite for the demo and the default test run) use the portable ORM engine. Both follow the rules in
kpi.rollup.common and give identical facts, and both start the stock snapshot from the newest valid
ledger checkpoint before the chunk (kpi.rollup.checkpoints), so a nightly run reads only recent ledger
rows whatever the ledger's history.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dealers.models import Dealer

from .rollup import orm, postgres
from .rollup.common import Window

logger = logging.getLogger(__name__)

# Days per transaction. The SQL engine's cost per chunk is mostly whole-table joins, so it takes long
# chunks; the ORM engine keeps a chunk's dealer-days in memory, so it takes a month at a time.
CHUNK_DAYS = {"postgresql": 366, "orm": 31}
# pg_advisory_xact_lock key ("KPIROLUP" in ASCII): one roll-up transaction at a time.
ADVISORY_LOCK_KEY = 0x4B5049524F4C5550
# The SQL engine sorts and hashes whole windows; give the transaction room instead of spilling to disk.
# Roll-ups are serialised by the advisory lock, so only one statement at a time uses it.
ROLLUP_WORK_MEM = "256MB"


class RollupError(ValueError):
    """The roll-up was asked for something it cannot do (bad range, unknown dealers, bad time zone)."""


@dataclass(frozen=True)
class RollupResult:
    days: int
    dealers: int
    rows: int
    seconds: float

    def as_dict(self) -> dict:
        return {"days": self.days, "dealers": self.dealers, "rows": self.rows, "seconds": round(self.seconds, 3)}


def _dealer_zones(dealer_ids: Iterable[int] | None) -> dict[str, tuple[int, ...]]:
    """Dealers grouped by their region's time zone: each group's days share local midnights."""
    dealers = Dealer.objects.all()
    wanted: set[int] | None = None
    if dealer_ids is not None:
        try:
            wanted = {int(d) for d in dealer_ids}
        except (TypeError, ValueError):
            raise RollupError(f"dealer ids must be integers, got {dealer_ids!r}") from None
        dealers = dealers.filter(id__in=wanted)
    rows = list(dealers.order_by("id").values_list("id", "region__timezone"))
    if wanted is not None and (missing := wanted - {dealer_id for dealer_id, _tz in rows}):
        raise RollupError(f"unknown dealer ids: {', '.join(map(str, sorted(missing)))}")
    zones: dict[str, list[int]] = {}
    for dealer_id, tz_name in rows:
        try:
            ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise RollupError(f"dealer {dealer_id}: its region's time zone {tz_name!r} is not a known time zone") from None
        zones.setdefault(tz_name, []).append(dealer_id)
    return {tz_name: tuple(ids) for tz_name, ids in zones.items()}


def _chunks(start: dt.date, end: dt.date, size: int) -> Iterable[tuple[dt.date, dt.date]]:
    first = start
    while first <= end:
        last = min(end, first + dt.timedelta(days=size - 1))
        yield first, last
        first = last + dt.timedelta(days=1)


def _engine_name(engine: str | None) -> str:
    name = engine or ("postgresql" if connection.vendor == "postgresql" else "orm")
    if name not in CHUNK_DAYS:
        raise RollupError(f"unknown roll-up engine {name!r}; known: {', '.join(CHUNK_DAYS)}")
    if name == "postgresql" and connection.vendor != "postgresql":
        raise RollupError("the postgresql engine needs a PostgreSQL database")
    return name


def _lock() -> None:
    """Serialise roll-ups on PostgreSQL until the transaction ends (SQLite serialises writers itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def kpi_rollup(
    *,
    start: dt.date,
    end: dt.date,
    dealer_ids: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str | None = None,
) -> RollupResult:
    """Rebuild DealerDayFact for every (dealer, local day) in [start, end], inclusive; idempotent.

    `dealer_ids` None means every dealer. `progress` is called with the number of days finished after
    each chunk. `engine` ("postgresql" | "orm") overrides the choice by database; tests use it to compare.
    """
    if any(not isinstance(d, dt.date) or isinstance(d, dt.datetime) for d in (start, end)):
        raise RollupError("start and end must be dates")
    if start > end:
        raise RollupError(f"the range starts ({start.isoformat()}) after it ends ({end.isoformat()})")
    name = _engine_name(engine)
    zones = _dealer_zones(dealer_ids)
    dealer_count = sum(len(ids) for ids in zones.values())
    began = time.monotonic()
    rows = 0
    for first, last in _chunks(start, end, CHUNK_DAYS[name]):
        with transaction.atomic():
            _lock()
            if name == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL work_mem = '{ROLLUP_WORK_MEM}'")
                    # The statement's estimates are large enough to trigger JIT, whose compilation costs
                    # seconds and saves nothing on a plan made of hash aggregates and joins.
                    cursor.execute("SET LOCAL jit = off")
            for tz_name, ids in zones.items():
                window = Window(tz_name=tz_name, dealer_ids=ids, start=first, end=last)
                rows += postgres.write(window) if name == "postgresql" else orm.write(window)
        if progress is not None:
            progress((last - first).days + 1)
    result = RollupResult(
        days=(end - start).days + 1, dealers=dealer_count, rows=rows, seconds=time.monotonic() - began
    )
    logger.info(
        "kpi roll-up %s..%s: %d dealers, %d rows in %.2fs (%s engine)",
        start, end, result.dealers, result.rows, result.seconds, name,
    )
    return result


def kpi_rollup_trailing(*, days: int | None = None, now: dt.datetime | None = None) -> list[RollupResult]:
    """The nightly run: the `days` local days ending yesterday (default settings.KPI_ROLLUP_TRAILING_DAYS).

    "Yesterday" is taken in each region's time zone, so dealers are rolled up per time zone.
    """
    days = int(days if days is not None else settings.KPI_ROLLUP_TRAILING_DAYS)
    if days < 1:
        raise RollupError(f"the trailing window must be at least one day, not {days}")
    now = now or timezone.now()
    results = []
    for tz_name, ids in _dealer_zones(None).items():
        yesterday = now.astimezone(ZoneInfo(tz_name)).date() - dt.timedelta(days=1)
        results.append(kpi_rollup(start=yesterday - dt.timedelta(days=days - 1), end=yesterday, dealer_ids=ids))
    return results
