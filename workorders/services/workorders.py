"""Work orders: creation and numbering, the lifecycle state machine, signature, comeback, correction.

The lifecycle (WorkOrderStatus), with the data each step needs (checked in `transition_problems`):

    booked ──► checked_in ──► in_progress ◄──► waiting_parts
      │            │              │  ▲
      └──► cancelled ◄──┘         ▼  │ (quality check failed: back to work)
                             quality_check ──► ready ──► delivered

- checked_in: the mileage at the visit and the customer's concern are recorded (reception).
- in_progress: at least one labour line has a technician assigned (the job was dispatched).
- waiting_parts: at least one parts line is on back-order.
- quality_check: at least one labour line; every labour line has a technician and actual hours;
  no parts line on back-order.
- ready: records who did the quality check and when (quality_checked_by/at).
- delivered: a passed quality check and the customer's signature; sets delivered_at.
- cancelled: only from booked or checked_in, with a note saying why; issued parts go back to stock.
Delivered and cancelled work orders are locked; a service manager corrects a delivered one with a
reason (workorder_correct), which the history keeps as its change reason.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.choices import Role

from ..choices import Channel, WorkOrderStatus, WorkOrderType
from ..models import Customer, PartsLine, Vehicle, WorkOrder, WorkOrderStatusChange
from ._common import ensure_editable, lock, resolve_time, stamp
from .signature import validate_signature_png

S = WorkOrderStatus


class TransitionError(ValidationError):
    """A refused lifecycle step: not an allowed next status, or the data the step needs is missing."""


ALLOWED_TRANSITIONS: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    S.BOOKED: frozenset({S.CHECKED_IN, S.CANCELLED}),
    S.CHECKED_IN: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.WAITING_PARTS, S.QUALITY_CHECK}),
    S.WAITING_PARTS: frozenset({S.IN_PROGRESS}),
    S.QUALITY_CHECK: frozenset({S.READY, S.IN_PROGRESS}),
    S.READY: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}
# The happy path, in order: the customer's progress page shows these steps.
MAIN_PATH: tuple[WorkOrderStatus, ...] = (
    S.BOOKED, S.CHECKED_IN, S.IN_PROGRESS, S.QUALITY_CHECK, S.READY, S.DELIVERED,
)
# Fields a service advisor may edit while the work order is open, and a manager may correct after delivery.
EDITABLE_FIELDS = ("type", "channel", "promised_at", "mileage_km", "concern", "cause", "correction",
                   "extended_warranty_sold")
CORRECTABLE_FIELDS = (*EDITABLE_FIELDS, "comeback_of")
# django-simple-history keeps the change reason in a 100-character column.
REASON_MAX_LENGTH = 100
NUMBER_ATTEMPTS = 5


def allowed_targets(status: str) -> frozenset[WorkOrderStatus]:
    return ALLOWED_TRANSITIONS.get(WorkOrderStatus(status), frozenset())


def _label(status: str) -> str:
    return str(WorkOrderStatus(status).label)


# --------------------------------------------------------------------------------------------- numbers


def _number_prefix(dealer, opened_at: dt.datetime) -> str:
    """`<dealer code>-YYMM-`: the month in the region's time zone, so numbers roll over at local midnight."""
    try:
        tz = zoneinfo.ZoneInfo(dealer.region.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = timezone.get_default_timezone()
    # 21 + 1 + 4 + 1 + 5 = 32 characters, the column's width.
    return f"{dealer.code[:21].upper()}-{opened_at.astimezone(tz):%y%m}-"


def _next_number(dealer, opened_at: dt.datetime) -> str:
    prefix = _number_prefix(dealer, opened_at)
    numbers = WorkOrder.objects.filter(dealer=dealer, number__startswith=prefix).values_list("number", flat=True)
    highest = 0
    # Zero-padded, so the greatest string is the greatest number; parse defensively anyway.
    for number in numbers.order_by("-number")[:1]:
        tail = number[len(prefix):]
        highest = int(tail) if tail.isdigit() else 0
    return f"{prefix}{highest + 1:05d}"


# ------------------------------------------------------------------------------------------------ create


@transaction.atomic
def workorder_create(
    *,
    dealer,
    by,
    customer: Customer,
    vehicle: Vehicle,
    type: str,  # noqa: A002 - the contract's name for the work order type
    channel: str,
    opened_at: dt.datetime | None = None,
    promised_at: dt.datetime | None = None,
    concern: str = "",
    number: str | None = None,
    external_id: str | None = None,
    mileage_km: int | None = None,
) -> WorkOrder:
    """Open (book) a work order and record its first status, 'booked'.

    The number is `<dealer code>-YYMM-#####`, counted per dealer and month. Concurrent bookings at one
    dealer queue on a row lock of the dealer (PostgreSQL); a unique-constraint clash (another writer
    that did not lock, e.g. an import with its own numbers) is retried with the next number."""
    from dealers.models import Dealer

    errors: dict[str, list[str]] = {}
    if customer.dealer_id != dealer.pk:
        errors.setdefault("customer", []).append(_("The customer belongs to another dealer."))
    if type not in WorkOrderType.values:
        errors.setdefault("type", []).append(_("Unknown work order type “%(value)s”.") % {"value": type})
    if channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Unknown channel “%(value)s”.") % {"value": channel})
    if mileage_km is not None and mileage_km < 0:
        errors.setdefault("mileage_km", []).append(_("Mileage cannot be negative."))
    if errors:
        raise ValidationError(errors)
    opened_at = resolve_time(opened_at, field="opened_at")
    if promised_at is not None and promised_at < opened_at:
        raise ValidationError({"promised_at": _("The promised time cannot be before the work order was opened.")})
    if external_id and WorkOrder.objects.filter(dealer=dealer, external_id=external_id).exists():
        raise ValidationError({"external_id": _("A work order with external ID %(id)s already exists at this dealer.")
                               % {"id": external_id}})
    if number and WorkOrder.objects.filter(dealer=dealer, number=number).exists():
        raise ValidationError({"number": _("Work order number %(number)s is already taken at this dealer.")
                               % {"number": number}})

    # Serialise number generation per dealer (a no-op lock on SQLite, whose writers queue anyway).
    dealer = Dealer.objects.select_for_update().select_related("region").get(pk=dealer.pk)
    advisor = by if by is not None and getattr(by, "is_active", False) else None
    for attempt in range(NUMBER_ATTEMPTS):
        work_order = WorkOrder(
            dealer=dealer,
            number=number or _next_number(dealer, opened_at),
            external_id=external_id or None,
            type=type,
            channel=channel,
            status=S.BOOKED,
            customer=customer,
            vehicle=vehicle,
            mileage_km=mileage_km,
            opened_at=opened_at,
            promised_at=promised_at,
            concern=concern.strip(),
            service_advisor=advisor,
        )
        stamp(work_order, by)
        try:
            with transaction.atomic():
                work_order.save()
            break
        except IntegrityError:
            taken = WorkOrder.objects.filter(dealer=dealer, number=work_order.number).exists()
            if number or not taken or attempt == NUMBER_ATTEMPTS - 1:
                raise
    if vehicle.owner_id is None:
        # A car seen for the first time belongs to the customer who brought it in. A car already
        # linked to a customer (possibly at another dealer) keeps its owner: we do not rewrite others' data.
        vehicle.owner = customer
        stamp(vehicle, by)
        vehicle.save(update_fields=["owner", "updated_at"])
    _record_status(work_order=work_order, status=S.BOOKED, at=opened_at, by=by, note="")
    return work_order


@transaction.atomic
def workorder_update(*, work_order: WorkOrder, by, **changes: Any) -> WorkOrder:
    """Edit an open work order's header (EDITABLE_FIELDS)."""
    work_order = lock(work_order)
    ensure_editable(work_order)
    _apply_header_changes(work_order, changes, allowed=EDITABLE_FIELDS)
    stamp(work_order, by)
    work_order.save()
    return work_order


def _apply_header_changes(work_order: WorkOrder, changes: dict[str, Any], *, allowed: tuple[str, ...]) -> list[str]:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    errors: dict[str, str] = {}
    if "type" in changes and changes["type"] not in WorkOrderType.values:
        errors["type"] = _("Unknown work order type “%(value)s”.") % {"value": changes["type"]}
    if "channel" in changes and changes["channel"] not in Channel.values:
        errors["channel"] = _("Unknown channel “%(value)s”.") % {"value": changes["channel"]}
    promised_at = changes.get("promised_at")
    if promised_at is not None and promised_at < work_order.opened_at:
        errors["promised_at"] = _("The promised time cannot be before the work order was opened.")
    mileage = changes.get("mileage_km")
    if mileage is not None and mileage < 0:
        errors["mileage_km"] = _("Mileage cannot be negative.")
    if errors:
        raise ValidationError(errors)
    changed = []
    for field, value in changes.items():
        if field == "comeback_of":
            current = work_order.comeback_of_id
            new = value.pk if value is not None else None
            if current != new:
                _check_comeback(work_order, value)
                work_order.comeback_of = value
                changed.append(field)
            continue
        if isinstance(value, str):
            value = value.strip()
        if getattr(work_order, field) != value:
            setattr(work_order, field, value)
            changed.append(field)
    return changed


# -------------------------------------------------------------------------------------------- lifecycle


def transition_problems(work_order: WorkOrder, to: WorkOrderStatus) -> list[str]:
    """What is missing for `work_order` to enter `to` (empty when the step may be taken)."""
    problems: list[str] = []
    labour = list(work_order.labour_lines.all())
    if to == S.CHECKED_IN:
        if work_order.mileage_km is None:
            problems.append(_("record the mileage at the visit"))
        if not work_order.concern.strip():
            problems.append(_("record the customer's concern"))
    elif to == S.IN_PROGRESS:
        if not any(line.technician_id for line in labour):
            problems.append(_("assign a technician to at least one labour line"))
    elif to == S.WAITING_PARTS:
        if not PartsLine.objects.filter(work_order=work_order).on_back_order().exists():
            problems.append(_("there is no parts line on back-order"))
    elif to == S.QUALITY_CHECK:
        if not labour:
            problems.append(_("add at least one labour line"))
        if any(line.technician_id is None for line in labour):
            problems.append(_("assign a technician to every labour line"))
        if any(line.actual_hours <= 0 for line in labour):
            problems.append(_("record the actual hours of every labour line"))
        if PartsLine.objects.filter(work_order=work_order).on_back_order().exists():
            problems.append(_("issue or remove the parts lines on back-order"))
    elif to == S.DELIVERED:
        if work_order.quality_checked_at is None:
            problems.append(_("the quality check has not been passed"))
        if not work_order.signature or work_order.signed_at is None:
            problems.append(_("the customer has not signed"))
    return problems


@transaction.atomic
def workorder_transition(
    *, work_order: WorkOrder, to: WorkOrderStatus | str, by, at: dt.datetime | None = None, note: str = ""
) -> WorkOrder:
    """Move a work order to its next status, recording who and when (WorkOrderStatusChange).

    Raises TransitionError naming from → to and the allowed targets for a step the state machine does
    not have, or listing what is missing for a step it does."""
    work_order = lock(work_order)
    try:
        to = WorkOrderStatus(to)
    except ValueError:
        raise TransitionError(_("Unknown status “%(to)s”.") % {"to": to}, code="unknown_status") from None
    current = WorkOrderStatus(work_order.status)
    targets = ALLOWED_TRANSITIONS[current]
    if to not in targets:
        allowed = ", ".join(_label(s) for s in MAIN_PATH + (S.WAITING_PARTS, S.CANCELLED) if s in targets)
        raise TransitionError(
            _("Work order %(number)s cannot go from %(from)s to %(to)s. Allowed next steps: %(allowed)s.")
            % {"number": work_order.number, "from": _label(current), "to": _label(to),
               "allowed": allowed or _("none (the work order is closed)")},
            code="invalid_transition",
        )
    problems = transition_problems(work_order, to)
    note = (note or "").strip()
    if to == S.CANCELLED and not note:
        problems.append(_("give the reason for the cancellation"))
    if problems:
        raise TransitionError(
            _("Work order %(number)s cannot go from %(from)s to %(to)s yet: %(problems)s.")
            % {"number": work_order.number, "from": _label(current), "to": _label(to), "problems": "; ".join(problems)},
            code="requirements",
        )
    last = work_order.status_changes.order_by("-at").values_list("at", flat=True).first()
    at = resolve_time(at, field="at", not_before=last or work_order.opened_at,
                      not_before_label=_("the previous status change"))

    work_order.status = to
    fields = ["status", "updated_at"]
    if to == S.READY:
        work_order.quality_checked_by = by
        work_order.quality_checked_at = at
        fields += ["quality_checked_by", "quality_checked_at"]
    elif to == S.DELIVERED:
        work_order.delivered_at = at
        fields.append("delivered_at")
    elif to == S.CHECKED_IN and work_order.mileage_km is not None:
        _update_vehicle_mileage(work_order, by)
    elif to == S.CANCELLED:
        from .lines import return_all_parts

        return_all_parts(work_order=work_order, by=by)
    stamp(work_order, by)
    work_order.save(update_fields=fields)
    _record_status(work_order=work_order, status=to, at=at, by=by, note=note)
    if to == S.CANCELLED:
        from .lines import workorder_recalculate_totals

        workorder_recalculate_totals(work_order=work_order, by=by)
    return work_order


def _update_vehicle_mileage(work_order: WorkOrder, by) -> None:
    """The odometer only goes up: keep the vehicle's highest known reading."""
    vehicle = work_order.vehicle
    if work_order.mileage_km > vehicle.mileage_km:
        vehicle.mileage_km = work_order.mileage_km
        stamp(vehicle, by)
        vehicle.save(update_fields=["mileage_km", "updated_at"])


def _record_status(*, work_order: WorkOrder, status: str, at: dt.datetime, by, note: str) -> WorkOrderStatusChange:
    """One row per status entered. (work_order, at) is unique: two steps landing on the same
    microsecond (a double click, an import with coarse times) are kept in order 1 µs apart."""
    taken = set(
        WorkOrderStatusChange.objects.filter(work_order=work_order, at__gte=at).values_list("at", flat=True)
    )
    while at in taken:
        at += dt.timedelta(microseconds=1)
    return WorkOrderStatusChange.objects.create(
        work_order=work_order, status=status, at=at, by=by if getattr(by, "pk", None) else None, note=note[:255]
    )


# ---------------------------------------------------------------------------------------- signature


@transaction.atomic
def workorder_sign(*, work_order: WorkOrder, by, signature_png: bytes) -> WorkOrder:
    """Store the customer's signature (drawn at pick-up) with the time it was given.

    Only a work order that is ready for pick-up can be signed; signing again replaces the image (the
    history keeps the earlier file name)."""
    work_order = lock(work_order)
    if work_order.status != S.READY:
        raise ValidationError(
            {"signature": _("The customer signs at pick-up: work order %(number)s is %(status)s, not ready.")
             % {"number": work_order.number, "status": work_order.get_status_display()}}
        )
    validate_signature_png(signature_png)
    now = timezone.now()
    name = f"{work_order.dealer_id}-{work_order.number}-{now:%Y%m%d%H%M%S}.png"
    work_order.signature.save(name, ContentFile(signature_png), save=False)
    work_order.signed_at = now
    stamp(work_order, by)
    work_order.save(update_fields=["signature", "signed_at", "updated_at"])
    return work_order


# ------------------------------------------------------------------------------------------ comeback


def _check_comeback(work_order: WorkOrder, earlier: WorkOrder | None) -> None:
    """A comeback points at an earlier, delivered work order on the same vehicle (same VIN), at any
    dealer of the same region (glossary: comeback)."""
    if earlier is None:
        return
    if earlier.pk == work_order.pk:
        raise ValidationError({"comeback_of": _("A work order cannot be a comeback of itself.")})
    if earlier.vehicle_id != work_order.vehicle_id:
        raise ValidationError({"comeback_of": _("Work order %(number)s was for another vehicle (VIN %(vin)s).")
                               % {"number": earlier.number, "vin": earlier.vehicle.vin}})
    if earlier.status != S.DELIVERED or earlier.delivered_at is None:
        raise ValidationError({"comeback_of": _("Work order %(number)s has not been delivered.")
                               % {"number": earlier.number}})
    if earlier.delivered_at > work_order.opened_at:
        raise ValidationError({"comeback_of": _("Work order %(number)s was delivered after this one was opened.")
                               % {"number": earlier.number}})
    if earlier.dealer.region_id != work_order.dealer.region_id:
        raise ValidationError({"comeback_of": _("Work order %(number)s is from another region.")
                               % {"number": earlier.number}})


@transaction.atomic
def workorder_mark_comeback(*, work_order: WorkOrder, by, comeback_of: WorkOrder | None) -> WorkOrder:
    """Mark (or with None, unmark) an open work order as a comeback of an earlier delivered repair."""
    work_order = lock(work_order)
    ensure_editable(work_order)
    _apply_header_changes(work_order, {"comeback_of": comeback_of}, allowed=("comeback_of",))
    stamp(work_order, by)
    work_order.save(update_fields=["comeback_of", "updated_at"])
    return work_order


# ---------------------------------------------------------------------------------------- correction


def is_service_manager(user, dealer_id: int) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.memberships.filter(role=Role.SERVICE_MANAGER, dealer_id=dealer_id).exists()


@transaction.atomic
def workorder_correct(*, work_order: WorkOrder, by, reason: str, changes: dict[str, Any]) -> WorkOrder:
    """A service manager's correction of a delivered work order. The reason is required and becomes the
    history record's change reason, so the audit trail says who corrected what, when and why."""
    work_order = lock(work_order)
    if work_order.status != S.DELIVERED:
        raise ValidationError(_("Only delivered work orders are corrected; edit work order %(number)s directly.")
                              % {"number": work_order.number})
    if not is_service_manager(by, work_order.dealer_id):
        raise ValidationError(_("Only a service manager of this dealer can correct a delivered work order."),
                              code="permission")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason within %(n)d characters.") % {"n": REASON_MAX_LENGTH}})
    changed = _apply_header_changes(work_order, dict(changes), allowed=CORRECTABLE_FIELDS)
    if not changed:
        raise ValidationError(_("The correction changes nothing."))
    stamp(work_order, by, reason=reason)
    work_order.save(update_fields=[*changed, "updated_at"])
    stamp(work_order, by)  # the reason belongs to this save only
    return work_order
