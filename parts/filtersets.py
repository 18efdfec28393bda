"""Filters of the parts lists, shared by the HTML pages and the API.

Dealer choices come from dealers.policy for the requesting user, so a filter never offers (or reveals the
existence of) another dealer's records; the selectors have scoped the rows already.
"""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealers import policy
from dealers.models import Dealer
from dealers.policy import Record

from .choices import MovementKind, PartCategory, PartsOrderKind, PartsOrderStatus, TransferStatus
from .models import Part, PartsOrder, Stock, StockMovement, StockTransfer
from .querysets import PartQuerySet, PartsOrderQuerySet, StockQuerySet


class AnyYesNo(forms.Select):
    """Yes / no / any for a boolean filter ("any" rather than the default "unknown")."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))])

def _dealers(record: Record):
    def choices(request) -> QuerySet[Dealer]:
        if request is None:
            return Dealer.objects.none()
        return Dealer.objects.filter(id__in=policy.dealer_ids(request.user, record)).order_by("code")

    return choices


class PartFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Part number or name"))
    category = filters.ChoiceFilter(label=_("Category"), choices=PartCategory.choices)
    is_nev = filters.BooleanFilter(widget=AnyYesNo, label=_("NEV part"))
    active = filters.BooleanFilter(widget=AnyYesNo, label=_("Active"))

    class Meta:
        model = Part
        fields = ["q", "category", "is_nev", "active"]

    def filter_q(self, queryset: PartQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)


class StockFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Part number, name or bin"))
    dealer = filters.ModelChoiceFilter(label=_("Dealer"), queryset=_dealers(Record.STOCK))
    category = filters.ChoiceFilter(label=_("Category"), field_name="part__category", choices=PartCategory.choices)
    is_nev = filters.BooleanFilter(widget=AnyYesNo, label=_("NEV part"), field_name="part__is_nev")
    below_reorder_point = filters.BooleanFilter(widget=AnyYesNo, label=_("Below reorder point"), method="filter_below_reorder_point")
    slow_moving = filters.BooleanFilter(widget=AnyYesNo, label=_("Slow-moving (no issue in 180 days)"), method="filter_slow_moving")
    in_stock = filters.BooleanFilter(widget=AnyYesNo, label=_("In stock"), method="filter_in_stock")

    class Meta:
        model = Stock
        fields = ["q", "dealer", "category", "is_nev", "below_reorder_point", "slow_moving", "in_stock"]

    def filter_q(self, queryset: StockQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_below_reorder_point(self, queryset: StockQuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        below = queryset.below_reorder_point()
        return below if value else queryset.exclude(pk__in=below.values("pk"))

    def filter_slow_moving(self, queryset: StockQuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        slow = queryset.slow_moving()
        return slow if value else queryset.exclude(pk__in=slow.values("pk"))

    def filter_in_stock(self, queryset: StockQuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(on_hand__gt=0) if value else queryset.filter(on_hand=0)


class StockMovementFilterSet(filters.FilterSet):
    dealer = filters.ModelChoiceFilter(label=_("Dealer"), queryset=_dealers(Record.STOCK))
    kind = filters.ChoiceFilter(label=_("Kind"), choices=MovementKind.choices)
    part = filters.CharFilter(label=_("Part number"), field_name="part__number", lookup_expr="iexact")
    at_from = filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    at_to = filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = StockMovement
        fields = ["dealer", "kind", "part", "at_from", "at_to"]


class StockTransferFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label=_("Status"), choices=TransferStatus.choices)
    dealer = filters.ModelChoiceFilter(label=_("Dealer"), queryset=_dealers(Record.STOCK), method="filter_dealer")
    part = filters.CharFilter(label=_("Part number"), field_name="part__number", lookup_expr="iexact")

    class Meta:
        model = StockTransfer
        fields = ["status", "dealer", "part"]

    def filter_dealer(self, queryset: QuerySet, name: str, value: Dealer | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(from_dealer=value) | queryset.filter(to_dealer=value)


class PartsOrderFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Order number or part number"))
    dealer = filters.ModelChoiceFilter(label=_("Dealer"), queryset=_dealers(Record.PARTS_ORDER))
    kind = filters.ChoiceFilter(label=_("Kind"), choices=PartsOrderKind.choices)
    status = filters.ChoiceFilter(label=_("Status"), choices=PartsOrderStatus.choices)
    ordered_from = filters.DateFilter(label=_("Ordered from"), field_name="ordered_at", lookup_expr="date__gte")
    ordered_to = filters.DateFilter(label=_("Ordered to"), field_name="ordered_at", lookup_expr="date__lte")

    class Meta:
        model = PartsOrder
        fields = ["q", "dealer", "kind", "status", "ordered_from", "ordered_to"]

    def filter_q(self, queryset: PartsOrderQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)
