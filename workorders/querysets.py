"""Chainable, side-effect-free querysets of the workshop's records.

Scoping by user lives in dealers.policy and the selectors; these only know the domain words
("open", "overdue", "on back-order") so selectors, filtersets, the API and the KPI roll-up say the
same thing the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .choices import OPEN_STATUSES, WorkOrderStatus

# The complaint clock: a complaint should be resolved within 48 hours of being opened
# (glossary: complaint_48h_rate). The clock stops at resolution, not at closure.
COMPLAINT_SLA = dt.timedelta(hours=48)


def _terms(q: str) -> list[str]:
    return [term for term in q.split() if term][:5]


class CustomerQuerySet(models.QuerySet):
    def for_dealers(self, dealer_ids: Iterable[int]) -> CustomerQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def search(self, q: str) -> CustomerQuerySet:
        """Every word must match the name, phone, external ID or one of the customer's cars."""
        from .models import Vehicle

        qs = self
        for term in _terms(q):
            cars = Vehicle.objects.filter(owner=OuterRef("pk")).filter(
                Q(vin__icontains=term) | Q(plate__icontains=term)
            )
            qs = qs.filter(
                Q(name__icontains=term) | Q(phone__icontains=term) | Q(external_id__iexact=term) | Exists(cars)
            )
        return qs


class VehicleQuerySet(models.QuerySet):
    def visible_at(self, dealer_ids: Iterable[int]) -> VehicleQuerySet:
        """Vehicles a dealer knows: owned by one of its customers, or serviced there."""
        from .models import WorkOrder

        ids = list(dealer_ids)
        serviced = WorkOrder.objects.filter(vehicle=OuterRef("pk"), dealer_id__in=ids)
        return self.filter(Q(owner__dealer_id__in=ids) | Exists(serviced))

    def search(self, q: str) -> VehicleQuerySet:
        qs = self
        for term in _terms(q):
            qs = qs.filter(
                Q(vin__icontains=term) | Q(plate__icontains=term) | Q(model__icontains=term) | Q(brand__icontains=term)
            )
        return qs


class WorkOrderQuerySet(models.QuerySet):
    def for_dealers(self, dealer_ids: Iterable[int]) -> WorkOrderQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def open(self) -> WorkOrderQuerySet:
        return self.filter(status__in=list(OPEN_STATUSES))

    def delivered(self) -> WorkOrderQuerySet:
        return self.filter(status=WorkOrderStatus.DELIVERED)

    def overdue(self, now: dt.datetime | None = None) -> WorkOrderQuerySet:
        """Open work orders past their promised time."""
        return self.open().filter(promised_at__lt=now or timezone.now())

    def search(self, q: str) -> WorkOrderQuerySet:
        qs = self
        for term in _terms(q):
            qs = qs.filter(
                Q(number__icontains=term)
                | Q(external_id__iexact=term)
                | Q(vehicle__vin__icontains=term)
                | Q(vehicle__plate__icontains=term)
                | Q(customer__name__icontains=term)
                | Q(customer__phone__icontains=term)
            )
        return qs

    def with_list_relations(self) -> WorkOrderQuerySet:
        return self.select_related("dealer", "customer", "vehicle", "service_advisor")


class PartsLineQuerySet(models.QuerySet):
    def issued_filter(self) -> Q:
        """A line is issued when stock covered it at request (filled_from_stock) or an issue movement
        was booked against it later (a back-order filled after the parts arrived)."""
        from parts.choices import MovementKind
        from parts.models import StockMovement

        issues = StockMovement.objects.filter(parts_line=OuterRef("pk"), kind=MovementKind.ISSUE)
        return Q(filled_from_stock=True) | Exists(issues)

    def on_back_order(self) -> PartsLineQuerySet:
        return self.exclude(self.issued_filter())

    def issued(self) -> PartsLineQuerySet:
        return self.filter(self.issued_filter())

    def with_issued(self) -> PartsLineQuerySet:
        from parts.choices import MovementKind
        from parts.models import StockMovement

        issues = StockMovement.objects.filter(parts_line=OuterRef("pk"), kind=MovementKind.ISSUE)
        return self.annotate(has_issue_movement=Exists(issues))


class ComplaintQuerySet(models.QuerySet):
    def for_dealers(self, dealer_ids: Iterable[int]) -> ComplaintQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def open(self) -> ComplaintQuerySet:
        return self.filter(resolved_at__isnull=True, closed_at__isnull=True)

    def resolved(self) -> ComplaintQuerySet:
        """Resolved, waiting to be closed (the customer's confirmation / the follow-up call)."""
        return self.filter(resolved_at__isnull=False, closed_at__isnull=True)

    def closed(self) -> ComplaintQuerySet:
        return self.filter(closed_at__isnull=False)

    def overdue(self, now: dt.datetime | None = None) -> ComplaintQuerySet:
        """Still unresolved after the 48 h clock ran out."""
        return self.open().filter(opened_at__lt=(now or timezone.now()) - COMPLAINT_SLA)

    def search(self, q: str) -> ComplaintQuerySet:
        qs = self
        for term in _terms(q):
            qs = qs.filter(
                Q(description__icontains=term)
                | Q(external_id__iexact=term)
                | Q(work_order__number__icontains=term)
                | Q(customer__name__icontains=term)
                | Q(customer__phone__icontains=term)
            )
        return qs


class SurveyQuerySet(models.QuerySet):
    def for_dealers(self, dealer_ids: Iterable[int]) -> SurveyQuerySet:
        return self.filter(dealer_id__in=list(dealer_ids))

    def promoters(self) -> SurveyQuerySet:
        return self.filter(recommend__gte=9)

    def detractors(self) -> SurveyQuerySet:
        return self.filter(recommend__lte=6)

    def search(self, q: str) -> SurveyQuerySet:
        qs = self
        for term in _terms(q):
            qs = qs.filter(
                Q(work_order__number__icontains=term)
                | Q(comment__icontains=term)
                | Q(work_order__customer__name__icontains=term)
                | Q(work_order__vehicle__plate__icontains=term)
            )
        return qs
