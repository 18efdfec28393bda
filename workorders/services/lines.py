"""Labour and parts lines of a work order, and the totals kept on the work order.

Every change to a line locks the work order row, changes the line, moves stock (parts) and
recalculates the work order's totals in the same transaction: the totals the KPI roll-up reads
can never disagree with the lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import HOURS, MONEY, LabourLine, PartsLine, WorkOrder
from ._common import decimal_value, ensure_editable, lock, stamp

LABOUR_FIELDS = ("op_code", "description", "flat_rate_hours", "actual_hours", "amount", "technician")


def _parts():
    # Imported late: parts.services imports workorders models, and tests may stub it.
    from parts import services as parts_services

    return parts_services


def _check_technician(work_order: WorkOrder, technician) -> None:
    if technician is None:
        return
    if technician.dealer_id != work_order.dealer_id:
        raise ValidationError({"technician": _("The technician works at another dealer.")})
    if not technician.active:
        raise ValidationError({"technician": _("Technician %(name)s is no longer active.") % {"name": technician.name}})


def _clean_labour(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "op_code" in cleaned:
        cleaned["op_code"] = (cleaned["op_code"] or "").strip().upper()
        if not cleaned["op_code"]:
            raise ValidationError({"op_code": _("The operation code is required.")})
        if len(cleaned["op_code"]) > 32:
            raise ValidationError({"op_code": _("The operation code is at most 32 characters.")})
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()[:200]
    labels = {"flat_rate_hours": _("Flat-rate hours"), "actual_hours": _("Actual hours"), "amount": _("Amount")}
    for field, label in labels.items():
        if field in cleaned:
            spec = MONEY if field == "amount" else HOURS
            cleaned[field] = decimal_value(cleaned[field], field=field, label=label, max_digits=spec["max_digits"])
    return cleaned


@transaction.atomic
def workorder_add_labour_line(
    *,
    work_order: WorkOrder,
    by,
    op_code: str,
    flat_rate_hours: Decimal | str | int,
    amount: Decimal | str | int,
    description: str = "",
    technician=None,
    actual_hours: Decimal | str | int = 0,
) -> LabourLine:
    work_order = lock(work_order)
    ensure_editable(work_order)
    _check_technician(work_order, technician)
    values = _clean_labour({"op_code": op_code, "description": description, "flat_rate_hours": flat_rate_hours,
                            "actual_hours": actual_hours, "amount": amount})
    line = LabourLine(work_order=work_order, technician=technician, **values)
    stamp(line, by)
    line.save()
    workorder_recalculate_totals(work_order=work_order, by=by)
    return line


@transaction.atomic
def labour_line_update(*, line: LabourLine, by, **changes: Any) -> LabourLine:
    """Edit a labour line of an open work order (the service advisor's full edit)."""
    unknown = sorted(set(changes) - set(LABOUR_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    work_order = lock(line.work_order)
    ensure_editable(work_order)
    line = LabourLine.objects.get(pk=line.pk, work_order=work_order)
    if "technician" in changes:
        _check_technician(work_order, changes["technician"])
    for field, value in _clean_labour(changes).items():
        setattr(line, field, value)
    stamp(line, by)
    line.save()
    workorder_recalculate_totals(work_order=work_order, by=by)
    return line


def labour_line_record_hours(*, line: LabourLine, by, actual_hours: Decimal | str | int) -> LabourLine:
    """The technician's entry: the hours actually worked on their line."""
    return labour_line_update(line=line, by=by, actual_hours=actual_hours)


@transaction.atomic
def labour_line_delete(*, line: LabourLine, by) -> None:
    work_order = lock(line.work_order)
    ensure_editable(work_order)
    line = LabourLine.objects.get(pk=line.pk, work_order=work_order)
    stamp(line, by)
    line.delete()
    workorder_recalculate_totals(work_order=work_order, by=by)


# ------------------------------------------------------------------------------------------- parts


@transaction.atomic
def workorder_add_parts_line(
    *, work_order: WorkOrder, by, part, quantity: int, unit_price: Decimal | str | None = None
) -> PartsLine:
    """Request a part for the work order: issued from the dealer's stock at once when it covers the
    quantity (filled_from_stock), otherwise the line waits on back-order."""
    work_order = lock(work_order)
    ensure_editable(work_order)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be a whole number above zero.")})
    if not part.active:
        raise ValidationError({"part": _("Part %(number)s is no longer sold.") % {"number": part.number}})
    price = part.price if unit_price in (None, "") else unit_price
    price = decimal_value(price, field="unit_price", label=_("Unit price"), max_digits=MONEY["max_digits"])
    line = PartsLine(
        work_order=work_order,
        part=part,
        quantity=quantity,
        unit_price=price,
        unit_cost=part.cost,
        requested_at=timezone.now(),
        filled_from_stock=False,
    )
    stamp(line, by)
    line.save()
    _parts().stock_issue_to_line(parts_line=line, by=by)
    workorder_recalculate_totals(work_order=work_order, by=by)
    return line


def _locked_line(line: PartsLine) -> tuple[WorkOrder, PartsLine]:
    work_order = lock(line.work_order)
    line = PartsLine.objects.select_related("part", "work_order__dealer").get(pk=line.pk, work_order=work_order)
    return work_order, line


@transaction.atomic
def parts_line_issue(*, line: PartsLine, by) -> PartsLine:
    """Issue a back-ordered line now that the parts are in stock. It stays 'not filled from stock':
    the fill rate judges the moment of the request."""
    work_order, line = _locked_line(line)
    ensure_editable(work_order)
    if line.filled_from_stock or _parts().stock_issued_quantity(parts_line=line) > 0:
        raise ValidationError(_("Parts line %(part)s has already been issued.") % {"part": line.part.number})
    _parts().stock_issue_backorder(parts_line=line, by=by)
    workorder_recalculate_totals(work_order=work_order, by=by)
    return line


@transaction.atomic
def parts_line_return(*, line: PartsLine, by, quantity: int) -> PartsLine:
    """Return unused units of an issued line to stock (counted in returned_quantity)."""
    work_order, line = _locked_line(line)
    ensure_editable(work_order)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be a whole number above zero.")})
    _parts().stock_return_from_line(parts_line=line, quantity=quantity, by=by)
    workorder_recalculate_totals(work_order=work_order, by=by)
    line.refresh_from_db()
    return line


@transaction.atomic
def parts_line_delete(*, line: PartsLine, by) -> PartsLine | None:
    """Take a line off the work order. A line that never moved stock (back-order) is deleted; an
    issued one keeps its ledger: everything still out goes back to stock and the line stays, fully
    returned, so the ledger's references hold. Returns the line if it was kept."""
    work_order, line = _locked_line(line)
    ensure_editable(work_order)
    kept = _return_outstanding(line, by)
    if not kept:
        stamp(line, by)
        line.delete()
    workorder_recalculate_totals(work_order=work_order, by=by)
    return line if kept else None


def _return_outstanding(line: PartsLine, by) -> bool:
    """Return what is still issued on the line; False when the line never moved stock."""
    parts = _parts()
    issued = parts.stock_issued_quantity(parts_line=line)
    if issued == 0 and not line.movements.exists():
        return False
    outstanding = issued - line.returned_quantity
    if outstanding > 0:
        parts.stock_return_from_line(parts_line=line, quantity=outstanding, by=by)
    return True


def return_all_parts(*, work_order: WorkOrder, by) -> None:
    """On cancellation: every unit issued to the work order goes back to stock; back-orders are dropped."""
    for line in PartsLine.objects.filter(work_order=work_order).select_related("part", "work_order__dealer"):
        if not _return_outstanding(line, by):
            stamp(line, by)
            line.delete()


# ------------------------------------------------------------------------------------------ totals


def workorder_recalculate_totals(*, work_order: WorkOrder, by=None) -> WorkOrder:
    """labour_amount, parts_amount, parts_cost, flat_rate_hours and actual_hours from the lines.

    Summed in Python with Decimals (a work order has a handful of lines): exact on every database,
    where SQLite would multiply quantity × price in floating point. Parts count net of returns."""
    labour = LabourLine.objects.filter(work_order=work_order).values_list("amount", "flat_rate_hours", "actual_hours")
    parts = PartsLine.objects.filter(work_order=work_order).values_list(
        "quantity", "returned_quantity", "unit_price", "unit_cost"
    )
    totals = {
        "labour_amount": Decimal(0),
        "flat_rate_hours": Decimal(0),
        "actual_hours": Decimal(0),
        "parts_amount": Decimal(0),
        "parts_cost": Decimal(0),
    }
    for amount, flat_rate, actual in labour:
        totals["labour_amount"] += amount
        totals["flat_rate_hours"] += flat_rate
        totals["actual_hours"] += actual
    for quantity, returned, price, cost in parts:
        net = quantity - returned
        totals["parts_amount"] += net * price
        totals["parts_cost"] += net * cost
    changed = [field for field, value in totals.items() if getattr(work_order, field) != value]
    if changed:
        for field in changed:
            setattr(work_order, field, totals[field].quantize(Decimal("0.01")))
        stamp(work_order, by)
        work_order.save(update_fields=[*changed, "updated_at"])
    return work_order
