"""The demo region, phase by phase, in one transaction: nothing is half-written if a phase fails.

Determinism: one random.Random(seed) drives every choice, in a fixed order, over lists and
insertion-ordered dicts only; the only inputs besides the seed and the sizes are the period's end date
and what cannot be derived from a public seed on purpose (password hashes and the customers' progress
link tokens).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from dealers.models import Dealer, Membership, Region

from . import org, training
from .catalogue import Catalogue
from .clock import Clock, add_months
from .customers import Customers
from .feedback import Feedback
from .identities import Identities
from .rows import RowSink
from .stock import Ledger
from .targets import write_budgets
from .workshop import Workshop


@dataclass
class SeedResult:
    start: dt.date
    end: dt.date
    credentials: list[org.Credential]
    counts: dict[str, int]
    timings: list[tuple[str, float]] = field(default_factory=list)


def period(*, end: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """[start, end]: `months` calendar months ending with `end` (inclusive)."""
    return add_months(end + dt.timedelta(days=1), -months), end


def seed_region(*, dealers: int, months: int, seed: int, end: dt.date,
                report: Callable[[str], None] = lambda _line: None,
                progress: Callable[[int, int], None] | None = None) -> SeedResult:
    """Build the demo region. `report` receives a line per phase with its timing; `progress(day, days)`
    is called once per simulated day."""
    if not org.MIN_DEALERS <= dealers <= org.MAX_DEALERS:
        raise ValueError(f"--dealers must be between {org.MIN_DEALERS} and {org.MAX_DEALERS}, got {dealers}")
    if not 1 <= months <= 60:
        raise ValueError(f"--months must be between 1 and 60, got {months}")
    start, end = period(end=end, months=months)
    rng = random.Random(seed)
    clock = Clock(start=start, end=end, tz_name="Asia/Shanghai", postgres=connection.vendor == "postgresql")
    result = SeedResult(start=start, end=end, credentials=[], counts={})

    @contextmanager
    def phase(name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        elapsed = time.perf_counter() - began
        result.timings.append((name, elapsed))
        report(f"{name:<34} {elapsed:6.1f} s")

    with transaction.atomic():
        if Region.objects.filter(code=org.data.REGION_CODE).exists():
            raise ValueError(f"a region with code {org.data.REGION_CODE!r} already exists")
        identities = Identities(rng)
        with phase("dealers and users"):
            plans = org.plan_dealers(rng, clock, dealers)
            org.size_volumes(plans, clock, rng)
            region = org.create_region(clock, plans)
            result.credentials, tech_users = org.create_users(region, plans, identities, clock)
        sink = RowSink()
        with phase("parts catalogue"):
            catalogue = Catalogue()
            catalogue.build(sink, clock.ts(clock.day0 - 120 * 86400))
        with phase("technicians and training"):
            rosters = training.build(rng=rng, clock=clock, plans=plans, sink=sink, identities=identities,
                                     region_id=region.pk, tech_users=tech_users)
        customers = Customers(rng=rng, clock=clock, plans=plans, identities=identities, sink=sink)
        feedback = Feedback(rng=rng, clock=clock, sink=sink)
        workshop = Workshop(rng=rng, clock=clock, plans=plans, catalogue=catalogue, customers=customers,
                            rosters=rosters, feedback=feedback, sink=sink)
        with phase("stocking plan and opening stock"):
            ledger = Ledger(rng=rng, clock=clock, plans=plans, catalogue=catalogue, sink=sink,
                            nev_probability=workshop.nev_probability)
            workshop.ledger = ledger
            ledger.open_books()
        with phase("work orders, parts, feedback"):
            workshop.run(on_day=(lambda k: progress(k + 1, clock.ndays)) if progress else None)
        with phase("customers, vehicles, stock"):
            customers.finish()
            ledger.write_stock()
        with phase("output-value budgets"):
            write_budgets(rng=rng, clock=clock, plans=plans, workshop=workshop, sink=sink)
        with phase("writing the last rows"):
            result.counts = sink.finish()
    if connection.vendor == "postgresql":
        # Millions of rows arrived at once: without fresh statistics the planner takes the tables for empty
        # and the KPI roll-up's joins run for many minutes instead of seconds.
        with phase("planner statistics (ANALYZE)"), connection.cursor() as cursor:
            for model in [Region, Dealer, Membership, get_user_model(), *sink.tables]:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return result
