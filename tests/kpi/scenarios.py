"""Hand-built fixtures, one per KPI, with the expected numbers worked out in the comments.

Each builder creates its records for one dealer and returns an Expect: the days to roll up, the facts
expected on given days and the KPI's value over [start, end]. Times are written in Shanghai time and
stored in UTC like everything else. Day D is Monday 10 March 2025.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from parts.models import PartsOrder, StockMovement
from tests.parts.factories import PartFactory
from tests.training.factories import CertificationFactory, CertificationTypeFactory, TechnicianFactory
from tests.workorders.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveredWorkOrderFactory,
    PartsLineFactory,
    SurveyFactory,
    VehicleFactory,
    WorkOrderFactory,
)
from workorders.choices import Channel, Powertrain, WorkOrderStatus, WorkOrderType

SH = ZoneInfo("Asia/Shanghai")
D = dt.date(2025, 3, 10)
ONE_DAY = dt.timedelta(days=1)
Q = Decimal


def day(offset: int = 0) -> dt.date:
    return D + dt.timedelta(days=offset)


def local(when: dt.date, hhmm: str = "10:00", tz: ZoneInfo = SH) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(when, dt.time(hour, minute), tzinfo=tz)


def pct(numerator, denominator) -> Decimal:
    return Q(100) * Q(numerator) / Q(denominator)


@dataclass
class Expect:
    value: Decimal | None
    start: dt.date = D
    end: dt.date = D
    facts: dict[dt.date, dict[str, object]] = field(default_factory=dict)


def delivered(dealer, opened: dt.datetime, at: dt.datetime, **kwargs):
    return DeliveredWorkOrderFactory(dealer=dealer, opened_at=opened, delivered_at=at, **kwargs)


def cancelled(dealer, opened: dt.datetime, **kwargs):
    return WorkOrderFactory(dealer=dealer, opened_at=opened, status=WorkOrderStatus.CANCELLED, **kwargs)


# --- work orders delivered ---------------------------------------------------------------------


def output_value(dealer) -> Expect:
    # A: 300 labour + 200 parts; B: 1000 labour. A cancelled and an unfinished work order with amounts count
    # nowhere. Output value on D = 500 + 1000 = 1500.
    delivered(dealer, local(D, "09:00"), local(D, "15:00"), labour_amount=300, parts_amount=200)
    delivered(dealer, local(D, "09:00"), local(D, "16:00"), labour_amount=1000)
    cancelled(dealer, local(D, "09:00"), labour_amount=500, parts_amount=100)
    WorkOrderFactory(dealer=dealer, opened_at=local(D), status=WorkOrderStatus.IN_PROGRESS, labour_amount=700)
    return Expect(Q(1500), facts={D: {"output_value": Q(1500), "delivered_count": 2}})


def gross_margin(dealer) -> Expect:
    # Labour cost rate 60 CNY/h. A: 500 output − 120 parts cost − 2 h × 60 = 260. B: 1000 − 0 − 5 h × 60 = 700.
    # Margin = (260 + 700) / 1500 = 64 %.
    dealer.labour_cost_rate = 60
    dealer.save()
    delivered(dealer, local(D, "09:00"), local(D, "15:00"), labour_amount=300, parts_amount=200, parts_cost=120,
              actual_hours=2)
    delivered(dealer, local(D, "09:00"), local(D, "16:00"), labour_amount=1000, actual_hours=5)
    return Expect(Q(64), facts={D: {"gross_profit": Q(960), "output_value": Q(1500)}})


def ro_count(dealer) -> Expect:
    # Three delivered on D; one cancelled, one still open, one delivered the next day: 3.
    for hour in ("11:00", "12:00", "13:00"):
        delivered(dealer, local(D, "09:00"), local(D, hour))
    cancelled(dealer, local(D, "09:00"))
    WorkOrderFactory(dealer=dealer, opened_at=local(D), status=WorkOrderStatus.READY)
    delivered(dealer, local(D, "09:00"), local(day(1), "09:00"))
    return Expect(Q(3), facts={D: {"delivered_count": 3}, day(1): {"delivered_count": 1}})


def avg_cycle_hours(dealer) -> Expect:
    # A: opened D 09:00, delivered D 15:00 = 6 h. B: opened D−1 10:00, delivered D 12:30 = 26.5 h.
    # (6 + 26.5) / 2 = 16.25 h.
    delivered(dealer, local(D, "09:00"), local(D, "15:00"))
    delivered(dealer, local(day(-1), "10:00"), local(D, "12:30"))
    return Expect(Q("16.25"), facts={D: {"cycle_hours": Q("32.50"), "delivered_count": 2}})


def on_time_rate(dealer) -> Expect:
    # Promised 16:00, delivered 15:00: on time. Promised 12:00, delivered 12:30: late. Promised and delivered
    # at 14:00: on time ("no later than"). No promise: not counted. 2 / 3 = 66.67 %.
    delivered(dealer, local(D, "09:00"), local(D, "15:00"), promised_at=local(D, "16:00"))
    delivered(dealer, local(D, "09:00"), local(D, "12:30"), promised_at=local(D, "12:00"))
    delivered(dealer, local(D, "09:00"), local(D, "14:00"), promised_at=local(D, "14:00"))
    delivered(dealer, local(D, "09:00"), local(D, "14:00"))
    return Expect(pct(2, 3), facts={D: {"promised_count": 3, "on_time_count": 2, "delivered_count": 4}})


def first_time_fix_rate(dealer) -> Expect:
    # Delivered on D at 10:00:
    #   R1 repair, comeback opened on D+30 at 23:00 (the 30th day after delivery): a comeback → not fixed.
    #   R2 repair, comeback opened on D+31 at 00:30 (31st day): too late to count → fixed.
    #   R3 warranty, no comeback → fixed.   R4 maintenance: not a repair, not counted.
    #   R5 repair, comeback within 10 days but cancelled: cancelled work orders count nowhere → fixed.
    # 3 fixed / 4 repair and warranty = 75 %.
    r1 = delivered(dealer, local(D, "09:00"), local(D), type=WorkOrderType.REPAIR)
    r2 = delivered(dealer, local(D, "09:00"), local(D), type=WorkOrderType.REPAIR)
    delivered(dealer, local(D, "09:00"), local(D), type=WorkOrderType.WARRANTY)
    delivered(dealer, local(D, "09:00"), local(D), type=WorkOrderType.MAINTENANCE)
    r5 = delivered(dealer, local(D, "09:00"), local(D), type=WorkOrderType.REPAIR)
    for original, opened, status in (
        (r1, local(day(30), "23:00"), WorkOrderStatus.IN_PROGRESS),
        (r2, local(day(31), "00:30"), WorkOrderStatus.IN_PROGRESS),
        (r5, local(day(10)), WorkOrderStatus.CANCELLED),
    ):
        WorkOrderFactory(dealer=dealer, opened_at=opened, status=status, comeback_of=original,
                         customer=original.customer, vehicle=original.vehicle)
    return Expect(Q(75), facts={D: {"ftf_eligible": 4, "ftf_ok": 3}})


def nev_share(dealer) -> Expect:
    # Delivered on D: BEV, PHEV (NEV); HEV, ICE (not). A cancelled BEV counts nowhere. 2 / 4 = 50 %.
    for powertrain in (Powertrain.BEV, Powertrain.PHEV, Powertrain.HEV, Powertrain.ICE):
        delivered(dealer, local(D, "09:00"), local(D, "15:00"), vehicle=VehicleFactory(powertrain=powertrain))
    cancelled(dealer, local(D, "09:00"), vehicle=VehicleFactory(powertrain=Powertrain.BEV))
    return Expect(Q(50), facts={D: {"nev_count": 2, "delivered_count": 4}})


def returning_share(dealer) -> Expect:
    # Delivered on D at 10:00 for five customers:
    #   C1 had one delivered 364 days before → returning.   C2: 366 days before → not.
    #   C3: an earlier work order that was cancelled → not.  C4: one delivered 10 days before → returning.
    #   C5: one delivered exactly 365 × 24 h before → returning (the 365 days include their first instant).
    # 3 / 5 = 60 %. (The earlier ones are delivered on other days and count there.)
    cases = ((364, "delivered"), (366, "delivered"), (20, "cancelled"), (10, "delivered"), (365, "delivered"))
    for days_before, earlier_status in cases:
        customer = CustomerFactory(dealer=dealer)
        vehicle = VehicleFactory(owner=customer)
        earlier = local(day(-days_before))
        if earlier_status == "delivered":
            delivered(dealer, earlier - dt.timedelta(hours=1), earlier, customer=customer, vehicle=vehicle)
        else:
            cancelled(dealer, earlier, customer=customer, vehicle=vehicle)
        delivered(dealer, local(D, "09:00"), local(D), customer=customer, vehicle=vehicle)
    return Expect(Q(60), facts={D: {"returning_count": 3, "delivered_count": 5}})


def accident_share(dealer) -> Expect:
    # Delivered on D: one accident, one repair, one maintenance, one warranty → 1 / 4 = 25 %.
    for kind in (WorkOrderType.ACCIDENT, WorkOrderType.REPAIR, WorkOrderType.MAINTENANCE, WorkOrderType.WARRANTY):
        delivered(dealer, local(D, "09:00"), local(D, "15:00"), type=kind)
    cancelled(dealer, local(D, "09:00"), type=WorkOrderType.ACCIDENT)
    return Expect(Q(25), facts={D: {"accident_count": 1, "delivered_count": 4}})


def labour_efficiency(dealer) -> Expect:
    # Flat-rate 8 h sold on 6 h worked, and 4 h on 4 h: 12 / 10 = 120 %.
    delivered(dealer, local(D, "09:00"), local(D, "15:00"), flat_rate_hours=8, actual_hours=6)
    delivered(dealer, local(D, "09:00"), local(D, "16:00"), flat_rate_hours=4, actual_hours=4)
    return Expect(Q(120), facts={D: {"flat_rate_hours": Q(12), "actual_hours": Q(10)}})


def bay_utilisation(dealer) -> Expect:
    # 4 bays open 08:00–18:00 = 40 bay-hours a day; the dealer opened on D, so D−1 has no capacity.
    # Actual hours on D: 10 + 6 = 16 → 16 / 40 = 40 %. Over D−1 … D the capacity is still 40: 40 %.
    dealer.bays, dealer.opens_at, dealer.closes_at, dealer.opened_on = 4, dt.time(8), dt.time(18), D
    dealer.save()
    delivered(dealer, local(D, "09:00"), local(D, "15:00"), actual_hours=10)
    delivered(dealer, local(D, "09:00"), local(D, "16:00"), actual_hours=6)
    return Expect(Q(40), start=day(-1), facts={D: {"capacity_hours": Q(40)}, day(-1): {"capacity_hours": Q(0)}})


# --- work orders opened ------------------------------------------------------------------------


def online_share(dealer) -> Expect:
    # Opened on D: one from an online booking, two walk-ins (one of them delivered since); a cancelled online
    # booking and one opened the next day do not count. 1 / 3 = 33.3 %.
    WorkOrderFactory(dealer=dealer, opened_at=local(D, "08:00"), channel=Channel.ONLINE, status=WorkOrderStatus.BOOKED)
    WorkOrderFactory(dealer=dealer, opened_at=local(D, "09:00"), channel=Channel.WALK_IN, status=WorkOrderStatus.IN_PROGRESS)
    delivered(dealer, local(D, "09:30"), local(day(1)), channel=Channel.WALK_IN)
    cancelled(dealer, local(D, "10:00"), channel=Channel.ONLINE)
    WorkOrderFactory(dealer=dealer, opened_at=local(day(1), "00:05"), channel=Channel.ONLINE)
    return Expect(pct(1, 3), facts={D: {"opened_count": 3, "online_opened": 1}})


def ext_warranty_rate(dealer) -> Expect:
    # Opened on D = 10 March 2025; "under 3 years" = registered after 10 March 2022.
    #   V1 registered 11 March 2022 → eligible, warranty sold.   V2 registered 10 March 2022 → 3 years old
    #   today: not eligible (sold anyway: not counted).   V3 no registration, model year 2023 ≥ 2025 − 2 →
    #   eligible, not sold.   V4 no registration, model year 2022 → not eligible.   A cancelled work order
    #   on an eligible vehicle counts nowhere.  1 sold / 2 eligible = 50 %.
    cases = (
        (dt.date(2022, 3, 11), 2022, True),
        (dt.date(2022, 3, 10), 2019, True),
        (None, 2023, False),
        (None, 2022, True),
    )
    for registered, model_year, sold in cases:
        vehicle = VehicleFactory(first_registered_on=registered, model_year=model_year)
        WorkOrderFactory(dealer=dealer, opened_at=local(D), vehicle=vehicle, extended_warranty_sold=sold,
                         status=WorkOrderStatus.IN_PROGRESS)
    cancelled(dealer, local(D), vehicle=VehicleFactory(first_registered_on=dt.date(2024, 1, 1)),
              extended_warranty_sold=True)
    return Expect(Q(50), facts={D: {"ext_eligible": 2, "ext_sold": 1, "opened_count": 4}})


# --- surveys and complaints --------------------------------------------------------------------


def _survey(dealer, answered: dt.datetime, *, status=WorkOrderStatus.DELIVERED, **scores):
    if status == WorkOrderStatus.DELIVERED:
        work_order = delivered(dealer, answered - dt.timedelta(days=3), answered - dt.timedelta(days=2))
    else:
        work_order = cancelled(dealer, answered - dt.timedelta(days=3))
    return SurveyFactory(work_order=work_order, dealer=dealer, answered_at=answered, **scores)


def csi(dealer) -> Expect:
    # Answered on D: S1 all 100 → CSI 100. S2: attitude 80 × 0.25 + price 90 × 0.20 + on time 70 × 0.20
    # + quality 60 × 0.25 + facility 100 × 0.10 = 20 + 18 + 14 + 15 + 10 = 77. (100 + 77) / 2 = 88.5.
    # S3 answered D+1 counts on D+1; S4 is about a cancelled work order: nowhere.
    _survey(dealer, local(D, "11:00"))
    _survey(dealer, local(D, "23:30"), attitude_score=80, price_transparency_score=90, on_time_score=70,
            quality_score=60, facility_score=100)
    _survey(dealer, local(day(1), "00:30"), attitude_score=0)
    _survey(dealer, local(D, "12:00"), status=WorkOrderStatus.CANCELLED, attitude_score=0)
    return Expect(Q("88.5"), facts={D: {"survey_count": 2, "csi_sum": Q(177)}, day(1): {"survey_count": 1}})


def nps(dealer) -> Expect:
    # Recommend scores answered on D: 10, 9 (promoters), 8 (passive), 3 (detractor): (2 − 1) / 4 × 100 = 25.
    for score in (10, 9, 8, 3):
        _survey(dealer, local(D, "11:00"), recommend=score)
    return Expect(Q(25), facts={D: {"promoters": 2, "detractors": 1, "survey_count": 4}})


def complaint_rate(dealer) -> Expect:
    # 4 work orders delivered on D; complaints opened on D at 09:00 and 23:50; one at 00:10 on D+1 belongs
    # to D+1. 2 × 1000 / 4 = 500 ‰.
    for hour in ("11:00", "12:00", "13:00", "14:00"):
        delivered(dealer, local(D, "09:00"), local(D, hour))
    for opened in (local(D, "09:00"), local(D, "23:50"), local(day(1), "00:10")):
        ComplaintFactory(dealer=dealer, opened_at=opened)
    return Expect(Q(500), facts={D: {"complaints_opened": 2, "delivered_count": 4}, day(1): {"complaints_opened": 1}})


def complaint_48h_rate(dealer) -> Expect:
    # Opened on D at 10:00: resolved after 47 h (yes), 49 h (no), exactly 48 h (yes), never (no): 2 / 4 = 50 %.
    # The resolution days do not matter: the complaint counts on the day it was opened.
    opened = local(D)
    for hours in (47, 49, 48, None):
        resolved = None if hours is None else opened + dt.timedelta(hours=hours)
        ComplaintFactory(dealer=dealer, opened_at=opened, resolved_at=resolved)
    return Expect(Q(50), facts={D: {"complaints_opened": 4, "complaints_resolved_48h": 2}})


def complaint_closure_hours(dealer) -> Expect:
    # Closed on D: opened D−2 10:00, closed D 10:00 (48 h); opened D 08:00, closed D 20:00 (12 h).
    # One closed on D+1 counts there. (48 + 12) / 2 = 30 h.
    for opened, closed in (
        (local(day(-2)), local(D)),
        (local(D, "08:00"), local(D, "20:00")),
        (local(D, "08:00"), local(day(1), "08:00")),
    ):
        ComplaintFactory(dealer=dealer, opened_at=opened, resolved_at=closed, closed_at=closed)
    return Expect(Q(30), facts={D: {"complaints_closed": 2, "closure_hours": Q(60)}, day(1): {"complaints_closed": 1}})


def escalation_count(dealer) -> Expect:
    # Escalated on D at 15:00: one opened five days earlier and one opened on D. One escalated on D+1. → 2.
    ComplaintFactory(dealer=dealer, opened_at=local(day(-5)), escalated=True, escalated_at=local(D, "15:00"))
    ComplaintFactory(dealer=dealer, opened_at=local(D, "09:00"), escalated=True, escalated_at=local(D, "15:00"))
    ComplaintFactory(dealer=dealer, opened_at=local(D, "09:00"), escalated=True, escalated_at=local(day(1)))
    ComplaintFactory(dealer=dealer, opened_at=local(D, "09:00"))
    return Expect(Q(2), facts={D: {"escalated_count": 2, "complaints_opened": 3}, day(1): {"escalated_count": 1}})


# --- parts -------------------------------------------------------------------------------------


def fill_rate(dealer) -> Expect:
    # Lines requested on D: two filled from stock, one not. A filled line of a cancelled work order and a
    # line requested on D+1 do not count. 2 / 3 = 66.7 %.
    work_order = WorkOrderFactory(dealer=dealer, opened_at=local(D, "08:00"), status=WorkOrderStatus.IN_PROGRESS)
    for filled in (True, True, False):
        PartsLineFactory(work_order=work_order, requested_at=local(D, "09:00"), filled_from_stock=filled)
    PartsLineFactory(work_order=work_order, requested_at=local(day(1), "09:00"), filled_from_stock=True)
    PartsLineFactory(work_order=cancelled(dealer, local(D, "08:00")), requested_at=local(D, "09:00"),
                     filled_from_stock=True)
    return Expect(pct(2, 3), facts={D: {"parts_lines_requested": 3, "parts_lines_filled": 2}})


def _move(dealer, part, when: dt.date, kind: str, quantity: int, hhmm: str = "10:00"):
    StockMovement.objects.create(dealer=dealer, part=part, kind=kind, quantity=quantity, unit_cost=part.cost,
                                 at=local(when, hhmm), reason="test" if kind == "adjustment" else "")


def stock_ledger(dealer) -> None:
    """The ledger of tests/kpi/test_inventory.py, in the database (parts valued at Part.cost).

    P1 cost 10: +50 on 1 Jan 2024, 10 issued 1 March.   P2 cost 100: +5 on 1 Jan 2024, never issued.
    P3 cost 2: +100 on 1 Jan 2024, 20 issued 29 July at 23:30 (local), 2 returned 30 July at 00:30.
    """
    p1, p2, p3 = PartFactory(cost=10), PartFactory(cost=100), PartFactory(cost=2)
    _move(dealer, p1, dt.date(2024, 1, 1), "receipt", 50)
    _move(dealer, p1, dt.date(2024, 3, 1), "issue", -10)
    _move(dealer, p2, dt.date(2024, 1, 1), "receipt", 5)
    _move(dealer, p3, dt.date(2024, 1, 1), "receipt", 100)
    _move(dealer, p3, dt.date(2024, 7, 29), "issue", -20, "23:30")
    _move(dealer, p3, dt.date(2024, 7, 30), "return", 2, "00:30")


def parts_turnover(dealer) -> Expect:
    # 29–30 July 2024: issued 20 × 2 = 40, returned 2 × 2 = 4 → 36 at cost. Inventory: 29 July 40 × 10 +
    # 5 × 100 + 80 × 2 = 1060; 30 July 1064. Turnover = 36 × 365 / (1060 + 1064) = 13140 / 2124 turns/yr.
    stock_ledger(dealer)
    return Expect(
        Q(13140) / Q(2124), start=dt.date(2024, 7, 29), end=dt.date(2024, 7, 30),
        facts={
            dt.date(2024, 7, 29): {"inventory_value": Q(1060), "issue_cost": Q(40)},
            dt.date(2024, 7, 30): {"inventory_value": Q(1064), "issue_cost": Q(-4)},
        },
    )


def days_of_supply(dealer) -> Expect:
    # 28 Aug 2024: inventory 1064; the 90 days ending that day hold 40 − 4 = 36 of issues (P1's issue of
    # 1 March is older). Days of supply = 1064 / (36 / 90) = 2660.
    stock_ledger(dealer)
    when = dt.date(2024, 8, 28)
    return Expect(Q(2660), start=when, end=when, facts={when: {"inventory_value": Q(1064), "issue_cost_90d": Q(36)}})


def slow_moving_share(dealer) -> Expect:
    # P2 (500) was never issued: slow. P1 (40 × 10 = 400) was last issued 1 March 2024: slow from the 180th
    # day after, 28 August. On 27 August: 500 / 1064; on 28 August: 900 / 1064 = 84.6 %.
    stock_ledger(dealer)
    return Expect(
        pct(900, 1064), start=dt.date(2024, 8, 28), end=dt.date(2024, 8, 28),
        facts={dt.date(2024, 8, 27): {"slow_moving_value": Q(500)}, dt.date(2024, 8, 28): {"slow_moving_value": Q(900)}},
    )


def dead_stock_share(dealer) -> Expect:
    # P4 cost 1: +10 on 1 Jan 2023, 1 issued 1 June 2023 → dead from 1 June 2023 + 365 days = 31 May 2024.
    # P5 cost 10: +10 on 1 Jan 2023, 1 issued 1 May 2024 at 00:10 local (30 April in UTC) → not dead.
    # Inventory 9 + 90 = 99. On 30 May 2024 nothing is dead; on 31 May 9 / 99 = 9.09 %.
    p4, p5 = PartFactory(cost=1), PartFactory(cost=10)
    _move(dealer, p4, dt.date(2023, 1, 1), "receipt", 10)
    _move(dealer, p4, dt.date(2023, 6, 1), "issue", -1)
    _move(dealer, p5, dt.date(2023, 1, 1), "receipt", 10)
    _move(dealer, p5, dt.date(2024, 5, 1), "issue", -1, "00:10")
    return Expect(
        pct(9, 99), start=dt.date(2024, 5, 31), end=dt.date(2024, 5, 31),
        facts={dt.date(2024, 5, 30): {"dead_stock_value": Q(0), "inventory_value": Q(99)},
               dt.date(2024, 5, 31): {"dead_stock_value": Q(9), "issue_cost": Q(0)},
               dt.date(2024, 5, 1): {"issue_cost": Q(10)}},
    )


def urgent_order_hours(dealer) -> Expect:
    # Urgent orders received on D: ordered D−2 10:00 → received D 10:00 (48 h); ordered D−1 22:00 →
    # received D 08:00 (10 h). A stock order received on D and an urgent order not yet received do not count.
    # (48 + 10) / 2 = 29 h.
    for number, kind, status, ordered, received in (
        ("U1", "urgent", "received", local(day(-2)), local(D)),
        ("U2", "urgent", "received", local(day(-1), "22:00"), local(D, "08:00")),
        ("S1", "stock", "received", local(day(-3)), local(D)),
        ("U3", "urgent", "ordered", local(day(-1)), None),
    ):
        PartsOrder.objects.create(dealer=dealer, number=number, kind=kind, status=status, ordered_at=ordered,
                                  received_at=received)
    return Expect(Q(29), facts={D: {"urgent_received": 2, "urgent_hours": Q(58)}})


# --- people ------------------------------------------------------------------------------------


def hv_cert_coverage(dealer) -> Expect:
    # As of D: T1 HV valid (issued D−100, expires D+100) → active, HV.  T2 HV expiring on D → active only.
    # T3 HV issued on D → active, HV.  T7 ADAS only → active only.  T4 and T8 left on D, T5 inactive (no
    # leaving date: no known employment), T6 hired on D+1: not active. HV coverage = 2 / 4 = 50 %.
    hv = CertificationTypeFactory()
    adas = CertificationTypeFactory(code="ADAS", name="ADAS")
    t1, t2, t3, t7 = (TechnicianFactory(dealer=dealer, hired_on=dt.date(2020, 1, 1)) for _ in range(4))
    CertificationFactory(technician=t1, type=hv, issued_on=day(-100), expires_on=day(100))
    CertificationFactory(technician=t2, type=hv, issued_on=day(-700), expires_on=D)
    CertificationFactory(technician=t3, type=hv, issued_on=D, expires_on=day(730))
    CertificationFactory(technician=t7, type=adas, issued_on=day(-10), expires_on=day(700))
    t4 = TechnicianFactory(dealer=dealer, hired_on=dt.date(2020, 1, 1), left_on=D)
    t5 = TechnicianFactory(dealer=dealer, active=False)
    t6 = TechnicianFactory(dealer=dealer, hired_on=day(1))
    # T8 left on D and was then marked inactive, as leavers are: the days T8 worked keep counting.
    t8 = TechnicianFactory(dealer=dealer, hired_on=dt.date(2020, 1, 1), left_on=D, active=False)
    for technician in (t4, t5, t6, t8):
        CertificationFactory(technician=technician, type=hv, issued_on=day(-10), expires_on=day(700))
    # D−1: T4 and T8 still employed (and certified since D−10), T3 not yet certified, T2 still valid →
    # 6 active, HV T1, T2, T4 and T8.
    # D+1: T4 and T8 gone, T6 hired (HV) → 5 active, HV T1, T3 and T6.
    return Expect(Q(50), facts={D: {"technicians_active": 4, "technicians_hv": 2},
                                day(-1): {"technicians_active": 6, "technicians_hv": 4},
                                day(1): {"technicians_active": 5, "technicians_hv": 3}})


BUILDERS = {
    "output_value": output_value,
    "gross_margin": gross_margin,
    "ro_count": ro_count,
    "avg_cycle_hours": avg_cycle_hours,
    "on_time_rate": on_time_rate,
    "first_time_fix_rate": first_time_fix_rate,
    "csi": csi,
    "nps": nps,
    "complaint_rate": complaint_rate,
    "complaint_48h_rate": complaint_48h_rate,
    "complaint_closure_hours": complaint_closure_hours,
    "escalation_count": escalation_count,
    "fill_rate": fill_rate,
    "parts_turnover": parts_turnover,
    "days_of_supply": days_of_supply,
    "slow_moving_share": slow_moving_share,
    "dead_stock_share": dead_stock_share,
    "urgent_order_hours": urgent_order_hours,
    "nev_share": nev_share,
    "hv_cert_coverage": hv_cert_coverage,
    "online_share": online_share,
    "returning_share": returning_share,
    "ext_warranty_rate": ext_warranty_rate,
    "accident_share": accident_share,
    "labour_efficiency": labour_efficiency,
    "bay_utilisation": bay_utilisation,
}
