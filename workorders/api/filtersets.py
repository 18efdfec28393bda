"""API filters of work orders, complaints and surveys (the HTML lists keep their own in workorders/filtersets.py)."""

from __future__ import annotations

import django_filters

from aftersales.api.filters import ApiFilterSet, dealer_filter
from dealers.policy import Record
from workorders.choices import Channel, WorkOrderStatus, WorkOrderType
from workorders.models import Complaint, Survey, WorkOrder


class WorkOrderApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.WORK_ORDER)
    status = django_filters.MultipleChoiceFilter(choices=WorkOrderStatus.choices)
    type = django_filters.MultipleChoiceFilter(choices=WorkOrderType.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    delivered_after = django_filters.IsoDateTimeFilter(field_name="delivered_at", lookup_expr="gte")
    delivered_before = django_filters.IsoDateTimeFilter(field_name="delivered_at", lookup_expr="lt")
    external_id = django_filters.CharFilter()
    number = django_filters.CharFilter()

    class Meta:
        model = WorkOrder
        fields = ["dealer", "status", "type", "channel", "external_id", "number"]


class ComplaintApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.COMPLAINT)
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Complaint
        fields = ["dealer", "severity", "category", "escalated", "external_id"]


class SurveyApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.SURVEY)
    answered_after = django_filters.IsoDateTimeFilter(field_name="answered_at", lookup_expr="gte")
    answered_before = django_filters.IsoDateTimeFilter(field_name="answered_at", lookup_expr="lt")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Survey
        fields = ["dealer", "external_id"]
