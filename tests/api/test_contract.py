"""Contract tests: each endpoint's list/detail/create/update shapes, filters, decimals as strings and
times with their UTC offset."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.api.conftest import work_order_payload
from workorders.models import WorkOrder, WorkOrderStatusChange

pytestmark = pytest.mark.django_db
OFFSET_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
DECIMAL = re.compile(r"^-?\d+\.\d+$")


def assert_time(value):
    assert isinstance(value, str) and OFFSET_TIME.match(value), value


def assert_decimal(value):
    assert isinstance(value, str) and DECIMAL.match(value), value


def test_dealers_list_and_detail_by_code(api, dealer):
    rows = api.get("/api/v1/dealers/").json()["results"]
    assert [row["code"] for row in rows] == [dealer.code]
    detail = api.get(f"/api/v1/dealers/{dealer.code}/").json()
    assert detail["name"] == dealer.name and detail["region"] == dealer.region.code
    assert_time(detail["updated_at"])
    assert api.post("/api/v1/dealers/", {}, format="json").status_code == 405


def test_work_order_create_returns_the_contract_shape(api, dealer, catalogue, technicians):
    response = api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["dealer"] == dealer.code and body["external_id"] == "RO-1" and body["number"] == "N-RO-1"
    for key in ("opened_at", "promised_at", "delivered_at", "created_at", "updated_at"):
        assert_time(body[key])
    assert body["opened_at"] == "2025-03-01T09:30:00+08:00"
    assert body["customer"] == {"external_id": "C-RO-1", "name": "王先生", "phone": "13800000000",
                                "kind": "individual"}
    assert body["vehicle"]["vin"] == "LSVAA4182E2100001" and body["vehicle"]["mileage_km"] == 12000
    assert body["labour_lines"] == [{"op_code": "OP1", "description": "诊断", "flat_rate_hours": "1.50",
                                     "actual_hours": "1.20", "technician": "T01", "amount": "300.00"}]
    assert body["parts_lines"][0]["part_number"] == "OF-100" and body["parts_lines"][0]["unit_price"] == "55.00"
    for key in ("labour_amount", "parts_amount", "parts_cost", "flat_rate_hours", "actual_hours"):
        assert_decimal(body[key])
    assert (body["labour_amount"], body["parts_amount"], body["parts_cost"]) == ("300.00", "110.00", "60.00")
    # The lifecycle: booked at opening, delivered at delivery.
    statuses = list(WorkOrderStatusChange.objects.filter(work_order_id=body["id"]).values_list("status", flat=True))
    assert statuses == ["booked", "delivered"]


def test_work_order_create_twice_is_409(api, dealer, catalogue, technicians):
    assert api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json").status_code == 201
    response = api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json")
    assert response.status_code == 409
    assert "external_id" in response.json()


def test_work_order_times_need_an_offset(api, dealer, catalogue, technicians):
    payload = work_order_payload(dealer.code, opened_at="2025-03-01T09:30:00")
    response = api.post("/api/v1/work-orders/", payload, format="json")
    assert response.status_code == 400 and "opened_at" in response.json()


def test_work_order_partial_update_merges_and_replaces_lines(api, dealer, catalogue, technicians):
    created = api.post("/api/v1/work-orders/", work_order_payload(dealer.code, status="in_progress",
                                                                     delivered_at=None), format="json").json()
    response = api.patch(f"/api/v1/work-orders/{created['id']}/", {
        "status": "delivered", "delivered_at": "2025-03-01T16:00:00+08:00",
        "customer": {"name": "王女士"},
        "parts_lines": [{"part_number": "BP-200", "quantity": 1}],
    }, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "delivered" and body["delivered_at"] == "2025-03-01T16:00:00+08:00"
    assert body["customer"]["name"] == "王女士" and body["customer"]["phone"] == "13800000000"
    assert [line["part_number"] for line in body["parts_lines"]] == ["BP-200"]
    # Unit price and cost default to the catalogue's; totals follow the new lines.
    assert body["parts_lines"][0]["unit_price"] == "360.00" and body["parts_amount"] == "360.00"
    assert body["labour_amount"] == "300.00"
    assert WorkOrderStatusChange.objects.filter(work_order_id=created["id"], status="delivered").exists()
    wo = WorkOrder.objects.get(pk=created["id"])
    assert wo.history.count() == 2  # created, then updated: the audit trail of the DMS's changes


def test_work_order_partial_update_cannot_move_it_to_another_dealer(api, dealer, other_dealer, catalogue,
                                                                     technicians):
    created = api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json").json()
    response = api.patch(f"/api/v1/work-orders/{created['id']}/", {"dealer": other_dealer.code}, format="json")
    assert response.status_code == 400 and "dealer" in response.json()


def test_work_order_put_and_delete_are_not_offered(api, dealer, catalogue, technicians):
    created = api.post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json").json()
    assert api.put(f"/api/v1/work-orders/{created['id']}/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/work-orders/{created['id']}/").status_code == 405


def test_work_order_filters(api, dealer, catalogue, technicians):
    base = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for n, (kind, channel, status) in enumerate([("repair", "online", "delivered"),
                                                 ("maintenance", "walk_in", "in_progress")]):
        opened = base + dt.timedelta(days=n * 10)
        payload = work_order_payload(dealer.code, f"F-{n}", vin=f"LSVAA4182E210010{n}", type=kind, channel=channel,
                                     status=status, opened_at=opened.isoformat(), promised_at=None,
                                     delivered_at=(opened + dt.timedelta(hours=3)).isoformat()
                                     if status == "delivered" else None)
        assert api.post("/api/v1/work-orders/", payload, format="json").status_code == 201

    def ids(**params):
        return [row["external_id"] for row in api.get("/api/v1/work-orders/", params).json()["results"]]

    assert ids(dealer=dealer.code) == ["F-0", "F-1"]
    assert ids(status="delivered") == ["F-0"]
    assert ids(type="maintenance") == ["F-1"]
    assert ids(channel="online") == ["F-0"]
    assert ids(opened_after="2025-03-05T00:00:00+08:00") == ["F-1"]
    assert ids(opened_before="2025-03-05T00:00:00+08:00") == ["F-0"]
    assert ids(delivered_after="2025-03-01T00:00:00+08:00") == ["F-0"]
    assert ids(delivered_before="2025-03-01T00:00:00+08:00") == []
    assert ids(updated_after="2000-01-01T00:00:00+00:00") == ["F-0", "F-1"]
    assert ids(updated_after="2100-01-01T00:00:00+00:00") == []
    assert ids(external_id="F-1") == ["F-1"]
    assert api.get("/api/v1/work-orders/", {"status": "nonsense"}).status_code == 400


def test_complaint_create_update_and_filters(api, world, dealer):
    response = api.post("/api/v1/complaints/", {
        "dealer": dealer.code, "external_id": "CP-new", "channel": "phone", "category": "price", "severity": "high",
        "description": "报价不透明", "work_order": "WO-a", "opened_at": "2025-03-02T10:00:00+08:00",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["work_order"] == "WO-a" and body["opened_at"] == "2025-03-02T10:00:00+08:00"
    assert body["customer"] == world["a"]["work_order"].customer.external_id
    updated = api.patch(f"/api/v1/complaints/{body['id']}/", {"severity": "critical"}, format="json")
    assert updated.status_code == 200 and updated.json()["severity"] == "critical"
    assert api.patch(f"/api/v1/complaints/{body['id']}/", {"dealer": "ZZZ"}, format="json").status_code == 400
    rows = api.get("/api/v1/complaints/", {"external_id": "CP-new"}).json()["results"]
    assert [row["id"] for row in rows] == [body["id"]]


def test_survey_create_and_update(api, world, dealer):
    from tests.workorders.factories import DeliveredWorkOrderFactory

    DeliveredWorkOrderFactory(dealer=dealer, external_id="WO-new")
    scores = {"attitude_score": 100, "price_transparency_score": 90, "on_time_score": 80, "quality_score": 100,
              "facility_score": 70, "recommend": 9}
    response = api.post("/api/v1/surveys/", {"dealer": dealer.code, "work_order": "WO-new", **scores}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert_decimal(body["csi"])
    assert body["work_order"] == "WO-new"
    updated = api.patch(f"/api/v1/surveys/{body['id']}/", {"recommend": 10}, format="json")
    assert updated.status_code == 200 and updated.json()["recommend"] == 10
    assert api.patch(f"/api/v1/surveys/{body['id']}/", {"recommend": 11}, format="json").status_code == 400
    # A second survey of the same work order is refused by the service, naming the field.
    again = api.post("/api/v1/surveys/", {"dealer": dealer.code, "work_order": "WO-new", **scores}, format="json")
    assert again.status_code == 400 and "work_order" in again.json()


def test_parts_catalogue_reads_for_all_and_writes_for_region_clients(api, region_api, catalogue):
    body = api.get("/api/v1/parts/OF-100/").json()
    assert body["cost"] == "30.00" and body["price"] == "55.00"
    new = {"number": "NEW-1", "name": "刹车片", "category": "brakes", "cost": "10.00", "price": "20.00"}
    assert api.post("/api/v1/parts/", new, format="json").status_code == 403
    response = region_api.post("/api/v1/parts/", new, format="json")
    assert response.status_code == 201, response.json()
    assert region_api.patch("/api/v1/parts/NEW-1/", {"price": "25.50"}, format="json").json()["price"] == "25.50"
    assert [p["number"] for p in api.get("/api/v1/parts/", {"category": "brakes"}).json()["results"]] == ["NEW-1"]


def test_stock_levels_and_movements_keep_stock_equal_to_the_ledger(api, dealer, catalogue):
    created = api.post("/api/v1/stock/", {"dealer": dealer.code, "part": "OF-100", "reorder_point": 2,
                                          "maximum": 10, "bin": "A-1"}, format="json")
    assert created.status_code == 201, created.json()
    stock = created.json()
    assert stock["on_hand"] == 0
    assert api.patch(f"/api/v1/stock/{stock['id']}/", {"on_hand": 99, "maximum": 12},
                     format="json").json()["on_hand"] == 0  # the count is the ledger's, never written here
    receipt = api.post("/api/v1/stock-movements/", {"dealer": dealer.code, "part": "OF-100", "kind": "receipt",
                                                    "quantity": 5, "at": "2025-03-01T08:00:00+08:00"}, format="json")
    assert receipt.status_code == 201, receipt.json()
    assert_decimal(receipt.json()["unit_cost"])
    issue = api.post("/api/v1/stock-movements/", {"dealer": dealer.code, "part": "OF-100", "kind": "issue",
                                                  "quantity": -3}, format="json")
    assert issue.status_code == 201
    assert api.get(f"/api/v1/stock/{stock['id']}/").json()["on_hand"] == 2
    too_many = api.post("/api/v1/stock-movements/", {"dealer": dealer.code, "part": "OF-100", "kind": "issue",
                                                     "quantity": -5}, format="json")
    assert too_many.status_code == 409
    assert "Out of stock" in too_many.json()["detail"] and "OF-100" in too_many.json()["detail"]
    assert api.get(f"/api/v1/stock/{stock['id']}/").json()["on_hand"] == 2
    wrong_sign = api.post("/api/v1/stock-movements/", {"dealer": dealer.code, "part": "OF-100", "kind": "receipt",
                                                       "quantity": -1}, format="json")
    assert wrong_sign.status_code == 400
    unknown_part = api.post("/api/v1/stock-movements/", {"dealer": dealer.code, "part": "NOPE", "kind": "receipt",
                                                         "quantity": 1}, format="json")
    assert unknown_part.status_code == 400 and "part" in unknown_part.json()
    kinds = [m["kind"] for m in api.get("/api/v1/stock-movements/", {"part": "OF-100"}).json()["results"]]
    assert kinds == ["receipt", "issue"]
    assert api.patch(f"/api/v1/stock-movements/{receipt.json()['id']}/", {}, format="json").status_code == 405


def test_parts_order_create_receive_and_cancel(api, dealer, catalogue):
    response = api.post("/api/v1/parts-orders/", {"dealer": dealer.code, "kind": "urgent", "external_id": "PO-9",
                                                  "lines": [{"part": "BP-200", "quantity": 3}]}, format="json")
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "ordered" and order["lines"][0]["unit_cost"] == "200.00"
    received = api.patch(f"/api/v1/parts-orders/{order['id']}/", {"status": "received"}, format="json")
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "received" and received.json()["lines"][0]["received_quantity"] == 3
    assert_time(received.json()["received_at"])
    stock = api.get("/api/v1/stock/", {"part": "BP-200"}).json()["results"]
    assert stock[0]["on_hand"] == 3
    second = api.post("/api/v1/parts-orders/", {"dealer": dealer.code, "kind": "stock",
                                                "lines": [{"part": "OF-100", "quantity": 1}]}, format="json").json()
    assert api.patch(f"/api/v1/parts-orders/{second['id']}/", {"status": "cancelled"},
                     format="json").json()["status"] == "cancelled"
    assert api.patch(f"/api/v1/parts-orders/{second['id']}/", {"status": "received"},
                     format="json").status_code == 400
    assert api.get("/api/v1/parts-orders/", {"status": "cancelled"}).json()["results"][0]["id"] == second["id"]


def test_technicians_and_certifications(api, dealer, technicians):
    from tests.training.factories import CertificationTypeFactory

    CertificationTypeFactory()
    tech = api.post("/api/v1/technicians/", {"dealer": dealer.code, "employee_code": "T77", "name": "李师傅",
                                             "level": "senior", "hired_on": "2020-05-01"}, format="json")
    assert tech.status_code == 201, tech.json()
    dup = api.post("/api/v1/technicians/", {"dealer": dealer.code, "employee_code": "T77", "name": "x"},
                   format="json")
    assert dup.status_code == 400 and "employee_code" in dup.json()
    assert api.patch(f"/api/v1/technicians/{tech.json()['id']}/", {"level": "intermediate"},
                     format="json").json()["level"] == "intermediate"
    cert = api.post("/api/v1/certifications/", {"dealer": dealer.code, "technician": "T77", "type": "HV",
                                                "issued_on": "2025-01-01"}, format="json")
    assert cert.status_code == 201, cert.json()
    assert cert.json()["expires_on"] == "2027-01-01"  # the type's 24 months
    assert cert.json()["technician"] == "T77" and cert.json()["dealer"] == dealer.code
    bad = api.patch(f"/api/v1/certifications/{cert.json()['id']}/", {"expires_on": "2024-01-01"}, format="json")
    assert bad.status_code == 400 and "expires_on" in bad.json()
    rows = api.get("/api/v1/certifications/", {"technician": "T77"}).json()["results"]
    assert [row["id"] for row in rows] == [cert.json()["id"]]


def test_kpi_targets_region_clients_write_dealers_read(region_api, api, world, dealer, region):
    response = region_api.post("/api/v1/kpi-targets/", {"kpi": "fill_rate", "region": region.code,
                                                        "month": "2025-03-01", "value": "96.0000"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["value"] == "96.0000"
    assert region_api.post("/api/v1/kpi-targets/", {"kpi": "fill_rate", "region": region.code, "month": "2025-03-01",
                                                    "value": "90"}, format="json").status_code == 409
    assert region_api.post("/api/v1/kpi-targets/", {"kpi": "fill_rate", "dealer": dealer.code, "region": region.code,
                                                    "value": "90"}, format="json").status_code == 400
    assert region_api.post("/api/v1/kpi-targets/", {"kpi": "fill_rate", "dealer": dealer.code, "month": "2025-03-02",
                                                    "value": "90"}, format="json").status_code == 400
    listed = {row["id"] for row in api.get("/api/v1/kpi-targets/").json()["results"]}
    assert response.json()["id"] in listed and world["region_target"].pk in listed  # the region's targets apply to A
    assert api.patch(f"/api/v1/kpi-targets/{response.json()['id']}/", {"value": "1"}, format="json").status_code == 403


def test_lists_are_cursor_paginated_and_stable_under_inserts(api, dealer):
    from tests.workorders.factories import WorkOrderFactory

    for n in range(5):
        WorkOrderFactory(dealer=dealer, external_id=f"P-{n}")
    first = api.get("/api/v1/work-orders/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    WorkOrderFactory(dealer=dealer, external_id="P-new")  # lands after every row seen so far
    seen = [row["external_id"] for row in first["results"]]
    url = first["next"]
    while url:
        page = api.get(url).json()
        seen += [row["external_id"] for row in page["results"]]
        url = page["next"]
    assert seen == ["P-0", "P-1", "P-2", "P-3", "P-4", "P-new"]
    by_opened = api.get("/api/v1/work-orders/", {"ordering": "opened_at", "page_size": 100}).json()["results"]
    assert len(by_opened) == 6
    assert api.get("/api/v1/work-orders/", {"cursor": "garbage"}).status_code == 400
    assert api.get("/api/v1/work-orders/", {"page_size": 0}).status_code == 400
    assert api.get("/api/v1/work-orders/", {"ordering": "number"}).status_code == 400


def test_schema_and_docs_are_served_without_internet(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/work-orders/bulk/", "/api/v1/kpis/", "/api/v1/kpis/rollup/", "/api/v1/tasks/{id}/",
                 "/api/v1/stock-movements/", "/api/v1/kpi-targets/"):
        assert path in spec["paths"], path
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "http://" not in docs.replace("http://testserver", "")
    assert "https://" not in docs
    from django.conf import settings
    from django.contrib.staticfiles import finders

    bundle = re.search(r'src="(/static/[^"]*swagger-ui-bundle\.js)"', docs).group(1)
    # A local static file (drf-spectacular-sidecar), which collectstatic + WhiteNoise serve in production.
    assert finders.find(bundle.removeprefix(settings.STATIC_URL))


def test_the_browsable_api_renders_for_a_browser_user(client, world, dealer):
    from dealers.choices import Role
    from tests.dealers.factories import make_user

    client.force_login(make_user(Role.SERVICE_MANAGER, dealer=dealer))
    for path in ("/api/v1/work-orders/", f"/api/v1/work-orders/{world['a']['work_order'].pk}/", "/api/v1/stock/",
                 "/api/v1/kpi-targets/", "/api/v1/dealers/"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path


def test_the_fast_work_order_representation_equals_the_declared_fields(api, dealer, catalogue, technicians):
    """WorkOrderSerializer builds its output by hand for speed; the declared fields (the schema) must agree."""
    from rest_framework import serializers

    from workorders.api.serializers import WorkOrderSerializer
    from workorders.api.views import WorkOrderViewSet

    first = api.post("/api/v1/work-orders/", work_order_payload(dealer.code, "R-1"), format="json").json()
    later = dt.datetime(2025, 3, 20, 9, tzinfo=dt.UTC)
    second = work_order_payload(dealer.code, "R-2", comeback_of="R-1", status="in_progress", delivered_at=None,
                                promised_at=None, opened_at=later.isoformat(), technician=None)
    second["vehicle"]["mileage_km"] = None
    created = api.post("/api/v1/work-orders/", second, format="json").json()
    for pk in (first["id"], created["id"]):
        wo = WorkOrderViewSet.queryset.get(pk=pk)
        declared = serializers.ModelSerializer.to_representation(WorkOrderSerializer(wo), wo)
        assert WorkOrderSerializer(wo).data == declared
    assert created["comeback_of"] == "R-1" and created["opened_at"] == "2025-03-20T17:00:00+08:00"


@pytest.mark.parametrize("path", ["dealers/", "work-orders/", "work-orders/bulk/", "complaints/", "surveys/", "parts/",
                                  "stock/", "stock-movements/", "parts-orders/", "technicians/", "certifications/",
                                  "kpi-targets/", "kpis/", "kpis/rollup/"])
def test_options_and_head_answer_without_error(api, path):
    assert api.options(f"/api/v1/{path}").status_code == 200
    assert api.head(f"/api/v1/{path}").status_code in (200, 400, 405)  # kpis/ needs from/to: 400
