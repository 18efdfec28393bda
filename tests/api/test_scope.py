"""The scope matrix: a token of dealer A against every endpoint and dealer B's records.

Another dealer's records are 404 on read, absent from lists, refused on write (400 naming the field, or
403), and a dealer filter naming them is a 400 — never data.
"""

from __future__ import annotations

import logging

import pytest

from dealers.choices import Role
from tests.api.conftest import client_for, issue, work_order_payload
from tests.dealers.factories import make_user

pytestmark = pytest.mark.django_db

# endpoint → (record key in `world`, how its detail URL names it)
ENDPOINTS = {
    "dealers": ("dealer", "code"),
    "work-orders": ("work_order", "pk"),
    "complaints": ("complaint", "pk"),
    "surveys": ("survey", "pk"),
    "stock": ("stock", "pk"),
    "stock-movements": ("movement", "pk"),
    "parts-orders": ("parts_order", "pk"),
    "technicians": ("technician", "pk"),
    "certifications": ("certification", "pk"),
    "kpi-targets": ("kpi_target", "pk"),
}
FILTERABLE = [e for e in ENDPOINTS if e != "dealers"]


def _key(world, endpoint, which):
    record, attr = ENDPOINTS[endpoint]
    return getattr(world[which][record], attr)


def _listed(response, endpoint):
    attr = "code" if endpoint == "dealers" else "id"
    return {row[attr] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_other_dealers_records_are_absent_from_lists(api, world, endpoint):
    response = api.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    listed = _listed(response, endpoint)
    assert _key(world, endpoint, "a") in listed
    assert _key(world, endpoint, "b") not in listed


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_other_dealers_record_is_404_on_detail(api, world, endpoint):
    assert api.get(f"/api/v1/{endpoint}/{_key(world, endpoint, 'a')}/").status_code == 200
    assert api.get(f"/api/v1/{endpoint}/{_key(world, endpoint, 'b')}/").status_code == 404


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e not in ("dealers", "stock-movements")])
def test_other_dealers_record_cannot_be_updated(api, world, endpoint):
    response = api.patch(f"/api/v1/{endpoint}/{_key(world, endpoint, 'b')}/", {}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", FILTERABLE)
def test_dealer_filter_naming_another_dealer_is_refused(api, world, endpoint, dealer, other_dealer):
    for value in (other_dealer.code, f"{dealer.code},{other_dealer.code}", "NO-SUCH-DEALER"):
        response = api.get(f"/api/v1/{endpoint}/", {"dealer": value})
        assert response.status_code == 400, (endpoint, value)
        assert "dealer" in response.json()
    assert api.get(f"/api/v1/{endpoint}/", {"dealer": dealer.code}).status_code == 200


def _create_payloads(dealer_code):
    scores = {"attitude_score": 90, "price_transparency_score": 90, "on_time_score": 90, "quality_score": 90,
              "facility_score": 90, "recommend": 9}
    return {
        "work-orders": work_order_payload(dealer_code, "NEW-1", technician=None),
        "complaints": {"dealer": dealer_code, "channel": "phone", "category": "waiting", "severity": "low"},
        "surveys": {"dealer": dealer_code, "work_order": "WO-b", **scores},
        "stock": {"dealer": dealer_code, "part": "BP-200"},
        "stock-movements": {"dealer": dealer_code, "part": "OF-100", "kind": "receipt", "quantity": 1},
        "parts-orders": {"dealer": dealer_code, "kind": "stock", "lines": [{"part": "OF-100", "quantity": 1}]},
        "technicians": {"dealer": dealer_code, "employee_code": "X9", "name": "新技师"},
        "certifications": {"dealer": dealer_code, "technician": "T02", "type": "HV", "issued_on": "2025-01-01"},
    }


@pytest.mark.parametrize("endpoint", list(_create_payloads("X")))
def test_creating_a_record_at_another_dealer_is_refused_naming_the_dealer(api, world, other_dealer, endpoint,
                                                                          caplog):
    before = api.get(f"/api/v1/{endpoint}/").json()["results"]
    with caplog.at_level(logging.WARNING, logger="aftersales.security"):
        response = api.post(f"/api/v1/{endpoint}/", _create_payloads(other_dealer.code)[endpoint], format="json")
    assert response.status_code == 400
    assert "dealer" in response.json()
    assert any('"scope_refused"' in r.getMessage() for r in caplog.records)
    assert api.get(f"/api/v1/{endpoint}/").json()["results"] == before


def test_kpi_targets_are_not_writable_by_a_dealer_token(api, world, dealer):
    response = api.post("/api/v1/kpi-targets/", {"kpi": "csi", "dealer": dealer.code, "value": "97"}, format="json")
    assert response.status_code in (400, 403)
    assert api.patch(f"/api/v1/kpi-targets/{world['a']['kpi_target'].pk}/", {"value": "1"},
                     format="json").status_code == 403


def test_a_work_order_cannot_point_at_another_dealers_technician(api, world, dealer):
    response = api.post("/api/v1/work-orders/", work_order_payload(dealer.code, "X-1", technician="T02"),
                        format="json")
    assert response.status_code == 400
    assert response.json()["labour_lines"][0]["technician"]


def test_a_certification_cannot_name_another_dealers_technician(api, world, dealer):
    response = api.post("/api/v1/certifications/",
                        {"dealer": dealer.code, "technician": "T02", "type": "HV", "issued_on": "2025-01-01"},
                        format="json")
    assert response.status_code == 400
    assert "technician" in response.json()


def test_a_complaint_cannot_link_another_dealers_work_order(api, world, dealer):
    response = api.post("/api/v1/complaints/", {"dealer": dealer.code, "channel": "phone", "category": "waiting",
                                                "severity": "low", "work_order": "WO-b"}, format="json")
    assert response.status_code == 400
    assert "work_order" in response.json()


def test_bulk_item_at_another_dealer_is_an_error_on_its_dealer_field(api, world, dealer, other_dealer):
    response = api.post("/api/v1/work-orders/bulk/?atomic=false",
                        [work_order_payload(dealer.code, "OK-1", technician=None),
                         work_order_payload(other_dealer.code, "NO-1", technician=None, vin="LSVAA4182E2100009")],
                        format="json")
    items = response.json()["items"]
    assert items[0]["status"] == "created"
    assert items[1]["status"] == "error" and "dealer" in items[1]["errors"]
    assert not other_dealer.work_orders.filter(external_id="NO-1").exists()


def test_kpis_of_another_dealer_are_refused(api, world, other_dealer):
    response = api.get("/api/v1/kpis/", {"dealer": other_dealer.code, "from": "2025-01-01", "to": "2025-01-31"})
    assert response.status_code == 400
    assert "dealer" in response.json()


def test_a_region_token_sees_every_dealer_of_its_region(region_api, world):
    listed = _listed(region_api.get("/api/v1/work-orders/"), "work-orders")
    assert {world["a"]["work_order"].pk, world["b"]["work_order"].pk} <= listed


def test_a_token_of_several_dealers_sees_exactly_those(region, world, dealer, other_dealer):
    from tests.dealers.factories import DealerFactory
    from tests.workorders.factories import WorkOrderFactory

    third = DealerFactory(region=region)
    hidden = WorkOrderFactory(dealer=third)
    api = client_for(issue(region, dealers=[dealer, other_dealer])[1])
    listed = _listed(api.get("/api/v1/work-orders/"), "work-orders")
    assert {world["a"]["work_order"].pk, world["b"]["work_order"].pk} <= listed
    assert hidden.pk not in listed


def test_a_token_never_reaches_another_region(world, dealer):
    from tests.dealers.factories import DealerFactory, RegionFactory

    north = RegionFactory(code="north", name="华北区")
    north_dealer = DealerFactory(region=north)
    # Even if an admin listed a dealer of another region on it, the token stays inside its own region.
    _token, raw = issue(north, dealers=[north_dealer, dealer])
    listed = _listed(client_for(raw).get("/api/v1/dealers/"), "dealers")
    assert listed == {north_dealer.code}


def test_browser_users_are_scoped_by_their_memberships(client, world, dealer):
    advisor = make_user(Role.SERVICE_ADVISOR, dealer=dealer)
    client.force_login(advisor)
    listed = {row["id"] for row in client.get("/api/v1/work-orders/").json()["results"]}
    assert world["a"]["work_order"].pk in listed and world["b"]["work_order"].pk not in listed
    assert client.get(f"/api/v1/work-orders/{world['b']['work_order'].pk}/").status_code == 404
    # An advisor may read stock but not change it (dealers.policy): refused on write.
    response = client.patch(f"/api/v1/stock/{world['a']['stock'].pk}/", {"reorder_point": 3},
                            content_type="application/json")
    assert response.status_code == 403


def test_regional_manager_session_reads_the_region_but_cannot_write_work_orders(client, world, regional_manager,
                                                                                 dealer):
    client.force_login(regional_manager)
    listed = {row["id"] for row in client.get("/api/v1/work-orders/").json()["results"]}
    assert {world["a"]["work_order"].pk, world["b"]["work_order"].pk} <= listed
    response = client.post("/api/v1/work-orders/", work_order_payload(dealer.code, "RM-1", technician=None),
                           content_type="application/json")
    assert response.status_code == 400 and "dealer" in response.json()
