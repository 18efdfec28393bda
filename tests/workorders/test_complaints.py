"""Complaints (intake → response → resolution → closure, escalation, the 48 h clock) and surveys."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.workorders.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveredWorkOrderFactory,
    WorkOrderFactory,
)
from workorders import services
from workorders.models import Complaint
from workorders.querysets import COMPLAINT_SLA


def test_complaint_flow(dealer, advisor):
    work_order = DeliveredWorkOrderFactory(dealer=dealer)
    opened = timezone.now() - dt.timedelta(hours=30)
    complaint = services.complaint_open(dealer=dealer, by=advisor, channel="phone", category="quality",
                                        severity="high", description="异响未修好", work_order=work_order,
                                        opened_at=opened)
    assert complaint.customer == work_order.customer
    with pytest.raises(ValidationError, match="Resolve the complaint"):
        services.complaint_close(complaint=complaint, by=advisor)
    services.complaint_respond(complaint=complaint, by=advisor, at=opened + dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="already had its first response"):
        services.complaint_respond(complaint=complaint, by=advisor)
    services.complaint_escalate(complaint=complaint, by=advisor)
    with pytest.raises(ValidationError) as empty:
        services.complaint_resolve(complaint=complaint, by=advisor, resolution=" ")
    assert "resolution" in empty.value.message_dict
    services.complaint_resolve(complaint=complaint, by=advisor, resolution="免费返修")
    services.complaint_close(complaint=complaint, by=advisor)
    complaint.refresh_from_db()
    assert complaint.escalated and complaint.escalated_at and complaint.resolved_at and complaint.closed_at
    with pytest.raises(ValidationError, match="closed"):
        services.complaint_update(complaint=complaint, by=advisor, severity="low")
    assert complaint.history.count() == 5


def test_resolving_counts_as_first_response(dealer, advisor):
    complaint = ComplaintFactory(dealer=dealer)
    services.complaint_resolve(complaint=complaint, by=advisor, resolution="道歉并退款")
    complaint.refresh_from_db()
    assert complaint.first_response_at == complaint.resolved_at


def test_complaint_links_stay_within_the_dealer(dealer, other_dealer, advisor):
    with pytest.raises(ValidationError) as refused:
        services.complaint_open(dealer=dealer, by=advisor, channel="phone", category="quality", severity="low",
                                work_order=WorkOrderFactory(dealer=other_dealer),
                                customer=CustomerFactory(dealer=other_dealer))
    assert {"work_order", "customer"} <= set(refused.value.message_dict)


def test_unknown_choices_are_named(dealer, advisor):
    with pytest.raises(ValidationError) as refused:
        services.complaint_open(dealer=dealer, by=advisor, channel="fax", category="quality", severity="huge")
    assert {"channel", "severity"} == set(refused.value.message_dict)


def test_the_48h_clock(dealer, advisor):
    now = timezone.now()
    fresh = ComplaintFactory(dealer=dealer, opened_at=now - dt.timedelta(hours=47))
    overdue = ComplaintFactory(dealer=dealer, opened_at=now - dt.timedelta(hours=49))
    resolved_late = ComplaintFactory(dealer=dealer, opened_at=now - dt.timedelta(hours=60),
                                     resolved_at=now - dt.timedelta(hours=1))
    assert COMPLAINT_SLA == dt.timedelta(hours=48)
    assert list(Complaint.objects.overdue(now)) == [overdue]
    assert set(Complaint.objects.open()) == {fresh, overdue}
    assert list(Complaint.objects.resolved()) == [resolved_late]


def test_escalating_a_resolved_complaint_is_refused(dealer, advisor):
    opened = timezone.now() - dt.timedelta(hours=2)
    complaint = ComplaintFactory(dealer=dealer, opened_at=opened, resolved_at=opened + dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="resolved"):
        services.complaint_escalate(complaint=complaint, by=advisor)


# ---------------------------------------------------------------------------------------- surveys

SCORES = {"attitude_score": 100, "price_transparency_score": 90, "on_time_score": 80, "quality_score": 100,
          "facility_score": 50}


def test_survey_of_a_delivered_work_order(dealer, advisor):
    work_order = DeliveredWorkOrderFactory(dealer=dealer)
    survey = services.survey_record(work_order=work_order, by=advisor, recommend=9, **SCORES)
    survey.refresh_from_db()
    # 0.25×100 + 0.20×90 + 0.20×80 + 0.25×100 + 0.10×50
    assert float(survey.csi) == pytest.approx(89.0)
    assert survey.dealer == dealer
    with pytest.raises(ValidationError, match="already has a survey"):
        services.survey_record(work_order=work_order, by=advisor, recommend=9, **SCORES)


def test_survey_needs_delivery_and_valid_scores(dealer, advisor):
    with pytest.raises(ValidationError, match="not been delivered"):
        services.survey_record(work_order=WorkOrderFactory(dealer=dealer), by=advisor, recommend=9, **SCORES)
    with pytest.raises(ValidationError) as refused:
        services.survey_record(work_order=DeliveredWorkOrderFactory(dealer=dealer), by=advisor, recommend=11,
                               **{**SCORES, "quality_score": 101})
    assert {"recommend", "quality_score"} == set(refused.value.message_dict)
