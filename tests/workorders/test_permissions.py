"""The permission matrix from the outside: each role × record × own/other dealer × read/write.

Inside the user's scope a read answers 200 and a permitted write redirects (302); a write the role may
not make answers 403. Outside the scope everything answers 404, so ids of other dealers confirm nothing.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealers.choices import Role
from tests.dealers.factories import DealerFactory, RegionFactory, make_user
from tests.training.factories import TechnicianFactory
from tests.workorders.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveredWorkOrderFactory,
    LabourLineFactory,
    SurveyFactory,
    WorkOrderFactory,
)
from workorders.choices import WorkOrderStatus

ROLES = ["service_manager", "service_advisor", "parts_clerk", "technician", "regional_manager"]
ACTIONS = [
    ("work_order", "read"), ("work_order", "write"),
    ("customer", "read"), ("customer", "write"),
    ("complaint", "read"), ("complaint", "write"),
    ("survey", "read"), ("survey", "write"),
    ("labour_line", "write"), ("labour_line", "write_other_technicians"),
]
OK_READ, OK_WRITE, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404

# own dealer (regional manager: own region)
EXPECTED = {
    "service_manager": {a: OK_READ if a[1] == "read" else OK_WRITE for a in ACTIONS},
    "service_advisor": {a: OK_READ if a[1] == "read" else OK_WRITE for a in ACTIONS},
    "parts_clerk": {
        ("work_order", "read"): OK_READ, ("work_order", "write"): FORBIDDEN,
        ("customer", "read"): NOT_FOUND, ("customer", "write"): NOT_FOUND,
        ("complaint", "read"): NOT_FOUND, ("complaint", "write"): NOT_FOUND,
        ("survey", "read"): NOT_FOUND, ("survey", "write"): FORBIDDEN,  # sees the work order, not surveys
        ("labour_line", "write"): NOT_FOUND, ("labour_line", "write_other_technicians"): NOT_FOUND,
    },
    "technician": {
        ("work_order", "read"): OK_READ, ("work_order", "write"): FORBIDDEN,
        ("customer", "read"): NOT_FOUND, ("customer", "write"): NOT_FOUND,
        ("complaint", "read"): NOT_FOUND, ("complaint", "write"): NOT_FOUND,
        ("survey", "read"): NOT_FOUND, ("survey", "write"): FORBIDDEN,
        ("labour_line", "write"): OK_WRITE, ("labour_line", "write_other_technicians"): NOT_FOUND,
    },
    "regional_manager": {a: OK_READ if a[1] == "read" else FORBIDDEN for a in ACTIONS},
}


@pytest.fixture
def records(dealer):
    tech_user = make_user(Role.TECHNICIAN, dealer=dealer, username="matrix-tech")
    technician = TechnicianFactory(dealer=dealer, user=tech_user)
    work_order = WorkOrderFactory(dealer=dealer, status=WorkOrderStatus.IN_PROGRESS)
    delivered = DeliveredWorkOrderFactory(dealer=dealer, opened_at=timezone.now() - dt.timedelta(days=2))
    return {
        "tech_user": tech_user,
        "work_order": work_order,
        "line": LabourLineFactory(work_order=work_order, technician=technician),
        "other_line": LabourLineFactory(work_order=work_order, technician=TechnicianFactory(dealer=dealer)),
        "customer": CustomerFactory(dealer=dealer),
        "complaint": ComplaintFactory(dealer=dealer),
        "survey": SurveyFactory(work_order=DeliveredWorkOrderFactory(dealer=dealer)),
        "unsurveyed": delivered,
    }


def _request(client, records, record, action):
    wo, customer, complaint = records["work_order"], records["customer"], records["complaint"]
    if (record, action) == ("work_order", "read"):
        return client.get(reverse("workorders:workorder_detail", args=[wo.pk]))
    if (record, action) == ("work_order", "write"):
        return client.post(reverse("workorders:workorder_update", args=[wo.pk]),
                           {"type": wo.type, "channel": wo.channel, "concern": "更新"})
    if (record, action) == ("customer", "read"):
        return client.get(reverse("workorders:customer_detail", args=[customer.pk]))
    if (record, action) == ("customer", "write"):
        return client.post(reverse("workorders:customer_update", args=[customer.pk]),
                           {"name": "新名字", "phone": customer.phone, "kind": "individual", "gender": ""})
    if (record, action) == ("complaint", "read"):
        return client.get(reverse("workorders:complaint_detail", args=[complaint.pk]))
    if (record, action) == ("complaint", "write"):
        return client.post(reverse("workorders:complaint_action", args=[complaint.pk, "respond"]))
    if (record, action) == ("survey", "read"):
        return client.get(reverse("workorders:survey_detail", args=[records["survey"].pk]))
    if (record, action) == ("survey", "write"):
        scores = dict.fromkeys(["attitude_score", "price_transparency_score", "on_time_score", "quality_score",
                                "facility_score"], 90)
        return client.post(reverse("workorders:survey_create", args=[records["unsurveyed"].pk]),
                           {**scores, "recommend": 9})
    line = records["line"] if action == "write" else records["other_line"]
    return client.post(reverse("workorders:labour_line_hours", args=[line.pk]), {"actual_hours": "2.5"})


def _user(role, *, dealer, other_dealer, records, own):
    at = dealer if own else other_dealer
    if role == "technician" and own:
        return records["tech_user"]
    if role == "regional_manager":
        region = dealer.region if own else RegionFactory(code="north", name="华北区")
        if not own:
            DealerFactory(region=region)
        return make_user(Role.REGIONAL_MANAGER, region=region, username="matrix-rm")
    if role == "technician":
        user = make_user(Role.TECHNICIAN, dealer=at, username="matrix-tech-other")
        TechnicianFactory(dealer=at, user=user)
        return user
    return make_user(Role(role), dealer=at, username=f"matrix-{role}")


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("record", "action"), ACTIONS, ids=[f"{r}-{a}" for r, a in ACTIONS])
def test_permission_matrix(client, dealer, other_dealer, records, role, record, action, own):
    user = _user(role, dealer=dealer, other_dealer=other_dealer, records=records, own=own)
    client.force_login(user)
    response = _request(client, records, record, action)
    expected = EXPECTED[role][(record, action)] if own else NOT_FOUND
    assert response.status_code == expected, response.content[:300]


def test_writes_that_were_refused_changed_nothing(client, dealer, other_dealer, records):
    client.force_login(make_user(Role.SERVICE_ADVISOR, dealer=other_dealer, username="spy"))
    _request(client, records, "customer", "write")
    _request(client, records, "labour_line", "write")
    records["customer"].refresh_from_db()
    records["line"].refresh_from_db()
    assert records["customer"].name != "新名字"
    assert str(records["line"].actual_hours) == "1.00"


def test_anonymous_users_are_sent_to_login(client, records):
    response = client.get(reverse("workorders:workorder_detail", args=[records["work_order"].pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_lists_show_only_the_users_dealer(client, dealer, other_dealer, advisor):
    mine = WorkOrderFactory(dealer=dealer)
    WorkOrderFactory(dealer=other_dealer)
    ComplaintFactory(dealer=other_dealer)
    CustomerFactory(dealer=other_dealer)
    client.force_login(advisor)
    assert [w.pk for w in client.get(reverse("workorders:workorder_list")).context["page"].object_list] == [mine.pk]
    assert list(client.get(reverse("workorders:complaint_list")).context["page"].object_list) == []
    customers = client.get(reverse("workorders:customer_list")).context["page"].object_list
    assert {c.dealer_id for c in customers} == {dealer.pk}
    # the dealer filter offers only the user's dealers, and another dealer's id filters to nothing
    form = client.get(reverse("workorders:workorder_list")).context["filter"].form
    assert list(form.fields["dealer"].queryset) == [dealer]
    response = client.get(reverse("workorders:workorder_list"), {"dealer": other_dealer.pk})
    assert list(response.context["page"].object_list) == []


def test_region_manager_reads_the_region(client, dealer, other_dealer, regional_manager):
    WorkOrderFactory(dealer=dealer)
    WorkOrderFactory(dealer=other_dealer)
    client.force_login(regional_manager)
    page = client.get(reverse("workorders:workorder_list")).context["page"]
    assert len(page.object_list) == 2
    assert client.get(reverse("workorders:workorder_create")).status_code == 403


def test_booking_cannot_target_another_dealer(client, dealer, other_dealer, advisor):
    client.force_login(advisor)
    response = client.post(reverse("workorders:workorder_create"), {
        "dealer": other_dealer.pk, "new_customer_name": "x", "new_customer_kind": "individual",
        "vin": "LSVAB1234C5678901", "brand": "b", "model": "m", "powertrain": "ICE", "model_year": 2020,
        "type": "repair", "channel": "walk_in",
    })
    assert response.status_code == 200 and "dealer" in response.context["form"].errors


def test_only_a_service_manager_corrects(client, dealer, advisor, service_manager):
    work_order = DeliveredWorkOrderFactory(dealer=dealer)
    url = reverse("workorders:workorder_correct", args=[work_order.pk])
    client.force_login(advisor)
    assert client.get(url).status_code == 403
    client.force_login(service_manager)
    assert client.get(url).status_code == 200


def test_signature_image_needs_scope(client, dealer, other_advisor, advisor, signature_png):
    from workorders import services

    work_order = WorkOrderFactory(dealer=dealer, status=WorkOrderStatus.READY)
    services.workorder_sign(work_order=work_order, by=advisor, signature_png=signature_png)
    url = reverse("workorders:workorder_signature", args=[work_order.pk])
    client.force_login(other_advisor)
    assert client.get(url).status_code == 404
    client.force_login(advisor)
    assert client.get(url).status_code == 200


def test_technician_sees_the_job_but_not_the_customer_file(client, records):
    client.force_login(records["tech_user"])
    work_order = records["work_order"]
    response = client.get(reverse("workorders:workorder_detail", args=[work_order.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="hours-{records["line"].pk}"' in content  # their own line: hours can be recorded
    assert f'id="hours-{records["other_line"].pk}"' not in content
    assert reverse("workorders:customer_detail", args=[work_order.customer_id]) not in content
    assert reverse("workorders:customer_list") not in content
    assert not response.context["can_change"] and not response.context["next_steps"]
