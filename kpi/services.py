"""Writes of the KPI engine: the roll-up that rebuilds kpi.models.DealerDayFact.

kpi_rollup replaces every (dealer, day) row of a range — one row per dealer and local day, zeros
included, so a day with no work orders is a day with an empty denominator (no value), not a missing day.
It is idempotent and safe to run concurrently: each chunk of days is replaced inside one transaction,
and on PostgreSQL a transaction-level advisory lock serialises roll-ups, so overlapping runs never
double-count and end with the facts one run gives. A rebuild for many dealers is split into dealer
partitions written at once on helper connections that share the locked transaction's snapshot and commit
with it (_write_partitions).

Each chunk's transaction also records a kpi.models.RollupRun, which the dashboards' cache keys follow.

Engines (kpi.rollup): PostgreSQL computes everything in one INSERT … SELECT (an upsert) per chunk; other databases
(SQLite for the demo and the default test run) use the portable ORM engine. Both follow the rules in
kpi.rollup.common and give identical facts, and both start the stock snapshot from the newest valid
ledger checkpoint before the chunk (kpi.rollup.checkpoints), so a nightly run reads only recent ledger
rows whatever the ledger's history.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from dealers.models import Dealer

from .models import RollupRun
from .rollup import orm, postgres
from .rollup.common import Window

logger = logging.getLogger(__name__)

# Days per transaction. The SQL engine's cost per chunk is mostly whole-table scans and joins, and every
# chunk reads again the year of deliveries before it (returning customers): a two-year rebuild is one
# chunk. The ORM engine keeps a chunk's dealer-days in memory, so it takes a month at a time.
CHUNK_DAYS = {"postgresql": 731, "orm": 31}
# pg_advisory_xact_lock key ("KPIROLUP" in ASCII): one roll-up transaction at a time.
ADVISORY_LOCK_KEY = 0x4B5049524F4C5550
# The SQL engine sorts and hashes whole windows; give the transaction room instead of spilling to disk.
# Roll-ups are serialised by the advisory lock, so only one roll-up at a time (on ROLLUP_CONNECTIONS
# connections, each a few sorts and hashes of this size) uses it.
ROLLUP_WORK_MEM = "256MB"
# A long window (a rebuild) for many dealers is split into this many dealer partitions, each written on its
# own connection at the same time: the statement's sorts, window functions and hash joins run on one
# core each, and PostgreSQL runs none of them in parallel for an INSERT. Two: the size of the machine the
# roll-up was measured on (bench/kpi_rollup.py); every partition is a whole Window (its dealers, every
# day), so the facts are those of one connection.
ROLLUP_CONNECTIONS = 2
# Split only windows the PostgreSQL engine computes with whole-table joins, for at least this many dealers
# per partition (a few dealers' rebuild is quick on one connection).
SPLIT_MIN_DEALERS = 20
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


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


def _tune_transaction() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{ROLLUP_WORK_MEM}'")
        # The statement's estimates are large enough to trigger JIT, whose compilation costs seconds and
        # saves nothing on a plan made of hash aggregates and joins.
        cursor.execute("SET LOCAL jit = off")


def _partitions(windows: list[Window]) -> list[list[Window]]:
    """The windows cut into ROLLUP_CONNECTIONS groups of dealers (alternate ids: similar sizes), if worth it."""
    if ROLLUP_CONNECTIONS < 2 or not all(postgres.is_long(w) for w in windows):
        return [windows]
    if sum(len(w.dealer_ids) for w in windows) < ROLLUP_CONNECTIONS * SPLIT_MIN_DEALERS:
        return [windows]
    parts: list[list[Window]] = [[] for _ in range(ROLLUP_CONNECTIONS)]
    for window in windows:
        for i, part in enumerate(parts):
            if ids := window.dealer_ids[i::ROLLUP_CONNECTIONS]:
                part.append(Window(tz_name=window.tz_name, dealer_ids=ids, start=window.start, end=window.end))
    return [part for part in parts if part]


def _write_partitions(parts: list[list[Window]]) -> int:
    """Write the first partition on this connection, the others on helper connections at the same time.

    Runs inside the caller's transaction, which holds the advisory lock: the helpers take no lock of their
    own (another roll-up waits for this transaction, which ends after theirs), and they commit only after
    every share succeeded, just before the caller commits; a failure in any share rolls every share
    back. The helpers read the snapshot this transaction exports once it holds the lock, so they see
    what this connection sees (READ COMMITTED, like the unsplit path: each statement sees what was
    committed when it started).
    """
    if len(parts) == 1:
        return sum(postgres.write(window) for window in parts[0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
    helpers = [_Helper(windows, snapshot) for windows in parts[1:]]
    for helper in helpers:
        helper.start()
    try:
        rows = sum(postgres.write(window) for window in parts[0])
        for helper in helpers:
            rows += helper.result()
    except BaseException:
        for helper in helpers:
            helper.finish(commit=False)
        raise
    for helper in helpers:
        helper.finish(commit=True)
    return rows


class _Helper(threading.Thread):
    """One partition of a roll-up chunk on a connection of its own (Django gives each thread one)."""

    def __init__(self, windows: list[Window], snapshot: str) -> None:
        super().__init__(name="kpi-rollup-helper", daemon=True)
        if not _SNAPSHOT_ID.match(snapshot):
            raise RollupError(f"unexpected snapshot id {snapshot!r}")
        self.windows, self.snapshot = windows, snapshot
        self.rows: int | None = None
        self.error: BaseException | None = None
        self.computed = threading.Event()
        self.decided = threading.Event()
        self.commit = False

    def run(self) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # A snapshot can only be imported by a REPEATABLE READ transaction, before any query.
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'")
                _tune_transaction()
                self.rows = sum(postgres.write(window) for window in self.windows)
                self.computed.set()
                self.decided.wait()
                if not self.commit:
                    raise _Abandoned
        except _Abandoned:
            pass
        except BaseException as error:  # handed to the main thread, which raises it
            self.error = error
        finally:
            self.computed.set()
            connections.close_all()

    def result(self) -> int:
        self.computed.wait()
        if self.error is not None:
            raise self.error
        assert self.rows is not None
        return self.rows

    def finish(self, *, commit: bool) -> None:
        self.commit = commit
        self.decided.set()
        self.join()
        if commit and self.error is not None:
            raise self.error


class _Abandoned(Exception):
    """Raised inside a helper's transaction to roll it back."""


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
    # Other connections cannot see the caller's uncommitted rows: split only a transaction of our own.
    own_transaction = not connection.in_atomic_block
    for first, last in _chunks(start, end, CHUNK_DAYS[name]):
        windows = [Window(tz_name=tz_name, dealer_ids=ids, start=first, end=last) for tz_name, ids in zones.items()]
        with transaction.atomic():
            _lock()
            if name == "postgresql":
                _tune_transaction()
                parts = _partitions(windows) if own_transaction else [windows]
                written = _write_partitions(parts)
            else:
                written = sum(orm.write(window) for window in windows)
            # committed with the facts: the dashboards' cache version (kpi.dashboard_cache)
            RollupRun.objects.create(first_day=first, last_day=last, dealers=dealer_count, rows=written, engine=name)
            rows += written
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
