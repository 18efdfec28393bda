"""Stocking plan, stock ledger, parts orders and transfers, simulated in time order.

Each dealer stocks the parts that cover a growing share of its expected parts lines (the range widens
month by month, so the fill rate climbs 78 % → 95 %), replenished by weekly stock orders up to a
maximum. A request the shelf cannot cover goes on back-order: an urgent order to the carmaker (ordered
→ received ≈ 60 h at the start, under 48 h at the end) or, now and then, a transfer from a nearby dealer;
cheap common parts are bought the same day from the local genuine-parts distributor. On arrival the parts
are received and issued to the waiting line at once. Tier-3/4 outlets keep more
weeks of cover and carry legacy stock nobody asks for (slow movers above 8 %); tier-1/2 dealers return
theirs to the carmaker during the period.

The running balance never goes negative in time order: an outbound movement is accepted only against
the balance of inbound movements already *dated before it* (receipts arrive before opening, returns and
stock-take gains count from the next day), and an arrival that is issued to its line straight away
(urgent or local receipt or transfer in, then issue) nets to zero. The ledger starts before the period
with an opening stock-take (90 days before; 400 days for legacy stock) and the totals issued in the old
system since, so "no issue in 180 / 365 days" means something from the first day.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from parts import choices
from parts.models import PartsOrder, PartsOrderLine, Stock, StockMovement, StockTransfer

from . import data, story
from .catalogue import BIN_ZONE, Catalogue
from .clock import DAY, HOUR, MINUTE, Clock
from .org import DealerPlan
from .rows import RowSink, money, plain

MovementKind = plain(choices.MovementKind)
PartsOrderKind = plain(choices.PartsOrderKind)
PartsOrderStatus = plain(choices.PartsOrderStatus)
TransferStatus = plain(choices.TransferStatus)
LEAD_DAYS = 3
PREHISTORY_DAYS = 90
LEGACY_OPENING_DAYS = 400  # legacy stock enters the ledger this many days before the period
LEGACY_SHARE = {1: 0.25, 2: 0.25, 3: 0.5, 4: 0.5}  # legacy stock value / regular stock value, by tier
COVER_DAYS = {1: 25, 2: 28, 3: 50, 4: 60}  # days of demand above the reorder point
CLEARANCES = (0.35, 0.7)  # tier-1/2 dealers return a quarter of their legacy stock at each of these points
_NEVER = -(1 << 62)
LOCAL_PURCHASE_MAX_COST = 100000  # cents: parts up to 1,000 CNY are bought locally when the shelf is empty
LOCAL_PURCHASE = "本地特约配件商紧急采购"


@dataclass(slots=True)
class Book:
    """One dealer's stock as the simulation knows it."""

    plan: DealerPlan
    ice_demand: list[tuple[float, float]]  # per part: (lines, units) per day, vehicles without HV battery
    nev_demand: list[tuple[float, float]]
    balance: dict[int, int] = field(default_factory=dict)
    on_order: dict[int, int] = field(default_factory=dict)
    levels: dict[int, tuple[int, int]] = field(default_factory=dict)  # stocked range: part → (reorder point, max)
    legacy: list[int] = field(default_factory=list)
    pending: list[tuple[int, int, int, int, bool]] = field(default_factory=list)  # (day, seq, part, qty, on order)
    last_at: dict[int, int] = field(default_factory=dict)  # part → last movement instant


class Ledger:
    def __init__(self, *, rng: random.Random, clock: Clock, plans: list[DealerPlan], catalogue: Catalogue,
                 sink: RowSink, nev_probability: Callable[[DealerPlan, float], float]) -> None:
        self.rng = rng
        self.clock = clock
        self.plans = plans
        self.catalogue = catalogue
        self.nev_probability = nev_probability
        self.movements = sink.table(StockMovement, [
            "id", "dealer", "part", "kind", "quantity", "unit_cost", "at", "reason", "parts_line", "parts_order",
            "transfer", "created_by", "external_id",
        ])
        self.orders = sink.table(PartsOrder, [
            "id", "dealer", "number", "external_id", "kind", "status", "ordered_at", "received_at", "work_order",
            "updated_at",
        ])
        self.order_lines = sink.table(PartsOrderLine, ["id", "order", "part", "quantity", "received_quantity",
                                                       "unit_cost"])
        self.transfers = sink.table(StockTransfer, [
            "id", "from_dealer", "to_dealer", "part", "quantity", "unit_cost", "status", "shipped_at", "received_at",
            "reference",
        ])
        self.sink = sink
        self._seq = 0
        self._order_numbers: dict[tuple[int, int], int] = {}
        self._cost = [money(p.cost) for p in catalogue.parts]
        self._part_ids = [p.id for p in catalogue.parts]
        self._add_movement = self.movements.add
        self._next_movement = self.movements.next_id
        self._ts = clock.ts
        self._clearances_done: dict[int, int] = {}
        self.books = [Book(plan, *self._demand(plan)) for plan in plans]

    # -------------------------------------------------------------------------------- demand and range
    def _demand(self, plan: DealerPlan) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        """Expected parts lines and units per day at the dealer's base volume, for ICE/HEV and NEV cars."""
        size = len(self.catalogue.parts)
        result = []
        mix = story.TYPE_MIX[plan.kind]
        total_mix = sum(mix.values())
        for nev in (False, True):
            models = [(i, m.weight) for i, m in enumerate(self.catalogue.models)
                      if (m.powertrain in data.NEV_POWERTRAINS) == nev]
            total_weight = sum(w for _, w in models)
            lines = [0.0] * size
            units = [0.0] * size
            for wo_type, share in mix.items():
                if not share:
                    continue
                for model_index, weight in models:
                    p = share / total_mix * weight / total_weight
                    for part, (n_lines, n_units) in self.catalogue.expected_parts(wo_type, model_index).items():
                        lines[part] += p * n_lines
                        units[part] += p * n_units
            result.append([(lines[i] * plan.daily_volume, units[i] * plan.daily_volume) for i in range(size)])
        return result[0], result[1]

    def _current_demand(self, book: Book, f: float) -> list[tuple[float, float]]:
        nev = self.nev_probability(book.plan, f)
        trend = story.kind_trend(book.plan.kind, f)
        return [
            ((a[0] * (1 - nev) + b[0] * nev) * trend, (a[1] * (1 - nev) + b[1] * nev) * trend)
            for a, b in zip(book.ice_demand, book.nev_demand, strict=True)
        ]

    def review_range(self, book: Book, f: float) -> None:
        """Widen the stocked range to cover the story's share of expected parts lines; re-size levels."""
        demand = self._current_demand(book, f)
        total = sum(lines for lines, _ in demand)
        if not total:
            return
        coverage = min(0.995, story.fill_rate(f) / story.STOCK_AVAILABILITY)
        ranked = sorted(range(len(demand)), key=lambda i: (-demand[i][0], i))
        covered = sum(demand[i][0] for i in book.levels)
        for part in ranked:
            if covered >= coverage * total:
                break
            if part not in book.levels and demand[part][0] > 0:
                book.levels[part] = (0, 0)
                covered += demand[part][0]
        tier = book.plan.tier
        review_days = 3.5 if tier <= 2 else 7
        for part in book.levels:
            lines, units = demand[part]
            per_line = units / lines if lines else 1
            over_lead = units * (review_days + LEAD_DAYS)
            reorder = math.ceil(over_lead * 1.2 + 1.8 * math.sqrt(over_lead * per_line)) + 1
            reorder = max(reorder, math.ceil(per_line * 1.5))
            maximum = reorder + max(1, math.ceil(units * COVER_DAYS[tier]))
            book.levels[part] = (reorder, maximum)

    # -------------------------------------------------------------------------------- opening
    def open_books(self) -> None:
        """Opening stock 90 days before the period, the old system's monthly issue totals since, and
        legacy stock at each dealer (more at tier-3/4 outlets)."""
        clock, rng = self.clock, self.rng
        for book in self.books:
            plan = book.plan
            if plan.opened_day > 0:
                opening_day = plan.opened_day - 7
            else:
                opening_day = -PREHISTORY_DAYS
            self.review_range(book, clock.progress(max(0, opening_day)))
            demand = self._current_demand(book, 0.0)
            opening: dict[int, int] = {}
            prehistory: list[tuple[int, int, int]] = []  # (instant, part, qty)
            regular_value = 0
            for part, (reorder, maximum) in book.levels.items():
                initial = max(reorder + 1, round(maximum * rng.uniform(0.6, 0.95)))
                opening[part] = initial
                regular_value += initial * self.catalogue.parts[part].cost
                if opening_day < 0:
                    lines, units = demand[part]
                    for month in range(3):
                        day = -75 + 30 * month + rng.randrange(-5, 5)
                        qty = round(units * 30 * rng.uniform(0.8, 1.2))
                        if qty <= 0 and rng.random() < min(1.0, lines * 60):
                            qty = 1
                        if qty > 0:
                            prehistory.append((clock.day_start(day) + 16 * HOUR + rng.randrange(HOUR), part, qty))
            # Legacy stock of an established dealer: parts it hardly ever needs, bought in over a year ago and
            # last issued 190–330 days before the period (slow-moving at once, dead stock later on). A new
            # outlet gets the carmaker's standard opening package instead, part of which never sells there.
            target = LEGACY_SHARE[plan.tier] * regular_value
            candidates = [i for i, (lines, _) in enumerate(demand) if i not in book.levels and lines * 180 < 0.3]
            rng.shuffle(candidates)
            value = 0
            for part in candidates:
                if value >= target:
                    break
                qty = rng.randrange(1, 4)
                opening[part] = qty
                book.legacy.append(part)
                value += qty * self.catalogue.parts[part].cost
                if opening_day < 0:
                    issued = clock.day_start(-rng.randrange(190, 330)) + 15 * HOUR + rng.randrange(HOUR)
                    prehistory.append((issued, part, 1))
            at = clock.day_start(opening_day) + 7 * HOUR
            legacy_at = clock.day_start(-LEGACY_OPENING_DAYS) + 7 * HOUR if opening_day < 0 else at
            legacy = set(book.legacy)
            issued_before: dict[int, int] = {}
            for _instant, part, qty in prehistory:
                issued_before[part] = issued_before.get(part, 0) + qty
            for part, qty in opening.items():
                total = qty + issued_before.get(part, 0)
                self._move(book, part, MovementKind.ADJUSTMENT, total, legacy_at if part in legacy else at,
                           reason="上线期初库存盘点（期初余额）")
                book.balance[part] = qty
            for instant, part, qty in sorted(prehistory):
                self._move(book, part, MovementKind.ISSUE, -qty, instant, reason="上线前旧系统出库（按月汇总）")

    # -------------------------------------------------------------------------------- daily steps
    def morning(self, index: int, k: int) -> None:
        book = self.books[index]
        pending = book.pending
        while pending and pending[0][0] <= k:
            _day, _seq, part, qty, ordered = heapq.heappop(pending)
            book.balance[part] = book.balance.get(part, 0) + qty
            if ordered:
                book.on_order[part] -= qty

    def evening(self, index: int, k: int) -> None:
        book = self.books[index]
        plan = book.plan
        clock = self.clock
        date = clock.date(k)
        f = clock.progress(k)
        if date.day == 1 and k > 0:
            self.review_range(book, f)
        review_days = (plan.index % 7, (plan.index + 3) % 7) if plan.tier <= 2 else (plan.index % 7,)
        if date.weekday() in review_days:
            self._stock_order(book, k)
        if date.month in (3, 6, 9, 12) and (date + dt.timedelta(days=1)).day == 1:
            self._stocktake(book, k)
        if plan.tier <= 2:
            for number, point in enumerate(CLEARANCES):
                if f >= point and self._clearances_done.get(plan.index, 0) == number:
                    self._clearances_done[plan.index] = number + 1
                    at = clock.day_start(k) + 18 * HOUR + 30 * MINUTE
                    for part in book.legacy[: len(book.legacy) * (number + 1) // 4]:
                        qty = book.balance.get(part, 0)
                        if qty > 0:
                            book.balance[part] = 0
                            self._move(book, part, MovementKind.ADJUSTMENT, -qty, at, reason="滞销件退回主机厂（库存优化）")

    def _stock_order(self, book: Book, k: int) -> None:
        clock, rng = self.clock, self.rng
        lines = []
        for part, (reorder, maximum) in book.levels.items():
            position = book.balance.get(part, 0) + book.on_order.get(part, 0)
            if position <= reorder and maximum > position:
                lines.append((part, maximum - position))
        if not lines:
            return
        ordered_at = clock.day_start(k) + 17 * HOUR + rng.randrange(90 * MINUTE)
        arrival_day = k + rng.choice((2, 2, 3, 3, 3, 4))
        received_at = clock.day_start(arrival_day) + 7 * HOUR + rng.randrange(40 * MINUTE)
        cancelled = rng.random() < 0.004
        received = not cancelled and received_at < clock.cutoff
        status = PartsOrderStatus.CANCELLED if cancelled else (
            PartsOrderStatus.RECEIVED if received else PartsOrderStatus.ORDERED)
        order_id = self._order(book, PartsOrderKind.STOCK, status, ordered_at, received_at if received else None, None)
        for part, qty in lines:
            self.order_lines.add((self.order_lines.next_id(), order_id, self.catalogue.parts[part].id, qty,
                                  qty if received else 0, self._cost[part]))
            if cancelled:
                continue  # nothing comes; the next review orders again
            book.on_order[part] = book.on_order.get(part, 0) + qty
            if received:
                self._move(book, part, MovementKind.RECEIPT, qty, received_at, order=order_id)
                self._pending(book, arrival_day, part, qty, True)

    def _stocktake(self, book: Book, k: int) -> None:
        rng = self.rng
        at = self.clock.day_start(k) + 19 * HOUR
        for part in list(book.levels):
            if rng.random() >= 0.03:
                continue
            if rng.random() < 0.6 and book.balance.get(part, 0) >= 1:
                book.balance[part] -= 1
                reason = "仓储损坏报废" if rng.random() < 0.3 else "季度盘点差异：盘亏"
                self._move(book, part, MovementKind.ADJUSTMENT, -1, at, reason=reason)
            else:
                self._move(book, part, MovementKind.ADJUSTMENT, 1, at, reason="季度盘点差异：盘盈")
                self._pending(book, k + 1, part, 1, False)

    # -------------------------------------------------------------------------------- work orders
    def request(self, index: int, part: int, qty: int, at: int, line_id: int) -> bool:
        """Issue a parts line from stock if the shelf covers it (filled from stock)."""
        book = self.books[index]
        if book.balance.get(part, 0) >= qty:
            book.balance[part] -= qty
            self._move(book, part, MovementKind.ISSUE, -qty, at, line=line_id)
            return True
        return False

    def back_order(self, index: int, work_order_id: int, lines: list[tuple[int, int, int]], at: int,
                   f: float) -> int | None:
        """Get the parts of back-ordered lines [(line id, part, qty)]; returns when the last of them was
        issued to its line, or None if something had not arrived by the end of the period.

        Cheap common parts are bought the same day from the local genuine-parts distributor; the rest is
        ordered urgently from the carmaker (or, now and then, sent over by a nearby dealer)."""
        clock, rng = self.clock, self.rng
        book = self.books[index]
        parts = self.catalogue.parts
        local = [line for line in lines if parts[line[1]].cost <= LOCAL_PURCHASE_MAX_COST
                 and parts[line[1]].category not in ("battery", "e_drive")]
        urgent = [line for line in lines if line not in local]
        arrivals: list[int | None] = []
        if local:
            received_at = at + rng.randrange(60 * MINUTE, 3 * HOUR)
            if received_at < clock.cutoff:
                issued_at = min(received_at + rng.randrange(3 * MINUTE, 10 * MINUTE), clock.cutoff - 1)
                for line_id, part, qty in local:
                    self._move(book, part, MovementKind.RECEIPT, qty, received_at, reason=LOCAL_PURCHASE)
                    self._move(book, part, MovementKind.ISSUE, -qty, issued_at, line=line_id)
                arrivals.append(issued_at)
            else:
                arrivals.append(None)
        if not urgent:
            return arrivals[0]
        if len(urgent) == 1 and rng.random() < story.TRANSFER_SHARE:
            line_id, part, qty = urgent[0]
            for neighbour in book.plan.neighbours:
                sender = self.books[neighbour]
                if sender.plan.opened_day <= clock.day_of(at) and sender.balance.get(part, 0) >= qty + 1:
                    arrivals.append(self._transfer(sender, book, line_id, part, qty, at))
                    return None if None in arrivals else max(arrivals)
        ordered_at = at + rng.randrange(10 * MINUTE, 40 * MINUTE)
        hours = min(200.0, max(6.0, rng.lognormvariate(math.log(story.urgent_order_hours(f)), 0.35)))
        received_at = ordered_at + int(hours * HOUR)
        received = received_at < clock.cutoff
        order_id = self._order(book, PartsOrderKind.URGENT,
                               PartsOrderStatus.RECEIVED if received else PartsOrderStatus.ORDERED, ordered_at,
                               received_at if received else None, work_order_id)
        per_part: dict[int, int] = {}
        for _line, part, qty in urgent:
            per_part[part] = per_part.get(part, 0) + qty
        for part, qty in per_part.items():
            self.order_lines.add((self.order_lines.next_id(), order_id, self.catalogue.parts[part].id, qty,
                                  qty if received else 0, self._cost[part]))
            if received:
                self._move(book, part, MovementKind.RECEIPT, qty, received_at, order=order_id)
        if not received:
            return None
        issued_at = min(received_at + rng.randrange(3 * MINUTE, 10 * MINUTE), clock.cutoff - 1)
        for line_id, part, qty in urgent:
            self._move(book, part, MovementKind.ISSUE, -qty, issued_at, line=line_id)
        arrivals.append(issued_at)
        return None if None in arrivals else max(arrivals)

    def _transfer(self, sender: Book, receiver: Book, line_id: int, part: int, qty: int, at: int) -> int | None:
        clock, rng = self.clock, self.rng
        shipped_at = at + rng.randrange(20 * MINUTE, 60 * MINUTE)
        received_at = shipped_at + rng.randrange(3 * HOUR, 9 * HOUR)
        received = received_at < clock.cutoff
        transfer_id = self.transfers.next_id()
        reference = uuid.UUID(int=rng.getrandbits(128), version=4)
        self.transfers.add((transfer_id, sender.plan.id, receiver.plan.id, self.catalogue.parts[part].id, qty,
                            self._cost[part], TransferStatus.RECEIVED if received else TransferStatus.IN_TRANSIT,
                            clock.ts(shipped_at), clock.ts(received_at) if received else None, str(reference)))
        sender.balance[part] -= qty
        self._move(sender, part, MovementKind.TRANSFER_OUT, -qty, shipped_at, transfer=transfer_id,
                   reason=f"调拨至 {receiver.plan.code}")
        if not received:
            return None
        self._move(receiver, part, MovementKind.TRANSFER_IN, qty, received_at, transfer=transfer_id,
                   reason=f"自 {sender.plan.code} 调入")
        issued_at = min(received_at + rng.randrange(3 * MINUTE, 10 * MINUTE), clock.cutoff - 1)
        self._move(receiver, part, MovementKind.ISSUE, -qty, issued_at, line=line_id)
        return issued_at

    def give_back(self, index: int, part: int, qty: int, at: int, line_id: int) -> None:
        """Unused units of an issued line go back on the shelf (counted in returned_quantity)."""
        book = self.books[index]
        self._move(book, part, MovementKind.RETURN, qty, at, line=line_id)
        self._pending(book, self.clock.day_of(at) + 1, part, qty, False)

    # -------------------------------------------------------------------------------- rows
    def _pending(self, book: Book, day: int, part: int, qty: int, ordered: bool) -> None:
        self._seq += 1
        heapq.heappush(book.pending, (day, self._seq, part, qty, ordered))

    def _order(self, book: Book, kind: str, status: str, ordered_at: int, received_at: int | None,
               work_order_id: int | None) -> int:
        clock = self.clock
        day = clock.day_of(ordered_at)
        key = (book.plan.index, day)
        self._order_numbers[key] = self._order_numbers.get(key, 0) + 1
        order_id = self.orders.next_id()
        number = f"PO{clock.date(day):%Y%m%d}-{self._order_numbers[key]:03d}"
        self.orders.add((order_id, book.plan.id, number, None, kind, status, clock.ts(ordered_at),
                         clock.ts_or_none(received_at), work_order_id, clock.ts(received_at or ordered_at)))
        return order_id

    def _move(self, book: Book, part: int, kind: str, qty: int, at: int, *, reason: str = "", line: int | None = None,
              order: int | None = None, transfer: int | None = None) -> None:
        self._add_movement((self._next_movement(), book.plan.id, self._part_ids[part], kind, qty, self._cost[part],
                            self._ts(at), reason, line, order, transfer, book.plan.clerk_id, None))
        last = book.last_at
        if at > last.get(part, _NEVER):
            last[part] = at

    def write_stock(self) -> None:
        """One Stock row per dealer and part that has a ledger or a place in the range: on_hand = Σ ledger."""
        table = self.sink.table(Stock, ["id", "dealer", "part", "on_hand", "reserved", "reorder_point", "maximum",
                                        "bin", "updated_at"])
        for book in self.books:
            on_hand = dict(book.balance)
            for _day, _seq, part, qty, _ordered in book.pending:
                on_hand[part] = on_hand.get(part, 0) + qty
            parts = sorted(set(book.last_at) | set(book.levels))
            for part in parts:
                info = self.catalogue.parts[part]
                reorder, maximum = book.levels.get(part, (0, 0))
                bin_code = f"{BIN_ZONE[info.category]}-{part % 12 + 1:02d}-{part * 7 % 9 + 1:02d}"
                updated = book.last_at.get(part, self.clock.cutoff - DAY)
                table.add((table.next_id(), book.plan.id, info.id, on_hand.get(part, 0), 0, reorder, maximum,
                           bin_code, self.clock.ts(updated)))

