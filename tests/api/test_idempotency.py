"""Idempotency-Key: the first answer replays for 24 h; a different body with the same key is 422."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealers.models import IdempotencyRecord
from tests.api.conftest import client_for, issue, work_order_payload
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_a_repeated_post_replays_the_first_answer(api, dealer, catalogue, technicians):
    payload = work_order_payload(dealer.code)
    first = api.post("/api/v1/work-orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/work-orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert WorkOrder.objects.count() == 1
    # Without the key the same POST is a real second attempt: a duplicate, 409.
    assert api.post("/api/v1/work-orders/", payload, format="json").status_code == 409


def test_the_same_key_with_another_body_is_422(api, dealer, catalogue, technicians):
    api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = work_order_payload(dealer.code, "RO-2", vin="LSVAA4182E2100002")
    response = api.post("/api/v1/work-orders/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert WorkOrder.objects.count() == 1


def test_keys_are_per_client(region, dealer, catalogue, technicians):
    one = client_for(issue(region, dealers=[dealer])[1])
    two = client_for(issue(region, dealers=[dealer])[1])
    payload = work_order_payload(dealer.code)
    assert one.post("/api/v1/work-orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    response = two.post("/api/v1/work-orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert response.status_code == 409 and "Idempotent-Replayed" not in response


def test_a_replay_expires_after_24_hours(api, dealer, catalogue, technicians):
    payload = work_order_payload(dealer.code)
    api.post("/api/v1/work-orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    response = api.post("/api/v1/work-orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert response.status_code == 409  # really executed again: the work order exists


def test_a_key_still_in_flight_is_409(api, token_a, dealer, catalogue, technicians):
    token, _raw = token_a
    IdempotencyRecord.objects.create(client=f"token:{token.pk}", key="busy", method="POST",
                                     path="/api/v1/work-orders/", request_hash="x", created_at=timezone.now())
    response = api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json",
                        HTTP_IDEMPOTENCY_KEY="busy")
    # A different body hash is reported first; with the same hash the answer would be "in progress".
    assert response.status_code in (409, 422)
    record = IdempotencyRecord.objects.get(key="busy")
    from aftersales.api.idempotency import _request_hash  # the hash the view computes

    class _Req:
        method, path, data = "POST", "/api/v1/work-orders/", work_order_payload(dealer.code)

    record.request_hash = _request_hash(_Req)
    record.save()
    response = api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json",
                        HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_progress"


def test_validation_errors_replay_too_and_bulk_is_idempotent(api, dealer, catalogue, technicians):
    bad = work_order_payload(dealer.code, type="nonsense")
    first = api.post("/api/v1/work-orders/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert first.status_code == 400
    assert api.post("/api/v1/work-orders/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-4").json() == first.json()
    batch = [work_order_payload(dealer.code, f"B-{n}", vin=f"LSVAA4182E21000{n:02d}") for n in range(3)]
    one = api.post("/api/v1/work-orders/bulk/", batch, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    two = api.post("/api/v1/work-orders/bulk/", batch, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert one.json() == two.json() and one.json()["counts"] == {"created": 3}
    # A retried batch without a key never duplicates: the items are matched by external_id.
    three = api.post("/api/v1/work-orders/bulk/", batch, format="json")
    assert three.json()["counts"] == {"unchanged": 3}
    assert WorkOrder.objects.count() == 3


def test_an_overlong_key_is_400(api, dealer):
    response = api.post("/api/v1/work-orders/", {}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400


def test_expired_records_are_purged_by_the_nightly_task(api, dealer, catalogue, technicians):
    from dealers.tasks import api_idempotency_purge_task

    api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json", HTTP_IDEMPOTENCY_KEY="old")
    api.post("/api/v1/work-orders/bulk/", [], format="json", HTTP_IDEMPOTENCY_KEY="fresh")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert api_idempotency_purge_task.delay().get() == {"deleted": 1}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
