"""Catalogue, stock levels, the stock ledger and parts orders. Every stock change goes through
parts.services (stock = Σ ledger); running out of stock is a 409 that names the part and dealer."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from aftersales.api.filters import ApiFilterSet, ScopedFilterSet, dealer_filter
from aftersales.api.schema import crud_schema
from aftersales.api.viewsets import ScopedModelViewSet
from dealers.policy import Record
from parts import services
from parts.choices import MovementKind, PartCategory, PartsOrderStatus
from parts.models import Part, PartsOrder, Stock, StockMovement
from workorders.models import WorkOrder

from .serializers import PartSerializer, PartsOrderSerializer, StockMovementSerializer, StockSerializer


class PartApiFilterSet(ApiFilterSet):
    category = django_filters.MultipleChoiceFilter(choices=PartCategory.choices)
    number = django_filters.CharFilter()

    class Meta:
        model = Part
        fields = ["category", "is_nev", "active", "number"]


@crud_schema(PartSerializer)
class PartViewSet(ScopedModelViewSet):
    """The region's parts catalogue, by part number. Changing it needs a region-wide client."""

    record = Record.PART
    dealer_scoped = False
    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartApiFilterSet
    lookup_field = "number"
    lookup_value_regex = r"[^/]+"

    def perform_create(self, serializer: PartSerializer) -> None:
        self.check_catalogue_change()
        serializer.instance = services.part_save(part=Part(**serializer.validated_data), by=self.request.user)

    def perform_update(self, serializer: PartSerializer) -> None:
        self.check_catalogue_change()
        part = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(part, key, value)
        serializer.instance = services.part_save(part=part, by=self.request.user)


class StockApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.STOCK)
    part = django_filters.CharFilter(field_name="part__number")
    below_reorder_point = django_filters.BooleanFilter(method="filter_below", label="On hand below reorder point")

    class Meta:
        model = Stock
        fields = ["dealer", "part"]

    def filter_below(self, queryset: Any, name: str, value: bool | None) -> Any:
        from django.db.models import F

        if value is None:
            return queryset
        return queryset.filter(on_hand__lt=F("reorder_point")) if value else queryset.exclude(
            on_hand__lt=F("reorder_point"))


@crud_schema(StockSerializer)
class StockViewSet(ScopedModelViewSet):
    """Stock per dealer and part: levels are editable, the count only moves through stock-movements."""

    record = Record.STOCK
    queryset = Stock.objects.select_related("dealer", "part")
    serializer_class = StockSerializer
    filterset_class = StockApiFilterSet

    def perform_create(self, serializer: StockSerializer) -> None:
        data = serializer.validated_data
        stock = services.stock_ensure(dealer=data["dealer"], part=data["part"])
        serializer.instance = services.stock_levels_update(
            stock=stock, reorder_point=data.get("reorder_point", stock.reorder_point),
            maximum=data.get("maximum", stock.maximum), bin=data.get("bin"), by=self.request.user,
        )

    def perform_update(self, serializer: StockSerializer) -> None:
        stock = serializer.instance
        data = serializer.validated_data
        for key in ("dealer", "part"):
            if key in data and data[key] != getattr(stock, key):
                raise ValidationError({key: [_("Cannot be changed.")]})
        serializer.instance = services.stock_levels_update(
            stock=stock, reorder_point=data.get("reorder_point", stock.reorder_point),
            maximum=data.get("maximum", stock.maximum), bin=data.get("bin"), by=self.request.user,
        )


class StockMovementApiFilterSet(ScopedFilterSet):
    dealer = dealer_filter(Record.STOCK)
    part = django_filters.CharFilter(field_name="part__number")
    kind = django_filters.MultipleChoiceFilter(choices=MovementKind.choices)
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    external_id = django_filters.CharFilter()

    class Meta:
        model = StockMovement
        fields = ["dealer", "part", "kind", "external_id"]


@crud_schema(StockMovementSerializer, writable=("create",))
class StockMovementViewSet(ScopedModelViewSet):
    """The stock ledger: append-only (list, detail, create). Ordered by id, so `cursor` pages are a sync feed."""

    record = Record.STOCK
    queryset = StockMovement.objects.select_related("dealer", "part", "parts_order")
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementApiFilterSet
    cursor_orderings = {"id": "id", "at": "at"}
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer: StockMovementSerializer) -> None:
        data = serializer.validated_data
        parts_order = None
        if data.get("parts_order"):
            parts_order = PartsOrder.objects.filter(dealer=data["dealer"], number=data["parts_order"]).first()
            if parts_order is None:
                raise ValidationError({"parts_order": [_("No parts order %(number)s at %(dealer)s.")
                                                       % {"number": data["parts_order"], "dealer": data["dealer"].code}]})
        serializer.instance = services.stock_movement_record(
            dealer=data["dealer"], part=data["part"], kind=data["kind"], quantity=data["quantity"],
            unit_cost=data.get("unit_cost"), at=data.get("at"), reason=data.get("reason", ""),
            parts_order=parts_order, by=self.request.user, external_id=data.get("external_id"),
        )


class PartsOrderApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.PARTS_ORDER)
    status = django_filters.MultipleChoiceFilter(choices=PartsOrderStatus.choices)
    ordered_after = django_filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="gte")
    ordered_before = django_filters.IsoDateTimeFilter(field_name="ordered_at", lookup_expr="lt")
    external_id = django_filters.CharFilter()

    class Meta:
        model = PartsOrder
        fields = ["dealer", "status", "kind", "external_id"]


@crud_schema(PartsOrderSerializer, writable=("create", "partial_update"))
class PartsOrderViewSet(ScopedModelViewSet):
    """Replenishment orders. An update moves the status: 'received' books the receipts, 'cancelled' cancels."""

    record = Record.PARTS_ORDER
    queryset = PartsOrder.objects.select_related("dealer", "work_order").prefetch_related("lines__part")
    serializer_class = PartsOrderSerializer
    filterset_class = PartsOrderApiFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: PartsOrderSerializer) -> None:
        data = serializer.validated_data
        work_order = None
        if data.get("work_order"):
            work_order = WorkOrder.objects.filter(dealer=data["dealer"], external_id=data["work_order"]).first()
            if work_order is None:
                raise ValidationError({"work_order": [_("No work order with external ID “%(id)s” at %(dealer)s.")
                                                      % {"id": data["work_order"], "dealer": data["dealer"].code}]})
        if data.get("status", PartsOrderStatus.ORDERED) != PartsOrderStatus.ORDERED:
            raise ValidationError({"status": [_("A new order is 'ordered'; receive it with an update.")]})
        order = services.parts_order_create(
            dealer=data["dealer"], kind=data["kind"], lines=[(line["part"], line["quantity"]) for line in data["lines"]],
            by=self.request.user, work_order=work_order, number=data.get("number") or None,
            ordered_at=data.get("ordered_at"), external_id=data.get("external_id"),
        )
        serializer.instance = PartsOrder.objects.prefetch_related("lines__part").get(pk=order.pk)

    def perform_update(self, serializer: PartsOrderSerializer) -> None:
        order = serializer.instance
        data = serializer.validated_data
        unchangeable = set(data) - {"status", "received_at"}
        changed = sorted(key for key in unchangeable if key in self.request.data)
        if changed:
            raise ValidationError({key: [_("Cannot be changed after the order is placed.")] for key in changed})
        target = data.get("status", order.status)
        if target == PartsOrderStatus.RECEIVED and order.status != target:
            services.parts_order_receive(order=order, by=self.request.user, at=data.get("received_at"))
        elif target == PartsOrderStatus.CANCELLED and order.status != target:
            services.parts_order_cancel(order=order, by=self.request.user)
        elif target != order.status:
            raise ValidationError({"status": [_("An order can only be received or cancelled.")]})
        serializer.instance = PartsOrder.objects.select_related("dealer", "work_order").prefetch_related(
            "lines__part").get(pk=order.pk)
