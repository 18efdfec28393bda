"""A small region for the digests: four dealers in two city tiers, a dealer of another region, and one
user per role. Facts cover the weeks the tests send digests about (Monday 2026-11-23 sends 16–22 Nov);
tests that need a whole month and the one before add them (few rows: fixtures stay fast)."""

import datetime as dt
from dataclasses import dataclass

import pytest

from dealers.choices import Role
from dealers.models import Dealer, Region
from tests.dealers.factories import DealerFactory, RegionFactory, make_user

from .factories import day_facts

MONDAY = dt.date(2026, 11, 23)  # a weekly digest goes out: 2026-11-16 … 2026-11-22
FIRST = dt.date(2026, 12, 1)  # a monthly digest goes out: November 2026


@dataclass
class World:
    region: Region
    other_region: Region
    a: Dealer  # the dealer of the dealer-staff users
    b: Dealer
    c: Dealer
    d: Dealer  # a tier-3 dealer, far worse than the rest (an outlier)
    elsewhere: Dealer  # another region's dealer
    manager: object  # regional manager of `region`
    service_manager: object  # of dealer a
    advisor: object  # service advisor of dealer a
    clerk: object  # parts clerk of dealer a
    technician: object  # technician of dealer a
    other_manager: object  # service manager of dealer b


@pytest.fixture
def world(db) -> World:
    region = RegionFactory(code="east", name="华东区")
    other_region = RegionFactory(code="west", name="西部区")
    a = DealerFactory(region=region, code="HZ01", name="杭州西湖店", city_tier=2)
    b = DealerFactory(region=region, code="NB01", name="宁波北仑店", city_tier=2)
    c = DealerFactory(region=region, code="SX01", name="绍兴越城店", city_tier=2)
    d = DealerFactory(region=region, code="LS01", name="丽水莲都店", city_tier=3)
    e = DealerFactory(region=other_region, code="CD01", name="成都武侯店", city_tier=1)
    # Facts from 9 November: the week sent on MONDAY, the week before it, and the rest of the month.
    start, end = dt.date(2026, 11, 9), dt.date(2026, 11, 30)
    day_facts(a, start, end, quality=2)
    day_facts(b, start, end, quality=3)
    day_facts(c, start, end, quality=1)
    day_facts(d, start, end, quality=-8, parts_lines_filled=20)
    day_facts(e, start, end, quality=4)
    return World(
        region=region, other_region=other_region, a=a, b=b, c=c, d=d, elsewhere=e,
        manager=make_user(Role.REGIONAL_MANAGER, region=region, username="rm", email="rm@example.com"),
        service_manager=make_user(Role.SERVICE_MANAGER, dealer=a, username="sm", email="sm@example.com"),
        advisor=make_user(Role.SERVICE_ADVISOR, dealer=a, username="sa", email="sa@example.com"),
        clerk=make_user(Role.PARTS_CLERK, dealer=a, username="pc", email="pc@example.com"),
        technician=make_user(Role.TECHNICIAN, dealer=a, username="tech", email="tech@example.com"),
        other_manager=make_user(Role.SERVICE_MANAGER, dealer=b, username="sm2", email="sm2@example.com"),
    )
