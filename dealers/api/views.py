from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view

from aftersales.api.filters import ApiFilterSet
from aftersales.api.schema import ERROR_RESPONSES
from aftersales.api.viewsets import ScopedReadOnlyViewSet
from dealers.models import Dealer
from dealers.policy import Record

from .serializers import DealerSerializer


class DealerApiFilterSet(ApiFilterSet):
    kind = django_filters.CharFilter()
    active = django_filters.BooleanFilter()

    class Meta:
        model = Dealer
        fields = ["kind", "active"]


@extend_schema_view(
    list=extend_schema(responses={200: DealerSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: DealerSerializer, **ERROR_RESPONSES}),
)
class DealerViewSet(ScopedReadOnlyViewSet):
    """The dealers in the caller's scope, by code."""

    record = Record.DEALER
    dealer_field = "id"
    queryset = Dealer.objects.select_related("region")
    serializer_class = DealerSerializer
    filterset_class = DealerApiFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
