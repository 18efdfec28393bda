"""The daily inventory snapshot from the stock ledger, streamed: memory grows with dealers × days and the
parts catalogue, never with the ledger.

Input: the ledger summed per (dealer, part, local day), ordered by dealer, part and day; when the window
starts from a checkpoint, each part's checkpoint state comes first as a row on the checkpoint day (its
balance as the quantity, its last issue day as `last_issue`). Between two ledger days a part's balance
and last issue day are constant, so each segment adds its value to a contiguous range of days
(inventory) and, from `last issue + 180 days` (slow-moving) or `+ 365` (dead), to those too. The ranges go
into per-dealer difference arrays whose running sums are the daily values. PostgreSQL does the same with
window functions (kpi.rollup.postgres). The states at `capture` days are what the next checkpoint stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .common import DEAD_STOCK_DAYS, ISSUE_WINDOW_DAYS, SLOW_MOVING_DAYS

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LedgerDay:
    dealer_id: int
    part_id: int
    day: dt.date
    quantity: int  # net change of the day (a checkpoint row: the balance)
    issue_quantity: int  # issued to work orders less returned from them, that day
    issued: bool  # at least one movement of kind issue that day
    cost: Decimal  # valuation per unit
    last_issue: dt.date | None = None  # a checkpoint row's last issue day


@dataclass
class Snapshot:
    # dealer → measure (inventory_value, slow_moving_value, dead_stock_value, issue_cost, issue_cost_90d)
    # → one value per day of the window
    daily: dict[int, dict[str, list[Decimal]]]
    # capture day → dealer → [[part id, balance, "YYYY-MM-DD" or None], …]   (checkpoint layout)
    parts: dict[dt.date, dict[int, list[list]]] = field(default_factory=dict)
    # capture day → dealer → [["YYYY-MM-DD", cents], …] for the 89 days up to it, issue days only
    issue_costs: dict[dt.date, dict[int, list[list]]] = field(default_factory=dict)


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


def _recent(last_issue: dt.date | None, day: dt.date) -> dt.date | None:
    """The last issue day a checkpoint keeps: only one that can still matter (within 365 days)."""
    return last_issue if last_issue is not None and last_issue > day - dt.timedelta(days=DEAD_STOCK_DAYS) else None


def snapshot(
    rows: Iterable[LedgerDay],
    *,
    dealer_ids: Iterable[int],
    start: dt.date,
    end: dt.date,
    capture: Iterable[dt.date] = (),
    prior_issue_cents: Mapping[int, Mapping[dt.date, int]] | None = None,
) -> Snapshot:
    """Daily stock values of [start, end] per dealer, and the checkpoint states at the `capture` days.

    `rows` must be ordered by dealer, part, day. `prior_issue_cents` are issue costs of days before the
    rows begin (a checkpoint's), needed for the trailing 90-day sums.
    """
    length = (end - start).days + 1
    series = {d: _Series(start, length) for d in dealer_ids}
    issue_origin = start - dt.timedelta(days=ISSUE_WINDOW_DAYS - 1)
    slow_gap = dt.timedelta(days=SLOW_MOVING_DAYS)
    dead_gap = dt.timedelta(days=DEAD_STOCK_DAYS)
    after_end = end + dt.timedelta(days=1)
    capture_days = sorted(set(capture))
    parts: dict[dt.date, dict[int, list[list]]] = {c: {d: [] for d in series} for c in capture_days}

    for dealer_id, by_day in (prior_issue_cents or {}).items():
        for day, cents in by_day.items():
            if issue_origin <= day <= end:
                series[dealer_id].issues[(day - issue_origin).days] += Decimal(cents) / HUNDRED

    key: tuple[int, int] | None = None
    balance = 0
    last_issue: dt.date | None = None
    segment: tuple[dt.date, int, dt.date | None, Decimal] | None = None  # (first day, balance, last issue, cost)
    current_dealer = current_part = 0

    def close(until: dt.date) -> None:
        if segment is None:
            return
        first, seg_balance, seg_last_issue, cost = segment
        for c in capture_days:
            kept = _recent(seg_last_issue, c)
            if first <= c < until and (seg_balance != 0 or kept is not None):
                parts[c][current_dealer].append([current_part, seg_balance, kept.isoformat() if kept else None])
        if seg_balance == 0:
            return
        value = cost * seg_balance
        s = series[current_dealer]
        s.add_range(s.inventory, first, until, value)
        slow_from = first if seg_last_issue is None else max(first, seg_last_issue + slow_gap)
        dead_from = first if seg_last_issue is None else max(first, seg_last_issue + dead_gap)
        s.add_range(s.slow, slow_from, until, value)
        s.add_range(s.dead, dead_from, until, value)

    for row in rows:
        if row.day > end:
            continue  # later movements do not change the window's days
        if (row.dealer_id, row.part_id) != key:
            close(after_end)
            key = (row.dealer_id, row.part_id)
            current_dealer, current_part = key
            balance, last_issue, segment = 0, None, None
        else:
            close(row.day)
        balance += row.quantity
        if row.last_issue is not None and (last_issue is None or row.last_issue > last_issue):
            last_issue = row.last_issue
        if row.issued:
            last_issue = row.day
        segment = (row.day, balance, last_issue, row.cost)
        if row.issue_quantity and row.day >= issue_origin:
            series[row.dealer_id].issues[(row.day - issue_origin).days] += row.cost * row.issue_quantity
    close(after_end)

    result = Snapshot(daily={}, parts=parts)
    for c in capture_days:
        first = (c - issue_origin).days - (ISSUE_WINDOW_DAYS - 2)
        result.issue_costs[c] = {
            dealer_id: [
                [(issue_origin + dt.timedelta(days=i)).isoformat(), int(s.issues[i] * HUNDRED)]
                for i in range(max(first, 0), (c - issue_origin).days + 1)
                if s.issues[i]
            ]
            for dealer_id, s in series.items()
        }
    for dealer_id, s in series.items():
        daily_issues = s.issues[ISSUE_WINDOW_DAYS - 1 :]
        trailing = []
        window_sum = sum(s.issues[: ISSUE_WINDOW_DAYS - 1], ZERO)
        for i, cost in enumerate(daily_issues):
            window_sum += cost
            trailing.append(window_sum)
            window_sum -= s.issues[i]
        result.daily[dealer_id] = {
            "inventory_value": _running(s.inventory, length),
            "slow_moving_value": _running(s.slow, length),
            "dead_stock_value": _running(s.dead, length),
            "issue_cost": daily_issues,
            "issue_cost_90d": trailing,
        }
    return result
