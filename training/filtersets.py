"""Filters of the technician and certification lists, shared by the HTML pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers import policy
from dealers.models import Dealer
from dealers.policy import Record
from parts.filtersets import AnyYesNo

from .choices import TechnicianLevel
from .models import Certification, CertificationType, Technician


def _dealers(request) -> QuerySet[Dealer]:
    if request is None:
        return Dealer.objects.none()
    return Dealer.objects.filter(id__in=policy.dealer_ids(request.user, Record.TECHNICIAN)).order_by("code")


class TechnicianFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Name or employee code"))
    dealer = filters.ModelChoiceFilter(label=_("Dealer"), queryset=_dealers)
    level = filters.ChoiceFilter(label=_("Level"), choices=TechnicianLevel.choices)
    active = filters.BooleanFilter(widget=AnyYesNo, label=_("Active"))
    has_valid_hv = filters.BooleanFilter(widget=AnyYesNo, label=_("Valid HV certification"))

    class Meta:
        model = Technician
        fields = ["q", "dealer", "level", "active", "has_valid_hv"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in value.split()[:5]:
            queryset = queryset.filter(Q(name__icontains=term) | Q(employee_code__icontains=term))
        return queryset


class CertificationFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Technician or certificate number"))
    dealer = filters.ModelChoiceFilter(label=_("Dealer"), queryset=_dealers, field_name="technician__dealer")
    type = filters.ModelChoiceFilter(label=_("Type"), queryset=CertificationType.objects.order_by("code"))
    expiring_within = filters.NumberFilter(
        label=_("Expiring within (days)"), method="filter_expiring_within", min_value=0, max_value=3650
    )
    expired = filters.BooleanFilter(widget=AnyYesNo, label=_("Expired"), method="filter_expired")
    technician_active = filters.BooleanFilter(widget=AnyYesNo, label=_("Technician active"), field_name="technician__active")

    class Meta:
        model = Certification
        fields = ["q", "dealer", "type", "expiring_within", "expired", "technician_active"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in value.split()[:5]:
            queryset = queryset.filter(
                Q(technician__name__icontains=term)
                | Q(technician__employee_code__icontains=term)
                | Q(certificate_number__icontains=term)
            )
        return queryset

    def filter_expiring_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        today = timezone.localdate()
        return queryset.filter(expires_on__gt=today, expires_on__lte=today + dt.timedelta(days=int(value)))

    def filter_expired(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        today = timezone.localdate()
        return queryset.filter(expires_on__lte=today) if value else queryset.filter(expires_on__gt=today)
