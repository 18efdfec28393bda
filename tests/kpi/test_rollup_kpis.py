"""Every KPI from a hand-built fixture (tests/kpi/scenarios.py), through the roll-up and the selector.

On SQLite this runs the portable ORM engine; on PostgreSQL the SQL engine, and test_engines_agree checks
the ORM engine gives the same facts there.
"""

import datetime as dt
import threading

import pytest
from django.db import connection

from kpi.definitions import KPI_BY_CODE
from kpi.models import DealerDayFact
from kpi.rollup.common import FACT_FIELDS
from kpi.selectors import kpi_values
from kpi.services import kpi_rollup

from .scenarios import BUILDERS

pytestmark = pytest.mark.django_db


def rollup_span(expect):
    days = [expect.start, expect.end, *expect.facts]
    return min(days), max(days)


def test_there_is_a_fixture_for_every_kpi():
    assert set(BUILDERS) == set(KPI_BY_CODE)


@pytest.mark.parametrize("code", list(BUILDERS))
def test_kpi_value_from_hand_built_fixture(code, dealer):
    expect = BUILDERS[code](dealer)
    start, end = rollup_span(expect)
    kpi_rollup(start=start, end=end)
    for day, fields in expect.facts.items():
        fact = DealerDayFact.objects.get(dealer=dealer, day=day)
        assert {name: getattr(fact, name) for name in fields} == fields, day
    value = kpi_values(dealer_ids=[dealer.id], start=expect.start, end=expect.end, codes=[code], compare=False)[code]
    assert value.value == expect.value


def _facts():
    return sorted(
        tuple(row[f] for f in ("dealer_id", "day", *FACT_FIELDS))
        for row in DealerDayFact.objects.values("dealer_id", "day", *FACT_FIELDS)
    )


def _all_scenarios(region):
    from tests.dealers.factories import DealerFactory

    spans = []
    for builder in BUILDERS.values():
        spans.append(rollup_span(builder(DealerFactory(region=region))))
    return min(s for s, _e in spans), max(e for _s, e in spans)


def test_rolling_up_twice_gives_identical_facts(region):
    start, end = _all_scenarios(region)
    # The scenarios span 2024 and 2025; roll up the stretches they use.
    for first, last in ((dt.date(2024, 5, 1), dt.date(2024, 5, 31)), (dt.date(2024, 7, 29), dt.date(2024, 8, 28)),
                        (dt.date(2025, 3, 9), dt.date(2025, 3, 11))):
        kpi_rollup(start=first, end=last)
    once = _facts()
    for first, last in ((dt.date(2024, 5, 1), dt.date(2024, 5, 31)), (dt.date(2024, 7, 29), dt.date(2024, 8, 28)),
                        (dt.date(2025, 3, 9), dt.date(2025, 3, 11))):
        kpi_rollup(start=first, end=last)
    assert _facts() == once
    assert len(once) == DealerDayFact.objects.count()


@pytest.mark.parametrize("shape", ["short", "long"])
def test_engines_agree(on_postgres, region, shape, monkeypatch):
    """The portable ORM engine and both shapes of the PostgreSQL statement write the same facts."""
    from kpi.rollup import postgres

    if shape == "long":  # joins instead of index probes, whatever the window
        monkeypatch.setattr(postgres, "SHORT_WINDOW_DAYS", 0)
        monkeypatch.setattr(postgres, "FEW_DEALERS", 0)
    _all_scenarios(region)
    ranges = ((dt.date(2024, 5, 1), dt.date(2024, 5, 31)), (dt.date(2024, 7, 29), dt.date(2024, 8, 28)),
              (dt.date(2025, 3, 8), dt.date(2025, 3, 12)))
    for first, last in ranges:
        kpi_rollup(start=first, end=last, engine="postgresql")
    by_sql = _facts()
    DealerDayFact.objects.all().delete()
    for first, last in ranges:
        kpi_rollup(start=first, end=last, engine="orm")
    assert connection.vendor == "postgresql"
    assert _facts() == by_sql


def _long_shape(monkeypatch):
    from kpi.rollup import postgres

    monkeypatch.setattr(postgres, "SHORT_WINDOW_DAYS", 0)
    monkeypatch.setattr(postgres, "FEW_DEALERS", 0)


SPLIT_RANGES = ((dt.date(2024, 5, 1), dt.date(2024, 5, 31)), (dt.date(2024, 7, 29), dt.date(2024, 8, 28)),
                (dt.date(2025, 3, 8), dt.date(2025, 3, 12)))


@pytest.mark.django_db(transaction=True)
def test_a_window_split_over_connections_gives_the_facts_of_one(on_postgres, region, monkeypatch):
    """kpi.services writes a rebuild's dealer partitions on several connections at once: same facts, same
    checkpoints as one connection and as the ORM engine."""
    from kpi import services
    from kpi.models import StockCheckpoint

    _long_shape(monkeypatch)
    monkeypatch.setattr(services, "SPLIT_MIN_DEALERS", 1)
    _all_scenarios(region)
    helpers = []
    run = services._Helper.run
    monkeypatch.setattr(services._Helper, "run", lambda self: (helpers.append(self.windows), run(self)))

    def rollup(engine):
        DealerDayFact.objects.all().delete()
        StockCheckpoint.objects.all().delete()
        for first, last in SPLIT_RANGES:
            kpi_rollup(start=first, end=last, engine=engine)
        checkpoints = sorted(StockCheckpoint.objects.values_list("dealer_id", "day", "parts", "issue_costs"))
        return _facts(), checkpoints

    split = rollup("postgresql")
    assert len(helpers) == len(SPLIT_RANGES)  # one helper connection per chunk
    assert all(helper_windows[0].dealer_ids for helper_windows in helpers)
    monkeypatch.setattr(services, "ROLLUP_CONNECTIONS", 1)
    assert rollup("postgresql") == split
    assert rollup("orm")[0] == split[0]


@pytest.mark.django_db(transaction=True)
def test_a_failing_partition_leaves_the_facts_as_they_were(on_postgres, region, monkeypatch):
    """The helper connections commit only with the main one: a failure in any partition writes nothing."""
    from kpi import services
    from kpi.rollup import postgres

    _long_shape(monkeypatch)
    monkeypatch.setattr(services, "SPLIT_MIN_DEALERS", 1)
    _all_scenarios(region)
    first, last = SPLIT_RANGES[0]
    kpi_rollup(start=first, end=last)
    before = _facts()
    write = postgres.write
    for failing in ("main", "helper"):

        def broken(window, failing=failing):
            on_main = threading.current_thread() is threading.main_thread()
            if on_main == (failing == "main"):
                raise RuntimeError(f"{failing} partition failed")
            rows = write(window)
            # a mark that would show if this partition's transaction were committed
            DealerDayFact.objects.filter(dealer_id__in=window.dealer_ids).update(delivered_count=999)
            return rows

        monkeypatch.setattr(postgres, "write", broken)
        with pytest.raises(RuntimeError, match=f"{failing} partition failed"):
            kpi_rollup(start=first, end=last)
        assert _facts() == before, failing
