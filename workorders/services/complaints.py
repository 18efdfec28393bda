"""Complaints (opened → first response → resolved → closed, escalation at any open point) and surveys.

The 48 h clock (querysets.COMPLAINT_SLA) runs from opened_at to resolved_at; closing is the
follow-up that confirms the customer accepts the resolution.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..choices import ComplaintCategory, ComplaintChannel, ComplaintSeverity, WorkOrderStatus
from ..models import Complaint, Customer, Survey, WorkOrder
from ._common import lock, resolve_time, stamp

COMPLAINT_FIELDS = ("channel", "category", "severity", "description", "customer", "work_order")
SURVEY_SCORES = ("attitude_score", "price_transparency_score", "on_time_score", "quality_score", "facility_score")


def _check_links(dealer_id: int, customer: Customer | None, work_order: WorkOrder | None) -> None:
    errors = {}
    if customer is not None and customer.dealer_id != dealer_id:
        errors["customer"] = _("The customer belongs to another dealer.")
    if work_order is not None and work_order.dealer_id != dealer_id:
        errors["work_order"] = _("The work order belongs to another dealer.")
    if customer is not None and work_order is not None and work_order.customer_id != customer.pk:
        errors["customer"] = _("Work order %(number)s is for another customer.") % {"number": work_order.number}
    if errors:
        raise ValidationError(errors)


def _check_choices(values: dict[str, Any]) -> None:
    errors = {}
    for field, choices in (("channel", ComplaintChannel), ("category", ComplaintCategory),
                           ("severity", ComplaintSeverity)):
        if field in values and values[field] not in choices.values:
            errors[field] = _("Unknown value “%(value)s”.") % {"value": values[field]}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def complaint_open(
    *,
    dealer,
    by,
    channel: str,
    category: str,
    severity: str,
    description: str = "",
    customer: Customer | None = None,
    work_order: WorkOrder | None = None,
    opened_at: dt.datetime | None = None,
    external_id: str | None = None,
) -> Complaint:
    """Intake of a complaint; the 48 h clock starts at opened_at."""
    _check_choices({"channel": channel, "category": category, "severity": severity})
    _check_links(dealer.pk, customer, work_order)
    if customer is None and work_order is not None:
        customer = work_order.customer
    opened_at = resolve_time(opened_at, field="opened_at")
    external_id = (external_id or "").strip() or None
    if external_id and Complaint.objects.filter(dealer=dealer, external_id=external_id).exists():
        raise ValidationError({"external_id": _("A complaint with this external ID already exists at this dealer.")})
    complaint = Complaint(
        dealer=dealer, channel=channel, category=category, severity=severity, description=(description or "").strip(),
        customer=customer, work_order=work_order, opened_at=opened_at, external_id=external_id,
    )
    stamp(complaint, by)
    complaint.save()
    return complaint


def _ensure_not_closed(complaint: Complaint) -> None:
    if complaint.closed_at is not None:
        raise ValidationError(_("The complaint is closed."), code="closed")


@transaction.atomic
def complaint_update(*, complaint: Complaint, by, **changes: Any) -> Complaint:
    unknown = sorted(set(changes) - set(COMPLAINT_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    complaint = lock(complaint)
    _ensure_not_closed(complaint)
    _check_choices(changes)
    customer = changes.get("customer", complaint.customer)
    work_order = changes.get("work_order", complaint.work_order)
    _check_links(complaint.dealer_id, customer, work_order)
    for field, value in changes.items():
        setattr(complaint, field, value.strip() if isinstance(value, str) else value)
    stamp(complaint, by)
    complaint.save()
    return complaint


@transaction.atomic
def complaint_respond(*, complaint: Complaint, by, at: dt.datetime | None = None) -> Complaint:
    """The first contact with the customer after intake."""
    complaint = lock(complaint)
    _ensure_not_closed(complaint)
    if complaint.first_response_at is not None:
        raise ValidationError(_("The complaint already had its first response."), code="responded")
    complaint.first_response_at = resolve_time(at, field="first_response_at", not_before=complaint.opened_at,
                                               not_before_label=_("the complaint was opened"))
    stamp(complaint, by)
    complaint.save(update_fields=["first_response_at", "updated_at"])
    return complaint


@transaction.atomic
def complaint_resolve(*, complaint: Complaint, by, resolution: str, at: dt.datetime | None = None) -> Complaint:
    """Record how the complaint was resolved; this stops the 48 h clock. Resolving also counts as the
    first response when there was none."""
    complaint = lock(complaint)
    _ensure_not_closed(complaint)
    if complaint.resolved_at is not None:
        raise ValidationError(_("The complaint is already resolved."), code="resolved")
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Describe the resolution.")})
    at = resolve_time(at, field="resolved_at", not_before=complaint.first_response_at or complaint.opened_at,
                      not_before_label=_("the first response"))
    complaint.resolution = resolution
    complaint.resolved_at = at
    if complaint.first_response_at is None:
        complaint.first_response_at = at
    stamp(complaint, by)
    complaint.save(update_fields=["resolution", "resolved_at", "first_response_at", "updated_at"])
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, by, at: dt.datetime | None = None) -> Complaint:
    """Close a resolved complaint (the customer confirmed in the follow-up)."""
    complaint = lock(complaint)
    _ensure_not_closed(complaint)
    if complaint.resolved_at is None:
        raise ValidationError(_("Resolve the complaint before closing it."), code="not_resolved")
    complaint.closed_at = resolve_time(at, field="closed_at", not_before=complaint.resolved_at,
                                       not_before_label=_("the resolution"))
    stamp(complaint, by)
    complaint.save(update_fields=["closed_at", "updated_at"])
    return complaint


@transaction.atomic
def complaint_escalate(*, complaint: Complaint, by, at: dt.datetime | None = None) -> Complaint:
    """Hand an unresolved complaint to headquarters (counts in escalation_count)."""
    complaint = lock(complaint)
    _ensure_not_closed(complaint)
    if complaint.escalated:
        raise ValidationError(_("The complaint has already been escalated."), code="escalated")
    if complaint.resolved_at is not None:
        raise ValidationError(_("A resolved complaint is not escalated."), code="resolved")
    complaint.escalated = True
    complaint.escalated_at = resolve_time(at, field="escalated_at", not_before=complaint.opened_at,
                                          not_before_label=_("the complaint was opened"))
    stamp(complaint, by)
    complaint.save(update_fields=["escalated", "escalated_at", "updated_at"])
    return complaint


# -------------------------------------------------------------------------------------------- surveys


@transaction.atomic
def survey_record(
    *,
    work_order: WorkOrder,
    by,
    attitude_score: int,
    price_transparency_score: int,
    on_time_score: int,
    quality_score: int,
    facility_score: int,
    recommend: int,
    answered_at: dt.datetime | None = None,
    comment: str = "",
    external_id: str | None = None,
) -> Survey:
    """The post-visit survey of a delivered work order: one per work order, scores 0–100, recommend 0–10."""
    work_order = lock(work_order)
    if work_order.status != WorkOrderStatus.DELIVERED:
        raise ValidationError({"work_order": _("Work order %(number)s has not been delivered yet.")
                               % {"number": work_order.number}})
    if Survey.objects.filter(work_order=work_order).exists():
        raise ValidationError({"work_order": _("Work order %(number)s already has a survey.")
                               % {"number": work_order.number}})
    scores = {"attitude_score": attitude_score, "price_transparency_score": price_transparency_score,
              "on_time_score": on_time_score, "quality_score": quality_score, "facility_score": facility_score}
    errors = {}
    for field, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            errors[field] = _("A score is a whole number from 0 to 100.")
    if isinstance(recommend, bool) or not isinstance(recommend, int) or not 0 <= recommend <= 10:
        errors["recommend"] = _("The recommendation is a whole number from 0 to 10.")
    if errors:
        raise ValidationError(errors)
    answered_at = resolve_time(answered_at, field="answered_at", not_before=work_order.delivered_at,
                               not_before_label=_("the delivery"))
    external_id = (external_id or "").strip() or None
    if external_id and Survey.objects.filter(dealer_id=work_order.dealer_id, external_id=external_id).exists():
        raise ValidationError({"external_id": _("A survey with this external ID already exists at this dealer.")})
    survey = Survey(work_order=work_order, dealer_id=work_order.dealer_id, answered_at=answered_at,
                    recommend=recommend, comment=(comment or "").strip(), external_id=external_id, **scores)
    stamp(survey, by)
    survey.save()
    return survey
