"""A small region for the dashboards: four dealers of different kinds and tiers, one dealer elsewhere, the
people who use the portal, a few records behind the numbers, and the KPI roll-up over them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from dealers.choices import DealerKind, Role
from dealers.models import Dealer, Region
from kpi.services import kpi_rollup
from tests.dealers.factories import DealerFactory, RegionFactory, UserFactory, make_user
from tests.parts.factories import PartFactory, StockFactory
from tests.training.factories import CertificationFactory, CertificationTypeFactory, TechnicianFactory
from tests.workorders.factories import (
    ComplaintFactory,
    DeliveredWorkOrderFactory,
    PartsLineFactory,
    SurveyFactory,
    WorkOrderFactory,
)
from workorders.choices import Channel, Powertrain, WorkOrderStatus, WorkOrderType

PASSWORD = "pass-word-123"


@dataclass
class DashRegion:
    region: Region
    a: Dealer  # the dealer whose staff log in
    b: Dealer
    c: Dealer
    d: Dealer
    elsewhere: Dealer  # another region's dealer: nobody here may see it
    manager: object
    staff: object  # service manager of A
    technician: object  # technician at A
    clerk: object  # parts clerk at A
    nobody: object  # an account without any membership
    yesterday: dt.date
    comeback_origin: object
    comeback: object
    late_complaint: object
    open_work_order: object


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _deliver(dealer, day, *, amount: str, type=WorkOrderType.MAINTENANCE, nev=False, online=False, hours=2, promised=True):
    opened = _at(day, 9)
    return DeliveredWorkOrderFactory(
        dealer=dealer, type=type, opened_at=opened, delivered_at=opened + dt.timedelta(hours=hours),
        promised_at=opened + dt.timedelta(hours=3) if promised else None,
        labour_amount=Decimal(amount), parts_amount=Decimal("100.00"), parts_cost=Decimal("60.00"),
        flat_rate_hours=Decimal("2.0"), actual_hours=Decimal("1.5"),
        channel=Channel.ONLINE if online else Channel.WALK_IN,
        vehicle__powertrain=Powertrain.BEV if nev else Powertrain.ICE,
    )


def build_region(*, extra_dealers: int = 0) -> DashRegion:
    region = RegionFactory(code="east", name="华东区")
    other_region = RegionFactory(code="west", name="西部区")
    a = DealerFactory(region=region, code="A01", name="上海浦东4S店", kind=DealerKind.STORE_4S, city="上海", city_tier=1)
    b = DealerFactory(region=region, code="B02", name="湖州快修店", kind=DealerKind.QUICK_REPAIR, city="湖州", city_tier=3)
    c = DealerFactory(region=region, code="C03", name="杭州钣喷中心", kind=DealerKind.BODY_PAINT, city="杭州", city_tier=2)
    d = DealerFactory(region=region, code="D04", name="丽水新能源中心", kind=DealerKind.NEV_CENTRE, city="丽水", city_tier=4)
    for n in range(extra_dealers):
        DealerFactory(region=region, code=f"X{n:02d}", city_tier=2)
    elsewhere = DealerFactory(region=other_region, code="W99", name="成都4S店", city="成都", city_tier=1)

    manager = make_user(Role.REGIONAL_MANAGER, region=region, username="manager")
    staff = make_user(Role.SERVICE_MANAGER, dealer=a, username="staff")
    technician = make_user(Role.TECHNICIAN, dealer=a, username="tech")
    clerk = make_user(Role.PARTS_CLERK, dealer=a, username="clerk")
    nobody = UserFactory(username="nobody")

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    # Delivered work: A strong, B weak, C and D in between; NEV and online work at some.
    for dealer, amount, count in ((a, "900.00", 3), (b, "200.00", 2), (c, "600.00", 2), (d, "500.00", 2)):
        for i in range(count):
            _deliver(dealer, yesterday, amount=amount, nev=dealer is d, online=i == 0, hours=2 + i)
    for dealer in [Dealer.objects.get(code=f"X{n:02d}") for n in range(extra_dealers)]:
        _deliver(dealer, yesterday, amount="400.00")
    _deliver(elsewhere, yesterday, amount="9999.00")

    # A repair delivered at A that came back: the first-time-fix drill-down lists it.
    origin = _deliver(a, yesterday, amount="300.00", type=WorkOrderType.REPAIR, hours=5)
    comeback = WorkOrderFactory(
        dealer=a, type=WorkOrderType.REPAIR, vehicle=origin.vehicle, customer=origin.customer,
        opened_at=_at(yesterday, 17), comeback_of=origin, status=WorkOrderStatus.IN_PROGRESS,
        promised_at=_at(yesterday, 18),  # past: overdue on the workshop board
    )
    # A parts line A could not fill from stock: the fill-rate drill-down lists it.
    part = PartFactory(number="P-OIL-01", name="机油滤清器")
    PartsLineFactory(work_order=origin, part=part, filled_from_stock=False, requested_at=_at(yesterday, 10))
    PartsLineFactory(work_order=origin, filled_from_stock=True, requested_at=_at(yesterday, 10))
    StockFactory(dealer=a, part=part, reorder_point=4)  # 0 on hand, below its reorder point

    # Surveys and complaints.
    SurveyFactory(work_order=origin, dealer=a, answered_at=_at(yesterday, 20), attitude_score=80, recommend=6)
    late = ComplaintFactory(dealer=a, opened_at=_at(yesterday - dt.timedelta(days=3), 9))
    ComplaintFactory(dealer=a, opened_at=_at(yesterday, 9), resolved_at=_at(yesterday, 12))
    ComplaintFactory(dealer=b, opened_at=_at(yesterday, 9))

    # People at A: one HV certificate expiring soon, one technician without any.
    hv = CertificationTypeFactory()
    certified = TechnicianFactory(dealer=a, name="王师傅")
    CertificationFactory(technician=certified, type=hv, issued_on=yesterday - dt.timedelta(days=700),
                         expires_on=timezone.localdate() + dt.timedelta(days=30))
    TechnicianFactory(dealer=a, name="李师傅")
    TechnicianFactory(dealer=b, name="赵师傅")

    kpi_rollup(start=yesterday - dt.timedelta(days=40), end=yesterday)
    return DashRegion(
        region=region, a=a, b=b, c=c, d=d, elsewhere=elsewhere, manager=manager, staff=staff,
        technician=technician, clerk=clerk, nobody=nobody, yesterday=yesterday,
        comeback_origin=origin, comeback=comeback, late_complaint=late, open_work_order=comeback,
    )


def add_busy_dealers(dash: DashRegion, n: int) -> list[Dealer]:
    """`n` more dealers in the region, each with the records every dashboard section lists, rolled up;
    the region's dealer A gets more of the same too (its page must not cost more for more records)."""
    added = []
    for i in range(n):
        dealer = DealerFactory(region=dash.region, code=f"N{i:02d}", city_tier=1 + i % 4)
        added.append(dealer)
    for dealer in [*added, dash.a]:
        _deliver(dealer, dash.yesterday, amount="700.00", type=WorkOrderType.REPAIR)
        WorkOrderFactory(dealer=dealer, status=WorkOrderStatus.WAITING_PARTS, opened_at=_at(dash.yesterday, 8),
                         promised_at=_at(dash.yesterday, 12))
        ComplaintFactory(dealer=dealer, opened_at=_at(dash.yesterday, 11))
        StockFactory(dealer=dealer, reorder_point=3)
        TechnicianFactory(dealer=dealer)
        CertificationFactory(technician=TechnicianFactory(dealer=dealer),
                             expires_on=timezone.localdate() + dt.timedelta(days=20))
    kpi_rollup(start=dash.yesterday - dt.timedelta(days=40), end=dash.yesterday)
    return added


@pytest.fixture
def dash(db) -> DashRegion:
    return build_region()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
