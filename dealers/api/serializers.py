from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.api.fields import AwareDateTimeField
from dealers.models import Dealer


@extend_schema_field({"type": "string", "pattern": r"^\d\d:\d\d:\d\d$", "example": "08:30:00",
                      "description": "Local time of day (the dealer's), hh:mm:ss."})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without offset: OpenAPI's `time` format would demand one (RFC 3339)."""


class DealerSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    opens_at = LocalTimeField(read_only=True)
    closes_at = LocalTimeField(read_only=True)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Dealer
        fields = [
            "code", "name", "region", "kind", "city", "city_tier", "latitude", "longitude", "bays", "opens_at",
            "closes_at", "opened_on", "active", "updated_at",
        ]
        read_only_fields = fields
