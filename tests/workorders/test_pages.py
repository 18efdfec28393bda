"""Every workshop page renders for the people who use it, in both languages; edits go through services
and land in the audit history with the acting user (or the system user for tasks)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.audit import system_user
from tests.workorders.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveredWorkOrderFactory,
    LabourLineFactory,
    SurveyFactory,
    VehicleFactory,
    WorkOrderFactory,
)
from workorders import services
from workorders.choices import WorkOrderStatus


@pytest.fixture
def pages(dealer):
    customer = CustomerFactory(dealer=dealer)
    vehicle = VehicleFactory(owner=customer)
    work_order = WorkOrderFactory(dealer=dealer, customer=customer, vehicle=vehicle)
    line = LabourLineFactory(work_order=work_order)
    delivered = DeliveredWorkOrderFactory(dealer=dealer, customer=customer, vehicle=vehicle)
    survey = SurveyFactory(work_order=DeliveredWorkOrderFactory(dealer=dealer))
    complaint = ComplaintFactory(dealer=dealer, customer=customer, work_order=work_order)
    return [
        reverse("workorders:workorder_list"),
        reverse("workorders:workorder_create"),
        reverse("workorders:workorder_create") + f"?customer={customer.pk}",
        reverse("workorders:workorder_detail", args=[work_order.pk]),
        reverse("workorders:workorder_detail", args=[delivered.pk]),
        reverse("workorders:workorder_update", args=[work_order.pk]),
        reverse("workorders:labour_line_update", args=[line.pk]),
        reverse("workorders:customer_list"),
        reverse("workorders:customer_create"),
        reverse("workorders:customer_detail", args=[customer.pk]),
        reverse("workorders:customer_update", args=[customer.pk]),
        reverse("workorders:vehicle_list"),
        reverse("workorders:vehicle_create") + f"?owner={customer.pk}",
        reverse("workorders:vehicle_detail", args=[vehicle.pk]),
        reverse("workorders:vehicle_update", args=[vehicle.pk]),
        reverse("workorders:complaint_list"),
        reverse("workorders:complaint_create") + f"?work_order={work_order.pk}",
        reverse("workorders:complaint_detail", args=[complaint.pk]),
        reverse("workorders:complaint_update", args=[complaint.pk]),
        reverse("workorders:survey_list"),
        reverse("workorders:survey_create", args=[delivered.pk]),
        reverse("workorders:survey_detail", args=[survey.pk]),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_renders_for_an_advisor(dealer, advisor, pages, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(advisor)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in response.content.decode(), url


def test_region_manager_reads_every_page(client, regional_manager, pages):
    client.force_login(regional_manager)
    for url in pages:
        expected = 403 if any(part in url for part in ("/new", "/edit")) else 200
        assert client.get(url).status_code == expected, url


def test_edits_through_pages(client, dealer, advisor):
    customer = CustomerFactory(dealer=dealer, name="旧名")
    vehicle = VehicleFactory(owner=customer)
    earlier = DeliveredWorkOrderFactory(dealer=dealer, customer=customer, vehicle=vehicle,
                                        opened_at=timezone.now() - dt.timedelta(days=10))
    work_order = WorkOrderFactory(dealer=dealer, customer=customer, vehicle=vehicle)
    client.force_login(advisor)

    response = client.post(reverse("workorders:customer_update", args=[customer.pk]),
                           {"name": "新名", "phone": "13800000000", "kind": "fleet", "gender": "female"})
    assert response.status_code == 302
    history = client.get(reverse("workorders:customer_detail", args=[customer.pk])).context["history"]
    assert history[0].user == advisor and {c.field for c in history[0].changes} >= {"name", "kind", "gender"}

    response = client.post(reverse("workorders:vehicle_update", args=[vehicle.pk]), {
        "vin": vehicle.vin, "plate": "浙B 99999", "brand": vehicle.brand, "model": vehicle.model,
        "powertrain": "PHEV", "model_year": vehicle.model_year, "mileage_km": 5000})
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert (vehicle.plate, vehicle.powertrain) == ("浙B99999", "PHEV")

    response = client.post(reverse("workorders:workorder_comeback", args=[work_order.pk]),
                           {"comeback_of": earlier.pk})
    assert response.status_code == 302, response.context["comeback_form"].errors
    work_order.refresh_from_db()
    assert work_order.comeback_of == earlier

    response = client.post(reverse("workorders:workorder_update", args=[work_order.pk]), {
        "type": "repair", "channel": "walk_in", "promised_at": "2000-01-01T10:00", "concern": "x"})
    assert response.status_code == 200 and "promised_at" in response.context["form"].errors

    response = client.post(reverse("workorders:vehicle_create"), {
        "vin": "LSVAB1234C5678902", "plate": "", "brand": "蔚来", "model": "ES6", "powertrain": "BEV",
        "model_year": 2023, "mileage_km": 0, "owner": customer.pk})
    assert response.status_code == 302 and customer.vehicles.count() == 2


def test_tasks_record_the_system_user(dealer):
    actor = system_user()
    assert actor.username == "system" and not actor.is_active and not actor.has_usable_password()
    assert system_user().pk == actor.pk
    work_order = WorkOrderFactory(dealer=dealer, status=WorkOrderStatus.BOOKED)
    services.workorder_update(work_order=work_order, by=actor, concern="由任务更新")
    assert work_order.history.order_by("-history_date").first().history_user == actor
