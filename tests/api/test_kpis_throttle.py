"""KPI reads with ETag, roll-up requests and task states, and per-client throttling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealers.models import ApiTask
from kpi.models import DealerDayFact
from tests.api.conftest import client_for, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def facts(dealer, other_dealer):
    for d, (delivered, value) in ((dealer, (10, "10000.00")), (other_dealer, (30, "50000.00"))):
        for day in (dt.date(2025, 3, 1), dt.date(2025, 3, 2)):
            DealerDayFact.objects.create(dealer=d, day=day, delivered_count=delivered, output_value=Decimal(value),
                                         survey_count=2, csi_sum=Decimal("190.000"))


def _kpi(body, code):
    return next(k for k in body["kpis"] if k["code"] == code)


def test_kpis_for_one_dealer_with_series(api, dealer, facts):
    response = api.get("/api/v1/kpis/", {"dealer": dealer.code, "from": "2025-03-01", "to": "2025-03-02",
                                         "kpi": "ro_count,csi", "by": "day"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dealers"] == [dealer.code] and body["from"] == "2025-03-01" and body["by"] == "day"
    assert [k["code"] for k in body["kpis"]] == ["ro_count", "csi"]
    ro = _kpi(body, "ro_count")
    assert Decimal(ro["value"]) == 20 and Decimal(ro["numerator"]) == 20 and ro["denominator"] is None
    csi = _kpi(body, "csi")
    assert Decimal(csi["value"]) == Decimal("95") and Decimal(csi["denominator"]) == 4
    assert csi["unit"] == "score" and "target" in csi and isinstance(csi["value"], str)
    assert [p["start"] for p in csi["series"]] == ["2025-03-01", "2025-03-02"]


def test_kpis_for_the_whole_scope_sum_numerators_and_denominators(region_api, dealer, other_dealer, facts):
    body = region_api.get("/api/v1/kpis/", {"from": "2025-03-01", "to": "2025-03-02", "kpi": "ro_count"}).json()
    assert body["dealers"] == sorted([dealer.code, other_dealer.code])
    assert Decimal(_kpi(body, "ro_count")["value"]) == 80
    several = region_api.get("/api/v1/kpis/", [("dealer", dealer.code), ("dealer", other_dealer.code),
                                               ("from", "2025-03-01"), ("to", "2025-03-02"), ("kpi", "ro_count")])
    assert Decimal(_kpi(several.json(), "ro_count")["value"]) == 80


@pytest.mark.parametrize("params", [
    {"from": "2025-03-02", "to": "2025-03-01"},
    {"from": "2025-03-01"},
    {"from": "0001-01-01", "to": "0001-01-02"},
    {"from": "2020-01-01", "to": "2025-12-31"},
    {"from": "2025-03-01", "to": "2025-03-02", "kpi": "no_such_kpi"},
    {"from": "2025-03-01", "to": "2025-03-02", "by": "year"},
])
def test_kpi_query_errors_are_400(api, params):
    assert api.get("/api/v1/kpis/", params).status_code == 400


def test_kpi_reads_carry_an_etag_and_answer_304(api, dealer, facts):
    params = {"dealer": dealer.code, "from": "2025-03-01", "to": "2025-03-02"}
    first = api.get("/api/v1/kpis/", params)
    etag = first["ETag"]
    assert etag.startswith('"')
    again = api.get("/api/v1/kpis/", params, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert api.get("/api/v1/kpis/", params, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    DealerDayFact.objects.filter(dealer=dealer).update(delivered_count=11)
    changed = api.get("/api/v1/kpis/", params, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_rollup_is_for_region_clients_and_its_task_is_readable_by_its_creator(region, region_api, api, dealer,
                                                                              other_dealer):
    assert api.post("/api/v1/kpis/rollup/", {"from": "2025-03-01", "to": "2025-03-02"},
                    format="json").status_code == 403
    response = region_api.post("/api/v1/kpis/rollup/", {"from": "2025-03-01", "to": "2025-03-02"}, format="json")
    assert response.status_code == 202, response.json()
    task = response.json()
    assert task["state"] == "SUCCESS" and task["result"]["dealers"] == 2  # tests run tasks in-process
    assert ApiTask.objects.get(task_id=task["task_id"]).arguments["dealer_ids"] == sorted(
        [dealer.pk, other_dealer.pk])
    state = region_api.get(f"/api/v1/tasks/{task['task_id']}/")
    assert state.status_code == 200 and state.json()["state"] == "SUCCESS"
    # Another client, even of the same region, does not see it.
    other = client_for(issue(region)[1])
    assert other.get(f"/api/v1/tasks/{task['task_id']}/").status_code == 404
    assert api.get(f"/api/v1/tasks/{task['task_id']}/").status_code == 404
    assert region_api.post("/api/v1/kpis/rollup/", {"from": "2025-03-02", "to": "2025-03-01"},
                           format="json").status_code == 400


def test_a_read_only_region_token_cannot_request_a_rollup(region, dealer):
    from dealers.models import ApiTokenAccess

    api = client_for(issue(region, access=ApiTokenAccess.READ)[1])
    assert api.post("/api/v1/kpis/rollup/", {"from": "2025-03-01", "to": "2025-03-02"},
                    format="json").status_code == 403


def test_throttling_answers_429_with_retry_after(api, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "3/min"}
    codes = [api.get("/api/v1/dealers/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api.get("/api/v1/dealers/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


def test_throttle_buckets_are_per_token(region, dealer, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/min"}
    one, two = (client_for(issue(region, dealers=[dealer])[1]) for _ in range(2))
    assert [one.get("/api/v1/dealers/").status_code for _ in range(3)] == [200, 200, 429]
    assert two.get("/api/v1/dealers/").status_code == 200


def test_default_rates_are_generous_but_finite(settings):
    for rate in settings.API_THROTTLE_RATES.values():
        count, _per = rate.split("/")
        assert int(count) >= 60


@pytest.mark.services
def test_a_rollup_queued_through_the_api_runs_on_a_celery_worker(celery_worker_process, region, dealer):
    """With a broker the task goes to a real worker; its state is read back from the result backend."""
    import time

    api = client_for(issue(region)[1])
    task = api.post("/api/v1/kpis/rollup/", {"from": "2025-03-01", "to": "2025-03-03"}, format="json").json()
    assert task["state"] in ("PENDING", "STARTED", "SUCCESS")
    deadline = time.monotonic() + 90
    state = task
    while state["state"] not in ("SUCCESS", "FAILURE") and time.monotonic() < deadline:
        time.sleep(0.5)
        state = api.get(f"/api/v1/tasks/{task['task_id']}/").json()
    assert state["state"] == "SUCCESS", state
    assert state["result"]["rows"] == 3  # one dealer × three days
    assert DealerDayFact.objects.filter(dealer=dealer).count() == 3
