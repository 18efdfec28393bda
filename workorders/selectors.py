"""Reads of the workshop, always through dealers.policy: a user gets only what their scope allows.

List selectors return querysets with the relations their pages show already joined, so a page of 50
rows costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dealers import policy
from dealers.policy import Action, Record

from .choices import WorkOrderStatus
from .models import (
    Complaint,
    Customer,
    LabourLine,
    PartsLine,
    Survey,
    Vehicle,
    WorkOrder,
    WorkOrderStatusChange,
)
from .querysets import COMPLAINT_SLA
from .services.workorders import MAIN_PATH, allowed_targets

# ------------------------------------------------------------------------------------------ lists


def workorder_list(*, user, action: Action = Action.VIEW) -> QuerySet[WorkOrder]:
    return policy.scope(WorkOrder.objects.all(), user, Record.WORK_ORDER, action).with_list_relations()


def workorder_detail_queryset(*, user) -> QuerySet[WorkOrder]:
    return policy.scope(WorkOrder.objects.all(), user, Record.WORK_ORDER).select_related(
        "dealer__region", "customer", "vehicle", "service_advisor", "quality_checked_by", "comeback_of__dealer"
    )


def customer_list(*, user, action: Action = Action.VIEW) -> QuerySet[Customer]:
    return policy.scope(Customer.objects.all(), user, Record.CUSTOMER, action).select_related("dealer")


def vehicle_list(*, user, action: Action = Action.VIEW) -> QuerySet[Vehicle]:
    """Vehicles the user's dealers know: owned by their customers or serviced there."""
    dealer_ids = policy.dealer_ids(user, Record.CUSTOMER, action)
    return Vehicle.objects.visible_at(dealer_ids).select_related("owner__dealer")


def complaint_list(*, user, action: Action = Action.VIEW) -> QuerySet[Complaint]:
    return policy.scope(Complaint.objects.all(), user, Record.COMPLAINT, action).select_related(
        "dealer", "customer", "work_order"
    )


def survey_list(*, user, action: Action = Action.VIEW) -> QuerySet[Survey]:
    return policy.scope(Survey.objects.all(), user, Record.SURVEY, action).select_related(
        "dealer", "work_order__customer", "work_order__vehicle"
    )


def labour_line_list(*, user, action: Action = Action.VIEW) -> QuerySet[LabourLine]:
    return policy.labour_lines_scope(LabourLine.objects.all(), user, action).select_related(
        "work_order__dealer", "technician"
    )


def parts_line_list(*, user, action: Action = Action.VIEW) -> QuerySet[PartsLine]:
    return policy.scope(PartsLine.objects.all(), user, Record.WORK_ORDER, action, dealer_field="work_order__dealer")


def technicians_for(*, dealer_id: int) -> QuerySet:
    from training.models import Technician

    return Technician.objects.filter(dealer_id=dealer_id, active=True).order_by("name")


def changeable_dealers(*, user, record: Record) -> QuerySet:
    from dealers.models import Dealer

    return Dealer.objects.filter(id__in=policy.dealer_ids(user, record, Action.CHANGE)).order_by("code")


def visible_dealers(*, user, record: Record) -> QuerySet:
    from dealers.models import Dealer

    return Dealer.objects.filter(id__in=policy.dealer_ids(user, record, Action.VIEW)).order_by("code")


# -------------------------------------------------------------------------------- work order page


def workorder_lines(*, work_order: WorkOrder) -> tuple[list[LabourLine], list[PartsLine]]:
    """The lines with what the page shows: technicians, parts, whether issued, the dealer's stock now."""
    from parts.models import Stock

    labour = list(work_order.labour_lines.select_related("technician").order_by("id"))
    stock = Stock.objects.filter(dealer_id=work_order.dealer_id, part=OuterRef("part_id"))
    parts = list(
        work_order.parts_lines.with_issued()
        .select_related("part")
        .annotate(
            stock_on_hand=models.Subquery(stock.values("on_hand")[:1]),
            stock_reserved=models.Subquery(stock.values("reserved")[:1]),
        )
        .order_by("id")
    )
    for line in parts:
        line.is_issued = line.filled_from_stock or line.has_issue_movement
        line.net_quantity = line.quantity - line.returned_quantity
        line.line_amount = line.net_quantity * line.unit_price
    for line in labour:
        line.can_record_hours = False
    return labour, parts


def workorder_timeline(*, work_order: WorkOrder) -> list[WorkOrderStatusChange]:
    return list(work_order.status_changes.select_related("by").order_by("at"))


def workorder_next_steps(*, work_order: WorkOrder) -> list[WorkOrderStatus]:
    order = [*MAIN_PATH, WorkOrderStatus.WAITING_PARTS, WorkOrderStatus.CANCELLED]
    targets = allowed_targets(work_order.status)
    return [status for status in order if status in targets]


def comeback_candidates(*, work_order: WorkOrder) -> QuerySet[WorkOrder]:
    """Earlier delivered work orders on the same vehicle anywhere in the region (glossary: comeback)."""
    return (
        WorkOrder.objects.filter(
            vehicle_id=work_order.vehicle_id,
            status=WorkOrderStatus.DELIVERED,
            delivered_at__lte=work_order.opened_at,
            dealer__region_id=work_order.dealer.region_id,
        )
        .exclude(pk=work_order.pk)
        .select_related("dealer")
        .order_by("-delivered_at")[:20]
    )


# ------------------------------------------------------------------------------------------ lookups


def lookup_customers(*, user, q: str, dealer_id: int | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """Customers of the user's dealers whose name, phone or cars match `q`."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    customers = policy.scope(Customer.objects.all(), user, Record.CUSTOMER, Action.VIEW)
    if dealer_id is not None:
        customers = customers.filter(dealer_id=dealer_id)
    customers = customers.search(q).select_related("dealer").prefetch_related(
        Prefetch("vehicles", queryset=Vehicle.objects.order_by("-updated_at"))
    ).order_by("name")[:limit]
    return [
        {
            "id": c.pk,
            "name": c.name,
            "phone": c.phone,
            "dealer": c.dealer.code,
            "vehicles": [{"vin": v.vin, "plate": v.plate, "label": f"{v.brand} {v.model}"} for v in c.vehicles.all()[:5]],
        }
        for c in customers
    ]


def lookup_vehicles(*, user, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Vehicles by VIN or plate among those the user's dealers know; a full 17-character VIN also finds a
    car known elsewhere (the car is at the counter; its VIN is on the windscreen), without its owner."""
    from .services.customers import normalize_plate, normalize_vin

    q = (q or "").strip()
    if len(q) < 2:
        return []
    known = vehicle_list(user=user)
    vin, plate = normalize_vin(q), normalize_plate(q)
    matches = list(
        known.filter(models.Q(vin__icontains=vin) | models.Q(plate__icontains=plate)).order_by("plate")[:limit]
    )
    results = [_vehicle_json(v, owner=v.owner) for v in matches]
    if len(vin) == 17 and not any(v.vin == vin for v in matches):
        elsewhere = Vehicle.objects.filter(vin=vin).first()
        if elsewhere is not None:
            results.insert(0, _vehicle_json(elsewhere, owner=None))
    return results


def _vehicle_json(vehicle: Vehicle, *, owner: Customer | None) -> dict[str, Any]:
    return {
        "id": vehicle.pk,
        "vin": vehicle.vin,
        "plate": vehicle.plate,
        "brand": vehicle.brand,
        "model": vehicle.model,
        "powertrain": vehicle.powertrain,
        "model_year": vehicle.model_year,
        "mileage_km": vehicle.mileage_km,
        "owner": {"id": owner.pk, "name": owner.name, "phone": owner.phone} if owner is not None else None,
    }


def lookup_parts(*, user, dealer_id: int, q: str, limit: int = 15) -> list[dict[str, Any]]:
    """Catalogue parts matching `q` with the dealer's stock (on hand / reserved / available)."""
    from parts.models import Part, Stock

    q = (q or "").strip()
    if not q or dealer_id not in policy.dealer_ids(user, Record.STOCK, Action.VIEW):
        return []
    stock = Stock.objects.filter(dealer_id=dealer_id, part=OuterRef("pk"))
    parts = (
        Part.objects.filter(active=True)
        .filter(models.Q(number__istartswith=q) | models.Q(name__icontains=q))
        .annotate(
            on_hand=models.Subquery(stock.values("on_hand")[:1]),
            reserved=models.Subquery(stock.values("reserved")[:1]),
        )
        .order_by("number")[:limit]
    )
    return [
        {
            "id": p.pk,
            "number": p.number,
            "name": p.name,
            "price": str(p.price),
            "on_hand": p.on_hand or 0,
            "reserved": p.reserved or 0,
            "available": max((p.on_hand or 0) - (p.reserved or 0), 0),
        }
        for p in parts
    ]


# --------------------------------------------------------------------------------------- complaints


@dataclass(frozen=True)
class ComplaintClock:
    """The 48 h clock of a complaint: runs from opening until resolution."""

    deadline: dt.datetime
    remaining: dt.timedelta | None  # while open and in time
    overdue_by: dt.timedelta | None  # while open and late, or resolved late
    resolved_in: dt.timedelta | None
    state: str  # "open" | "overdue" | "met" | "missed"

    @property
    def css(self) -> str:
        return {"open": "rag-amber", "overdue": "rag-red", "met": "rag-green", "missed": "rag-red"}[self.state]


def complaint_clock(complaint: Complaint, now: dt.datetime | None = None) -> ComplaintClock:
    now = now or timezone.now()
    deadline = complaint.opened_at + COMPLAINT_SLA
    if complaint.resolved_at is not None:
        took = complaint.resolved_at - complaint.opened_at
        met = took <= COMPLAINT_SLA
        return ComplaintClock(deadline, None, None if met else took - COMPLAINT_SLA, took, "met" if met else "missed")
    if now <= deadline:
        return ComplaintClock(deadline, deadline - now, None, None, "open")
    return ComplaintClock(deadline, None, now - deadline, None, "overdue")


def complaint_state(complaint: Complaint) -> str:
    if complaint.closed_at is not None:
        return "closed"
    if complaint.resolved_at is not None:
        return "resolved"
    return "open"


# ------------------------------------------------------------------------------------ progress page


def progress_work_order(*, token: str) -> WorkOrder | None:
    """The work order behind a customer's progress link (no login: the token is the key)."""
    if not token or len(token) > 64:
        return None
    return WorkOrder.objects.select_related("dealer", "vehicle").filter(progress_token=token).first()


@dataclass
class ProgressStep:
    status: str
    label: str
    at: dt.datetime | None
    state: str  # "done" | "current" | "pending"


def progress_steps(*, work_order: WorkOrder) -> list[ProgressStep]:
    """The customer's view of the lifecycle: the main steps with the time each was first reached.
    Waiting for parts shows only when it happened; a cancelled work order ends at "cancelled"."""
    reached: dict[str, dt.datetime] = {}
    for status, at in work_order.status_changes.order_by("at").values_list("status", "at"):
        reached.setdefault(status, at)
    current = work_order.status
    path = list(MAIN_PATH)
    if WorkOrderStatus.WAITING_PARTS in reached or current == WorkOrderStatus.WAITING_PARTS:
        path.insert(path.index(WorkOrderStatus.IN_PROGRESS) + 1, WorkOrderStatus.WAITING_PARTS)
    if current == WorkOrderStatus.CANCELLED:
        path = [s for s in path if s in reached and s != WorkOrderStatus.CANCELLED] + [WorkOrderStatus.CANCELLED]
    position = path.index(current) if current in path else 0
    steps = []
    for index, status in enumerate(path):
        state = "done" if index < position else "current" if index == position else "pending"
        steps.append(ProgressStep(status, str(WorkOrderStatus(status).label), reached.get(status), state))
    return steps


def mask_plate(plate: str) -> str:
    """浙A12345 → 浙A***45: enough for the customer to recognise the car, not to identify it."""
    plate = plate or ""
    if len(plate) <= 4:
        return "*" * max(len(plate) - 1, 0) + plate[-1:]
    return plate[:2] + "*" * (len(plate) - 4) + plate[-2:]


# ------------------------------------------------------------------------------------------ history


@dataclass
class HistoryChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    user: Any
    kind: str  # "+", "~", "-"
    subject: str
    reason: str
    changes: list[HistoryChange] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return {"+": _("created"), "~": _("changed"), "-": _("deleted")}.get(self.kind, self.kind)


_HIDDEN_FIELDS = {"updated_at", "created_at", "progress_token", "csi"}


def _model_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _display(model: type[models.Model], name: str, value: Any, related: dict) -> str:
    if value is None or value == "":
        return "—"
    model_field = _model_field(model, name)
    if model_field is None:  # a field since removed from the model: show the raw value
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return related.get((model_field.related_model, value), f"#{value}")
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(model_field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    return str(value)


def history_entries(sources: list[tuple[QuerySet, Any]], *, limit: int = 200) -> list[HistoryEntry]:
    """Audit entries, newest first, from the history querysets of one or more models.

    `sources` pairs a historical queryset with a function naming the record (e.g. "Labour line OP100").
    Each change is diffed against the same object's previous record; related objects in the diffs are
    named with one query per related model."""
    pending: list[tuple[Any, Any, type[models.Model], Any]] = []
    for queryset, subject in sources:
        records = list(queryset.select_related("history_user").order_by("id", "history_date", "history_id"))
        previous: dict[Any, Any] = {}
        for record in records:
            pending.append((record, previous.get(record.id), record.instance_type, subject))
            previous[record.id] = record
    pending.sort(key=lambda item: item[0].history_date, reverse=True)
    pending = pending[:limit]

    raw: list[tuple[Any, type[models.Model], Any, list[tuple[str, Any, Any]], bool]] = []
    wanted: dict[type[models.Model], set] = {}
    for record, before, model, subject in pending:
        diffs: list[tuple[str, Any, Any]] = []
        if before is not None and record.history_type == "~":
            delta = record.diff_against(before, excluded_fields=_HIDDEN_FIELDS)
            diffs = [(change.field, change.old, change.new) for change in delta.changes]
        for name, old, new in diffs:
            model_field = _model_field(model, name)
            if isinstance(model_field, models.ForeignKey):
                wanted.setdefault(model_field.related_model, set()).update(v for v in (old, new) if v is not None)
        raw.append((record, model, subject, diffs, before is not None))

    related: dict[tuple[type[models.Model], Any], str] = {}
    for related_model, ids in wanted.items():
        for obj in related_model._default_manager.filter(pk__in=ids):
            related[(related_model, obj.pk)] = str(obj)

    entries = []
    for record, model, subject, diffs, compared in raw:
        changes = [
            HistoryChange(
                field=str(model._meta.get_field(name).verbose_name),
                old=_display(model, name, old, related),
                new=_display(model, name, new, related),
            )
            for name, old, new in diffs
            if name in {f.name for f in model._meta.fields}
        ]
        if record.history_type == "~" and compared and not changes and not record.history_change_reason:
            continue  # a save that changed only hidden fields (updated_at) is noise in the audit view
        entries.append(
            HistoryEntry(
                at=record.history_date,
                user=record.history_user,
                kind=record.history_type,
                subject=subject(record) if callable(subject) else str(subject),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def workorder_history(*, work_order: WorkOrder) -> list[HistoryEntry]:
    def labour_subject(record) -> str:
        return _("Labour line %(code)s") % {"code": record.op_code}

    from parts.models import Part

    part_ids = set(PartsLine.history.filter(work_order_id=work_order.pk).values_list("part_id", flat=True))
    part_numbers = dict(Part.objects.filter(pk__in=part_ids).values_list("pk", "number"))

    def parts_subject(record) -> str:
        return _("Parts line %(part)s") % {"part": part_numbers.get(record.part_id, f"#{record.id}")}

    return history_entries(
        [
            (WorkOrder.history.filter(id=work_order.pk), _("Work order")),
            (LabourLine.history.filter(work_order_id=work_order.pk), labour_subject),
            (PartsLine.history.filter(work_order_id=work_order.pk), parts_subject),
        ]
    )


def customer_history(*, customer: Customer) -> list[HistoryEntry]:
    vehicle_ids = list(customer.vehicles.values_list("id", flat=True))

    def vehicle_subject(record) -> str:
        return _("Vehicle %(vin)s") % {"vin": record.vin}

    return history_entries(
        [
            (Customer.history.filter(id=customer.pk), _("Customer")),
            (Vehicle.history.filter(id__in=vehicle_ids), vehicle_subject),
        ]
    )


def vehicle_history(*, vehicle: Vehicle) -> list[HistoryEntry]:
    return history_entries([(Vehicle.history.filter(id=vehicle.pk), _("Vehicle"))])


def complaint_history(*, complaint: Complaint) -> list[HistoryEntry]:
    return history_entries([(Complaint.history.filter(id=complaint.pk), _("Complaint"))])


def survey_history(*, survey: Survey) -> list[HistoryEntry]:
    return history_entries([(Survey.history.filter(id=survey.pk), _("Survey"))])


def workorders_with_survey_flag(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return queryset.annotate(has_survey=Exists(Survey.objects.filter(work_order=OuterRef("pk"))))
