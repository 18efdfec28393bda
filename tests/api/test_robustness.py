"""Odd input is a 400 or 413, a concurrent duplicate a 409 — never a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection

from aftersales.api.exceptions import api_exception_handler
from tests.api.conftest import client_for, issue, work_order_payload
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mutate", [
    lambda p: p.update(number="N\x00UL"),
    lambda p: p["customer"].update(name="王\x00"),
    lambda p: p.update(opened_at="2025-13-45T99:00:00+08:00"),
    lambda p: p.update(opened_at="9999-12-31T23:59:59-14:00"),
    lambda p: p.update(opened_at="0001-01-01T00:00:00+14:00"),
    lambda p: p["vehicle"].update(mileage_km=10**30),
    lambda p: p["vehicle"].update(model_year=-1),
    lambda p: p["parts_lines"][0].update(quantity=2**63),
    lambda p: p["parts_lines"][0].update(quantity="many"),
    lambda p: p["labour_lines"][0].update(amount="1e400"),
    lambda p: p["labour_lines"][0].update(amount="NaN"),
    lambda p: p["labour_lines"][0].update(amount=[1, 2]),
    lambda p: p.update(labour_lines="not a list"),
    lambda p: p.update(customer=None),
    lambda p: p.update(extended_warranty_sold="perhaps"),
    lambda p: p.update(dealer=123),
    lambda p: p.update(external_id="x" * 500),
], ids=lambda f: "")
def test_odd_values_are_400(api, dealer, catalogue, technicians, mutate):
    payload = work_order_payload(dealer.code)
    mutate(payload)
    response = api.post("/api/v1/work-orders/", payload, format="json")
    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict)
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b'{"a": NaN}', "application/json"),
    (b"\xff\xfe\x00", "application/json"),
    (b"[]", "application/json"),
    (b'"just a string"', "application/json"),
])
def test_malformed_bodies_are_400(api, body, content_type):
    response = api.generic("POST", "/api/v1/work-orders/", body, content_type=content_type)
    assert response.status_code == 400


def test_wrong_media_type_is_415(api):
    response = api.generic("POST", "/api/v1/work-orders/", b"a=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_a_10_mb_body_is_413(api, settings):
    body = b'{"padding": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = api.generic("POST", "/api/v1/work-orders/bulk/", body, content_type="application/json")
    assert response.status_code == 413


@pytest.mark.parametrize("params", [
    {"opened_after": "not a date"},
    {"updated_after": "2025-02-30T00:00:00Z"},
    {"dealer": "A\x00B"},
    {"page_size": "99999999999999999999999"},
    {"cursor": "eyJvIjoidXBkYXRlZF9hdCIsInYiOjEsImkiOjF9"},
    {"status": ["booked", "bogus"]},
])
def test_odd_filters_are_400(api, params):
    assert api.get("/api/v1/work-orders/", params).status_code == 400


@pytest.mark.parametrize("params", [{"number": "A\x00B"}, {"external_id": "\x00"}])
def test_nul_bytes_in_text_filters_never_500(api, params):
    assert api.get("/api/v1/work-orders/", params).status_code in (200, 400)


def test_huge_ids_in_paths_are_404(api):
    assert api.get(f"/api/v1/work-orders/{10**30}/").status_code == 404
    assert api.get("/api/v1/work-orders/-1/").status_code == 404


def test_integrity_errors_map_to_409_and_data_errors_to_400():
    response = api_exception_handler(IntegrityError("duplicate key"), {})
    assert response.status_code == 409 and response.data["code"] == "conflict"
    assert api_exception_handler(OverflowError("too big"), {}).status_code == 400
    assert api_exception_handler(ValueError("bad"), {}).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_end_as_one_row_and_a_409(on_postgres, region, dealer, catalogue, technicians):
    """Two clients create the same work order at the same moment: one 201, one 409 from the constraint."""
    _token, raw = issue(region, dealers=[dealer])
    payload = work_order_payload(dealer.code, "RACE-1")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post() -> None:
        client = client_for(raw)
        barrier.wait()
        try:
            statuses.append(client.post("/api/v1/work-orders/", payload, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert WorkOrder.objects.filter(external_id="RACE-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_batches_never_duplicate(on_postgres, region, dealer, catalogue, technicians):
    _token, raw = issue(region, dealers=[dealer])
    items = [work_order_payload(dealer.code, f"RB-{n}", vin=f"LSVAA4182E2{n:06d}") for n in range(20)]
    barrier = threading.Barrier(3)
    answers: list[int] = []

    def post() -> None:
        client = client_for(raw)
        barrier.wait()
        try:
            answers.append(client.post("/api/v1/work-orders/bulk/", items, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(answers) <= {200, 409} and 200 in answers
    assert WorkOrder.objects.filter(external_id__startswith="RB-").count() == 20


def test_a_conflict_on_the_copy_path_is_an_integrity_error(on_postgres, dealer):
    """The bulk path's COPY reports a unique violation as django.db.IntegrityError (so: 409, not 500)."""
    from django.db import transaction

    from tests.workorders.factories import CustomerFactory
    from workorders.bulk_rows import copy_rows

    existing = CustomerFactory(dealer=dealer, external_id="X1")
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows("workorders_customer", ("dealer_id", "external_id", "name", "phone", "kind", "gender", "vip",
                                      "created_at", "updated_at"),
              [(dealer.pk, "X1", "n", "", "individual", "", False, existing.created_at, existing.created_at)])
