"""The workbench from the outside (test client): booking, lines, lifecycle, signature, lookups, history,
complaints and surveys, and the customer's progress page."""

import base64
import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from parts.models import Stock
from tests.parts.factories import PartFactory
from tests.workorders.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveredWorkOrderFactory,
    LabourLineFactory,
    VehicleFactory,
    WorkOrderFactory,
)
from tests.workorders.pngs import png_bytes
from workorders import services
from workorders.choices import WorkOrderStatus as S
from workorders.models import Complaint, Customer, Survey, Vehicle, WorkOrder


@pytest.fixture
def advisor_client(client, advisor):
    client.force_login(advisor)
    return client


def test_booking_creates_customer_vehicle_and_work_order(advisor_client, dealer):
    response = advisor_client.post(reverse("workorders:workorder_create"), {
        "dealer": dealer.pk, "new_customer_name": "李雷", "new_customer_phone": "139 0000 1111",
        "new_customer_kind": "individual", "vin": "lsvab1234c5678901", "plate": "浙A·12345", "brand": "大众",
        "model": "帕萨特", "powertrain": "ICE", "model_year": 2021, "type": "repair", "channel": "walk_in",
        "mileage_km": 42000, "concern": "刹车异响",
        "promised_at": (timezone.localtime() + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
    })
    work_order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workorders:workorder_detail",
                                                                           args=[work_order.pk])
    assert work_order.customer.name == "李雷" and work_order.customer.phone == "13900001111"
    assert work_order.vehicle.vin == "LSVAB1234C5678901" and work_order.vehicle.plate == "浙A12345"
    assert work_order.vehicle.owner == work_order.customer
    assert work_order.dealer == dealer and work_order.mileage_km == 42000


def test_booking_an_existing_customer_and_known_vehicle(advisor_client, dealer):
    customer = CustomerFactory(dealer=dealer)
    vehicle = VehicleFactory(owner=customer)
    response = advisor_client.post(reverse("workorders:workorder_create"), {
        "dealer": dealer.pk, "customer": customer.pk, "new_customer_kind": "individual", "vin": vehicle.vin,
        "type": "maintenance", "channel": "online", "concern": "保养",
    })
    assert response.status_code == 302
    assert WorkOrder.objects.get().vehicle == vehicle
    assert Customer.objects.count() == 1 and Vehicle.objects.count() == 1


def test_booking_errors_name_the_fields(advisor_client, dealer, other_dealer):
    foreign = CustomerFactory(dealer=other_dealer)
    response = advisor_client.post(reverse("workorders:workorder_create"), {
        "dealer": dealer.pk, "customer": foreign.pk, "new_customer_kind": "individual", "vin": "SHORT",
        "type": "repair", "channel": "walk_in",
    })
    assert response.status_code == 200
    form = response.context["form"]
    assert "customer" in form.errors  # another dealer's customer is not a valid choice
    assert {"brand", "model", "powertrain", "model_year"} <= set(form.errors)
    response = advisor_client.post(reverse("workorders:workorder_create"), {
        "dealer": dealer.pk, "new_customer_name": "韩梅梅", "new_customer_kind": "individual", "vin": "SHORT",
        "brand": "x", "model": "y", "powertrain": "BEV", "model_year": 2023, "type": "repair", "channel": "walk_in",
    })
    assert "vin" in response.context["form"].errors
    assert not Customer.objects.filter(name="韩梅梅").exists()  # rolled back with the refused vehicle


def test_workbench_flow_to_delivery(advisor_client, dealer, technician, part_in_stock, advisor):
    work_order = WorkOrderFactory(dealer=dealer, concern="异响")
    detail = reverse("workorders:workorder_detail", args=[work_order.pk])
    transition = reverse("workorders:workorder_transition", args=[work_order.pk])
    assert advisor_client.get(detail).status_code == 200

    assert advisor_client.post(transition, {"to": "checked_in", "mileage_km": "15000"}).status_code == 302
    response = advisor_client.post(reverse("workorders:labour_line_add", args=[work_order.pk]), {
        "labour-op_code": "br01", "labour-description": "更换刹车片", "labour-flat_rate_hours": "1.5",
        "labour-amount": "360", "labour-technician": technician.pk,
    })
    assert response.status_code == 302
    response = advisor_client.post(reverse("workorders:parts_line_add", args=[work_order.pk]),
                                   {"parts-part_number": part_in_stock.number.lower(), "parts-quantity": "2"})
    assert response.status_code == 302
    assert Stock.objects.get(dealer=dealer, part=part_in_stock).on_hand == 3

    # refused step: the message names from → to and what is allowed
    response = advisor_client.post(transition, {"to": "delivered"})
    assert response.status_code == 200
    assert "to" in response.context["transition_form"].errors

    advisor_client.post(transition, {"to": "in_progress"})
    line = work_order.labour_lines.get()
    advisor_client.post(reverse("workorders:labour_line_hours", args=[line.pk]), {"actual_hours": "1.4"})
    for step in ("quality_check", "ready"):
        assert advisor_client.post(transition, {"to": step}).status_code == 302
    work_order.refresh_from_db()
    assert work_order.status == S.READY and work_order.quality_checked_by == advisor

    data_url = "data:image/png;base64," + base64.b64encode(png_bytes(400, 150)).decode()
    response = advisor_client.post(reverse("workorders:workorder_sign", args=[work_order.pk]),
                                   {"signature": data_url, "deliver": "1"})
    assert response.status_code == 302
    work_order.refresh_from_db()
    assert work_order.status == S.DELIVERED and work_order.delivered_at and work_order.signed_at
    assert work_order.labour_amount == 360 and work_order.parts_amount == 200

    page = advisor_client.get(detail)
    assert page.status_code == 200
    content = page.content.decode()
    assert reverse("workorders:workorder_signature", args=[work_order.pk]) in content
    assert "BR01" in content
    image = advisor_client.get(reverse("workorders:workorder_signature", args=[work_order.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    # history shows who changed what, with field diffs
    history = page.context["history"]
    delivered = [e for e in history if any(c.field == "status" and c.new == "Delivered" for c in e.changes)]
    assert delivered and delivered[0].user == advisor and delivered[0].subject == "Work order"
    hours = [e for e in history if e.subject == "Labour line BR01" and e.kind == "~"]
    assert any(c.field == "actual hours" and c.new == "1.40" for e in hours for c in e.changes)
    assert any(e.subject == f"Parts line {part_in_stock.number}" and e.kind == "+" for e in history)


def test_blank_signature_is_refused_with_a_field_error(advisor_client, dealer):
    work_order = WorkOrderFactory(dealer=dealer, status=S.READY)
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes(400, 150, drawn=False)).decode()
    response = advisor_client.post(reverse("workorders:workorder_sign", args=[work_order.pk]), {"signature": data_url})
    assert response.status_code == 200
    assert "blank" in str(response.context["signature_form"].errors["signature"])


def test_back_ordered_part_is_shown_and_issued_later(advisor_client, dealer):
    from parts.services import stock_receive

    part = PartFactory()
    work_order = WorkOrderFactory(dealer=dealer)
    advisor_client.post(reverse("workorders:parts_line_add", args=[work_order.pk]),
                        {"parts-part_number": part.number, "parts-quantity": "1"})
    line = work_order.parts_lines.get()
    assert line.filled_from_stock is False
    assert "on back-order" in advisor_client.get(reverse("workorders:workorder_detail", args=[work_order.pk])).content.decode()
    stock_receive(dealer=dealer, part=part, quantity=1)
    advisor_client.post(reverse("workorders:parts_line_issue", args=[line.pk]))
    assert Stock.objects.get(dealer=dealer, part=part).on_hand == 0
    advisor_client.post(reverse("workorders:parts_line_delete", args=[line.pk]))
    assert Stock.objects.get(dealer=dealer, part=part).on_hand == 1


def test_unknown_part_number_is_a_field_error(advisor_client, dealer):
    work_order = WorkOrderFactory(dealer=dealer)
    response = advisor_client.post(reverse("workorders:parts_line_add", args=[work_order.pk]),
                                   {"parts-part_number": "NOPE", "parts-quantity": "1"})
    assert response.status_code == 200
    assert "part_number" in response.context["parts_form"].errors


def test_lookups_stay_within_scope(advisor_client, dealer, other_dealer, part_in_stock):
    mine = CustomerFactory(dealer=dealer, name="张三", phone="13811112222")
    CustomerFactory(dealer=other_dealer, name="张三丰", phone="13811113333")
    my_car = VehicleFactory(owner=mine, plate="浙A88888")
    elsewhere = VehicleFactory(owner=CustomerFactory(dealer=other_dealer), plate="沪B88888")

    found = advisor_client.get(reverse("workorders:lookup_customers"), {"q": "张三"}).json()
    assert [c["id"] for c in found["customers"]] == [mine.pk]
    found = advisor_client.get(reverse("workorders:lookup_customers"), {"q": "88888"}).json()
    assert [v["vin"] for v in found["vehicles"]] == [my_car.vin]
    # the full VIN of a car known elsewhere finds the car, never its owner
    found = advisor_client.get(reverse("workorders:lookup_customers"), {"q": elsewhere.vin}).json()
    assert found["vehicles"][0]["vin"] == elsewhere.vin and found["vehicles"][0]["owner"] is None
    assert found["customers"] == []

    parts = advisor_client.get(reverse("workorders:lookup_parts"), {"q": "OF-", "dealer": dealer.pk}).json()["parts"]
    assert parts[0]["number"] == part_in_stock.number and parts[0]["on_hand"] == 5
    other = advisor_client.get(reverse("workorders:lookup_parts"), {"q": "OF-", "dealer": other_dealer.pk})
    assert other.status_code == 404


def test_manager_correction_through_the_page(client, dealer, service_manager):
    work_order = DeliveredWorkOrderFactory(dealer=dealer, mileage_km=100)
    client.force_login(service_manager)
    url = reverse("workorders:workorder_correct", args=[work_order.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"type": work_order.type, "channel": work_order.channel, "mileage_km": "1000",
                                 "reason": ""})
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"type": work_order.type, "channel": work_order.channel, "mileage_km": "1000",
                                 "reason": "里程少录一个零"})
    assert response.status_code == 302
    page = client.get(reverse("workorders:workorder_detail", args=[work_order.pk]))
    assert "里程少录一个零" in page.content.decode()


def test_complaint_pages_and_actions(advisor_client, dealer):
    work_order = DeliveredWorkOrderFactory(dealer=dealer)
    response = advisor_client.post(reverse("workorders:complaint_create"), {
        "dealer": dealer.pk, "channel": "phone", "category": "quality", "severity": "high",
        "work_order_number": work_order.number, "description": "噪音仍在",
    })
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and complaint.work_order == work_order
    assert complaint.customer == work_order.customer
    detail = reverse("workorders:complaint_detail", args=[complaint.pk])
    assert "48.0 h left" in advisor_client.get(detail).content.decode() or "47.9 h left" in advisor_client.get(
        detail).content.decode()
    advisor_client.post(reverse("workorders:complaint_action", args=[complaint.pk, "respond"]))
    response = advisor_client.post(reverse("workorders:complaint_action", args=[complaint.pk, "resolve"]),
                                   {"resolution": ""})
    assert "resolution" in response.context["resolve_form"].errors
    advisor_client.post(reverse("workorders:complaint_action", args=[complaint.pk, "resolve"]),
                        {"resolution": "更换衬套"})
    advisor_client.post(reverse("workorders:complaint_action", args=[complaint.pk, "close"]))
    complaint.refresh_from_db()
    assert complaint.first_response_at and complaint.resolved_at and complaint.closed_at
    assert len(advisor_client.get(detail).context["history"]) == 4


def test_complaint_list_filters(advisor_client, dealer):
    now = timezone.now()
    overdue = ComplaintFactory(dealer=dealer, opened_at=now - dt.timedelta(hours=50), severity="critical")
    ComplaintFactory(dealer=dealer, opened_at=now - dt.timedelta(hours=2), severity="low")
    closed = ComplaintFactory(dealer=dealer, opened_at=now - dt.timedelta(hours=5),
                              resolved_at=now - dt.timedelta(hours=4), closed_at=now - dt.timedelta(hours=3))
    url = reverse("workorders:complaint_list")

    def ids(params):
        return {c.pk for c in advisor_client.get(url, params).context["page"].object_list}

    assert ids({"overdue": "true"}) == {overdue.pk}
    assert ids({"state": "closed"}) == {closed.pk}
    assert ids({"severity": ["critical"]}) == {overdue.pk}
    assert len(ids({})) == 3


def test_survey_entry_per_delivered_work_order(advisor_client, dealer):
    work_order = DeliveredWorkOrderFactory(dealer=dealer)
    url = reverse("workorders:survey_create", args=[work_order.pk])
    scores = {"attitude_score": 100, "price_transparency_score": 95, "on_time_score": 90, "quality_score": 100,
              "facility_score": 80, "recommend": 10}
    response = advisor_client.post(url, {**scores, "recommend": 11})
    assert "recommend" in response.context["form"].errors
    assert advisor_client.post(url, scores).status_code == 302
    response = advisor_client.post(url, scores)
    assert "already has a survey" in str(response.context["form"].errors)
    assert Survey.objects.count() == 1
    listing = advisor_client.get(reverse("workorders:survey_list"), {"group": "promoter"})
    assert len(listing.context["page"].object_list) == 1


# ----------------------------------------------------------------------------- progress page


def test_progress_page_shows_steps_without_internal_data(client, dealer, advisor):
    customer = CustomerFactory(dealer=dealer, name="王秘密", phone="13999999999")
    work_order = WorkOrderFactory(dealer=dealer, customer=customer, vehicle=VehicleFactory(owner=customer,
                                  plate="浙A12345"), mileage_km=1000, concern="内部备注abc",
                                  promised_at=timezone.now() + dt.timedelta(hours=3))
    services.workorder_transition(work_order=work_order, to=S.CHECKED_IN, by=advisor)
    LabourLineFactory(work_order=work_order, amount=999)
    response = client.get(reverse("progress:page", args=[work_order.progress_token]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="robots" content="noindex' in content and response["X-Robots-Tag"].startswith("noindex")
    assert response["Cache-Control"] == "no-store"
    assert "浙A***45" in content and "浙A12345" not in content
    assert dealer.name in content
    for secret in ("王秘密", "13999999999", "内部备注abc", "999", work_order.vehicle.vin):
        assert secret not in content
    steps = response.context["steps"]
    assert [s.state for s in steps][:3] == ["done", "current", "pending"]
    assert steps[1].at is not None

    status = client.get(reverse("progress:status", args=[work_order.progress_token]))
    payload = json.loads(status.content)
    assert payload["status"] == "checked_in" and len(payload["steps"]) == 6


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 80])
def test_progress_page_404s_on_a_bad_token(client, db, token):
    assert client.get(f"/p/{token}/").status_code == 404
    assert client.get(f"/p/{token}/status.json").status_code == 404


def test_cancelled_progress_ends_at_cancelled(client, dealer, advisor):
    customer = CustomerFactory(dealer=dealer)
    work_order = services.workorder_create(dealer=dealer, by=advisor, customer=customer,
                                           vehicle=VehicleFactory(owner=customer), type="repair", channel="online")
    services.workorder_transition(work_order=work_order, to=S.CANCELLED, by=advisor, note="改期")
    steps = client.get(reverse("progress:page", args=[work_order.progress_token])).context["steps"]
    assert [(s.status, s.state) for s in steps] == [("booked", "done"), ("cancelled", "current")]
