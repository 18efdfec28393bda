"""Technicians and certifications; writes through training.services."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from aftersales.api.filters import ApiFilterSet, dealer_filter
from aftersales.api.schema import crud_schema
from aftersales.api.viewsets import ScopedModelViewSet
from dealers.policy import Record
from training import services
from training.choices import TechnicianLevel
from training.models import Certification, Technician

from .serializers import CertificationSerializer, TechnicianSerializer


class TechnicianApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.TECHNICIAN)
    level = django_filters.MultipleChoiceFilter(choices=TechnicianLevel.choices)
    employee_code = django_filters.CharFilter()

    class Meta:
        model = Technician
        fields = ["dealer", "level", "active", "employee_code"]


@crud_schema(TechnicianSerializer)
class TechnicianViewSet(ScopedModelViewSet):
    record = Record.TECHNICIAN
    queryset = Technician.objects.select_related("dealer")
    serializer_class = TechnicianSerializer
    filterset_class = TechnicianApiFilterSet

    def perform_create(self, serializer: TechnicianSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.technician_create(by=self.request.user, **data)

    def perform_update(self, serializer: TechnicianSerializer) -> None:
        data = dict(serializer.validated_data)
        dealer = data.pop("dealer", None)
        if dealer is not None and dealer != serializer.instance.dealer:
            raise ValidationError({"dealer": [_("Cannot be changed: a move to another dealer is a new employment.")]})
        serializer.instance = services.technician_update(technician=serializer.instance, by=self.request.user, **data)


class CertificationApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.TECHNICIAN, field_name="technician__dealer")
    technician = django_filters.CharFilter(field_name="technician__employee_code")
    type = django_filters.CharFilter(field_name="type__code")
    expires_after = django_filters.DateFilter(field_name="expires_on", lookup_expr="gte")
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lt")

    class Meta:
        model = Certification
        fields = ["dealer", "technician", "type"]


@crud_schema(CertificationSerializer)
class CertificationViewSet(ScopedModelViewSet):
    record = Record.TECHNICIAN
    dealer_field = "technician__dealer"
    queryset = Certification.objects.select_related("technician__dealer", "type")
    serializer_class = CertificationSerializer
    filterset_class = CertificationApiFilterSet

    def perform_create(self, serializer: CertificationSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.certification_create(by=self.request.user, **data)

    def perform_update(self, serializer: CertificationSerializer) -> None:
        data = dict(serializer.validated_data)
        technician = data.pop("technician", None)
        if technician is not None and technician != serializer.instance.technician:
            raise ValidationError({"technician": [_("Cannot be changed: record a new certification instead.")]})
        serializer.instance = services.certification_update(
            certification=serializer.instance, by=self.request.user, **data
        )
