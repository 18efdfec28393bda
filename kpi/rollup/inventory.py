"""The daily inventory snapshot from the stock ledger, streamed: memory grows with dealers × days only.

Input: the ledger summed per (dealer, part, local day), ordered by dealer, part and day, from the first
movement on (later days are ignored). Each (dealer, part) is a run of days; between two movement days its
balance and its last issue day are constant, so every run segment adds its value to a contiguous range of
days (inventory), and from `last issue + 180 days` (slow-moving) or `+ 365 days` (dead stock) on. Those
ranges go into per-dealer difference arrays whose running sums are the daily values. PostgreSQL does the
same with window functions (kpi.rollup.postgres).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .common import DEAD_STOCK_DAYS, ISSUE_WINDOW_DAYS, SLOW_MOVING_DAYS

ZERO = Decimal(0)


@dataclass(frozen=True)
class LedgerDay:
    dealer_id: int
    part_id: int
    day: dt.date
    quantity: int  # net change of the day
    issue_quantity: int  # issued to work orders less returned from them, that day
    issued: bool  # at least one movement of kind issue that day
    cost: Decimal  # valuation per unit


@dataclass
class _Series:
    """Difference arrays over the days [start, end] (+1 slot for ranges ending after the window)."""

    start: dt.date
    length: int

    def __post_init__(self) -> None:
        self.inventory = [ZERO] * (self.length + 1)
        self.slow = [ZERO] * (self.length + 1)
        self.dead = [ZERO] * (self.length + 1)
        # Issue cost per day from start − 89 days (for the trailing 90-day sum) to the end.
        self.issues = [ZERO] * (self.length + ISSUE_WINDOW_DAYS - 1)

    def add_range(self, array: list[Decimal], first: dt.date, until: dt.date, value: Decimal) -> None:
        """Add `value` to the days first … until − 1, clipped to the window."""
        lo = max((first - self.start).days, 0)
        hi = min((until - self.start).days, self.length)
        if lo < hi:
            array[lo] += value
            array[hi] -= value


def _running(deltas: list[Decimal], length: int) -> list[Decimal]:
    total = ZERO
    out = []
    for i in range(length):
        total += deltas[i]
        out.append(total)
    return out


def snapshot(rows: Iterable[LedgerDay], *, dealer_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[
    int, dict[str, list[Decimal]]
]:
    """Per dealer, per measure (inventory_value, slow_moving_value, dead_stock_value, issue_cost,
    issue_cost_90d), one value for each day of [start, end]. `rows` must be ordered by dealer, part, day."""
    length = (end - start).days + 1
    series = {d: _Series(start, length) for d in dealer_ids}
    issue_origin = start - dt.timedelta(days=ISSUE_WINDOW_DAYS - 1)
    slow_gap = dt.timedelta(days=SLOW_MOVING_DAYS)
    dead_gap = dt.timedelta(days=DEAD_STOCK_DAYS)
    after_end = end + dt.timedelta(days=1)

    key = None
    balance = 0
    last_issue: dt.date | None = None
    segment: tuple[dt.date, int, dt.date | None, Decimal] | None = None  # (first day, balance, last issue, cost)

    def close(until: dt.date) -> None:
        if segment is None:
            return
        first, seg_balance, seg_last_issue, cost = segment
        if seg_balance == 0:
            return
        value = cost * seg_balance
        s = series[current_dealer]
        s.add_range(s.inventory, first, until, value)
        slow_from = first if seg_last_issue is None else max(first, seg_last_issue + slow_gap)
        dead_from = first if seg_last_issue is None else max(first, seg_last_issue + dead_gap)
        s.add_range(s.slow, slow_from, until, value)
        s.add_range(s.dead, dead_from, until, value)

    current_dealer = 0
    for row in rows:
        if row.day > end:
            continue  # later movements do not change the window's days
        if (row.dealer_id, row.part_id) != key:
            close(after_end)
            key = (row.dealer_id, row.part_id)
            current_dealer = row.dealer_id
            balance, last_issue, segment = 0, None, None
        else:
            close(row.day)
        balance += row.quantity
        if row.issued:
            last_issue = row.day
        segment = (row.day, balance, last_issue, row.cost)
        if row.issue_quantity and row.day >= issue_origin:
            series[row.dealer_id].issues[(row.day - issue_origin).days] += row.cost * row.issue_quantity
    close(after_end)

    result = {}
    for dealer_id, s in series.items():
        daily_issues = s.issues[ISSUE_WINDOW_DAYS - 1 :]
        trailing = []
        window_sum = sum(s.issues[: ISSUE_WINDOW_DAYS - 1], ZERO)
        for i, cost in enumerate(daily_issues):
            window_sum += cost
            trailing.append(window_sum)
            window_sum -= s.issues[i]
        result[dealer_id] = {
            "inventory_value": _running(s.inventory, length),
            "slow_moving_value": _running(s.slow, length),
            "dead_stock_value": _running(s.dead, length),
            "issue_cost": daily_issues,
            "issue_cost_90d": trailing,
        }
    return result
