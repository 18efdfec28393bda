"""`seed_demo`: the demo region is deterministic, obeys every invariant the system promises, and tells the
regional manager's story.

One medium region (6 dealers × 12 months, ~25,000 work orders) is seeded once for the module inside a
transaction that is rolled back at the end; the determinism runs (4 dealers × 2 months) come first and
are rolled back one by one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections import defaultdict
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Min, Q, Sum
from django.utils import timezone

from dealers.choices import Role
from dealers.demo import org
from dealers.demo.clock import add_months
from dealers.demo.generator import seed_region
from dealers.demo.identities import vin_is_valid
from dealers.demo.workshop import signature_png
from dealers.models import Dealer, Membership, Region
from kpi.models import KpiTarget
from parts.models import PartsOrder, PartsOrderLine, Stock, StockMovement, StockTransfer
from training.choices import HV_CERTIFICATION_CODE
from training.models import Attendance, Certification, Course, Technician
from workorders.choices import NEV_POWERTRAINS
from workorders.models import (
    Complaint,
    LabourLine,
    PartsLine,
    Survey,
    Vehicle,
    WorkOrder,
    WorkOrderStatusChange,
)
from workorders.services.signature import validate_signature_png
from workorders.services.workorders import ALLOWED_TRANSITIONS

END = dt.date(2026, 6, 30)
MEDIUM = {"dealers": 6, "months": 12}
TZ = timezone.get_fixed_timezone(8 * 60)


def fingerprint() -> dict[str, str]:
    """A hash per table of its rows by natural keys (ids of ORM-created rows and secrets left out)."""
    queries = {
        "dealers": Dealer.objects.values_list("code", "name", "kind", "city", "city_tier", "bays", "opened_on"),
        "users": get_user_model().objects.values_list("username", "first_name", "last_name"),
        "technicians": Technician.objects.values_list("employee_code", "name", "level", "hired_on", "left_on"),
        "certifications": Certification.objects.values_list(
            "technician__employee_code", "type__code", "issued_on", "expires_on", "certificate_number"
        ),
        "work_orders": WorkOrder.objects.values_list(
            "dealer__code", "number", "type", "channel", "status", "opened_at", "promised_at", "delivered_at",
            "labour_amount", "parts_amount", "vehicle__vin", "vehicle__plate", "customer__name",
            "comeback_of__number", "extended_warranty_sold",
        ),
        "status_changes": WorkOrderStatusChange.objects.values_list("work_order__number", "status", "at"),
        "labour_lines": LabourLine.objects.values_list(
            "work_order__number", "op_code", "flat_rate_hours", "actual_hours", "technician__employee_code", "amount"
        ),
        "parts_lines": PartsLine.objects.values_list(
            "work_order__number", "part__number", "quantity", "returned_quantity", "filled_from_stock", "requested_at"
        ),
        "movements": StockMovement.objects.values_list("dealer__code", "part__number", "kind", "quantity", "at",
                                                       "reason"),
        "stock": Stock.objects.values_list("dealer__code", "part__number", "on_hand", "reorder_point", "maximum"),
        "orders": PartsOrder.objects.values_list("dealer__code", "number", "kind", "status", "ordered_at",
                                                 "received_at"),
        "surveys": Survey.objects.values_list("work_order__number", "answered_at", "attitude_score", "quality_score",
                                              "recommend"),
        "complaints": Complaint.objects.values_list("dealer__code", "opened_at", "category", "resolved_at",
                                                    "escalated"),
        "budgets": KpiTarget.objects.values_list("dealer__code", "month", "value"),
    }
    return {
        name: hashlib.sha256(repr(sorted(map(repr, query))).encode()).hexdigest()
        for name, query in queries.items()
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert not Region.objects.exists(), "the module needs an empty database"
        prints = []
        for seed in (42, 42, 7):
            with transaction.atomic():
                seed_region(dealers=4, months=2, seed=seed, end=END)
                prints.append(fingerprint())
                transaction.set_rollback(True)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            output, again = StringIO(), StringIO()
            call_command("seed_demo", "--dealers", str(MEDIUM["dealers"]), "--months", str(MEDIUM["months"]),
                         "--end", END.isoformat(), "--no-rollup", stdout=output)
            # Every foreign key holds (and on PostgreSQL the deferred checks run once here, not again in the
            # teardown of every test's savepoint).
            connection.check_constraints()
            counts = WorkOrder.objects.count()
            call_command("seed_demo", "--if-empty", stdout=again)
            start = add_months(END + dt.timedelta(days=1), -MEDIUM["months"])
            yield SimpleNamespace(prints=prints, output=output.getvalue(), again=again.getvalue(),
                                  work_orders=counts, start=start, end=END)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def local_day(value: dt.datetime) -> dt.date:
    return value.astimezone(TZ).date()


def aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=TZ)


# ------------------------------------------------------------------------------------------ determinism


def test_same_seed_gives_the_same_region(seeded):
    first, second, _other = seeded.prints
    assert first == second


def test_another_seed_gives_another_region(seeded):
    first, _second, other = seeded.prints
    changed = [name for name in first if first[name] != other[name]]
    assert {"work_orders", "movements", "surveys", "users"} <= set(changed)


# ------------------------------------------------------------------------------------------ the command


def test_command_prints_phases_and_the_demo_credentials(seeded, db):
    assert "work orders, parts, feedback" in seeded.output
    assert org.DEMO_PASSWORD in seeded.output
    for username in ("admin", "manager"):
        assert f"  {username} " in seeded.output


def test_if_empty_skips_a_second_run(seeded, db):
    assert "nothing seeded" in seeded.again
    assert Region.objects.count() == 1
    assert WorkOrder.objects.count() == seeded.work_orders


def test_seeding_twice_without_if_empty_is_refused(seeded, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already exists"):
        call_command("seed_demo", "--dealers", "4", "--months", "1", stdout=StringIO())


def test_bad_sizes_are_refused_with_the_option_named(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--dealers"):
        call_command("seed_demo", "--dealers", "2", stdout=StringIO())
    with pytest.raises(CommandError, match="--end"):
        call_command("seed_demo", "--end", "yesterday", stdout=StringIO())


def test_the_command_rolls_up_the_seeded_days(seeded, db):
    from dealers.management.commands.seed_demo import Command
    from kpi.models import DealerDayFact

    first = END - dt.timedelta(days=6)
    output = StringIO()
    Command(stdout=output)._rollup(first, END)
    assert "KPI roll-up" in output.getvalue()
    delivered = WorkOrder.objects.filter(status="delivered", delivered_at__gte=aware(first),
                                         delivered_at__lt=aware(END + dt.timedelta(days=1))).count()
    facts = DealerDayFact.objects.filter(day__range=(first, END)).aggregate(n=Sum("delivered_count"))["n"]
    assert delivered > 0 and facts == delivered


def test_demo_users_have_their_memberships_and_the_demo_password(seeded, db):
    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(org.DEMO_PASSWORD)
    manager = users.get(username="manager")
    assert manager.check_password(org.DEMO_PASSWORD)
    assert Membership.objects.filter(user=manager, role=Role.REGIONAL_MANAGER, region__code="east").exists()
    printed = [line.split()[0] for line in seeded.output.splitlines() if line.startswith("  ") and "-" in line.split()[0]]
    dealers = {name.split("-")[0] for name in printed}
    assert len(dealers) == 2
    for code in dealers:
        for suffix, role in (("manager", Role.SERVICE_MANAGER), ("advisor", Role.SERVICE_ADVISOR),
                             ("parts", Role.PARTS_CLERK), ("tech", Role.TECHNICIAN)):
            user = users.get(username=f"{code}-{suffix}")
            assert user.check_password(org.DEMO_PASSWORD)
            assert Membership.objects.filter(user=user, role=role, dealer__code=code.upper()).exists()
        technician = Technician.objects.get(user__username=f"{code}-tech")
        assert technician.dealer.code == code.upper()
    # Other staff exist as actors of the history but cannot log in.
    others = users.filter(username__endswith="-advisor2")
    assert others.exists() and not any(user.has_usable_password() for user in others)


# ------------------------------------------------------------------------------------------ invariants


def test_stock_on_hand_is_the_ledger_sum_and_never_negative_in_time_order(seeded, db):
    balances: dict[tuple[int, int], int] = defaultdict(int)
    rows = StockMovement.objects.order_by("dealer_id", "part_id", "at", "id").values_list(
        "dealer_id", "part_id", "quantity", "at"
    )
    for dealer_id, part_id, quantity, at in rows.iterator(chunk_size=20000):
        key = (dealer_id, part_id)
        balances[key] += quantity
        assert balances[key] >= 0, f"stock of part {part_id} at dealer {dealer_id} below zero at {at}"
    on_hand = {(d, p): n for d, p, n in Stock.objects.values_list("dealer_id", "part_id", "on_hand")}
    assert set(balances) <= set(on_hand)
    assert all(on_hand[key] == balances.get(key, 0) for key in on_hand)


def test_every_kind_of_movement_is_in_the_ledger(seeded, db):
    kinds = dict(StockMovement.objects.values_list("kind").annotate(n=Count("id")))
    assert set(kinds) == {"receipt", "issue", "return", "adjustment", "transfer_out", "transfer_in"}
    assert not StockMovement.objects.filter(kind="adjustment", reason="").exists()
    for transfer in StockTransfer.objects.all():
        kinds = set(transfer.movements.values_list("kind", flat=True))
        assert kinds == ({"transfer_out", "transfer_in"} if transfer.status == "received" else {"transfer_out"})


def test_status_history_follows_the_lifecycle_and_ends_in_the_status(seeded, db):
    work_orders = {
        pk: (status, opened, delivered)
        for pk, status, opened, delivered in WorkOrder.objects.values_list("id", "status", "opened_at", "delivered_at")
    }
    history: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for wo, status, at in WorkOrderStatusChange.objects.order_by("work_order_id", "at").values_list(
        "work_order_id", "status", "at"
    ).iterator(chunk_size=20000):
        history[wo].append((status, at))
    assert set(history) == set(work_orders)
    for wo, changes in history.items():
        status, opened, delivered = work_orders[wo]
        assert changes[0] == ("booked", opened)
        for (before, at_before), (after, at_after) in zip(changes, changes[1:], strict=False):
            assert at_after > at_before
            assert after in ALLOWED_TRANSITIONS[before], f"{before} → {after} on work order {wo}"
        assert changes[-1][0] == status
        assert delivered == (changes[-1][1] if status == "delivered" else None)


def test_work_order_totals_are_the_sums_of_their_lines(seeded, db):
    labour = {
        row["work_order_id"]: row
        for row in LabourLine.objects.values("work_order_id").annotate(
            amount=Sum("amount"), flat=Sum("flat_rate_hours"), actual=Sum("actual_hours")
        )
    }
    parts = {
        row["work_order_id"]: row
        for row in PartsLine.objects.values("work_order_id").annotate(
            amount=Sum((F("quantity") - F("returned_quantity")) * F("unit_price")),
            cost=Sum((F("quantity") - F("returned_quantity")) * F("unit_cost")),
        )
    }
    fields = ("id", "labour_amount", "flat_rate_hours", "actual_hours", "parts_amount", "parts_cost")
    for pk, labour_amount, flat, actual, parts_amount, parts_cost in WorkOrder.objects.values_list(*fields):
        line = labour.get(pk, {})
        assert labour_amount == (line.get("amount") or 0)
        assert flat == (line.get("flat") or 0)
        assert actual == (line.get("actual") or 0)
        part = parts.get(pk, {})
        assert parts_amount == (part.get("amount") or 0)
        assert parts_cost == (part.get("cost") or 0)


def test_delivered_work_orders_carry_what_the_services_require(seeded, db):
    delivered = WorkOrder.objects.filter(status="delivered")
    assert not delivered.filter(Q(signature="") | Q(signed_at__isnull=True) | Q(quality_checked_at__isnull=True)).exists()
    assert not LabourLine.objects.filter(work_order__status="delivered").filter(
        Q(technician__isnull=True) | Q(actual_hours__lte=0)
    ).exists()
    assert not delivered.filter(signed_at__gt=F("delivered_at")).exists()
    validate_signature_png(signature_png())
    assert not LabourLine.objects.exclude(technician__dealer=F("work_order__dealer")).exists()
    assert not WorkOrder.objects.exclude(customer__dealer=F("dealer")).exists()
    assert not WorkOrder.objects.filter(status="cancelled").exclude(
        id__in=WorkOrderStatusChange.objects.filter(status="cancelled").exclude(note="").values("work_order_id")
    ).exists()


def test_parts_lines_are_issued_from_stock_or_after_their_back_order(seeded, db):
    issues = defaultdict(list)
    for line, quantity, at in StockMovement.objects.filter(kind="issue", parts_line__isnull=False).values_list(
        "parts_line_id", "quantity", "at"
    ).iterator(chunk_size=20000):
        issues[line].append((quantity, at))
    returns = dict(StockMovement.objects.filter(kind="return").values_list("parts_line_id").annotate(q=Sum("quantity")))
    qc = dict(WorkOrderStatusChange.objects.filter(status="quality_check").values_list("work_order_id").annotate(
        at=Min("at")))
    for pk, wo, quantity, returned, filled, requested in PartsLine.objects.values_list(
        "id", "work_order_id", "quantity", "returned_quantity", "filled_from_stock", "requested_at"
    ).iterator(chunk_size=20000):
        issued = issues.get(pk, [])
        if filled:
            assert issued == [(-quantity, requested)]
        elif issued:
            assert len(issued) == 1 and issued[0][0] == -quantity and issued[0][1] > requested
        if wo in qc:
            assert issued and issued[0][1] <= qc[wo], f"line {pk} not issued before the quality check"
        assert returns.get(pk, 0) == returned


def test_comebacks_are_the_same_vehicle_within_30_days_of_a_delivery(seeded, db):
    comebacks = WorkOrder.objects.filter(comeback_of__isnull=False).select_related("comeback_of")
    assert comebacks.count() > 100
    for wo in comebacks:
        earlier = wo.comeback_of
        assert earlier.vehicle_id == wo.vehicle_id and earlier.status == "delivered"
        assert earlier.delivered_at < wo.opened_at <= earlier.delivered_at + dt.timedelta(days=30)


def test_certifications_expire_after_issue_and_follow_courses(seeded, db):
    assert not Certification.objects.filter(expires_on__lte=F("issued_on")).exists()
    passed = set(Attendance.objects.filter(passed=True).values_list("technician_id", "course__certification_type_id",
                                                                     "course__ends_on"))
    during = Certification.objects.filter(issued_on__gte=seeded.start)
    assert during.exists()
    assert all(key in passed for key in during.values_list("technician_id", "type_id", "issued_on"))
    assert set(Certification.objects.values_list("type__code", flat=True).distinct()) == {"HV", "ADAS", "BP", "DIAG"}
    expiring = Certification.objects.filter(expires_on__gt=END, expires_on__lte=END + dt.timedelta(days=60))
    assert expiring.exists()
    assert Course.objects.filter(certification_type__isnull=True).exists()


def test_other_records_keep_their_time_order(seeded, db):
    assert not Complaint.objects.filter(
        Q(resolved_at__lt=F("first_response_at")) | Q(closed_at__lt=F("resolved_at"))
        | Q(escalated=True, resolved_at__isnull=False, escalated_at__gt=F("resolved_at"))
        | Q(closed_at__isnull=False, resolved_at__isnull=True)
    ).exists()
    for answered, delivered in Survey.objects.values_list("answered_at", "work_order__delivered_at"):
        assert 1 <= (local_day(answered) - local_day(delivered)).days <= 10
    assert not Survey.objects.exclude(work_order__status="delivered").exists()
    assert not PartsOrder.objects.filter(kind="urgent", work_order__isnull=True).exists()
    received = dict(PartsOrderLine.objects.filter(order__status="received").values_list("order_id").annotate(
        q=Sum("quantity")))
    receipts = dict(StockMovement.objects.filter(kind="receipt", parts_order__isnull=False).values_list(
        "parts_order_id").annotate(q=Sum("quantity")))
    assert received == receipts
    assert not PartsOrder.objects.filter(status="ordered").filter(movements__isnull=False).exists()


def test_identities_look_real(seeded, db):
    cities = {d.pk: d for d in Dealer.objects.all()}
    from dealers.demo import data

    prefixes = {c.name: c.plate for c in data.CITIES.values()}
    for vin, plate, powertrain, dealer_id in Vehicle.objects.values_list(
        "vin", "plate", "powertrain", "owner__dealer_id"
    ):
        assert vin_is_valid(vin), vin
        assert plate.startswith(prefixes[cities[dealer_id].city])
        assert len(plate) == (8 if powertrain in NEV_POWERTRAINS else 7)
    assert vin_is_valid("1M8GDM9AXKP042788")  # the textbook example, check digit X


def test_new_outlets_only_have_work_orders_after_opening(seeded, db):
    new = Dealer.objects.filter(opened_on__gt=seeded.start)
    assert new.exists() and all(d.kind == "quick_repair" for d in new)
    for dealer in new:
        first = WorkOrder.objects.filter(dealer=dealer).aggregate(m=Min("opened_at"))["m"]
        assert local_day(first) >= dealer.opened_on


def test_the_last_days_hold_open_and_cancelled_work_orders(seeded, db):
    open_statuses = set(
        WorkOrder.objects.exclude(status__in=["delivered", "cancelled"]).values_list("status", flat=True)
    )
    assert len(open_statuses) >= 3
    last_days = aware(END - dt.timedelta(days=10))
    assert not WorkOrder.objects.exclude(status__in=["delivered", "cancelled"]).filter(opened_at__lt=last_days
                                                                                       - dt.timedelta(days=30)).exists()
    assert WorkOrder.objects.filter(status="cancelled").count() > 50
    assert set(WorkOrder.objects.values_list("type", flat=True).distinct()) == {
        "maintenance", "repair", "accident", "warranty", "recall", "pdi"}
    assert set(WorkOrder.objects.values_list("channel", flat=True).distinct()) == {
        "walk_in", "online", "fleet", "insurance"}


# ------------------------------------------------------------------------------------------ the story


def monthly_share(queryset, field: str, condition: Q) -> list[float]:
    """The share of rows matching `condition` per calendar month (complete months only)."""
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for at, hit in queryset.annotate(hit=Count("id", filter=condition)).values_list(field, "hit"):
        day = local_day(at)
        counts[(day.year, day.month)][0] += 1
        counts[(day.year, day.month)][1] += hit
    months = sorted(counts)[1:]  # the first month of the period is partial
    return [counts[m][1] / counts[m][0] for m in months]


def test_volume_scales_to_150000_work_orders_for_24_dealers_over_18_months(seeded, db):
    expected = 150_000 * MEDIUM["dealers"] / 24 * MEDIUM["months"] / 18
    assert 0.85 * expected < seeded.work_orders < 1.15 * expected


def test_nev_share_rises_from_about_5_to_22_percent(seeded, db):
    shares = monthly_share(WorkOrder.objects.filter(status="delivered"), "delivered_at",
                           Q(vehicle__powertrain__in=list(NEV_POWERTRAINS)))
    assert shares[0] < 0.10
    assert 0.17 < shares[-1] < 0.27


def test_fill_rate_climbs_from_78_to_95_percent(seeded, db):
    shares = monthly_share(PartsLine.objects.all(), "requested_at", Q(filled_from_stock=True))
    assert 0.74 < shares[0] < 0.85
    assert shares[-1] > 0.92


def test_online_bookings_and_fleets_grow(seeded, db):
    online = monthly_share(WorkOrder.objects.all(), "opened_at", Q(channel="online"))
    fleet = monthly_share(WorkOrder.objects.all(), "opened_at", Q(customer__kind__in=["fleet", "enterprise"]))
    assert online[0] < 0.27 and 0.38 < online[-1] < 0.52
    assert fleet[-1] > fleet[0]


def test_complaints_fall_and_are_resolved_within_48_hours(seeded, db):
    third = (END - seeded.start) / 3
    first = Complaint.objects.filter(opened_at__lt=aware(seeded.start + third)).count()
    last = Complaint.objects.filter(opened_at__gte=aware(END - third)).count()
    assert last < 0.8 * first
    resolved = Complaint.objects.filter(resolved_at__lte=F("opened_at") + dt.timedelta(hours=48)).count()
    assert 0.85 < resolved / Complaint.objects.count() < 0.96
    late = Complaint.objects.filter(opened_at__gte=aware(END - dt.timedelta(days=90)))
    assert late.filter(escalated=True).count() <= 2


def hv_coverage(day: dt.date) -> float:
    active = Technician.objects.filter(Q(hired_on__lte=day), Q(left_on__isnull=True) | Q(left_on__gt=day))
    certified = active.filter(
        certifications__type__code=HV_CERTIFICATION_CODE, certifications__issued_on__lte=day,
        certifications__expires_on__gt=day,
    ).distinct()
    return certified.count() / active.count()


def test_hv_certification_gap_closes(seeded, db):
    assert 0.5 < hv_coverage(seeded.start) < 0.72
    assert hv_coverage(END) > 0.95


def test_csi_nps_and_dimensions(seeded, db):
    surveys = Survey.objects.all()
    delivered = WorkOrder.objects.filter(status="delivered").exclude(type="pdi").count()
    assert 0.5 < surveys.count() / delivered < 0.65
    assert 95.5 < float(surveys.aggregate(c=Avg("csi"))["c"]) < 97.5
    promoters = surveys.filter(recommend__gte=9).count()
    detractors = surveys.filter(recommend__lte=6).count()
    assert 35 < (promoters - detractors) / surveys.count() * 100 < 65
    late = surveys.filter(answered_at__gte=aware(END - dt.timedelta(days=90))).aggregate(
        a=Avg("attitude_score"), p=Avg("price_transparency_score"), o=Avg("on_time_score")
    )
    assert min(late.values()) > 98


def test_workshop_figures(seeded, db):
    delivered = WorkOrder.objects.filter(status="delivered")
    repairs = delivered.filter(type__in=["repair", "warranty"])
    came_back = repairs.filter(comebacks__isnull=False).distinct().count()
    assert 0.88 < 1 - came_back / repairs.count() < 0.96
    promised = delivered.filter(promised_at__isnull=False)
    assert 0.88 < promised.filter(delivered_at__lte=F("promised_at")).count() / promised.count() < 0.96
    hours = delivered.aggregate(f=Sum("flat_rate_hours"), a=Sum("actual_hours"))
    assert 1.05 < hours["f"] / hours["a"] < 1.2
    third = (END - seeded.start) / 3
    cycle = F("delivered_at") - F("opened_at")
    first = delivered.filter(opened_at__lt=aware(seeded.start + third)).aggregate(c=Avg(cycle))["c"]
    last = delivered.filter(opened_at__gte=aware(END - third)).aggregate(c=Avg(cycle))["c"]
    assert 0.7 < last / first < 0.92
    eligible_sold = delivered.filter(extended_warranty_sold=True)
    assert eligible_sold.exists() and not eligible_sold.filter(
        vehicle__first_registered_on__lt=F("opened_at__date") - dt.timedelta(days=3 * 366)
    ).exists()


def test_urgent_parts_orders_speed_up_to_under_48_hours(seeded, db):
    urgent = PartsOrder.objects.filter(kind="urgent", status="received")
    lead = F("received_at") - F("ordered_at")
    first = urgent.filter(ordered_at__lt=aware(seeded.start + dt.timedelta(days=60))).aggregate(h=Avg(lead))["h"]
    last = urgent.filter(ordered_at__gte=aware(END - dt.timedelta(days=60))).aggregate(h=Avg(lead))["h"]
    assert first > dt.timedelta(hours=50)
    assert last < dt.timedelta(hours=48)


def test_tier_3_4_outlets_carry_slow_moving_stock(seeded, db):
    since = aware(END - dt.timedelta(days=179))
    moved = set(StockMovement.objects.filter(kind="issue", at__gte=since).values_list("dealer_id", "part_id"))
    value = defaultdict(lambda: [0, 0])
    for dealer_id, part_id, on_hand, cost, tier in Stock.objects.filter(on_hand__gt=0).values_list(
        "dealer_id", "part_id", "on_hand", "part__cost", "dealer__city_tier"
    ):
        group = "remote" if tier >= 3 else "core"
        value[group][0] += on_hand * cost
        if (dealer_id, part_id) not in moved:
            value[group][1] += on_hand * cost
    remote = value["remote"][1] / value["remote"][0]
    core = value["core"][1] / value["core"][0]
    assert remote > 0.08, f"tier 3/4: {remote:.1%}"
    assert core < remote


def test_dealers_land_around_their_budgets(seeded, db):
    output: dict[tuple[int, dt.date], object] = {}
    for dealer_id, delivered_at, amount in WorkOrder.objects.filter(status="delivered").values_list(
        "dealer_id", "delivered_at", F("labour_amount") + F("parts_amount")
    ):
        key = (dealer_id, local_day(delivered_at).replace(day=1))
        output[key] = output.get(key, 0) + amount
    complete = [m for m in {k[1] for k in output} if seeded.start < m and m <= END.replace(day=1)]
    achievements = [
        float(output.get((t.dealer_id, t.month), 0) / t.value)
        for t in KpiTarget.objects.filter(kpi="output_value", month__in=complete).select_related("dealer")
        if t.dealer.opened_on < t.month
    ]
    assert 0.95 < statistics.median(achievements) < 1.10


def test_dealer_mix_and_reference_data(seeded, db):
    kinds = dict(Dealer.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds["4s"] >= max(v for k, v in kinds.items() if k != "4s")
    assert set(kinds) == {"4s", "quick_repair", "body_paint", "nev_centre"}
    assert not Dealer.objects.filter(Q(latitude__isnull=True) | Q(bays=0) | Q(labour_cost_rate=0)).exists()
    from parts.models import Part

    assert 280 <= Part.objects.count() <= 320
    assert Part.objects.filter(is_nev=True, category__in=["battery", "e_drive"]).count() > 20
