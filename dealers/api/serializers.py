from __future__ import annotations

from rest_framework import serializers

from aftersales.api.fields import AwareDateTimeField
from dealers.models import Dealer


class DealerSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Dealer
        fields = [
            "code", "name", "region", "kind", "city", "city_tier", "latitude", "longitude", "bays", "opens_at",
            "closes_at", "opened_on", "active", "updated_at",
        ]
        read_only_fields = fields
