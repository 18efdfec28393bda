"""FilterSets of the workshop's lists, shared by the HTML pages and the API.

They filter querysets the selectors already scoped through dealers.policy; the dealer choice itself
is limited to the dealers the requesting user may see, so the filter form never lists others.
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers import policy
from dealers.models import Dealer
from dealers.policy import Record

from .choices import (
    NEV_POWERTRAINS,
    Channel,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    CustomerKind,
    Powertrain,
    WorkOrderStatus,
    WorkOrderType,
)
from .models import Complaint, Customer, Survey, Vehicle, WorkOrder


def _dealers_for(record: Record):
    def queryset(request) -> QuerySet[Dealer]:
        user = getattr(request, "user", None)
        if user is None:
            return Dealer.objects.none()
        return Dealer.objects.filter(id__in=policy.dealer_ids(user, record)).order_by("code")

    return queryset


class _SearchMixin:
    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value else queryset


class WorkOrderFilterSet(_SearchMixin, filters.FilterSet):
    q = filters.CharFilter(method="filter_search", label=_("Search"),
                           help_text=_("Number, VIN, plate, customer name or phone"))
    status = filters.MultipleChoiceFilter(choices=WorkOrderStatus.choices, label=_("Status"))
    type = filters.ChoiceFilter(choices=WorkOrderType.choices, label=_("Type"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    dealer = filters.ModelChoiceFilter(queryset=_dealers_for(Record.WORK_ORDER), label=_("Dealer"))
    opened_after = filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("Opened from"))
    opened_before = filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("Opened until"))
    open = filters.BooleanFilter(method="filter_open", label=_("Open"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Past promised time"))
    comeback = filters.BooleanFilter(field_name="comeback_of", lookup_expr="isnull", exclude=True,
                                     label=_("Comeback"))

    class Meta:
        model = WorkOrder
        fields = ["q", "status", "type", "channel", "dealer", "opened_after", "opened_before", "open", "overdue",
                  "comeback"]

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        opened = queryset.open()
        return opened if value else queryset.exclude(pk__in=opened.values("pk"))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = queryset.overdue(timezone.now())
        return late if value else queryset.exclude(pk__in=late.values("pk"))


class CustomerFilterSet(_SearchMixin, filters.FilterSet):
    q = filters.CharFilter(method="filter_search", label=_("Search"), help_text=_("Name, phone, VIN or plate"))
    kind = filters.ChoiceFilter(choices=CustomerKind.choices, label=_("Kind"))
    vip = filters.BooleanFilter(label=_("VIP"))
    dealer = filters.ModelChoiceFilter(queryset=_dealers_for(Record.CUSTOMER), label=_("Dealer"))

    class Meta:
        model = Customer
        fields = ["q", "kind", "vip", "dealer"]


class VehicleFilterSet(_SearchMixin, filters.FilterSet):
    q = filters.CharFilter(method="filter_search", label=_("Search"), help_text=_("VIN, plate, brand or model"))
    powertrain = filters.ChoiceFilter(choices=Powertrain.choices, label=_("Powertrain"))
    nev = filters.BooleanFilter(method="filter_nev", label=_("NEV"))
    brand = filters.CharFilter(lookup_expr="icontains", label=_("Brand"))
    model_year = filters.NumberFilter(label=_("Model year"))

    class Meta:
        model = Vehicle
        fields = ["q", "powertrain", "nev", "brand", "model_year"]

    def filter_nev(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        nev = Q(powertrain__in=[str(p) for p in NEV_POWERTRAINS])
        return queryset.filter(nev) if value else queryset.exclude(nev)


class ComplaintFilterSet(_SearchMixin, filters.FilterSet):
    STATES = (("open", _("Open")), ("resolved", _("Resolved")), ("closed", _("Closed")))

    q = filters.CharFilter(method="filter_search", label=_("Search"),
                           help_text=_("Description, work order, customer name or phone"))
    state = filters.ChoiceFilter(choices=STATES, method="filter_state", label=_("State"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Over 48 h"))
    severity = filters.MultipleChoiceFilter(choices=ComplaintSeverity.choices, label=_("Severity"))
    category = filters.ChoiceFilter(choices=ComplaintCategory.choices, label=_("Category"))
    channel = filters.ChoiceFilter(choices=ComplaintChannel.choices, label=_("Channel"))
    escalated = filters.BooleanFilter(label=_("Escalated"))
    dealer = filters.ModelChoiceFilter(queryset=_dealers_for(Record.COMPLAINT), label=_("Dealer"))
    opened_after = filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("Opened from"))
    opened_before = filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("Opened until"))

    class Meta:
        model = Complaint
        fields = ["q", "state", "overdue", "severity", "category", "channel", "escalated", "dealer", "opened_after",
                  "opened_before"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return {"open": queryset.open, "resolved": queryset.resolved, "closed": queryset.closed}.get(
            value, queryset.all
        )()

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = queryset.overdue(timezone.now())
        return late if value else queryset.exclude(pk__in=late.values("pk"))


class SurveyFilterSet(_SearchMixin, filters.FilterSet):
    GROUPS = (("promoter", _("Promoters (9–10)")), ("passive", _("Passives (7–8)")),
              ("detractor", _("Detractors (0–6)")))

    q = filters.CharFilter(method="filter_search", label=_("Search"),
                           help_text=_("Work order, comment, customer or plate"))
    dealer = filters.ModelChoiceFilter(queryset=_dealers_for(Record.SURVEY), label=_("Dealer"))
    group = filters.ChoiceFilter(choices=GROUPS, method="filter_group", label=_("Recommendation"))
    csi_below = filters.NumberFilter(field_name="csi", lookup_expr="lt", label=_("CSI below"))
    answered_after = filters.DateFilter(field_name="answered_at", lookup_expr="date__gte", label=_("Answered from"))
    answered_before = filters.DateFilter(field_name="answered_at", lookup_expr="date__lte", label=_("Answered until"))

    class Meta:
        model = Survey
        fields = ["q", "dealer", "group", "csi_below", "answered_after", "answered_before"]

    def filter_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "promoter":
            return queryset.filter(recommend__gte=9)
        if value == "passive":
            return queryset.filter(recommend__in=[7, 8])
        if value == "detractor":
            return queryset.filter(recommend__lte=6)
        return queryset
