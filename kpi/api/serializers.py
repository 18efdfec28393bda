"""KPI values, targets and roll-up requests as JSON (decimals as strings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.api import scope
from aftersales.api.fields import AwareDateTimeField, ScopedDealerField
from aftersales.api.filters import _codes
from dealers.models import Region
from dealers.policy import Record
from kpi.definitions import KPIS
from kpi.models import KpiTarget

FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
MAX_DAYS = 3 * 366
KPI_CHOICES = [(kpi.code, str(kpi.name)) for kpi in KPIS]


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CodeListField(serializers.Field):
    """Codes given as a repeated query parameter or a comma list."""

    def to_internal_value(self, data: Any) -> list[str]:
        values = data if isinstance(data, list) else [data]
        if not all(isinstance(v, str) for v in values):
            raise serializers.ValidationError(_("Give codes as text."))
        codes = _codes(values)
        if any("\x00" in c or len(c) > 64 for c in codes):
            raise serializers.ValidationError(_("Invalid code."))
        return codes

    def to_representation(self, value: list[str]) -> list[str]:
        return value


class PeriodSerializer(serializers.Serializer):
    """`from` and `to` (inclusive dates), within 1990–2100 and at most three years apart."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword: the two fields are added here rather than declared.
        return {"from": serializers.DateField(), "to": serializers.DateField(), **super().get_fields()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs["from"], attrs["to"]
        errors: dict[str, list[str]] = {}
        for key, day in (("from", start), ("to", end)):
            if not FIRST_DAY <= day <= LAST_DAY:
                errors[key] = [_("Between %(first)s and %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}]
        if not errors and end < start:
            errors["to"] = [_("Cannot be before from.")]
        if not errors and (end - start).days + 1 > MAX_DAYS:
            errors["to"] = [_("A period spans at most %(days)s days.") % {"days": MAX_DAYS}]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class KpiQuerySerializer(PeriodSerializer):
    dealer = CodeListField(required=False, help_text="Dealer code(s); default: every dealer in scope.")
    kpi = CodeListField(required=False, help_text="KPI code(s); default: all.")
    by = serializers.ChoiceField(choices=["day", "week", "month"], required=False, allow_null=True, default=None)

    def validate_kpi(self, codes: list[str]) -> list[str]:
        known = {kpi.code for kpi in KPIS}
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise serializers.ValidationError(_("Unknown KPI code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
        return codes



class RollupRequestSerializer(PeriodSerializer):
    dealer = CodeListField(required=False, help_text="Dealer code(s); default: every dealer of your region(s).")



class KpiPointSerializer(serializers.Serializer):
    start = serializers.DateField()
    value = serializers.DecimalField(max_digits=30, decimal_places=6, allow_null=True)
    numerator = serializers.DecimalField(max_digits=30, decimal_places=4)
    denominator = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)


class KpiValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    value = serializers.DecimalField(max_digits=30, decimal_places=6, allow_null=True)
    numerator = serializers.DecimalField(max_digits=30, decimal_places=4)
    denominator = serializers.DecimalField(max_digits=30, decimal_places=4, allow_null=True)
    target = serializers.DecimalField(max_digits=30, decimal_places=6, allow_null=True)
    status = serializers.CharField(allow_blank=True)
    previous = serializers.DecimalField(max_digits=30, decimal_places=6, allow_null=True)
    last_year = serializers.DecimalField(max_digits=30, decimal_places=6, allow_null=True)
    series = KpiPointSerializer(many=True, required=False)


class KpiResultSerializer(serializers.Serializer):
    dealers = serializers.ListField(child=serializers.CharField())
    by = serializers.CharField(allow_null=True)
    kpis = KpiValueSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.DateField(), "to": serializers.DateField(), **super().get_fields()}



class TaskSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    result = serializers.JSONField(allow_null=True)
    created_at = AwareDateTimeField()


class KpiTargetSerializer(serializers.ModelSerializer):
    kpi = serializers.ChoiceField(choices=KPI_CHOICES)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(), required=False,
                                          allow_null=True, default=None, help_text="Region code (region targets).")
    dealer = ScopedDealerField(record=Record.KPI_TARGET, required=False, allow_null=True, default=None,
                               help_text="Dealer code (dealer targets).")
    month = serializers.DateField(required=False, allow_null=True, default=None,
                                  help_text="First day of the month the target is for; empty for every month.")
    value = serializers.DecimalField(max_digits=16, decimal_places=4)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = KpiTarget
        fields = ["id", "kpi", "region", "dealer", "month", "value", "updated_at"]
        read_only_fields = ["id"]
        validators: list = []  # the table's unique constraints answer a duplicate with 409

    def validate_month(self, value: dt.date | None) -> dt.date | None:
        if value is not None and (value.day != 1 or not FIRST_DAY <= value <= LAST_DAY):
            raise serializers.ValidationError(_("The first day of a month between 1990 and 2100."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        region = attrs.get("region", getattr(self.instance, "region", None))
        dealer = attrs.get("dealer", getattr(self.instance, "dealer", None))
        if (region is None) == (dealer is None):
            raise serializers.ValidationError({"region": [_("Give either a region or a dealer, not both.")]})
        if region is not None:
            request = self.context.get("request")
            allowed = scope.writable_region_ids(request.user, Record.KPI_TARGET) if request else frozenset()
            if region.pk not in allowed:
                from aftersales.api.security import security_event

                security_event("scope_refused", request=request, field="region", region=region.code,
                               record=str(Record.KPI_TARGET))
                raise serializers.ValidationError({"region": [
                    _("Unknown region “%(code)s”, or outside this client's scope.") % {"code": region.code}]})
        return attrs
