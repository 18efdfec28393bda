"""Reads of the dealer page: the dealer, its live workshop board, parts alerts, certifications, complaints.

Every selector takes the user and narrows through dealers.policy for the kind of record it reads, so a
caller that forgets to check still gets nothing it may not see. Each runs a fixed number of queries
(relations joined, no N+1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from parts.querysets import VALUE_FIELD, stocks
from training.choices import HV_CERTIFICATION_CODE
from training.models import Certification, Technician
from workorders.choices import WorkOrderStatus
from workorders.models import Complaint, WorkOrder
from workorders.querysets import COMPLAINT_SLA

from . import policy
from .choices import CityTier, DealerKind
from .models import Dealer
from .policy import Action, Record

BOARD_LIMIT = 300
ALERT_LIMIT = 25
CERT_WARNING_DAYS = 60


_MEMO_ATTR = "_dealer_pages_visible_ids"


def visible_dealer_ids(user, record: Record = Record.DEALER, action: Action = Action.VIEW) -> frozenset[int]:
    """dealers.policy.dealer_ids, asked once per request and kind of record.

    The policy memoises a user's memberships but, for a regional manager, looks the region's dealers up on
    every call; a dashboard asks for five kinds of record, each twice (may I show the section, and the
    selector's own scoping). The answer is kept on the user object, which lives for one request.
    """
    memo = getattr(user, _MEMO_ATTR, None)
    if memo is None:
        memo = {}
        try:
            setattr(user, _MEMO_ATTR, memo)
        except AttributeError:  # an object that takes no attributes: ask every time
            return policy.dealer_ids(user, record, action)
    key = (record, action)
    if key not in memo:
        memo[key] = policy.dealer_ids(user, record, action)
    return memo[key]


def can_view(user, record: Record, dealer_id: int) -> bool:
    return dealer_id in visible_dealer_ids(user, record)


def _scoped(queryset: QuerySet, user, record: Record, dealer_field: str = "dealer") -> QuerySet:
    """policy.scope with the memoised answer: `queryset` narrowed to the dealers the user may view."""
    ids = visible_dealer_ids(user, record)
    return queryset.filter(**{("id__in" if dealer_field == "id" else f"{dealer_field}__in"): ids})


@dataclass(frozen=True)
class DealerRow:
    """A dealer as the dashboards list it: the columns of one light query, no model instances.

    A region has a couple of hundred dealers and every dashboard request lists them (scope, filters,
    league rows); building model objects with their regions was a third of a cached page's time.
    """

    pk: int
    code: str
    name: str
    kind: str
    city: str
    city_tier: int
    region_id: int
    active: bool
    updated_at: dt.datetime

    @property
    def id(self) -> int:
        return self.pk

    def get_kind_display(self) -> str:
        return str(DealerKind(self.kind).label) if self.kind in DealerKind.values else self.kind

    def get_city_tier_display(self) -> str:
        return str(CityTier(self.city_tier).label) if self.city_tier in CityTier.values else str(self.city_tier)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def dealer_rows(*, user, record: Record = Record.KPI) -> list[DealerRow]:
    """The dealers whose `record`s the user may view, by code, as DealerRow (one query)."""
    ids = visible_dealer_ids(user, record)
    if not ids:
        return []
    fields = ("id", "code", "name", "kind", "city", "city_tier", "region_id", "active", "updated_at")
    return [DealerRow(*row) for row in Dealer.objects.filter(id__in=ids).order_by("code").values_list(*fields)]


def dealer_list(*, user) -> QuerySet[Dealer]:
    return _scoped(Dealer.objects.select_related("region"), user, Record.DEALER, dealer_field="id")


def dealer_get(*, user, pk: int) -> Dealer:
    """The dealer if the user may see it; otherwise it does not exist for them (404, never 403)."""
    try:
        return dealer_list(user=user).get(pk=pk)
    except Dealer.DoesNotExist:
        raise Http404("No such dealer.") from None


# --- workshop board ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardCard:
    work_order: WorkOrder
    age: dt.timedelta
    overdue: bool
    overdue_by: dt.timedelta | None


@dataclass
class BoardColumn:
    status: str
    label: str
    cards: list[BoardCard] = field(default_factory=list)
    url: str = ""  # the work-order list filtered to this column, set by the view

    @property
    def overdue_count(self) -> int:
        return sum(1 for card in self.cards if card.overdue)


# The board's columns, in the order a car moves through the workshop.
BOARD_STATUSES: Sequence[WorkOrderStatus] = (
    WorkOrderStatus.BOOKED, WorkOrderStatus.CHECKED_IN, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.WAITING_PARTS,
    WorkOrderStatus.QUALITY_CHECK, WorkOrderStatus.READY,
)


@dataclass
class WorkshopBoard:
    columns: list[BoardColumn]
    total: int
    overdue: int
    truncated: bool


def workshop_board(*, user, dealer: Dealer, now: dt.datetime | None = None) -> WorkshopBoard:
    """Open work orders by status, oldest first, with their age; overdue = past promised_at (one query)."""
    now = now or timezone.now()
    queryset = _scoped(WorkOrder.objects.filter(dealer=dealer), user, Record.WORK_ORDER)
    orders = list(
        queryset.open().select_related("vehicle", "customer", "service_advisor").order_by("opened_at", "pk")[: BOARD_LIMIT + 1]
    )
    truncated = len(orders) > BOARD_LIMIT
    columns = {status: BoardColumn(status, str(status.label)) for status in BOARD_STATUSES}
    overdue = 0
    for order in orders[:BOARD_LIMIT]:
        late = order.promised_at is not None and order.promised_at < now
        overdue += late
        card = BoardCard(order, now - order.opened_at, late, (now - order.promised_at) if late else None)
        columns.setdefault(order.status, BoardColumn(order.status, order.get_status_display())).cards.append(card)
    return WorkshopBoard(list(columns.values()), min(len(orders), BOARD_LIMIT), overdue, truncated)


# --- parts ---------------------------------------------------------------------------------------


@dataclass
class PartsAlerts:
    below_reorder: list
    below_reorder_count: int
    slow_moving: list
    slow_moving_count: int
    slow_moving_value: Decimal
    stock_value: Decimal


def parts_alerts(*, user, dealer: Dealer, now: dt.datetime | None = None) -> PartsAlerts:
    """Stock below its reorder point, and slow-moving stock (no issue in 180 days) with its value (5 queries)."""
    now = now or timezone.now()
    base = _scoped(stocks().filter(dealer=dealer), user, Record.STOCK).select_related("part")
    below = base.below_reorder_point().with_inbound().order_by("part__number")
    slow = base.slow_moving(now=now)
    slow_total = slow.aggregate(count=Count("id"), value=Sum(F("on_hand") * F("part__cost"), output_field=VALUE_FIELD))
    slow = slow.with_value().with_last_issue().order_by("-value", "part__number")
    return PartsAlerts(
        below_reorder=list(below[:ALERT_LIMIT]),
        below_reorder_count=below.count(),
        slow_moving=list(slow[:ALERT_LIMIT]),
        slow_moving_count=slow_total["count"] or 0,
        slow_moving_value=slow_total["value"] or Decimal(0),
        stock_value=base.total_value(),
    )


# --- people --------------------------------------------------------------------------------------


@dataclass
class Certifications:
    expiring: list[Certification]
    active_technicians: int
    hv_certified: int
    hv_missing: list[Technician]

    @property
    def hv_gap(self) -> Decimal | None:
        """Share of active technicians without a valid HV certification (the report's "gap"), in %."""
        if not self.active_technicians:
            return None
        return Decimal(100) * (self.active_technicians - self.hv_certified) / self.active_technicians


def certifications(*, user, dealer: Dealer, today: dt.date | None = None, days: int = CERT_WARNING_DAYS) -> Certifications:
    """Certifications of active technicians expiring within `days`, and who lacks a valid HV one (2 queries)."""
    today = today or timezone.localdate()
    technicians = _scoped(Technician.objects.filter(dealer=dealer, active=True), user, Record.TECHNICIAN)
    expiring = list(
        Certification.objects.filter(technician__in=technicians, expires_on__gte=today,
                                     expires_on__lte=today + dt.timedelta(days=days))
        .select_related("technician", "type").order_by("expires_on", "technician__employee_code")
    )
    valid_hv = Certification.objects.filter(
        technician=OuterRef("pk"), type__code=HV_CERTIFICATION_CODE, issued_on__lte=today, expires_on__gt=today
    )
    people = list(technicians.annotate(has_hv=Exists(valid_hv)).order_by("employee_code"))
    return Certifications(
        expiring=expiring,
        active_technicians=len(people),
        hv_certified=sum(1 for person in people if person.has_hv),
        hv_missing=[person for person in people if not person.has_hv],
    )


# --- complaints ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintClock:
    complaint: Complaint
    deadline: dt.datetime
    remaining: dt.timedelta  # negative once the 48 h are over
    late: bool


def open_complaints(*, user, dealer: Dealer, now: dt.datetime | None = None) -> list[ComplaintClock]:
    """Unresolved complaints, most urgent first, with the time left on their 48 h clock (one query)."""
    now = now or timezone.now()
    queryset = _scoped(Complaint.objects.filter(dealer=dealer), user, Record.COMPLAINT)
    rows = queryset.filter(Q(resolved_at__isnull=True) & Q(closed_at__isnull=True)).select_related(
        "customer", "work_order").order_by("opened_at", "pk")
    clocks = []
    for complaint in rows:
        deadline = complaint.opened_at + COMPLAINT_SLA
        clocks.append(ComplaintClock(complaint, deadline, deadline - now, deadline < now))
    return clocks
