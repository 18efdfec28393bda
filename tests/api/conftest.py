"""Fixtures of the API tests: tokens of each scope, clients that send them, and a little seeded data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from aftersales.api.authentication import api_token_issue
from dealers.models import ApiTokenAccess, ApiTokenScope
from tests.parts.factories import PartFactory
from tests.training.factories import TechnicianFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _fresh_throttle_buckets():
    # Throttle counters live in the cache. Tokens are keyed by their random prefix, but users by id, which
    # SQLite reuses after a rolled-back test: empty the in-process cache (never a shared Redis).
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        cache.clear()
    yield


def issue(region, *, dealers=(), access=ApiTokenAccess.READ_WRITE, scope=None, **kwargs):
    scope = scope or (ApiTokenScope.DEALERS if dealers else ApiTokenScope.REGION)
    token, raw = api_token_issue(name="DMS", region=region, access=access, scope=scope, dealers=list(dealers),
                                 **kwargs)
    return token, raw


def client_for(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def token_a(region, dealer):
    """A read-write token scoped to `dealer` (dealer A)."""
    return issue(region, dealers=[dealer])


@pytest.fixture
def api(token_a) -> APIClient:
    return client_for(token_a[1])


@pytest.fixture
def read_only_api(region, dealer) -> APIClient:
    return client_for(issue(region, dealers=[dealer], access=ApiTokenAccess.READ)[1])


@pytest.fixture
def region_api(region, dealer, other_dealer) -> APIClient:
    return client_for(issue(region, scope=ApiTokenScope.REGION)[1])


@pytest.fixture
def catalogue(db):
    return [PartFactory(number="OF-100", cost=Decimal("30.00"), price=Decimal("55.00")),
            PartFactory(number="BP-200", cost=Decimal("200.00"), price=Decimal("360.00"))]


@pytest.fixture
def technicians(dealer, other_dealer):
    return {"a": TechnicianFactory(dealer=dealer, employee_code="T01"),
            "b": TechnicianFactory(dealer=other_dealer, employee_code="T02")}


def work_order_payload(dealer_code: str, external_id: str = "RO-1", *, vin: str = "LSVAA4182E2100001",
                       technician: str | None = "T01", **overrides):
    opened = dt.datetime(2025, 3, 1, 9, 30, tzinfo=SHANGHAI)
    payload = {
        "dealer": dealer_code,
        "external_id": external_id,
        "number": f"N-{external_id}",
        "type": "repair",
        "channel": "online",
        "status": "delivered",
        "opened_at": opened.isoformat(),
        "promised_at": (opened + dt.timedelta(hours=6)).isoformat(),
        "delivered_at": (opened + dt.timedelta(hours=5)).isoformat(),
        "customer": {"external_id": f"C-{external_id}", "name": "王先生", "phone": "13800000000", "kind": "individual"},
        "vehicle": {"vin": vin, "brand": "示例", "model": "S5", "powertrain": "BEV", "model_year": 2023,
                    "mileage_km": 12000},
        "comeback_of": None,
        "extended_warranty_sold": False,
        "labour_lines": [
            {"op_code": "OP1", "description": "诊断", "flat_rate_hours": "1.50", "actual_hours": "1.20",
             "technician": technician, "amount": "300.00"},
        ],
        "parts_lines": [
            {"part_number": "OF-100", "quantity": 2, "unit_price": "55.00", "unit_cost": "30.00",
             "filled_from_stock": True},
        ],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def world(region, dealer, other_dealer, catalogue, technicians):
    """One of each record at dealer A (`dealer`) and at dealer B (`other_dealer`), by their names."""
    from kpi.models import KpiTarget
    from parts import services as parts_services
    from tests.parts.factories import StockFactory
    from tests.training.factories import CertificationFactory
    from tests.workorders.factories import ComplaintFactory, DeliveredWorkOrderFactory, SurveyFactory

    records = {}
    for key, d in (("a", dealer), ("b", other_dealer)):
        wo = DeliveredWorkOrderFactory(dealer=d, external_id=f"WO-{key}")
        stock = StockFactory(dealer=d, part=catalogue[0])
        movement = parts_services.stock_receive(dealer=d, part=catalogue[0], quantity=10, external_id=f"MV-{key}")
        order = parts_services.parts_order_create(dealer=d, kind="stock", lines=[(catalogue[1], 2)],
                                                  external_id=f"PO-{key}")
        records[key] = {
            "dealer": d,
            "work_order": wo,
            "complaint": ComplaintFactory(dealer=d, external_id=f"CP-{key}", work_order=wo, customer=wo.customer),
            "survey": SurveyFactory(work_order=wo, external_id=f"SV-{key}"),
            "stock": stock,
            "movement": movement,
            "parts_order": order,
            "technician": technicians[key],
            "certification": CertificationFactory(technician=technicians[key]),
            "kpi_target": KpiTarget.objects.create(kpi="csi", dealer=d, value=Decimal("96.5")),
        }
    records["region_target"] = KpiTarget.objects.create(kpi="csi", region=region, value=Decimal("95"))
    return records
