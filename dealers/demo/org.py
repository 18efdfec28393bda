"""The region, its dealers (kinds, cities, bays, hours, rates) and the people who log in.

Dealer kinds for N dealers: mostly 4S stores, quick-repair outlets (three of them opened during the
period, in remote tier-3/4 cities), 2–3 body & paint centres and 1–2 NEV centres. Every dealer gets a
service manager, service advisors and a parts clerk account (used as the actors of the fabricated
history); at two dealers these, and a technician account, carry the printed demo password.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from dealers.choices import DealerKind, Role
from dealers.models import Dealer, Membership, Region

from . import data, story
from .catalogue import Catalogue
from .clock import DAY, HOUR, MINUTE, Clock
from .identities import Identities

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password, printed by seed_demo
MIN_DEALERS = 4
MAX_DEALERS = 200

HOURS = {  # opening hours by kind (local time of day)
    "4s": (8 * HOUR + 30 * MINUTE, 18 * HOUR),
    "quick_repair": (8 * HOUR, 20 * HOUR),
    "body_paint": (8 * HOUR, 18 * HOUR),
    "nev_centre": (9 * HOUR, 21 * HOUR),
}
LABOUR_PRICE = {1: 380, 2: 330, 3: 285, 4: 245}  # CNY per flat-rate hour sold at a 4S store, by tier
LABOUR_COST = {1: 95, 2: 80, 3: 66, 4: 56}  # CNY per hour worked, by tier
ROLE_SUFFIX = {
    Role.SERVICE_MANAGER: "manager",
    Role.SERVICE_ADVISOR: "advisor",
    Role.PARTS_CLERK: "parts",
    Role.TECHNICIAN: "tech",
}


@dataclass(slots=True)
class DealerPlan:
    index: int
    code: str
    name: str
    kind: str
    city: data.City
    opens: int
    closes: int
    labour_price: int  # cents per flat-rate hour
    cost_rate: int  # cents per hour worked
    opened_day: int  # day index of the opening (negative: long before the period)
    opened_on: dt.date
    relative_volume: float
    id: int = 0
    bays: int = 0
    daily_volume: float = 0.0  # work orders per day at factor 1 (set by the volume plan)
    demo: bool = False
    manager_id: int | None = None
    clerk_id: int | None = None
    advisor_ids: list[int] = field(default_factory=list)
    neighbours: list[int] = field(default_factory=list)  # other dealers' indexes, nearest first

    @property
    def tier(self) -> int:
        return self.city.tier

    @property
    def open_hours(self) -> float:
        return (self.closes - self.opens) / HOUR


@dataclass(frozen=True)
class Credential:
    username: str
    role: str
    dealer: str


def kind_counts(n: int) -> dict[str, int]:
    nev = max(1, round(n / 12))
    body_paint = max(1, round(n / 8))
    new_quick = min(3, max(1, round(n / 8)))
    old_quick = round(n / 24)
    return {"nev_centre": nev, "body_paint": body_paint, "new_quick": new_quick, "old_quick": old_quick,
            "4s": n - nev - body_paint - new_quick - old_quick}


def plan_dealers(rng: random.Random, clock: Clock, n: int) -> list[DealerPlan]:
    counts = kind_counts(n)
    slots: list[tuple[str, str, bool]] = []  # (kind, city, opened during the period)
    slots += [("4s", data.STORE_CITIES[i % len(data.STORE_CITIES)], False) for i in range(counts["4s"])]
    slots += [("nev_centre", data.NEV_CENTRE_CITIES[i % 3], False) for i in range(counts["nev_centre"])]
    slots += [("body_paint", data.BODY_PAINT_CITIES[i % 4], False) for i in range(counts["body_paint"])]
    slots += [("quick_repair", data.OLD_QUICK_REPAIR_CITIES[i % 4], False) for i in range(counts["old_quick"])]
    slots += [("quick_repair", data.NEW_QUICK_REPAIR_CITIES[i % 5], True) for i in range(counts["new_quick"])]
    plans: list[DealerPlan] = []
    new_outlets = 0
    for index, (kind, city_name, new) in enumerate(slots):
        city = data.CITIES[city_name]
        code = f"{city.abbr}{index + 1:02d}"
        opens, closes = HOURS[kind]
        if new:
            # Opened at roughly 20 %, 45 % and 70 % of the period: they only have work orders after that.
            fraction = (0.2, 0.45, 0.7)[new_outlets % 3] + rng.uniform(-0.04, 0.04)
            new_outlets += 1
            opened_day = int(fraction * (clock.ndays - 1))
            opened_on = clock.date(opened_day)
        else:
            opened_on = dt.date(rng.randrange(2006, 2021), rng.randrange(1, 13), rng.randrange(1, 28))
            opened_day = (opened_on - clock.start).days
        price = LABOUR_PRICE[city.tier]
        if kind == "quick_repair":
            price = int(price * 0.72)
        elif kind == "body_paint":
            price = 360
        elif kind == "nev_centre":
            price = 400
        group = rng.choice(data.DEALER_GROUPS)
        name = {
            "4s": f"{city_name}{group}{data.BRAND}4S店",
            "quick_repair": f"{data.BRAND}授权快修·{city_name}{rng.choice(data.OUTLET_AREAS)}店",
            "body_paint": f"{data.BRAND}{city_name}钣喷中心",
            "nev_centre": f"{data.BRAND}{city_name}新能源服务中心",
        }[kind]
        relative = story.KIND_VOLUME[kind] * (story.STORE_VOLUME_BY_TIER[city.tier] if kind == "4s" else 1.0)
        plans.append(DealerPlan(
            index=index, code=code, name=name, kind=kind, city=city, opens=opens, closes=closes,
            labour_price=price * 100, cost_rate=(LABOUR_COST[city.tier] + rng.randrange(-4, 5)) * 100,
            opened_day=opened_day, opened_on=opened_on, relative_volume=relative * rng.uniform(0.85, 1.15),
        ))
    for plan in plans:
        others = sorted((p for p in plans if p is not plan), key=lambda p: (_distance(plan.city, p.city), p.index))
        plan.neighbours = [p.index for p in others[:3]]
    # The two dealers whose staff get demo logins: a core-city 4S store and a tier-3/4 outlet.
    plans[0].demo = True
    remote = next((p for p in plans[1:] if p.tier >= 3 and p.opened_day <= 0), None) or next(
        p for p in plans[1:] if p.tier >= 3
    )
    remote.demo = True
    return plans


def size_volumes(plans: list[DealerPlan], clock: Clock, rng: random.Random) -> None:
    """Scale daily volumes so the region has ≈ 150,000 work orders per 24 dealers × 18 months, and size
    each dealer's bays so its bays are 68–88 % used at the end of the period."""
    target = story.WORK_ORDERS_PER_DEALER_DAY * len(plans) * clock.ndays
    expected = 0.0
    for k in range(clock.ndays):
        day = clock.date(k)
        base = story.MONTH_FACTOR[day.month] * story.WEEKDAY_FACTOR[day.weekday()]
        f = clock.progress(k)
        for plan in plans:
            expected += plan.relative_volume * base * story.kind_trend(plan.kind, f) * ramp(plan, k)
    scale = target / expected
    catalogue = Catalogue()
    hours = {  # hours worked per work order by kind, at the end of the period
        kind: catalogue.hours_per_work_order(kind, 1.0 if kind == "nev_centre" else story.nev_share(1.0))
        / story.efficiency(1.0)
        for kind in story.TYPE_MIX
    }
    for plan in plans:
        plan.daily_volume = plan.relative_volume * scale
        at_end = plan.daily_volume * story.kind_trend(plan.kind, 1.0)
        utilisation = rng.uniform(0.72, 0.92)
        plan.bays = max(3, math.ceil(at_end * hours[plan.kind] / (plan.open_hours * utilisation)))


def ramp(plan: DealerPlan, k: int) -> float:
    """0 before the dealer opened; a new outlet grows to full volume over its first weeks."""
    age = k - plan.opened_day
    if age < 0:
        return 0.0
    return min(1.0, 0.25 + 0.75 * age / story.NEW_OUTLET_RAMP_DAYS)


def create_region(clock: Clock, plans: list[DealerPlan]) -> Region:
    region = Region.objects.create(code=data.REGION_CODE, name=data.REGION_NAME, timezone="Asia/Shanghai", currency="CNY")
    dealers = Dealer.objects.bulk_create([
        Dealer(
            region=region, code=p.code, name=p.name, kind=DealerKind(p.kind), city=p.city.name,
            city_tier=p.tier, latitude=f"{p.city.latitude:.6f}", longitude=f"{p.city.longitude:.6f}", bays=p.bays,
            opens_at=dt.time(p.opens // HOUR, p.opens % HOUR // MINUTE),
            closes_at=dt.time(p.closes // HOUR, p.closes % HOUR // MINUTE),
            labour_cost_rate=f"{p.cost_rate // 100}.00", opened_on=p.opened_on, active=True,
        )
        for p in plans
    ])
    for plan, dealer in zip(plans, dealers, strict=True):
        plan.id = dealer.pk
    return region


def create_users(region: Region, plans: list[DealerPlan], identities: Identities, clock: Clock) -> tuple[
    list[Credential], dict[int, int]
]:
    """Users and memberships. Returns the printed credentials and, per demo dealer index, the id of the
    technician user to link to a Technician."""
    user_model = get_user_model()
    demo_hash = make_password(DEMO_PASSWORD)  # hashed once: the password hasher is deliberately slow
    no_login = make_password(None)  # staff accounts that exist as actors of the history only
    joined = clock.aware(clock.day0 - 30 * DAY)
    users: list = []
    memberships: list[tuple[int, str, int | None]] = []  # (user position, role, dealer plan index)
    credentials: list[Credential] = []

    def add_user(username: str, *, demo: bool, staff: bool = False) -> int:
        surname, given, _gender = identities.person()
        users.append(user_model(
            username=username, first_name=given, last_name=surname, email=f"{username}@demo.aftersales.example",
            password=demo_hash if demo else no_login, is_staff=staff, is_superuser=staff, is_active=True,
            date_joined=joined,
        ))
        return len(users) - 1

    add_user("admin", demo=True, staff=True)
    credentials.append(Credential("admin", "superuser", ""))
    manager = add_user("manager", demo=True)
    memberships.append((manager, Role.REGIONAL_MANAGER, None))
    credentials.append(Credential("manager", str(Role.REGIONAL_MANAGER.label), data.REGION_NAME))
    positions: dict[tuple[int, str], list[int]] = {}
    for plan in plans:
        prefix = plan.code.lower()
        roles = [Role.SERVICE_MANAGER, Role.SERVICE_ADVISOR, Role.SERVICE_ADVISOR, Role.PARTS_CLERK]
        if plan.kind == "4s" and plan.tier <= 2:
            roles.append(Role.SERVICE_ADVISOR)
        if plan.demo:
            roles.append(Role.TECHNICIAN)
        seen: dict[str, int] = {}
        for role in roles:
            suffix = ROLE_SUFFIX[role]
            seen[suffix] = seen.get(suffix, 0) + 1
            username = f"{prefix}-{suffix}" + ("" if seen[suffix] == 1 else str(seen[suffix]))
            demo = plan.demo and seen[suffix] == 1
            position = add_user(username, demo=demo)
            memberships.append((position, role, plan.index))
            positions.setdefault((plan.index, suffix), []).append(position)
            if demo:
                credentials.append(Credential(username, str(role.label), f"{plan.code} {plan.name}"))
    created = user_model.objects.bulk_create(users)
    dealers = {d.code: d for d in Dealer.objects.filter(code__in=[p.code for p in plans])}
    Membership.objects.bulk_create([
        Membership(
            user=created[position], role=role,
            region=region if index is None else None,
            dealer=None if index is None else dealers[plans[index].code],
        )
        for position, role, index in memberships
    ])
    tech_users: dict[int, int] = {}
    for plan in plans:
        plan.manager_id = created[positions[(plan.index, "manager")][0]].pk
        plan.clerk_id = created[positions[(plan.index, "parts")][0]].pk
        plan.advisor_ids = [created[p].pk for p in positions[(plan.index, "advisor")]]
        if plan.demo:
            tech_users[plan.index] = created[positions[(plan.index, "tech")][0]].pk
    return credentials, tech_users


def _distance(a: data.City, b: data.City) -> float:
    """Great-circle distance in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))
