"""Chainable, side-effect-free querysets of the parts records.

The models keep their default managers; these classes wrap a model's rows (`stocks()`, `parts()` …) so
selectors, filtersets, the API and the KPI roll-up say "below reorder point" or "slow-moving" the same way.
Scoping by user is not done here: that is dealers.policy's job, applied in the selectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import MovementKind, PartsOrderStatus, TransferStatus

# A stocked part is slow-moving when it has not been issued for 180 days (glossary: slow_moving_share).
SLOW_MOVING_DAYS = 180
VALUE_FIELD = DecimalField(max_digits=16, decimal_places=2)


def _terms(q: str) -> list[str]:
    return [term for term in (q or "").split() if term][:5]


class PartQuerySet(models.QuerySet):
    def search(self, q: str) -> PartQuerySet:
        """Every word must match the part number or the name."""
        qs = self
        for term in _terms(q):
            qs = qs.filter(Q(number__icontains=term) | Q(name__icontains=term))
        return qs

    def active(self) -> PartQuerySet:
        return self.filter(active=True)


class StockQuerySet(models.QuerySet):
    def for_dealers(self, dealer_ids: Iterable[int]) -> StockQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def search(self, q: str) -> StockQuerySet:
        qs = self
        for term in _terms(q):
            qs = qs.filter(Q(part__number__icontains=term) | Q(part__name__icontains=term) | Q(bin__iexact=term))
        return qs

    def below_reorder_point(self) -> StockQuerySet:
        return self.filter(on_hand__lt=F("reorder_point"))

    def in_stock(self) -> StockQuerySet:
        return self.filter(on_hand__gt=0)

    def with_value(self) -> StockQuerySet:
        """`value`: on hand × the catalogue cost (the valuation the KPIs use)."""
        return self.annotate(value=ExpressionWrapper(F("on_hand") * F("part__cost"), output_field=VALUE_FIELD))

    def with_last_issue(self) -> StockQuerySet:
        """`last_issue_at`: the latest issue of this part at this dealer (None if never issued)."""
        from .models import StockMovement

        last = (
            StockMovement.objects.filter(dealer=OuterRef("dealer"), part=OuterRef("part"), kind=MovementKind.ISSUE)
            .order_by("-at")
            .values("at")[:1]
        )
        return self.annotate(last_issue_at=Subquery(last))

    def slow_moving(self, now: dt.datetime | None = None, days: int = SLOW_MOVING_DAYS) -> StockQuerySet:
        """Stocked parts without an issue in the last `days` days."""
        from .models import StockMovement

        since = (now or timezone.now()) - dt.timedelta(days=days)
        recent = StockMovement.objects.filter(
            dealer=OuterRef("dealer"), part=OuterRef("part"), kind=MovementKind.ISSUE, at__gte=since
        )
        return self.in_stock().exclude(models.Exists(recent))

    def with_inbound(self) -> StockQuerySet:
        """`on_order`: units on open parts orders not yet received; `in_transit`: units being sent here."""
        from .models import PartsOrderLine, StockTransfer

        on_order = (
            PartsOrderLine.objects.filter(
                order__dealer=OuterRef("dealer"), part=OuterRef("part"), order__status=PartsOrderStatus.ORDERED
            )
            .values("part")
            .annotate(total=Sum(F("quantity") - F("received_quantity")))
            .values("total")
        )
        in_transit = (
            StockTransfer.objects.filter(
                to_dealer=OuterRef("dealer"), part=OuterRef("part"), status=TransferStatus.IN_TRANSIT
            )
            .values("part")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return self.annotate(
            on_order=Coalesce(Subquery(on_order), 0), in_transit=Coalesce(Subquery(in_transit), 0)
        )

    def total_value(self):
        return self.aggregate(
            total=Coalesce(Sum(F("on_hand") * F("part__cost"), output_field=VALUE_FIELD), 0, output_field=VALUE_FIELD)
        )["total"]


class StockMovementQuerySet(models.QuerySet):
    def for_dealers(self, dealer_ids: Iterable[int]) -> StockMovementQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def issues(self) -> StockMovementQuerySet:
        return self.filter(kind=MovementKind.ISSUE)


class StockTransferQuerySet(models.QuerySet):
    def involving(self, dealer_ids: Iterable[int]) -> StockTransferQuerySet:
        ids = list(dealer_ids)
        return self.filter(Q(from_dealer_id__in=ids) | Q(to_dealer_id__in=ids))

    def in_transit(self) -> StockTransferQuerySet:
        return self.filter(status=TransferStatus.IN_TRANSIT)


class PartsOrderQuerySet(models.QuerySet):
    def for_dealers(self, dealer_ids: Iterable[int]) -> PartsOrderQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def open(self) -> PartsOrderQuerySet:
        return self.filter(status=PartsOrderStatus.ORDERED)

    def search(self, q: str) -> PartsOrderQuerySet:
        qs = self
        for term in _terms(q):
            qs = qs.filter(Q(number__icontains=term) | Q(external_id__iexact=term) | Q(lines__part__number__iexact=term))
        return qs.distinct() if _terms(q) else qs


def parts() -> PartQuerySet:
    from .models import Part

    return PartQuerySet(model=Part)


def stocks() -> StockQuerySet:
    from .models import Stock

    return StockQuerySet(model=Stock)


def movements() -> StockMovementQuerySet:
    from .models import StockMovement

    return StockMovementQuerySet(model=StockMovement)


def transfers() -> StockTransferQuerySet:
    from .models import StockTransfer

    return StockTransferQuerySet(model=StockTransfer)


def parts_orders() -> PartsOrderQuerySet:
    from .models import PartsOrder

    return PartsOrderQuerySet(model=PartsOrder)
