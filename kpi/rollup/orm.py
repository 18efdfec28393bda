"""The portable engine: Django aggregation grouped by dealer and local day (SQLite and PostgreSQL).

Each source is one values().annotate() query whose rows are (dealer, day, measures); the work orders are
never loaded, only their per-day sums. The inventory snapshot streams the ledger's daily sums through
kpi.rollup.inventory. Memory: a dict of the window's dealer-days.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Cast, Concat, ExtractYear, Substr, TruncDate
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

from dealers.models import Dealer
from parts.choices import MovementKind, PartsOrderKind, PartsOrderStatus
from parts.models import Part, PartsOrder, StockMovement
from training.choices import HV_CERTIFICATION_CODE
from training.models import Certification, Technician
from workorders.choices import Channel, WorkOrderStatus, WorkOrderType
from workorders.models import Complaint, PartsLine, Survey, WorkOrder

from . import checkpoints, inventory
from .common import (
    EXT_WARRANTY_YEARS,
    FACT_FIELDS,
    FTF_TYPES,
    NEV,
    RETURNING_WINDOW,
    Window,
    comeback_days,
    hours,
    local_midnight,
    stored,
)

SUM_FIELD = DecimalField(max_digits=28, decimal_places=4)
CANCELLED = WorkOrderStatus.CANCELLED
Key = tuple[int, dt.date]


def _sum(expression, **kwargs) -> Sum:
    return Sum(expression, output_field=SUM_FIELD, **kwargs)


def _duration(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _microseconds(value: dt.timedelta | None) -> int:
    return 0 if value is None else value // dt.timedelta(microseconds=1)


def _delivered(w: Window) -> Iterator[tuple[Key, dict]]:
    tz = w.tz
    outer_delivered = ExpressionWrapper(OuterRef("delivered_at"), output_field=DateTimeField())
    comebacks = (
        WorkOrder.objects.filter(comeback_of=OuterRef("pk"))
        .exclude(status=CANCELLED)
        .annotate(
            gap=ExpressionWrapper(
                TruncDate("opened_at", tzinfo=tz) - TruncDate(outer_delivered, tzinfo=tz), output_field=DurationField()
            )
        )
        .filter(gap__lte=dt.timedelta(days=comeback_days()))
    )
    earlier = WorkOrder.objects.filter(
        # the customer's deliveries at any dealer: the same as at the dealer (kpi.rollup.common), and SQLite
        # then probes the customer index, where a dealer condition made it walk the dealer's deliveries
        # (the demo's roll-up took 3 min 37 s instead of 1 min 10 s)
        customer_id=OuterRef("customer_id"),
        status=WorkOrderStatus.DELIVERED,
        delivered_at__lt=OuterRef("delivered_at"),
        delivered_at__gte=outer_delivered - RETURNING_WINDOW,
    )
    rows = (
        WorkOrder.objects.filter(
            dealer_id__in=w.dealer_ids, status=WorkOrderStatus.DELIVERED, delivered_at__gte=w.lo, delivered_at__lt=w.hi
        )
        .annotate(day=TruncDate("delivered_at", tzinfo=tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(
            delivered_count=Count("id"),
            output_value=_sum(F("labour_amount") + F("parts_amount")),
            gross_profit=_sum(
                F("labour_amount") + F("parts_amount") - F("parts_cost") - F("actual_hours") * F("dealer__labour_cost_rate")
            ),
            cycle=Sum(_duration("delivered_at", "opened_at")),
            promised_count=Count("id", filter=Q(promised_at__isnull=False)),
            on_time_count=Count("id", filter=Q(delivered_at__lte=F("promised_at"))),
            ftf_eligible=Count("id", filter=Q(type__in=FTF_TYPES)),
            ftf_ok=Count("id", filter=Q(type__in=FTF_TYPES) & ~Exists(comebacks)),
            nev_count=Count("id", filter=Q(vehicle__powertrain__in=NEV)),
            returning_count=Count("id", filter=Q(Exists(earlier))),
            accident_count=Count("id", filter=Q(type=WorkOrderType.ACCIDENT)),
            flat_rate_hours=_sum("flat_rate_hours"),
            actual_hours=_sum("actual_hours"),
        )
    )
    for row in rows:
        row["cycle_hours"] = hours(_microseconds(row.pop("cycle")))
        yield (row.pop("dealer_id"), row.pop("day")), row


def _opened(w: Window) -> Iterator[tuple[Key, dict]]:
    tz = w.tz
    reg = "vehicle__first_registered_on"
    # Compared as ISO strings ("YYYY-MM-DD", equal length): the registration date with the year moved on by
    # three against the local opening day — the YYYYMMDD comparison of kpi.rollup.common, with one
    # date conversion per row instead of six field extractions (each a Python call on SQLite).
    opened_day = Cast(TruncDate("opened_at", tzinfo=tz), CharField())
    third_birthday = Concat(
        Cast(ExtractYear(reg) + EXT_WARRANTY_YEARS, CharField()), Substr(Cast(reg, CharField()), 5), output_field=CharField()
    )
    opened_year = Cast(Substr(opened_day, 1, 4), IntegerField())
    under_age = Q(GreaterThan(third_birthday, opened_day), **{f"{reg}__isnull": False}) | Q(
        GreaterThanOrEqual(F("vehicle__model_year"), opened_year - (EXT_WARRANTY_YEARS - 1)),
        **{f"{reg}__isnull": True},
    )
    rows = (
        WorkOrder.objects.filter(dealer_id__in=w.dealer_ids, opened_at__gte=w.lo, opened_at__lt=w.hi)
        .exclude(status=CANCELLED)
        .annotate(day=TruncDate("opened_at", tzinfo=tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(
            opened_count=Count("id"),
            online_opened=Count("id", filter=Q(channel=Channel.ONLINE)),
            ext_eligible=Count("id", filter=under_age),
            ext_sold=Count("id", filter=under_age & Q(extended_warranty_sold=True)),
        )
    )
    for row in rows:
        yield (row.pop("dealer_id"), row.pop("day")), row


def _surveys(w: Window) -> Iterator[tuple[Key, dict]]:
    rows = (
        Survey.objects.filter(dealer_id__in=w.dealer_ids, answered_at__gte=w.lo, answered_at__lt=w.hi)
        .exclude(work_order__status=CANCELLED)
        .annotate(day=TruncDate("answered_at", tzinfo=w.tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(
            survey_count=Count("id"),
            csi_sum=_sum("csi"),
            promoters=Count("id", filter=Q(recommend__gte=9)),
            detractors=Count("id", filter=Q(recommend__lte=6)),
        )
    )
    for row in rows:
        yield (row.pop("dealer_id"), row.pop("day")), row


def _complaints(w: Window) -> Iterator[tuple[Key, dict]]:
    tz = w.tz
    base = Complaint.objects.filter(dealer_id__in=w.dealer_ids)
    opened = (
        base.filter(opened_at__gte=w.lo, opened_at__lt=w.hi)
        .annotate(day=TruncDate("opened_at", tzinfo=tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(
            complaints_opened=Count("id"),
            complaints_resolved_48h=Count(
                "id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("opened_at") + dt.timedelta(hours=48))
            ),
        )
    )
    closed = (
        base.filter(closed_at__gte=w.lo, closed_at__lt=w.hi)
        .annotate(day=TruncDate("closed_at", tzinfo=tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(complaints_closed=Count("id"), closure=Sum(_duration("closed_at", "opened_at")))
    )
    escalated = (
        base.filter(escalated=True, escalated_at__gte=w.lo, escalated_at__lt=w.hi)
        .annotate(day=TruncDate("escalated_at", tzinfo=tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(escalated_count=Count("id"))
    )
    for row in opened:
        yield (row.pop("dealer_id"), row.pop("day")), row
    for row in closed:
        row["closure_hours"] = hours(_microseconds(row.pop("closure")))
        yield (row.pop("dealer_id"), row.pop("day")), row
    for row in escalated:
        yield (row.pop("dealer_id"), row.pop("day")), row


def _parts_lines(w: Window) -> Iterator[tuple[Key, dict]]:
    rows = (
        PartsLine.objects.filter(dealer_id__in=w.dealer_ids, requested_at__gte=w.lo, requested_at__lt=w.hi)
        .exclude(work_order__status=CANCELLED)
        .annotate(day=TruncDate("requested_at", tzinfo=w.tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(parts_lines_requested=Count("id"), parts_lines_filled=Count("id", filter=Q(filled_from_stock=True)))
    )
    for row in rows:
        yield (row.pop("dealer_id"), row.pop("day")), row


def _urgent_orders(w: Window) -> Iterator[tuple[Key, dict]]:
    rows = (
        PartsOrder.objects.filter(
            dealer_id__in=w.dealer_ids,
            kind=PartsOrderKind.URGENT,
            status=PartsOrderStatus.RECEIVED,
            received_at__gte=w.lo,
            received_at__lt=w.hi,
        )
        .annotate(day=TruncDate("received_at", tzinfo=w.tz))
        .values("dealer_id", "day")
        .order_by()
        .annotate(urgent_received=Count("id"), lead=Sum(_duration("received_at", "ordered_at")))
    )
    for row in rows:
        row["urgent_hours"] = hours(_microseconds(row.pop("lead")))
        yield (row.pop("dealer_id"), row.pop("day")), row


def _capacity(w: Window) -> Iterator[tuple[Key, dict]]:
    for dealer in Dealer.objects.filter(id__in=w.dealer_ids).only("id", "bays", "opens_at", "closes_at", "opened_on", "active"):
        if not dealer.active:
            continue
        seconds = (
            dt.datetime.combine(dt.date.min, dealer.closes_at) - dt.datetime.combine(dt.date.min, dealer.opens_at)
        ).total_seconds()
        capacity = Decimal(dealer.bays) * Decimal(int(seconds)) / 3600
        for day in w.days:
            if dealer.opened_on is None or dealer.opened_on <= day:
                yield (dealer.id, day), {"capacity_hours": capacity}


def _technicians(w: Window) -> Iterator[tuple[Key, dict]]:
    """Head counts as of each day; technicians and certifications are few, so they are counted here."""
    technicians = list(
        Technician.objects.filter(Q(active=True) | Q(left_on__isnull=False), dealer_id__in=w.dealer_ids)
        .filter(Q(hired_on__isnull=True) | Q(hired_on__lte=w.end), Q(left_on__isnull=True) | Q(left_on__gt=w.start))
        .values_list("id", "dealer_id", "hired_on", "left_on")
    )
    certified: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for technician_id, issued_on, expires_on in Certification.objects.filter(
        technician_id__in=[t[0] for t in technicians],
        type__code=HV_CERTIFICATION_CODE,
        issued_on__lte=w.end,
        expires_on__gt=w.start,
    ).values_list("technician_id", "issued_on", "expires_on"):
        certified.setdefault(technician_id, []).append((issued_on, expires_on))
    counts: dict[Key, dict] = {}
    for technician_id, dealer_id, hired_on, left_on in technicians:
        for day in w.days:
            if (hired_on is not None and hired_on > day) or (left_on is not None and left_on <= day):
                continue
            row = counts.setdefault((dealer_id, day), {"technicians_active": 0, "technicians_hv": 0})
            row["technicians_active"] += 1
            if any(issued <= day < expires for issued, expires in certified.get(technician_id, ())):
                row["technicians_hv"] += 1
    yield from counts.items()


def _checkpoint_rows(w: Window, day: dt.date) -> tuple[list[inventory.LedgerDay], dict[int, dict[dt.date, int]]]:
    """A checkpoint's part states as ledger rows on its day (sorted), and its stored issue costs."""
    from kpi.models import StockCheckpoint

    stored = list(StockCheckpoint.objects.filter(dealer_id__in=w.dealer_ids, day=day).order_by("dealer_id"))
    costs = dict(Part.objects.values_list("id", "cost"))
    rows = [
        inventory.LedgerDay(
            dealer_id=cp.dealer_id, part_id=part_id, day=day, quantity=balance, issue_quantity=0, issued=False,
            cost=costs[part_id], last_issue=dt.date.fromisoformat(last_issue) if last_issue else None,
        )
        for cp in stored
        for part_id, balance, last_issue in sorted(cp.parts)
    ]
    issue_cents = {cp.dealer_id: {dt.date.fromisoformat(d): cents for d, cents in cp.issue_costs} for cp in stored}
    return rows, issue_cents


def _ledger(w: Window, since: dt.datetime | None) -> Iterator[inventory.LedgerDay]:
    movements = StockMovement.objects.filter(dealer_id__in=w.dealer_ids, at__lt=w.hi)
    if since is not None:
        movements = movements.filter(at__gte=since)
    rows = (
        movements.annotate(day=TruncDate("at", tzinfo=w.tz))
        .values("dealer_id", "part_id", "day")
        .annotate(
            quantity_sum=Sum("quantity"),
            issue_quantity=Sum("quantity", filter=Q(kind__in=[MovementKind.ISSUE, MovementKind.RETURN])),
            issues=Count("id", filter=Q(kind=MovementKind.ISSUE)),
            cost=Max("part__cost"),
        )
        .order_by("dealer_id", "part_id", "day")
    )
    for row in rows.iterator(chunk_size=5000):
        yield inventory.LedgerDay(
            dealer_id=row["dealer_id"],
            part_id=row["part_id"],
            day=row["day"],
            quantity=int(row["quantity_sum"]),
            # Issues are negative in the ledger, returns positive: the issued quantity is minus their sum.
            issue_quantity=-int(row["issue_quantity"] or 0),
            issued=bool(row["issues"]),
            cost=Decimal(row["cost"]),
        )


SOURCES = (_delivered, _opened, _surveys, _complaints, _parts_lines, _urgent_orders, _capacity, _technicians)


def compute(
    window: Window, *, checkpoint: dt.date | None = None
) -> tuple[list[tuple[int, dt.date, dict[str, int | Decimal]]], inventory.Snapshot]:
    """Every (dealer, day) of the window with all its measures as stored, and the stock snapshot (whose
    states at the window's first and last day are the next checkpoints). With `checkpoint`, the ledger is
    read from the end of that day on, starting from the checkpoint's states."""
    facts: dict[Key, dict[str, object]] = {}
    for source in SOURCES:
        for key, measures in source(window):
            facts.setdefault(key, {}).update(measures)
    if checkpoint is None:
        ledger: Iterable[inventory.LedgerDay] = _ledger(window, None)
        prior: dict[int, dict[dt.date, int]] = {}
    else:
        start_rows, prior = _checkpoint_rows(window, checkpoint)
        since = local_midnight(checkpoint + dt.timedelta(days=1), window.tz)
        ledger = heapq.merge(start_rows, _ledger(window, since), key=lambda r: (r.dealer_id, r.part_id, r.day))
    stock = inventory.snapshot(
        ledger, dealer_ids=window.dealer_ids, start=window.start, end=window.end,
        capture=checkpoints.days_to_write(window), prior_issue_cents=prior,
    )
    rows = []
    for dealer_id in window.dealer_ids:
        daily = stock.daily[dealer_id]
        for i, day in enumerate(window.days):
            measures = facts.get((dealer_id, day), {})
            for name, values in daily.items():
                measures[name] = values[i]
            rows.append((dealer_id, day, {field: stored(field, measures.get(field)) for field in FACT_FIELDS}))
    return rows, stock


def write(window: Window, *, batch_size: int = 1000) -> int:
    """Replace the window's dealer-day rows and checkpoints; the caller holds the transaction and the lock."""
    from kpi.models import DealerDayFact, StockCheckpoint

    checkpoint = checkpoints.usable(window)
    through, parts_changed_at = checkpoints.watermark()  # before reading the ledger
    rows, stock = compute(window, checkpoint=checkpoint)
    DealerDayFact.objects.filter(
        dealer_id__in=window.dealer_ids, day__gte=window.start, day__lte=window.end
    ).delete()
    DealerDayFact.objects.bulk_create(
        (DealerDayFact(dealer_id=dealer_id, day=day, **measures) for dealer_id, day, measures in rows),
        batch_size=batch_size,
    )
    checkpoints.clear(window)
    StockCheckpoint.objects.bulk_create(
        [
            StockCheckpoint(
                dealer_id=dealer_id, day=day, through_movement=through, parts_changed_at=parts_changed_at,
                parts=stock.parts[day][dealer_id], issue_costs=stock.issue_costs[day][dealer_id],
            )
            for day in checkpoints.days_to_write(window)
            for dealer_id in window.dealer_ids
        ],
        batch_size=batch_size,
    )
    checkpoints.prune(window)
    return len(rows)
