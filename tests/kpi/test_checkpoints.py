"""Stock-ledger checkpoints (both engines): a window starting from one gives exactly the facts a read of
the whole ledger gives, and anything that could make one stale makes it unusable."""

import datetime as dt
from decimal import Decimal

import pytest

from kpi.models import DealerDayFact, StockCheckpoint
from kpi.rollup import checkpoints
from kpi.rollup.common import FACT_FIELDS, Window
from kpi.services import kpi_rollup
from parts.models import Part, StockMovement

from .scenarios import _move, stock_ledger

INVENTORY_COLUMN = 1 + list(FACT_FIELDS).index("inventory_value")


@pytest.fixture
def ledger(db, dealer):
    stock_ledger(dealer)
    return dealer


def facts(dealer, first, last):
    return list(
        DealerDayFact.objects.filter(dealer=dealer, day__range=(first, last)).order_by("day").values_list("day", *FACT_FIELDS)
    )


def usable(dealer, first, last):
    return checkpoints.usable(Window("Asia/Shanghai", (dealer.id,), first, last))


def from_whole_ledger(dealer, first, last):
    StockCheckpoint.objects.all().delete()
    kpi_rollup(start=first, end=last)
    return facts(dealer, first, last)


@pytest.mark.parametrize(
    ("before", "window"),
    [
        # The 90-day issue cost of early April comes from the costs stored with the 31 March checkpoint
        # (P1's issue of 1 March).
        ((dt.date(2024, 3, 1), dt.date(2024, 3, 31)), (dt.date(2024, 4, 1), dt.date(2024, 4, 30))),
        # P1's last issue (1 March) comes from the checkpoint: slow-moving from 28 August.
        ((dt.date(2024, 3, 1), dt.date(2024, 3, 31)), (dt.date(2024, 8, 20), dt.date(2024, 8, 31))),
        # A window overlapping the one before: the checkpoint of its first day is used.
        ((dt.date(2024, 7, 1), dt.date(2024, 7, 31)), (dt.date(2024, 7, 2), dt.date(2024, 8, 5))),
    ],
)
def test_window_from_a_checkpoint_matches_the_whole_ledger(ledger, before, window):
    kpi_rollup(start=before[0], end=before[1])
    assert usable(ledger, *window) is not None
    kpi_rollup(start=window[0], end=window[1])
    from_checkpoint = facts(ledger, *window)
    assert from_checkpoint == from_whole_ledger(ledger, *window)
    assert any(row[INVENTORY_COLUMN] for row in from_checkpoint)


def test_checkpoint_holds_balances_last_issues_and_recent_issue_costs(ledger):
    kpi_rollup(start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31))
    checkpoint = StockCheckpoint.objects.get(dealer=ledger, day=dt.date(2024, 3, 31))
    cost = dict(Part.objects.values_list("id", "cost"))
    parts = {cost[part]: (balance, last_issue) for part, balance, last_issue in checkpoint.parts}
    assert len(parts) == len(checkpoint.parts) == 3
    # P1 (cost 10): 40 left, issued 1 March. P2 (100): 5, never issued. P3 (2): 100, not issued yet.
    assert parts == {Decimal(10): (40, "2024-03-01"), Decimal(100): (5, None), Decimal(2): (100, None)}
    assert checkpoint.issue_costs == [["2024-03-01", 10000]]  # 10 × 10.00 CNY, in cents
    assert checkpoint.through_movement == StockMovement.objects.latest("id").id
    assert set(StockCheckpoint.objects.values_list("day", flat=True)) == {dt.date(2024, 3, 1), dt.date(2024, 3, 31)}


def test_backdated_ledger_row_makes_the_checkpoint_unusable(ledger):
    kpi_rollup(start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31))
    window = (dt.date(2024, 8, 1), dt.date(2024, 8, 31))
    assert usable(ledger, *window) == dt.date(2024, 7, 31)
    part = Part.objects.get(cost=100)
    _move(ledger, part, dt.date(2024, 6, 15), "receipt", 3)  # recorded now, dated before the checkpoint
    assert usable(ledger, *window) is None
    kpi_rollup(start=window[0], end=window[1])
    # 8 of the part at 100 instead of 5: inventory 1064 + 300.
    assert DealerDayFact.objects.get(dealer=ledger, day=dt.date(2024, 8, 1)).inventory_value == 1364
    assert facts(ledger, *window) == from_whole_ledger(ledger, *window)


def test_new_ledger_rows_dated_after_the_checkpoint_keep_it_usable(ledger):
    kpi_rollup(start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31))
    _move(ledger, Part.objects.get(cost=100), dt.date(2024, 8, 2), "issue", -1)
    assert usable(ledger, dt.date(2024, 8, 1), dt.date(2024, 8, 31)) == dt.date(2024, 7, 31)
    kpi_rollup(start=dt.date(2024, 8, 1), end=dt.date(2024, 8, 31))
    assert DealerDayFact.objects.get(dealer=ledger, day=dt.date(2024, 8, 2)).issue_cost == 100
    assert facts(ledger, dt.date(2024, 8, 1), dt.date(2024, 8, 31)) == from_whole_ledger(
        ledger, dt.date(2024, 8, 1), dt.date(2024, 8, 31)
    )


def test_a_part_cost_change_makes_the_checkpoint_unusable(ledger):
    kpi_rollup(start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31))
    part = Part.objects.get(cost=10)
    part.cost = 12
    part.save()
    assert usable(ledger, dt.date(2024, 8, 1), dt.date(2024, 8, 31)) is None


def test_checkpoint_needs_every_dealer_of_the_window(ledger, other_dealer):
    kpi_rollup(start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31), dealer_ids=[ledger.id])
    both = Window("Asia/Shanghai", (ledger.id, other_dealer.id), dt.date(2024, 8, 1), dt.date(2024, 8, 31))
    assert checkpoints.usable(both) is None


def test_old_checkpoints_are_pruned(ledger):
    for month in range(1, 9):
        first = dt.date(2024, month, 1)
        kpi_rollup(start=first, end=first + dt.timedelta(days=9))
    days = sorted(set(StockCheckpoint.objects.values_list("day", flat=True)))
    assert len(days) == checkpoints.KEPT
    assert days[-1] == dt.date(2024, 8, 10)
    assert StockMovement.objects.count() == 6  # the roll-up reads the ledger, never writes it


def test_a_checkpoint_written_by_one_engine_serves_the_other(on_postgres, ledger):
    """Same JSON layout: the PostgreSQL engine continues from an ORM checkpoint and vice versa."""
    window = (dt.date(2024, 8, 20), dt.date(2024, 8, 31))
    expected = from_whole_ledger(ledger, *window)
    for first, second in (("orm", "postgresql"), ("postgresql", "orm")):
        StockCheckpoint.objects.all().delete()
        kpi_rollup(start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31), engine=first)
        assert usable(ledger, *window) == dt.date(2024, 3, 31)
        kpi_rollup(start=window[0], end=window[1], engine=second)
        assert facts(ledger, *window) == expected, (first, second)


def test_a_rebuild_leaves_a_checkpoint_for_the_next_nightly_run(ledger, settings):
    """The first nightly window after a long rebuild starts from a checkpoint near it, not the rebuild's
    first day (which meant reading years of ledger), and gives the facts of the whole ledger."""
    settings.KPI_ROLLUP_TRAILING_DAYS = 35
    kpi_rollup(start=dt.date(2024, 1, 1), end=dt.date(2024, 9, 30))
    nightly = (dt.date(2024, 9, 30) - dt.timedelta(days=33), dt.date(2024, 10, 1))  # the next night's window
    start_from = usable(ledger, *nightly)
    assert start_from is not None
    assert (nightly[0] - start_from).days <= 35 + checkpoints.NIGHTLY_SLACK_DAYS
    kpi_rollup(start=nightly[0], end=nightly[1])
    assert facts(ledger, *nightly) == from_whole_ledger(ledger, *nightly)
