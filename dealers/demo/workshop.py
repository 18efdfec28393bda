"""Work orders, their labour and parts lines and their status history, simulated day by day.

Every dealer opens a Poisson number of work orders a day (season, weekday, its size and trend), each
through the lifecycle booked → checked_in → in_progress (⇄ waiting_parts) → quality_check → ready →
delivered, or cancelled from booked / checked_in. Times run on the dealer's opening hours; parts are
requested when work starts and either issued from the shelf or back-ordered (the work order waits for
them). Whatever would happen after the end of the period is cut off, so the last days hold open work
orders in every status. Totals on the work order are the sums of its lines.
"""

from __future__ import annotations

import math
import random
import secrets
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from workorders.choices import Channel as ChannelChoices
from workorders.choices import WorkOrderStatus
from workorders.models import LabourLine, PartsLine, WorkOrder, WorkOrderStatusChange

from . import data, story
from .catalogue import Catalogue
from .clock import HOUR, MINUTE, Clock, business_add, next_open
from .customers import Customers
from .feedback import Feedback, Visit
from .org import DealerPlan, ramp
from .rows import RowSink, hours, money, plain
from .sampling import Draw, Weighted
from .stock import Ledger
from .training import Rosters

S = plain(WorkOrderStatus)
Channel = plain(ChannelChoices)
SIGNATURE_NAME = "signatures/demo/customer-signature.png"
TYPES = ("maintenance", "repair", "accident", "warranty", "recall", "pdi")
COMEBACK_WINDOW_DAYS = 27
# Share of a job's work that can be done before back-ordered parts arrive (body work goes on, a repair
# mostly waits).
INDEPENDENT_WORK = {"accident": 0.8, "maintenance": 0.6, "repair": 0.35, "warranty": 0.35}  # comebacks open 1–27 days after delivery: inside the 30-day window


@dataclass(slots=True)
class Comeback:
    vehicle: int
    original_id: int
    wo_type: str
    concern: str
    op: str


@dataclass(slots=True)
class Header:
    opened: int
    wo_type: str
    nev: bool
    fleet: bool
    channel: str
    comeback: Comeback | None = None
    booking_only: bool = False


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, count, product = math.exp(-lam), 0, 1.0
    while True:
        product *= rng.random()
        if product <= limit:
            return count
        count += 1


def _opened(header: Header) -> int:
    return header.opened


def _ceil_half_hour(t: int) -> int:
    return -(-t // (30 * MINUTE)) * 30 * MINUTE


def _floor_half_hour(t: int) -> int:
    return t // (30 * MINUTE) * 30 * MINUTE


class Workshop:
    def __init__(self, *, rng: random.Random, clock: Clock, plans: list[DealerPlan], catalogue: Catalogue,
                 customers: Customers, rosters: Rosters, feedback: Feedback, sink: RowSink,
                 ledger: Ledger | None = None) -> None:
        self.rng = rng
        self.draw = Draw(rng)
        self.clock = clock
        self.plans = plans
        self.sink = sink
        self._centre_share = (-1.0, 0.0)
        self.catalogue = catalogue
        self.customers = customers
        self.rosters = rosters
        self.feedback = feedback
        self.ledger = ledger
        self.work_orders = sink.table(WorkOrder, [
            "id", "dealer", "number", "external_id", "type", "channel", "status", "customer", "vehicle", "mileage_km",
            "opened_at", "promised_at", "delivered_at", "service_advisor", "concern", "cause", "correction",
            "extended_warranty_sold", "comeback_of", "labour_amount", "parts_amount", "parts_cost", "flat_rate_hours",
            "actual_hours", "quality_checked_by", "quality_checked_at", "signature", "signed_at", "progress_token",
            "created_at", "updated_at",
        ])
        self.changes = sink.table(WorkOrderStatusChange, ["id", "work_order", "status", "at", "by", "note"])
        self.labour = sink.table(LabourLine, ["id", "work_order", "op_code", "description", "flat_rate_hours",
                                              "actual_hours", "technician", "amount"])
        self.parts_lines = sink.table(PartsLine, ["id", "work_order", "dealer", "part", "quantity", "returned_quantity",
                                                  "unit_price", "unit_cost", "filled_from_stock", "requested_at"])
        self.comebacks: dict[tuple[int, int], list[Comeback]] = {}
        self._numbers: dict[tuple[int, int, int], int] = {}
        self.output: dict[tuple[int, int, int], int] = {}  # (dealer, year, month) → output value delivered, cents
        self.delivered: dict[int, int] = {}  # dealer → work orders delivered
        self.signature = ""
        self._money = [(money(p.price), money(p.cost)) for p in catalogue.parts]

    # ---------------------------------------------------------------------------------------- story
    def nev_probability(self, plan: DealerPlan, f: float) -> float:
        """Chance a visit at this dealer is by an NEV, so that the region follows story.nev_share."""
        if plan.kind == "nev_centre":
            return 1.0
        if self._centre_share[0] != f:
            total = centres = 0.0
            for other in self.plans:
                volume = other.daily_volume * story.kind_trend(other.kind, f)
                total += volume
                if other.kind == "nev_centre":
                    centres += volume
            self._centre_share = (f, centres / total)
        share = self._centre_share[1]
        return max(0.005, (story.nev_share(f) - share) / (1 - share))

    # ---------------------------------------------------------------------------------------- the loop
    def run(self, on_day: Callable[[int], None] | None = None) -> None:
        clock, draw = self.clock, self.draw
        self.signature = _demo_signature()
        assert self.ledger is not None
        for k in range(clock.ndays):
            f = clock.progress(k)
            date = clock.date(k)
            base = story.MONTH_FACTOR[date.month] * story.WEEKDAY_FACTOR[date.weekday()]
            types = {
                kind: Weighted(TYPES, [mix[t] * (story.accident_factor(f) if t == "accident" else 1.0) for t in TYPES])
                for kind, mix in story.TYPE_MIX.items()
            }
            day_start = clock.day_start(k)
            for plan in self.plans:
                if k < plan.opened_day:
                    continue
                nev = self.nev_probability(plan, f)
                self.ledger.morning(plan.index, k)
                volume = plan.daily_volume * base * story.kind_trend(plan.kind, f) * ramp(plan, k)
                headers = [self._header(plan, day_start, f, nev, types[plan.kind]) for _ in range(poisson(self.rng, volume))]
                for comeback in self.comebacks.pop((plan.index, k), ()):
                    opened = day_start + plan.opens + draw.between(0, max(HOUR, plan.closes - plan.opens - 2 * HOUR))
                    headers.append(Header(opened, comeback.wo_type, self.customers.vehicles[comeback.vehicle].nev,
                                          False, Channel.WALK_IN, comeback))
                if k == clock.ndays - 1:
                    # Online bookings made on the last afternoon for the next days: still 'booked'.
                    for _ in range(draw.between(1, 4)):
                        opened = day_start + 15 * HOUR + draw.between(0, 150 * MINUTE)
                        headers.append(Header(opened, "maintenance", draw.random() < nev, False, Channel.ONLINE,
                                              booking_only=True))
                headers.sort(key=_opened)
                for header in headers:
                    self._work_order(plan, k, f, header)
                self.ledger.evening(plan.index, k)
            # A safe point: every row buffered today has its parents buffered or written.
            self.customers.emit()
            self.sink.flush()
            if on_day is not None:
                on_day(k)

    def _header(self, plan: DealerPlan, day_start: int, f: float, nev_probability: float, types: Weighted) -> Header:
        draw = self.draw
        random = draw.random
        wo_type = draw.weighted(types)
        nev = random() < nev_probability
        fleet = wo_type != "pdi" and random() < story.fleet_share(f)
        if fleet:
            channel = Channel.FLEET
        elif wo_type == "accident" and random() < story.INSURANCE_SHARE_OF_ACCIDENTS:
            channel = Channel.INSURANCE
        else:
            # Online bookings are made by individual customers: scale up so they reach the story's share
            # of *all* work orders opened.
            mix = story.TYPE_MIX[plan.kind]
            insurance = mix["accident"] / sum(mix.values()) * story.INSURANCE_SHARE_OF_ACCIDENTS
            online = story.online_share(f) / max(0.2, 1 - story.fleet_share(f) - insurance)
            channel = Channel.ONLINE if random() < online else Channel.WALK_IN
        span = plan.closes - plan.opens
        if channel == Channel.ONLINE:
            slots = max(1, (span - 3 * HOUR) // (30 * MINUTE))
            opened = plan.opens + HOUR // 2 + draw.between(0, slots) * 30 * MINUTE + draw.between(-10 * MINUTE, 10 * MINUTE)
        else:
            opened = plan.opens + int(self.rng.triangular(0, span - 90 * MINUTE, 90 * MINUTE))
        return Header(day_start + opened, wo_type, nev, fleet, channel)

    # ---------------------------------------------------------------------------------------- one work order
    def _work_order(self, plan: DealerPlan, k: int, f: float, header: Header) -> None:  # noqa: C901
        draw, clock, customers, catalogue, ledger = self.draw, self.clock, self.customers, self.catalogue, self.ledger
        random, between, pick = draw.random, draw.between, draw.pick
        cutoff = clock.cutoff
        index = plan.index
        opens, closes = plan.opens, plan.closes
        comeback = header.comeback
        wo_type = header.wo_type
        channel = header.channel
        t0 = header.opened

        if comeback is not None:
            vehicle = comeback.vehicle
        elif wo_type == "pdi":
            vehicle = customers.new_individual(plan, k, header.nev, new_car=True)
        else:
            vehicle = customers.fleet_vehicle(plan, k, header.nev) if header.fleet else None
            if vehicle is None:
                if header.fleet:
                    channel = Channel.WALK_IN
                if random() < story.returning_share(f):
                    vehicle = customers.returning(plan, k, header.nev)
                if vehicle is None:
                    vehicle = customers.new_individual(plan, k, header.nev)
        customer = customers.customer_at(vehicle, plan)
        car = customers.vehicles[vehicle]
        wo_id = self.work_orders.next_id()
        advisor = pick(plan.advisor_ids)
        if comeback is not None:
            concern = f"返修：{comeback.concern}"
        else:
            pool = "nev_repair" if wo_type == "repair" and car.nev and random() < 0.5 else wo_type
            concern = pick(data.CONCERNS[pool])

        events: list[tuple[str, int, int | None, str]] = [(S.BOOKED, t0, advisor, "")]
        t1 = t0 + between(3 * MINUTE, 15 * MINUTE)
        if header.booking_only:
            customers.visit(vehicle, customer, t0, t0, checked_in=False)
            self._write(plan, wo_id, header, channel, customer, vehicle, None, events, concern, advisor)
            return
        if comeback is None and random() < story.cancel_rate(channel):
            if random() < 0.7:
                events.append((S.CANCELLED, t0 + between(20 * MINUTE, 150 * MINUTE), advisor,
                               pick(data.CANCEL_NOTES_BOOKED)))
                mileage = customers.visit(vehicle, customer, t0, events[-1][1], checked_in=False)
            else:
                events.append((S.CHECKED_IN, t1, advisor, ""))
                events.append((S.CANCELLED, t1 + between(30 * MINUTE, 120 * MINUTE), advisor,
                               pick(data.CANCEL_NOTES_CHECKED_IN)))
                mileage = customers.visit(vehicle, customer, t0, events[-1][1])
            self._write(plan, wo_id, header, channel, customer, vehicle, mileage, events, concern, advisor)
            return
        events.append((S.CHECKED_IN, t1, advisor, ""))

        # Reception → dispatch: queueing (and the insurer's damage assessment for accidents).
        cf = story.cycle_factor(f)
        queue = -math.log(1.0 - random()) * 50 * MINUTE * cf
        if wo_type == "accident":
            queue += (2 + 14 * random()) * HOUR * cf
        t2 = max(business_add(t1, queue, opens, closes), t1 + MINUTE)

        # Labour lines.
        ops = [comeback.op] if comeback is not None else catalogue.sample_ops(draw, wo_type, car.model)
        everyone, hv, body = self.rosters.for_day(index, k)
        efficiency = story.efficiency(f)
        price = plan.labour_price * (0.9 if header.fleet else 1.0)
        labour = []
        total_actual = 0
        gauss = self.rng.gauss
        for code in ops:
            op = data.OPS[code]
            low, high = op.hours
            flat = round((low + (high - low) * random()) * 10) * 10  # hundredths of an hour, in 0.1 h steps
            actual = max(10, round(flat / (efficiency * math.exp(0.12 * gauss())) / 10) * 10)
            if op.hv and hv:
                tech = pick(hv)
            elif body and code.startswith("BP"):
                tech = pick(body)
            else:
                tech = pick(everyone)
            labour.append((code, op, flat, actual, tech, round(flat * price / 10000) * 100))
            total_actual += actual
        work = total_actual * 36 * (0.65 + 0.3 * random()) * (0.8 + 0.2 * cf)

        # Parts lines: requested when work starts, issued from the shelf or back-ordered.
        parts = []
        back_orders = []
        requested = t2
        if t2 < cutoff:
            new_line = self.parts_lines.next_id
            request = ledger.request
            for code in ops:
                for part, probability, low, high in catalogue.needs(code, car.model):
                    if random() >= probability:
                        continue
                    requested += MINUTE
                    if requested >= cutoff:
                        break
                    qty = low if low == high else between(low, high + 1)
                    line_id = new_line()
                    filled = request(index, part, qty, requested, line_id)
                    if not filled:
                        back_orders.append((line_id, part, qty))
                    parts.append([line_id, part, qty, 0, filled, requested])
        events.append((S.IN_PROGRESS, t2, advisor, ""))
        finished = True
        if back_orders:
            # Work that does not need the missing parts goes on while they come; the rest waits for them.
            arrival = ledger.back_order(index, wo_id, back_orders, requested, f)
            independent = INDEPENDENT_WORK.get(wo_type, 0.5)
            done = max(requested + MINUTE, business_add(t2, work * independent, opens, closes))
            if arrival is None:
                finished = False
                events.append((S.WAITING_PARTS, done, advisor, ""))
                td = business_add(t1, work + 48 * HOUR, opens, closes)  # what the advisor expected
            else:
                fitting = next_open(arrival + between(10 * MINUTE, 40 * MINUTE), opens, closes)
                if fitting > done:
                    events.append((S.WAITING_PARTS, done, advisor, ""))
                    events.append((S.IN_PROGRESS, fitting, advisor, ""))
                    tq = business_add(fitting, work * (1 - independent), opens, closes)
                else:
                    tq = business_add(done, work * (1 - independent), opens, closes)
        else:
            tq = business_add(t2, work, opens, closes)
        if finished:
            tq = max(tq, events[-1][1] + MINUTE)
            events.append((S.QUALITY_CHECK, tq, advisor, ""))
            if random() < 0.02:  # the quality check sends it back once
                redo = tq + between(10 * MINUTE, 30 * MINUTE)
                events.append((S.IN_PROGRESS, redo, plan.manager_id, "质检未通过，返工"))
                tq = business_add(redo, between(30 * MINUTE, 90 * MINUTE), opens, closes)
                events.append((S.QUALITY_CHECK, tq, advisor, ""))
            tr = max(business_add(tq, between(10 * MINUTE, 45 * MINUTE) * cf, opens, closes), tq + MINUTE)
            events.append((S.READY, tr, plan.manager_id, ""))
            if random() < 0.18:  # picked up the next day
                td = next_open(clock.day_start(clock.day_of(tr) + 1), opens, closes) + between(0, 3 * HOUR)
            else:
                td = business_add(tr, -math.log(1.0 - random()) * 80 * MINUTE * cf + 5 * MINUTE, opens, closes)
            td = max(td, tr + MINUTE)
            events.append((S.DELIVERED, td, advisor, ""))

        # Promise given at check-in, kept ~90–95 % of the time.
        promised = None
        if random() < 0.985:
            if random() < story.on_time_rate(f) or td - t0 < 40 * MINUTE:
                promised = _ceil_half_hour(td + between(0, 90 * MINUTE))
            else:
                promised = max(_floor_half_hour(td - between(30 * MINUTE, 6 * HOUR)), t0 + 10 * MINUTE)
                if promised >= td:
                    promised = _ceil_half_hour(td)

        # Cut off what has not happened by the end of the period.
        previous = t0
        for position in range(1, len(events)):
            status, at, by, note = events[position]
            if at <= previous:
                at = previous + MINUTE
                events[position] = (status, at, by, note)
            if at >= cutoff:
                del events[position:]
                break
            previous = at
        status = events[-1][0]
        delivered = status == S.DELIVERED
        reached_qc = delivered or any(e[0] == S.QUALITY_CHECK for e in events)
        if not reached_qc:
            labour = [(c, op, flat, 0, tech, amount) for c, op, flat, _actual, tech, amount in labour]

        # Unused units handed back at the quality check.
        if delivered:
            qc_at = next(e[1] for e in events if e[0] == S.QUALITY_CHECK)
            for line in parts:
                if line[2] >= 2 and random() < 0.04:
                    line[3] = 1
                    ledger.give_back(index, line[1], 1, qc_at + 2 * MINUTE, line[0])

        mileage = customers.visit(vehicle, customer, t0, events[-1][1])
        extended = customers.under_three_years(vehicle, k) and random() < story.ext_warranty_rate(f)
        self._write(plan, wo_id, header, channel, customer, vehicle, mileage, events, concern, advisor,
                    labour=labour, parts=parts, promised=promised, extended=extended,
                    comeback_of=comeback.original_id if comeback else None, ops=ops, reached_qc=reached_qc)

        if delivered:
            will_come_back = False
            if comeback is None and wo_type in ("repair", "warranty") and random() < story.comeback_rate(f):
                day = clock.day_of(td) + between(1, COMEBACK_WINDOW_DAYS + 1)
                if day < clock.ndays:
                    target = plan
                    if random() < 0.12:
                        other = self.plans[plan.neighbours[0]]
                        if other.opened_day <= day:
                            target = other
                    self.comebacks.setdefault((target.index, day), []).append(
                        Comeback(vehicle, wo_id, wo_type, concern, ops[0]))
                    will_come_back = True
            visit = Visit(wo_id, customers.customers[customer].id, td,
                          late=promised is not None and td > promised, comeback=will_come_back,
                          back_order=bool(back_orders))
            if wo_type != "pdi":
                self.feedback.survey(plan, visit, f)
            self.feedback.maybe_complaint(plan, visit, f)

    def _write(self, plan: DealerPlan, wo_id: int, header: Header, channel: str, customer: int, vehicle: int,
               mileage: int | None, events, concern: str, advisor: int, *, labour=(), parts=(), promised=None,
               extended=False, comeback_of=None, ops=(), reached_qc=False) -> None:
        clock = self.clock
        ts = clock.ts
        status = events[-1][0]
        delivered_at = events[-1][1] if status == S.DELIVERED else None
        ready_at = next((e[1] for e in events if e[0] == S.READY), None)
        labour_amount = flat_total = actual_total = 0
        for code, op, flat, actual, tech, amount in labour:
            self.labour.add((self.labour.next_id(), wo_id, code, op.description, hours(flat), hours(actual), tech,
                             money(amount)))
            labour_amount += amount
            flat_total += flat
            actual_total += actual
        parts_amount = parts_cost = 0
        for line_id, part, qty, returned, filled, requested in parts:
            info = self.catalogue.parts[part]
            price_text, cost_text = self._money[part]
            self.parts_lines.add((line_id, wo_id, plan.id, info.id, qty, returned, price_text, cost_text, filled,
                                  ts(requested)))
            parts_amount += (qty - returned) * info.price
            parts_cost += (qty - returned) * info.cost
        for status_value, at, by, note in events:
            self.changes.add((self.changes.next_id(), wo_id, status_value, ts(at), by, note))
        cause = correction = ""
        if reached_qc:
            first = data.OPS[ops[0]]
            cause = first.cause
            correction = "；".join(data.OPS[c].correction for c in ops if data.OPS[c].correction)
        t0 = events[0][1]
        date = clock.date(clock.day_of(t0))
        number_key = (plan.index, date.year, date.month)
        self._numbers[number_key] = self._numbers.get(number_key, 0) + 1
        number = f"{plan.code.upper()}-{date:%y%m}-{self._numbers[number_key]:05d}"
        self.work_orders.add((
            wo_id, plan.id, number, None, header.wo_type, channel, status, self.customers.customers[customer].id,
            self.customers.vehicles[vehicle].id, mileage, ts(t0), clock.ts_or_none(promised),
            clock.ts_or_none(delivered_at), advisor, concern, cause, correction, extended, comeback_of,
            money(labour_amount), money(parts_amount), money(parts_cost), hours(flat_total), hours(actual_total),
            plan.manager_id if ready_at else None, clock.ts_or_none(ready_at),
            self.signature if delivered_at else "",
            clock.ts_or_none(max(ready_at, delivered_at - 2 * MINUTE) if delivered_at else None),
            # The customer's progress link must not be guessable, so it is not derived from the public seed.
            secrets.token_urlsafe(32), ts(t0), ts(events[-1][1]),
        ))
        if delivered_at is not None:
            delivered_date = clock.date(clock.day_of(delivered_at))
            month = (plan.index, delivered_date.year, delivered_date.month)
            self.output[month] = self.output.get(month, 0) + labour_amount + parts_amount
            self.delivered[plan.index] = self.delivered.get(plan.index, 0) + 1


def _demo_signature() -> str:
    """One drawn signature (a valid PNG) that all fabricated deliveries point at: the demo's stand-in for
    the customers' signatures on paper. Written once to the media storage."""
    if not default_storage.exists(SIGNATURE_NAME):
        default_storage.save(SIGNATURE_NAME, ContentFile(signature_png()))
    return SIGNATURE_NAME


def signature_png(width: int = 320, height: int = 100) -> bytes:
    """A greyscale PNG of a pen stroke, encoded by hand (no imaging library needed)."""
    pixels = [bytearray(b"\xff" * width) for _ in range(height)]
    for x in range(24, width - 24):
        y = int(height / 2 + 26 * math.sin(x / 15.0) * math.sin(x / 61.0) + 8 * math.sin(x / 4.3))
        for dy in (-1, 0, 1):
            for dx in (0, 1):
                if 0 <= y + dy < height and x + dx < width:
                    pixels[y + dy][x + dx] = 20
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")

