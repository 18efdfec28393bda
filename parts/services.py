"""Writes of the parts app: the stock ledger, transfers, parts orders, levels and the catalogue.

Stock moves only through `stock_movement_record`: in one transaction it changes `Stock.on_hand` with a
conditional UPDATE (… SET on_hand = on_hand + q WHERE on_hand + q >= 0) and appends the ledger row, so
`on_hand` is always the sum of its ledger and never negative, also when many requests race for the last
unit (PostgreSQL re-checks the WHERE after waiting for the row lock; SQLite serialises writers).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import (
    INBOUND_KINDS,
    OUTBOUND_KINDS,
    MovementKind,
    PartsOrderKind,
    PartsOrderStatus,
    TransferStatus,
)
from .models import Part, PartsOrder, PartsOrderLine, Stock, StockMovement, StockTransfer

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from dealers.models import Dealer
    from workorders.models import PartsLine, WorkOrder


class OutOfStock(ValidationError):  # noqa: N818 — the name other apps import (services contract)
    """The dealer's stock cannot cover an outbound movement."""

    def __init__(self, *, part: Part, dealer: Dealer, on_hand: int, requested: int) -> None:
        self.part = part
        self.dealer = dealer
        self.on_hand = on_hand
        self.requested = requested
        super().__init__(
            _("Out of stock: %(part)s at %(dealer)s (on hand %(on_hand)s, requested %(requested)s)")
            % {"part": part.number, "dealer": dealer.code, "on_hand": on_hand, "requested": requested},
            code="out_of_stock",
        )


def _attach_history_user(instance: Any, by: AbstractBaseUser | None) -> None:
    # simple_history reads `_history_user` when the request middleware is not there (commands, tasks).
    if by is not None and getattr(by, "is_authenticated", False):
        instance._history_user = by


def _check_quantity_sign(kind: MovementKind, quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError(
            _("Quantity must be a whole number, got %(value)r.") % {"value": quantity}, code="quantity_not_integer"
        )
    if kind in INBOUND_KINDS and quantity <= 0:
        raise ValidationError(
            _("A %(kind)s needs a positive quantity, got %(quantity)s.")
            % {"kind": MovementKind(kind).label, "quantity": quantity},
            code="wrong_sign",
        )
    if kind in OUTBOUND_KINDS and quantity >= 0:
        raise ValidationError(
            _("A %(kind)s needs a negative quantity (stock leaving), got %(quantity)s.")
            % {"kind": MovementKind(kind).label, "quantity": quantity},
            code="wrong_sign",
        )
    if kind == MovementKind.ADJUSTMENT and quantity == 0:
        raise ValidationError(_("An adjustment of zero changes nothing."), code="zero_adjustment")
    return quantity


def _positive_quantity(quantity: Any, *, what: str) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError(
            _("%(what)s must be a whole number, got %(value)r.") % {"what": what, "value": quantity},
            code="quantity_not_integer",
        )
    if quantity <= 0:
        raise ValidationError(
            _("%(what)s must be greater than zero, got %(value)s.") % {"what": what, "value": quantity},
            code="quantity_not_positive",
        )
    return quantity


def stock_movement_record(
    *,
    dealer: Dealer,
    part: Part,
    kind: MovementKind | str,
    quantity: int,
    unit_cost: Decimal | None = None,
    at: dt.datetime | None = None,
    reason: str = "",
    parts_line: PartsLine | None = None,
    parts_order: PartsOrder | None = None,
    transfer: StockTransfer | None = None,
    by: AbstractBaseUser | None = None,
    external_id: str | None = None,
) -> StockMovement:
    """Append one ledger movement and apply it to the dealer's stock, atomically.

    Raises OutOfStock when the stock would go negative, ValidationError for bad input. With an
    `external_id` the call is idempotent per dealer: the same movement sent twice is recorded once.
    """
    try:
        kind = MovementKind(kind)
    except ValueError:
        raise ValidationError(_("Unknown movement kind %(kind)r.") % {"kind": kind}, code="bad_kind") from None
    quantity = _check_quantity_sign(kind, quantity)
    reason = (reason or "").strip()
    if kind == MovementKind.ADJUSTMENT and not reason:
        raise ValidationError(_("An adjustment needs a reason."), code="reason_required")
    if len(reason) > 200:
        raise ValidationError(_("The reason is longer than 200 characters."), code="reason_too_long")
    if unit_cost is None:
        unit_cost = part.cost
    unit_cost = Decimal(unit_cost)
    if unit_cost < 0:
        raise ValidationError(
            _("Unit cost cannot be negative, got %(cost)s.") % {"cost": unit_cost}, code="negative_cost"
        )
    if parts_line is not None and parts_line.work_order.dealer_id != dealer.pk:
        raise ValidationError(_("The parts line belongs to another dealer's work order."), code="wrong_dealer")
    if parts_order is not None and parts_order.dealer_id != dealer.pk:
        raise ValidationError(_("The parts order belongs to another dealer."), code="wrong_dealer")
    external_id = (external_id or "").strip() or None
    at = at or timezone.now()

    if external_id is not None:
        existing = StockMovement.objects.filter(dealer=dealer, external_id=external_id).first()
        if existing is not None:
            return _same_or_conflict(existing, part=part, kind=kind, quantity=quantity)

    try:
        with transaction.atomic():
            if quantity > 0:
                # Inbound: the row may not exist yet (stock_ensure copes with a concurrent creator).
                stock_ensure(dealer=dealer, part=part, by=by)
            updated = Stock.objects.filter(dealer=dealer, part=part, on_hand__gte=-quantity).update(
                on_hand=F("on_hand") + quantity, updated_at=timezone.now()
            )
            if updated != 1:
                on_hand = Stock.objects.filter(dealer=dealer, part=part).values_list("on_hand", flat=True).first()
                raise OutOfStock(part=part, dealer=dealer, on_hand=on_hand or 0, requested=-quantity)
            return StockMovement.objects.create(
                dealer=dealer,
                part=part,
                kind=kind,
                quantity=quantity,
                unit_cost=unit_cost,
                at=at,
                reason=reason,
                parts_line=parts_line,
                parts_order=parts_order,
                transfer=transfer,
                created_by=by if getattr(by, "is_authenticated", False) else None,
                external_id=external_id,
            )
    except IntegrityError:
        # Two requests with the same external id: the loser's whole transaction rolled back; answer as the winner.
        if external_id is not None:
            existing = StockMovement.objects.filter(dealer=dealer, external_id=external_id).first()
            if existing is not None:
                return _same_or_conflict(existing, part=part, kind=kind, quantity=quantity)
        raise


def _same_or_conflict(existing: StockMovement, *, part: Part, kind: str, quantity: int) -> StockMovement:
    if existing.part_id == part.pk and existing.kind == kind and existing.quantity == quantity:
        return existing
    raise ValidationError(
        _("External ID %(id)s was already used for a different movement (%(movement)s).")
        % {"id": existing.external_id, "movement": str(existing)},
        code="external_id_conflict",
    )


def stock_receive(
    *,
    dealer: Dealer,
    part: Part,
    quantity: int,
    unit_cost: Decimal | None = None,
    at: dt.datetime | None = None,
    by: AbstractBaseUser | None = None,
    parts_order: PartsOrder | None = None,
    external_id: str | None = None,
    reason: str = "",
) -> StockMovement:
    """Goods received into the dealer's stock (from the carmaker or a supplier)."""
    return stock_movement_record(
        dealer=dealer,
        part=part,
        kind=MovementKind.RECEIPT,
        quantity=quantity,
        unit_cost=unit_cost,
        at=at,
        by=by,
        parts_order=parts_order,
        external_id=external_id,
        reason=reason,
    )


def stock_adjust(
    *,
    dealer: Dealer,
    part: Part,
    quantity: int,
    reason: str,
    by: AbstractBaseUser | None = None,
    at: dt.datetime | None = None,
) -> StockMovement:
    """A correction (count difference, damage, loss…): signed quantity, reason required."""
    return stock_movement_record(
        dealer=dealer, part=part, kind=MovementKind.ADJUSTMENT, quantity=quantity, reason=reason, by=by, at=at
    )


def stock_issued_quantity(*, parts_line: PartsLine) -> int:
    """Units issued to the line from stock so far (positive), net of nothing: returns are counted apart."""
    total = parts_line.movements.filter(kind=MovementKind.ISSUE).aggregate(total=Sum("quantity"))["total"]
    return -(total or 0)


def stock_issue_to_line(*, parts_line: PartsLine, by: AbstractBaseUser | None = None) -> bool:
    """Issue the line's quantity from the work order's dealer stock, or leave it on back-order.

    Returns whether the line was filled from stock; sets and saves `filled_from_stock` (the fill rate
    counts it). A line already issued is not issued twice.
    """
    work_order = parts_line.work_order
    with transaction.atomic():
        if stock_issued_quantity(parts_line=parts_line) > 0:
            return parts_line.filled_from_stock
        try:
            stock_movement_record(
                dealer=work_order.dealer,
                part=parts_line.part,
                kind=MovementKind.ISSUE,
                quantity=-parts_line.quantity,
                unit_cost=parts_line.unit_cost,
                at=parts_line.requested_at,
                parts_line=parts_line,
                by=by,
            )
            filled = True
        except OutOfStock:
            filled = False
        parts_line.filled_from_stock = filled
        _attach_history_user(parts_line, by)
        parts_line.save(update_fields=["filled_from_stock"])
    return filled


def stock_issue_backorder(*, parts_line: PartsLine, by: AbstractBaseUser | None = None) -> StockMovement:
    """Issue a back-ordered line once the parts have arrived. The line stays 'not filled from stock':
    the fill rate judges the moment of the request."""
    with transaction.atomic():
        if stock_issued_quantity(parts_line=parts_line) > 0:
            raise ValidationError(_("This parts line has already been issued."), code="already_issued")
        return stock_movement_record(
            dealer=parts_line.work_order.dealer,
            part=parts_line.part,
            kind=MovementKind.ISSUE,
            quantity=-parts_line.quantity,
            unit_cost=parts_line.unit_cost,
            parts_line=parts_line,
            by=by,
        )


def stock_return_from_line(
    *, parts_line: PartsLine, quantity: int, by: AbstractBaseUser | None = None, at: dt.datetime | None = None
) -> StockMovement:
    """Put unused parts of a work order's line back into stock; counts them in `returned_quantity`."""
    from workorders.models import PartsLine

    quantity = _positive_quantity(quantity, what=_("Returned quantity"))
    with transaction.atomic():
        # Lock the line so two returns cannot both pass the "not more than issued" check.
        line = PartsLine.objects.select_for_update().select_related("work_order__dealer", "part").get(pk=parts_line.pk)
        issued = stock_issued_quantity(parts_line=line)
        returnable = issued - line.returned_quantity
        if quantity > returnable:
            raise ValidationError(
                _(
                    "Cannot return %(quantity)s of %(part)s: %(issued)s issued to this line, "
                    "%(returned)s already returned."
                )
                % {
                    "quantity": quantity,
                    "part": line.part.number,
                    "issued": issued,
                    "returned": line.returned_quantity,
                },
                code="return_exceeds_issued",
            )
        movement = stock_movement_record(
            dealer=line.work_order.dealer,
            part=line.part,
            kind=MovementKind.RETURN,
            quantity=quantity,
            unit_cost=line.unit_cost,
            at=at,
            parts_line=line,
            by=by,
        )
        line.returned_quantity += quantity
        _attach_history_user(line, by)
        line.save(update_fields=["returned_quantity"])
    parts_line.returned_quantity = line.returned_quantity
    return movement


def stock_transfer_send(
    *,
    from_dealer: Dealer,
    to_dealer: Dealer,
    part: Part,
    quantity: int,
    by: AbstractBaseUser | None = None,
    at: dt.datetime | None = None,
) -> StockTransfer:
    """Ship parts to another dealer: out of the sender's stock now, in transit until the receiver confirms."""
    quantity = _positive_quantity(quantity, what=_("Transfer quantity"))
    if from_dealer.pk == to_dealer.pk:
        raise ValidationError(_("A transfer needs two different dealers."), code="same_dealer")
    at = at or timezone.now()
    with transaction.atomic():
        transfer = StockTransfer(
            from_dealer=from_dealer, to_dealer=to_dealer, part=part, quantity=quantity, unit_cost=part.cost, shipped_at=at
        )
        _attach_history_user(transfer, by)
        transfer.save()
        stock_movement_record(
            dealer=from_dealer,
            part=part,
            kind=MovementKind.TRANSFER_OUT,
            quantity=-quantity,
            unit_cost=transfer.unit_cost,
            at=at,
            transfer=transfer,
            reason=_("Transfer to %(dealer)s") % {"dealer": to_dealer.code},
            by=by,
        )
    return transfer


def stock_transfer_receive(
    *, transfer: StockTransfer, by: AbstractBaseUser | None = None, at: dt.datetime | None = None
) -> StockTransfer:
    """The receiving dealer confirms the goods: in transit → received, into its stock."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            StockTransfer.objects.select_for_update()
            .select_related("part", "from_dealer", "to_dealer")
            .get(pk=transfer.pk)
        )
        if locked.status != TransferStatus.IN_TRANSIT:
            raise ValidationError(_("This transfer has already been received."), code="already_received")
        if at < locked.shipped_at:
            raise ValidationError(_("A transfer cannot be received before it was shipped."), code="received_before_shipped")
        locked.status = TransferStatus.RECEIVED
        locked.received_at = at
        _attach_history_user(locked, by)
        locked.save(update_fields=["status", "received_at"])
        stock_movement_record(
            dealer=locked.to_dealer,
            part=locked.part,
            kind=MovementKind.TRANSFER_IN,
            quantity=locked.quantity,
            unit_cost=locked.unit_cost,
            at=at,
            transfer=locked,
            reason=_("Transfer from %(dealer)s") % {"dealer": locked.from_dealer.code},
            by=by,
        )
    transfer.status, transfer.received_at = locked.status, locked.received_at
    return transfer


def _next_order_number(dealer: Dealer, on: dt.date) -> str:
    prefix = f"PO{on:%Y%m%d}-"
    numbers = PartsOrder.objects.filter(dealer=dealer, number__startswith=prefix).values_list("number", flat=True)
    taken = [int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:03d}"


def parts_order_create(
    *,
    dealer: Dealer,
    kind: PartsOrderKind | str,
    lines: list[tuple[Part, int]],
    by: AbstractBaseUser | None = None,
    work_order: WorkOrder | None = None,
    number: str | None = None,
    ordered_at: dt.datetime | None = None,
    external_id: str | None = None,
) -> PartsOrder:
    """A replenishment order to the carmaker with its lines (quantity > 0, one line per part)."""
    try:
        kind = PartsOrderKind(kind)
    except ValueError:
        raise ValidationError(_("Unknown order kind %(kind)r.") % {"kind": kind}, code="bad_kind") from None
    if not lines:
        raise ValidationError(_("A parts order needs at least one line."), code="no_lines")
    seen: set[int] = set()
    for index, (part, quantity) in enumerate(lines, start=1):
        _positive_quantity(quantity, what=_("Quantity on line %(line)s") % {"line": index})
        if part.pk in seen:
            raise ValidationError(
                _("Part %(part)s appears on more than one line.") % {"part": part.number}, code="duplicate_part"
            )
        seen.add(part.pk)
    if work_order is not None and work_order.dealer_id != dealer.pk:
        raise ValidationError(_("The work order belongs to another dealer."), code="wrong_dealer")
    ordered_at = ordered_at or timezone.now()
    number = (number or "").strip()
    if number and PartsOrder.objects.filter(dealer=dealer, number=number).exists():
        raise ValidationError(_("Order number %(number)s is already used.") % {"number": number}, code="duplicate_number")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = PartsOrder(
                    dealer=dealer,
                    number=number or _next_order_number(dealer, timezone.localdate(ordered_at)),
                    kind=kind,
                    ordered_at=ordered_at,
                    work_order=work_order,
                    external_id=(external_id or "").strip() or None,
                )
                _attach_history_user(order, by)
                order.save()
                PartsOrderLine.objects.bulk_create(
                    PartsOrderLine(order=order, part=part, quantity=quantity, unit_cost=part.cost)
                    for part, quantity in lines
                )
                return order
        except IntegrityError:
            if number:  # a caller-given number or external id collided: nothing to retry
                raise ValidationError(
                    _("Order number %(number)s is already used.") % {"number": number}, code="duplicate_number"
                ) from None
            # Two clerks took the same generated number at once: try the next one.
    raise ValidationError(_("Could not allocate an order number, please retry."), code="number_busy")


def parts_order_receive(
    *,
    order: PartsOrder,
    by: AbstractBaseUser | None = None,
    at: dt.datetime | None = None,
    quantities: dict[int, int] | None = None,
) -> PartsOrder:
    """Receive an order's goods: a receipt movement per line. By default everything still outstanding;
    `quantities` (line id → units) receives part of it. The order is 'received' once every line is."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = PartsOrder.objects.select_for_update().select_related("dealer").get(pk=order.pk)
        if locked.status != PartsOrderStatus.ORDERED:
            raise ValidationError(
                _("Order %(number)s is %(status)s and cannot be received.")
                % {"number": locked.number, "status": locked.get_status_display()},
                code="not_open",
            )
        if at < locked.ordered_at:
            raise ValidationError(_("An order cannot be received before it was ordered."), code="received_before_ordered")
        lines = list(locked.lines.select_related("part").order_by("id"))
        known = {line.pk for line in lines}
        unknown = set(quantities or {}) - known
        if unknown:
            raise ValidationError(_("Lines %(ids)s are not on this order.") % {"ids": sorted(unknown)}, code="bad_line")
        received_any = False
        for line in lines:
            outstanding = line.quantity - line.received_quantity
            wanted = outstanding if quantities is None else quantities.get(line.pk, 0)
            if wanted == 0:
                continue
            _positive_quantity(wanted, what=_("Received quantity of %(part)s") % {"part": line.part.number})
            if wanted > outstanding:
                raise ValidationError(
                    _("Cannot receive %(wanted)s of %(part)s: only %(outstanding)s outstanding.")
                    % {"wanted": wanted, "part": line.part.number, "outstanding": outstanding},
                    code="receipt_exceeds_order",
                )
            stock_movement_record(
                dealer=locked.dealer,
                part=line.part,
                kind=MovementKind.RECEIPT,
                quantity=wanted,
                unit_cost=line.unit_cost,
                at=at,
                parts_order=locked,
                reason=_("Parts order %(number)s") % {"number": locked.number},
                by=by,
            )
            line.received_quantity += wanted
            received_any = True
        if not received_any:
            raise ValidationError(_("Nothing to receive on order %(number)s.") % {"number": locked.number}, code="nothing")
        PartsOrderLine.objects.bulk_update(lines, ["received_quantity"])
        if all(line.received_quantity >= line.quantity for line in lines):
            locked.status = PartsOrderStatus.RECEIVED
            locked.received_at = at
        _attach_history_user(locked, by)
        locked.save()
    order.refresh_from_db()
    return order


def parts_order_cancel(*, order: PartsOrder, by: AbstractBaseUser | None = None) -> PartsOrder:
    """Cancel an order nothing of which has been received yet."""
    with transaction.atomic():
        locked = PartsOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status != PartsOrderStatus.ORDERED:
            raise ValidationError(_("Only an open order can be cancelled."), code="not_open")
        if locked.lines.filter(received_quantity__gt=0).exists():
            raise ValidationError(_("Part of this order has been received; it cannot be cancelled."), code="partly")
        locked.status = PartsOrderStatus.CANCELLED
        _attach_history_user(locked, by)
        locked.save()
    order.refresh_from_db()
    return order


def stock_levels_update(
    *,
    stock: Stock,
    reorder_point: int,
    maximum: int,
    bin: str | None = None,  # noqa: A002 — the model's field name
    by: AbstractBaseUser | None = None,
) -> Stock:
    """Edit a stock row's reorder point, maximum and bin (never its count: that is the ledger's)."""
    for label, value in ((_("Reorder point"), reorder_point), (_("Maximum"), maximum)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(
                _("%(what)s must be a whole number of at least 0, got %(value)r.") % {"what": label, "value": value},
                code="bad_level",
            )
    if maximum < reorder_point:
        raise ValidationError(
            _("The maximum (%(maximum)s) cannot be below the reorder point (%(reorder_point)s).")
            % {"maximum": maximum, "reorder_point": reorder_point},
            code="maximum_below_reorder_point",
        )
    stock.reorder_point, stock.maximum = reorder_point, maximum
    fields = ["reorder_point", "maximum", "updated_at"]
    if bin is not None:
        stock.bin = bin.strip()[:32]
        fields.append("bin")
    _attach_history_user(stock, by)
    # update_fields keeps the save away from on_hand: a concurrent issue's count must not be overwritten.
    stock.save(update_fields=fields)
    return stock


def stock_ensure(*, dealer: Dealer, part: Part, by: AbstractBaseUser | None = None) -> Stock:
    """The stock row of a part at a dealer, created at zero if missing (to set levels before any receipt)."""
    stock = Stock.objects.filter(dealer=dealer, part=part).first()
    if stock is not None:
        return stock
    stock = Stock(dealer=dealer, part=part)
    _attach_history_user(stock, by)  # the history names who started stocking the part
    try:
        with transaction.atomic():
            stock.save()
    except IntegrityError:
        # A concurrent request created the row first: use it.
        return Stock.objects.get(dealer=dealer, part=part)
    return stock


def part_save(*, part: Part, by: AbstractBaseUser | None = None) -> Part:
    """Create or update a catalogue part after model validation."""
    part.number = part.number.strip()
    part.full_clean()
    _attach_history_user(part, by)
    part.save()
    return part
