"""Every KPI from a hand-built fixture (tests/kpi/scenarios.py), through the roll-up and the selector.

On SQLite this runs the portable ORM engine; on PostgreSQL the SQL engine, and test_engines_agree checks
the ORM engine gives the same facts there.
"""

import datetime as dt

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
