"""Reads of the parts app. Every function takes the user and narrows through dealers.policy; a record of
a dealer the user may not see is simply not found (the views answer 404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dealers import policy
from dealers.models import Dealer
from dealers.policy import Action, Record

from .choices import MovementKind
from .models import Part, PartsOrder, PartsOrderLine, Stock, StockMovement, StockTransfer
from .querysets import (
    PartQuerySet,
    StockQuerySet,
    movements,
    parts,
    parts_orders,
    stocks,
    transfers,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def dealers_for(*, user: AbstractBaseUser, record: Record, action: Action = Action.VIEW) -> QuerySet[Dealer]:
    """The dealers whose `record`s the user may `action`, for choice fields and filters."""
    return Dealer.objects.filter(id__in=policy.dealer_ids(user, record, action)).order_by("code")


def part_list(*, user: AbstractBaseUser) -> PartQuerySet:
    """The region-wide catalogue, for every role allowed to see parts."""
    if not policy.can(user, Action.VIEW, Record.PART, None):
        return parts().none()
    return parts().order_by("number")


def part_get(*, user: AbstractBaseUser, pk: int, action: Action = Action.VIEW) -> Part:
    if not policy.can(user, action, Record.PART, None):
        raise Http404(_("No such part."))
    try:
        return Part.objects.get(pk=pk)
    except Part.DoesNotExist:
        raise Http404(_("No such part.")) from None


def part_stocks(*, user: AbstractBaseUser, part: Part) -> QuerySet[Stock]:
    """The part's stock at the dealers the user may see."""
    return stock_list(user=user).filter(part=part).order_by("dealer__code")


def stock_list(*, user: AbstractBaseUser) -> StockQuerySet:
    """Stock rows the user may see, with their value and last issue time, ready for a list."""
    return (
        policy.scope(stocks(), user, Record.STOCK)
        .select_related("dealer", "part")
        .with_value()
        .with_last_issue()
        .order_by("dealer__code", "part__number")
    )


def stock_get(*, user: AbstractBaseUser, pk: int, action: Action = Action.VIEW) -> Stock:
    qs = policy.scope(stocks(), user, Record.STOCK, action).select_related("dealer", "part").with_value()
    try:
        return qs.with_last_issue().with_inbound().get(pk=pk)
    except Stock.DoesNotExist:
        raise Http404(_("No such stock record.")) from None


def stock_ledger(*, stock: Stock) -> QuerySet[StockMovement]:
    """One stock row's ledger, newest first (the caller has already checked the user may see the stock)."""
    return (
        movements()
        .filter(dealer_id=stock.dealer_id, part_id=stock.part_id)
        .select_related("created_by", "parts_line__work_order", "parts_order", "transfer")
        .order_by("-at", "-id")
    )


def movement_list(*, user: AbstractBaseUser) -> QuerySet[StockMovement]:
    return (
        policy.scope(movements(), user, Record.STOCK)
        .select_related("dealer", "part", "created_by", "parts_line__work_order", "parts_order", "transfer")
        .order_by("-at", "-id")
    )


def transfer_list(*, user: AbstractBaseUser) -> QuerySet[StockTransfer]:
    """Transfers sent from or to a dealer the user may see."""
    ids = policy.dealer_ids(user, Record.STOCK, Action.VIEW)
    return (
        transfers().involving(ids).select_related("from_dealer", "to_dealer", "part").order_by("-shipped_at", "-id")
    )


def transfer_get(*, user: AbstractBaseUser, pk: int) -> StockTransfer:
    try:
        return transfer_list(user=user).get(pk=pk)
    except StockTransfer.DoesNotExist:
        raise Http404(_("No such transfer.")) from None


def transfer_can_receive(*, user: AbstractBaseUser, transfer: StockTransfer) -> bool:
    """Only the receiving dealer's parts staff confirm the goods."""
    return transfer.status == "in_transit" and policy.can(user, Action.CHANGE, Record.STOCK, transfer.to_dealer_id)


def parts_order_list(*, user: AbstractBaseUser) -> QuerySet[PartsOrder]:
    return (
        policy.scope(parts_orders(), user, Record.PARTS_ORDER)
        .select_related("dealer", "work_order")
        .order_by("-ordered_at", "-id")
    )


def parts_order_get(*, user: AbstractBaseUser, pk: int, action: Action = Action.VIEW) -> PartsOrder:
    qs = policy.scope(parts_orders(), user, Record.PARTS_ORDER, action).select_related("dealer", "work_order")
    qs = qs.prefetch_related(Prefetch("lines", queryset=PartsOrderLine.objects.select_related("part").order_by("id")))
    try:
        return qs.get(pk=pk)
    except PartsOrder.DoesNotExist:
        raise Http404(_("No such parts order.")) from None


@dataclass(frozen=True)
class SuggestedLine:
    stock: Stock
    quantity: int  # up to the maximum, net of what is already on order or on its way


def suggested_order(*, user: AbstractBaseUser, dealer: Dealer) -> list[SuggestedLine]:
    """Items below their reorder point, topped up to their maximum (minus open orders and inbound transfers)."""
    if dealer.pk not in policy.dealer_ids(user, Record.STOCK, Action.VIEW):
        raise Http404(_("No such dealer."))
    rows = (
        stocks()
        .filter(dealer=dealer, part__active=True)
        .below_reorder_point()
        .with_inbound()
        .select_related("part")
        .order_by("part__number")
    )
    lines = []
    for stock in rows:
        quantity = stock.maximum - stock.on_hand - stock.on_order - stock.in_transit
        if quantity > 0:
            lines.append(SuggestedLine(stock=stock, quantity=quantity))
    return lines


def backorder_lines(*, user: AbstractBaseUser):
    """Work-order parts lines that stock could not fill and that have not been issued since."""
    from workorders.choices import WorkOrderStatus
    from workorders.models import PartsLine

    issued = StockMovement.objects.filter(parts_line=OuterRef("pk"), kind=MovementKind.ISSUE)
    return (
        policy.scope(PartsLine.objects.all(), user, Record.STOCK, dealer_field="work_order__dealer")
        .filter(filled_from_stock=False)
        .exclude(work_order__status=WorkOrderStatus.CANCELLED)
        .exclude(Exists(issued))
        .select_related("work_order__dealer", "part")
        .order_by("requested_at", "id")
    )


def backorder_get(*, user: AbstractBaseUser, pk: int):
    from workorders.models import PartsLine

    try:
        return backorder_lines(user=user).get(pk=pk)
    except PartsLine.DoesNotExist:
        raise Http404(_("No such back-ordered parts line.")) from None


def stock_on_hand_for_lines(*, lines) -> dict[int, int]:
    """On hand at the line's dealer for each parts line (line id → units), in one query."""
    lines = list(lines)
    pairs = {(line.work_order.dealer_id, line.part_id) for line in lines}
    if not pairs:
        return {}
    rows = Stock.objects.filter(
        dealer_id__in={d for d, _p in pairs}, part_id__in={p for _d, p in pairs}
    ).values_list("dealer_id", "part_id", "on_hand")
    on_hand = {(d, p): q for d, p, q in rows}
    return {line.pk: on_hand.get((line.work_order.dealer_id, line.part_id), 0) for line in lines}


@dataclass(frozen=True)
class HistoryRow:
    at: object
    user: object
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[tuple[str, object, object]]  # (field label, old, new)


def history_of(*, instance, limit: int = 20) -> list[HistoryRow]:
    """The record's django-simple-history trail, newest first, with what changed in each step."""
    records = list(instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes: list[tuple[str, object, object]] = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=["updated_at"])
            for change in delta.changes:
                label = instance._meta.get_field(change.field).verbose_name
                changes.append((str(label), change.old, change.new))
        rows.append(
            HistoryRow(
                at=record.history_date,
                user=record.history_user,
                kind=record.history_type,
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return rows
