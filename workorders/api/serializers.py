"""Work orders, complaints and surveys as the DMS sees them: dealers by code, records by external_id,
decimals as strings, times ISO 8601 with their offset."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.api.fields import AwareDateTimeField, ScopedDealerField
from dealers.policy import Record
from workorders.choices import (
    Channel,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    CustomerKind,
    Powertrain,
    WorkOrderStatus,
    WorkOrderType,
)
from workorders.models import Complaint, Survey, WorkOrder

MAX_LINES = 200
MAX_MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}
MAX_HOURS = {"max_digits": 7, "decimal_places": 2, "min_value": 0}
PG_INT_MAX = 2_147_483_647


def _code(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(trim_whitespace=True, allow_blank=False, **kwargs)


# ------------------------------------------------------------------------------------------ input


class CustomerInSerializer(serializers.Serializer):
    external_id = _code(max_length=64)
    name = _code(max_length=100)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False, default=CustomerKind.INDIVIDUAL)


class VehicleInSerializer(serializers.Serializer):
    vin = _code(max_length=20)
    brand = _code(max_length=50)
    model = _code(max_length=50)
    powertrain = serializers.ChoiceField(choices=Powertrain.choices)
    model_year = serializers.IntegerField(min_value=1990, max_value=2100)
    mileage_km = serializers.IntegerField(min_value=0, max_value=PG_INT_MAX, required=False, allow_null=True,
                                          default=None)


class LabourLineInSerializer(serializers.Serializer):
    op_code = _code(max_length=32)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    flat_rate_hours = serializers.DecimalField(**MAX_HOURS)
    actual_hours = serializers.DecimalField(**MAX_HOURS, required=False, default=0)
    technician = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True, default=None,
                                       help_text="The technician's employee code at the work order's dealer.")
    amount = serializers.DecimalField(**MAX_MONEY)


class PartsLineInSerializer(serializers.Serializer):
    part_number = _code(max_length=32)
    quantity = serializers.IntegerField(min_value=1, max_value=PG_INT_MAX)
    unit_price = serializers.DecimalField(**MAX_MONEY, required=False, allow_null=True, default=None,
                                          help_text="Defaults to the catalogue price.")
    unit_cost = serializers.DecimalField(**MAX_MONEY, required=False, allow_null=True, default=None,
                                         help_text="Defaults to the catalogue cost.")
    filled_from_stock = serializers.BooleanField(required=False, default=False)


class WorkOrderWriteSerializer(serializers.Serializer):
    """One work order as the DMS sends it (create, bulk upsert, and the merged form of a partial update)."""

    dealer = _code(max_length=32, help_text="Dealer code.")
    external_id = _code(max_length=64, help_text="The DMS's identity of the work order (unique per dealer).")
    number = _code(max_length=32)
    type = serializers.ChoiceField(choices=WorkOrderType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.WALK_IN)
    status = serializers.ChoiceField(choices=WorkOrderStatus.choices, required=False, default=WorkOrderStatus.BOOKED)
    opened_at = AwareDateTimeField()
    promised_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    delivered_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    customer = CustomerInSerializer()
    vehicle = VehicleInSerializer()
    comeback_of = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True,
                                        default=None, help_text="External ID of the earlier work order.")
    extended_warranty_sold = serializers.BooleanField(required=False, default=False)
    concern = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    labour_lines = LabourLineInSerializer(many=True, required=False, default=list, max_length=MAX_LINES)
    parts_lines = PartsLineInSerializer(many=True, required=False, default=list, max_length=MAX_LINES)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        opened = attrs["opened_at"]
        if attrs.get("promised_at") is not None and attrs["promised_at"] < opened:
            errors["promised_at"] = [_("Cannot be before opened_at.")]
        delivered = attrs.get("delivered_at")
        if delivered is not None and delivered < opened:
            errors["delivered_at"] = [_("Cannot be before opened_at.")]
        if attrs.get("status") == WorkOrderStatus.DELIVERED and delivered is None:
            errors["delivered_at"] = [_("A delivered work order needs its delivery time.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# ----------------------------------------------------------------------------------------- output


class CustomerOutSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    phone = serializers.CharField()
    kind = serializers.ChoiceField(choices=CustomerKind.choices)


class VehicleOutSerializer(serializers.Serializer):
    vin = serializers.CharField()
    brand = serializers.CharField()
    model = serializers.CharField()
    powertrain = serializers.ChoiceField(choices=Powertrain.choices)
    model_year = serializers.IntegerField()
    mileage_km = serializers.IntegerField(allow_null=True, help_text="Mileage at this visit.")


class LabourLineOutSerializer(serializers.Serializer):
    op_code = serializers.CharField()
    description = serializers.CharField()
    flat_rate_hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    actual_hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    technician = serializers.CharField(source="technician.employee_code", allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class PartsLineOutSerializer(serializers.Serializer):
    part_number = serializers.CharField(source="part.number")
    quantity = serializers.IntegerField()
    returned_quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    filled_from_stock = serializers.BooleanField()


class WorkOrderVehicleSerializer(VehicleOutSerializer):
    """The vehicle with the mileage recorded at this visit (the work order's, not the vehicle's latest)."""

    def to_representation(self, wo: WorkOrder) -> dict[str, Any]:
        v = wo.vehicle
        return {"vin": v.vin, "brand": v.brand, "model": v.model, "powertrain": v.powertrain,
                "model_year": v.model_year, "mileage_km": wo.mileage_km}


class WorkOrderSerializer(serializers.ModelSerializer):
    dealer = serializers.CharField(source="dealer.code")
    customer = CustomerOutSerializer()
    vehicle = WorkOrderVehicleSerializer(source="*")
    comeback_of = serializers.CharField(source="comeback_of.external_id", allow_null=True, default=None)
    labour_lines = LabourLineOutSerializer(many=True)
    parts_lines = PartsLineOutSerializer(many=True)
    opened_at = AwareDateTimeField()
    promised_at = AwareDateTimeField(allow_null=True)
    delivered_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = WorkOrder
        fields = [
            "id", "dealer", "external_id", "number", "type", "channel", "status", "opened_at", "promised_at",
            "delivered_at", "customer", "vehicle", "comeback_of", "extended_warranty_sold", "concern",
            "labour_lines", "parts_lines", "labour_amount", "parts_amount", "parts_cost", "flat_rate_hours",
            "actual_hours", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, wo: WorkOrder) -> dict[str, Any]:
        """The declared fields' output, built directly: a page of 100 work orders with their lines is read
        by every DMS sync, and DRF's per-field machinery was most of its time. The declared fields stay
        the schema; the contract tests hold the two to the same shape."""
        time = self.fields["opened_at"].to_representation
        customer, vehicle = wo.customer, wo.vehicle
        return {
            "id": wo.pk,
            "dealer": wo.dealer.code,
            "external_id": wo.external_id,
            "number": wo.number,
            "type": wo.type,
            "channel": wo.channel,
            "status": wo.status,
            "opened_at": time(wo.opened_at),
            "promised_at": time(wo.promised_at) if wo.promised_at else None,
            "delivered_at": time(wo.delivered_at) if wo.delivered_at else None,
            "customer": {"external_id": customer.external_id, "name": customer.name, "phone": customer.phone,
                         "kind": customer.kind},
            "vehicle": {"vin": vehicle.vin, "brand": vehicle.brand, "model": vehicle.model,
                        "powertrain": vehicle.powertrain, "model_year": vehicle.model_year,
                        "mileage_km": wo.mileage_km},
            "comeback_of": wo.comeback_of.external_id if wo.comeback_of_id else None,
            "extended_warranty_sold": wo.extended_warranty_sold,
            "concern": wo.concern,
            "labour_lines": [
                {"op_code": line.op_code, "description": line.description,
                 "flat_rate_hours": _cents(line.flat_rate_hours), "actual_hours": _cents(line.actual_hours),
                 "technician": line.technician.employee_code if line.technician_id else None,
                 "amount": _cents(line.amount)}
                for line in wo.labour_lines.all()
            ],
            "parts_lines": [
                {"part_number": line.part.number, "quantity": line.quantity,
                 "returned_quantity": line.returned_quantity, "unit_price": _cents(line.unit_price),
                 "unit_cost": _cents(line.unit_cost), "filled_from_stock": line.filled_from_stock}
                for line in wo.parts_lines.all()
            ],
            "labour_amount": _cents(wo.labour_amount),
            "parts_amount": _cents(wo.parts_amount),
            "parts_cost": _cents(wo.parts_cost),
            "flat_rate_hours": _cents(wo.flat_rate_hours),
            "actual_hours": _cents(wo.actual_hours),
            "created_at": time(wo.created_at),
            "updated_at": time(wo.updated_at),
        }


def _cents(value: Any) -> str:
    """A money or hours amount as a string with two decimals (what DRF's DecimalField would print)."""
    return f"{value:.2f}"


def work_order_as_input(wo: WorkOrder) -> dict[str, Any]:
    """The stored work order in the write serializer's shape: the base a partial update merges into."""
    data = WorkOrderSerializer(wo).data
    keep = set(WorkOrderWriteSerializer().fields)
    out = {key: value for key, value in data.items() if key in keep}
    out["vehicle"] = dict(data["vehicle"])
    out["parts_lines"] = [{k: v for k, v in line.items() if k != "returned_quantity"} for line in data["parts_lines"]]
    return out


# ------------------------------------------------------------------------------ complaints, surveys


class ComplaintSerializer(serializers.ModelSerializer):
    dealer = ScopedDealerField(record=Record.COMPLAINT)
    work_order = serializers.CharField(max_length=64, required=False, allow_null=True, default=None,
                                       help_text="External ID of the work order at the same dealer.")
    customer = serializers.CharField(max_length=64, required=False, allow_null=True, default=None,
                                     help_text="External ID of the customer at the same dealer.")
    opened_at = AwareDateTimeField(required=False)
    first_response_at = AwareDateTimeField(read_only=True, allow_null=True)
    resolved_at = AwareDateTimeField(read_only=True, allow_null=True)
    closed_at = AwareDateTimeField(read_only=True, allow_null=True)
    escalated_at = AwareDateTimeField(read_only=True, allow_null=True)
    updated_at = AwareDateTimeField(read_only=True)
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices)
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    severity = serializers.ChoiceField(choices=ComplaintSeverity.choices)
    external_id = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)

    class Meta:
        model = Complaint
        fields = [
            "id", "dealer", "external_id", "work_order", "customer", "channel", "category", "severity",
            "description", "resolution", "opened_at", "first_response_at", "resolved_at", "closed_at", "escalated",
            "escalated_at", "updated_at",
        ]
        read_only_fields = ["id", "resolution", "escalated"]

    def to_representation(self, instance: Complaint) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["work_order"] = instance.work_order.external_id if instance.work_order_id else None
        data["customer"] = instance.customer.external_id if instance.customer_id else None
        return data


class SurveySerializer(serializers.ModelSerializer):
    dealer = ScopedDealerField(record=Record.SURVEY)
    work_order = _code(max_length=64, help_text="External ID of the delivered work order at the same dealer.")
    answered_at = AwareDateTimeField(required=False)
    updated_at = AwareDateTimeField(read_only=True)
    csi = serializers.DecimalField(max_digits=6, decimal_places=3, read_only=True)
    external_id = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)
    attitude_score = serializers.IntegerField(min_value=0, max_value=100)
    price_transparency_score = serializers.IntegerField(min_value=0, max_value=100)
    on_time_score = serializers.IntegerField(min_value=0, max_value=100)
    quality_score = serializers.IntegerField(min_value=0, max_value=100)
    facility_score = serializers.IntegerField(min_value=0, max_value=100)
    recommend = serializers.IntegerField(min_value=0, max_value=10)

    class Meta:
        model = Survey
        fields = [
            "id", "dealer", "external_id", "work_order", "answered_at", "attitude_score", "price_transparency_score",
            "on_time_score", "quality_score", "facility_score", "recommend", "csi", "comment", "updated_at",
        ]
        read_only_fields = ["id"]

    def to_representation(self, instance: Survey) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["work_order"] = instance.work_order.external_id
        return data
