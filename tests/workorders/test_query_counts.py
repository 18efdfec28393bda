"""List and detail pages cost a fixed number of queries, however many rows they show."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.training.factories import TechnicianFactory
from tests.workorders.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveredWorkOrderFactory,
    LabourLineFactory,
    PartsLineFactory,
    SurveyFactory,
    VehicleFactory,
    WorkOrderFactory,
)

# Limits per page (session + user + memberships + the page's own queries); netbox keeps such limits in
# one place too. Rows are 15 on every page, so an N+1 would blow far past these.
LIMITS = {
    "workorders:workorder_list": 8,
    "workorders:customer_list": 8,
    "workorders:vehicle_list": 7,
    "workorders:complaint_list": 8,
    "workorders:survey_list": 8,
}
ROWS = 15


@pytest.fixture
def busy_dealer(dealer, other_dealer):
    now = timezone.now()
    for i in range(ROWS):
        customer = CustomerFactory(dealer=dealer)
        vehicle = VehicleFactory(owner=customer)
        WorkOrderFactory(dealer=dealer, customer=customer, vehicle=vehicle)
        ComplaintFactory(dealer=dealer, customer=customer, opened_at=now - dt.timedelta(hours=i * 3))
        SurveyFactory(work_order=DeliveredWorkOrderFactory(dealer=dealer, customer=customer, vehicle=vehicle))
    WorkOrderFactory(dealer=other_dealer)
    return dealer


@pytest.mark.parametrize("url_name", list(LIMITS))
def test_list_pages_have_bounded_query_counts(client, busy_dealer, advisor, url_name,
                                              django_assert_max_num_queries):
    client.force_login(advisor)
    client.get(reverse(url_name))  # warm the session
    with django_assert_max_num_queries(LIMITS[url_name]):
        response = client.get(reverse(url_name), {"q": "", "page": "1"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) >= ROWS


def test_region_manager_list_is_bounded_too(client, busy_dealer, regional_manager, django_assert_max_num_queries):
    client.force_login(regional_manager)
    client.get(reverse("workorders:workorder_list"))
    # + the region's dealers, looked up by the scope and the header's links
    with django_assert_max_num_queries(LIMITS["workorders:workorder_list"] + 4):
        response = client.get(reverse("workorders:workorder_list"))
    assert response.status_code == 200


def test_detail_page_is_bounded_whatever_the_number_of_lines(client, dealer, advisor,
                                                             django_assert_max_num_queries):
    work_order = WorkOrderFactory(dealer=dealer)
    for _ in range(10):
        LabourLineFactory(work_order=work_order, technician=TechnicianFactory(dealer=dealer))
        PartsLineFactory(work_order=work_order)
    client.force_login(advisor)
    client.get(reverse("workorders:workorder_detail", args=[work_order.pk]))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("workorders:workorder_detail", args=[work_order.pk]))
    assert len(response.context["labour_lines"]) == 10 and len(response.context["parts_lines"]) == 10
