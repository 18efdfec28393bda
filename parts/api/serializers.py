"""The catalogue, stock, the stock ledger and parts orders for a DMS: parts by number, dealers by code."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.api.fields import AwareDateTimeField, ScopedDealerField
from dealers.policy import Record
from parts.choices import MovementKind, PartCategory, PartsOrderKind, PartsOrderStatus
from parts.models import Part, PartsOrder, PartsOrderLine, Stock, StockMovement

PG_INT_MAX = 2_147_483_647


class PartNumberField(serializers.SlugRelatedField):
    """A catalogue part by number (the catalogue is the region's: every dealer may refer to any part)."""

    default_error_messages = {
        "does_not_exist": _("No part with number “{value}” in the catalogue."),
        "invalid": _("Give a part number."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "number")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Part.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data or len(data) > 32:
            self.fail("invalid")
        return super().to_internal_value(data)


class PartSerializer(serializers.ModelSerializer):
    number = serializers.CharField(max_length=32)
    category = serializers.ChoiceField(choices=PartCategory.choices)
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Part
        fields = ["id", "number", "name", "category", "is_nev", "cost", "price", "active", "updated_at"]
        read_only_fields = ["id"]

    def validate_number(self, value: str) -> str:
        value = value.strip()
        clash = Part.objects.filter(number=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("A part with this number already exists."))
        return value


class StockSerializer(serializers.ModelSerializer):
    dealer = ScopedDealerField(record=Record.STOCK)
    part = PartNumberField()
    reorder_point = serializers.IntegerField(min_value=0, max_value=PG_INT_MAX, required=False, default=0)
    maximum = serializers.IntegerField(min_value=0, max_value=PG_INT_MAX, required=False, default=0)
    bin = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Stock
        fields = ["id", "dealer", "part", "on_hand", "reserved", "reorder_point", "maximum", "bin", "updated_at"]
        read_only_fields = ["id", "on_hand", "reserved"]
        validators: list = []  # (dealer, part) uniqueness: create is get-or-create through parts.services

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        reorder = attrs.get("reorder_point", getattr(self.instance, "reorder_point", 0))
        maximum = attrs.get("maximum", getattr(self.instance, "maximum", 0))
        if maximum < reorder:
            raise serializers.ValidationError({"maximum": [_("Cannot be below the reorder point.")]})
        return attrs


class StockMovementSerializer(serializers.ModelSerializer):
    """A ledger movement. The quantity's sign follows the kind: receipts and returns positive, issues
    negative, adjustments either (never zero)."""

    dealer = ScopedDealerField(record=Record.STOCK)
    part = PartNumberField()
    kind = serializers.ChoiceField(choices=[
        (k.value, k.label) for k in (MovementKind.RECEIPT, MovementKind.ISSUE, MovementKind.ADJUSTMENT,
                                     MovementKind.RETURN)
    ] + [(k.value, k.label) for k in (MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN)],
        help_text="receipt, issue, adjustment or return (transfers are read-only here).")
    quantity = serializers.IntegerField(min_value=-PG_INT_MAX, max_value=PG_INT_MAX)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False,
                                         allow_null=True, default=None, help_text="Defaults to the catalogue cost.")
    at = AwareDateTimeField(required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    parts_order = serializers.CharField(max_length=32, required=False, allow_null=True, default=None,
                                        help_text="Number of the dealer's parts order this receipt is for.")

    class Meta:
        model = StockMovement
        fields = ["id", "dealer", "part", "kind", "quantity", "unit_cost", "at", "reason", "external_id",
                  "parts_order"]
        read_only_fields = ["id"]
        validators: list = []

    def validate_kind(self, value: str) -> str:
        if value in (MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN):
            raise serializers.ValidationError(_("Transfers are recorded through the portal's transfer screen."))
        return value

    def to_representation(self, instance: StockMovement) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["parts_order"] = instance.parts_order.number if instance.parts_order_id else None
        return data


class PartsOrderLineSerializer(serializers.ModelSerializer):
    part = PartNumberField()
    quantity = serializers.IntegerField(min_value=1, max_value=PG_INT_MAX)

    class Meta:
        model = PartsOrderLine
        fields = ["part", "quantity", "received_quantity", "unit_cost"]
        read_only_fields = ["received_quantity", "unit_cost"]


class PartsOrderSerializer(serializers.ModelSerializer):
    dealer = ScopedDealerField(record=Record.PARTS_ORDER)
    number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="",
                                   help_text="Leave empty to have one allocated.")
    external_id = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=PartsOrderKind.choices)
    status = serializers.ChoiceField(choices=PartsOrderStatus.choices, required=False,
                                     help_text="On update: 'received' receives what is outstanding, 'cancelled' "
                                               "cancels an order nothing of which was received.")
    ordered_at = AwareDateTimeField(required=False)
    received_at = AwareDateTimeField(required=False, allow_null=True)
    work_order = serializers.CharField(max_length=64, required=False, allow_null=True, default=None,
                                       help_text="External ID of the work order at the same dealer.")
    lines = PartsOrderLineSerializer(many=True, min_length=1, max_length=500)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = PartsOrder
        fields = ["id", "dealer", "number", "external_id", "kind", "status", "ordered_at", "received_at",
                  "work_order", "lines", "updated_at"]
        read_only_fields = ["id"]
        validators: list = []

    def to_representation(self, instance: PartsOrder) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["work_order"] = instance.work_order.external_id if instance.work_order_id else None
        return data
