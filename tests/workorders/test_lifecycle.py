"""The work order state machine: every pair of statuses, the data each step needs, the delivered lock,
the manager's correction and comebacks."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.training.factories import TechnicianFactory
from tests.workorders.factories import (
    DeliveredWorkOrderFactory,
    LabourLineFactory,
    PartsLineFactory,
    VehicleFactory,
    WorkOrderFactory,
)
from workorders import services
from workorders.choices import WorkOrderStatus as S
from workorders.models import WorkOrderStatusChange

ALL_PAIRS = list(itertools.product(list(S), list(S)))


def _ready_for_anything(work_order, *, to):
    """Give a work order every piece of data any step needs, so only the state machine decides."""
    technician = TechnicianFactory(dealer=work_order.dealer)
    LabourLineFactory(work_order=work_order, technician=technician, actual_hours=Decimal("1.5"))
    if to == S.WAITING_PARTS:
        PartsLineFactory(work_order=work_order, filled_from_stock=False)  # on back-order
    work_order.mileage_km = 12000
    work_order.concern = "异响"
    work_order.quality_checked_at = work_order.opened_at + dt.timedelta(minutes=30)
    work_order.signature = "signatures/test.png"
    work_order.signed_at = work_order.quality_checked_at
    work_order.save()


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_transition_allowed_exactly_by_the_state_machine(dealer, advisor, source, target):
    factory = DeliveredWorkOrderFactory if source == S.DELIVERED else WorkOrderFactory
    work_order = factory(dealer=dealer, status=source)
    _ready_for_anything(work_order, to=target)

    if target in services.ALLOWED_TRANSITIONS[source]:
        moved = services.workorder_transition(work_order=work_order, to=target, by=advisor, note="客户取消")
        assert moved.status == target
        change = WorkOrderStatusChange.objects.get(work_order=work_order)
        assert (change.status, change.by) == (target, advisor)
    else:
        with pytest.raises(services.TransitionError) as refused:
            services.workorder_transition(work_order=work_order, to=target, by=advisor, note="客户取消")
        message = refused.value.messages[0]
        assert str(S(source).label) in message and str(S(target).label) in message
        assert "Allowed next steps" in message
        for allowed in services.ALLOWED_TRANSITIONS[source]:
            assert str(S(allowed).label) in message
        work_order.refresh_from_db()
        assert work_order.status == source
        assert not WorkOrderStatusChange.objects.filter(work_order=work_order).exists()


def test_cancel_only_from_the_early_states():
    assert {s for s, targets in services.ALLOWED_TRANSITIONS.items() if S.CANCELLED in targets} == {
        S.BOOKED,
        S.CHECKED_IN,
    }


def test_create_records_booked_and_numbers_per_dealer_and_month(dealer, advisor):
    from tests.workorders.factories import CustomerFactory

    customer = CustomerFactory(dealer=dealer)
    vehicle = VehicleFactory(owner=None)
    opened = dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    first = services.workorder_create(dealer=dealer, by=advisor, customer=customer, vehicle=vehicle,
                                      type="repair", channel="walk_in", opened_at=opened)
    second = services.workorder_create(dealer=dealer, by=advisor, customer=customer, vehicle=vehicle,
                                       type="repair", channel="walk_in", opened_at=opened)
    april = services.workorder_create(dealer=dealer, by=advisor, customer=customer, vehicle=vehicle,
                                      type="repair", channel="walk_in", opened_at=opened + dt.timedelta(hours=1))
    assert first.number == f"{dealer.code.upper()}-2503-00001"
    assert second.number == f"{dealer.code.upper()}-2503-00002"
    assert april.number == f"{dealer.code.upper()}-2504-00001"  # the region's local month
    assert first.status_changes.get().status == S.BOOKED
    assert first.service_advisor == advisor
    vehicle.refresh_from_db()
    assert vehicle.owner == customer  # a car seen for the first time belongs to who brought it


def test_create_refuses_a_customer_of_another_dealer(dealer, other_dealer, advisor):
    from tests.workorders.factories import CustomerFactory

    with pytest.raises(ValidationError) as refused:
        services.workorder_create(dealer=dealer, by=advisor, customer=CustomerFactory(dealer=other_dealer),
                                  vehicle=VehicleFactory(), type="repair", channel="walk_in")
    assert "customer" in refused.value.message_dict


@pytest.mark.parametrize(
    ("source", "target", "missing"),
    [
        (S.BOOKED, S.CHECKED_IN, "mileage"),
        (S.CHECKED_IN, S.IN_PROGRESS, "technician"),
        (S.IN_PROGRESS, S.WAITING_PARTS, "back-order"),
        (S.IN_PROGRESS, S.QUALITY_CHECK, "labour line"),
        (S.READY, S.DELIVERED, "quality check"),
        (S.BOOKED, S.CANCELLED, "reason"),
    ],
)
def test_each_step_refuses_without_its_data(dealer, advisor, source, target, missing):
    work_order = WorkOrderFactory(dealer=dealer, status=source)
    with pytest.raises(services.TransitionError) as refused:
        services.workorder_transition(work_order=work_order, to=target, by=advisor)
    assert missing in refused.value.messages[0]


def test_quality_check_needs_hours_and_no_back_order(dealer, advisor):
    work_order = WorkOrderFactory(dealer=dealer, status=S.IN_PROGRESS)
    line = LabourLineFactory(work_order=work_order, technician=TechnicianFactory(dealer=dealer),
                             actual_hours=Decimal("0"))
    PartsLineFactory(work_order=work_order, filled_from_stock=False)
    with pytest.raises(services.TransitionError) as refused:
        services.workorder_transition(work_order=work_order, to=S.QUALITY_CHECK, by=advisor)
    assert "actual hours" in refused.value.messages[0]
    assert "back-order" in refused.value.messages[0]
    services.labour_line_record_hours(line=line, by=advisor, actual_hours="1.2")
    work_order.parts_lines.all().delete()
    assert services.workorder_transition(work_order=work_order, to=S.QUALITY_CHECK, by=advisor).status == S.QUALITY_CHECK


def test_delivery_needs_signature_and_records_quality_check(dealer, advisor, service_manager, signature_png):
    work_order = WorkOrderFactory(dealer=dealer, status=S.QUALITY_CHECK)
    ready = services.workorder_transition(work_order=work_order, to=S.READY, by=service_manager)
    assert ready.quality_checked_by == service_manager and ready.quality_checked_at is not None
    with pytest.raises(services.TransitionError, match="not signed"):
        services.workorder_transition(work_order=work_order, to=S.DELIVERED, by=advisor)
    services.workorder_sign(work_order=work_order, by=advisor, signature_png=signature_png)
    delivered = services.workorder_transition(work_order=work_order, to=S.DELIVERED, by=advisor)
    assert delivered.status == S.DELIVERED
    assert delivered.delivered_at == delivered.status_changes.order_by("-at").first().at
    assert delivered.signature.name.endswith(".png") and delivered.signed_at is not None


def test_check_in_raises_the_vehicle_mileage(dealer, advisor):
    work_order = WorkOrderFactory(dealer=dealer, mileage_km=25000, concern="保养")
    services.workorder_transition(work_order=work_order, to=S.CHECKED_IN, by=advisor)
    work_order.vehicle.refresh_from_db()
    assert work_order.vehicle.mileage_km == 25000


def test_status_changes_in_the_same_microsecond_are_kept_apart(dealer, advisor):
    work_order = WorkOrderFactory(dealer=dealer, mileage_km=1, concern="x")
    technician = TechnicianFactory(dealer=dealer)
    LabourLineFactory(work_order=work_order, technician=technician)
    at = timezone.now() - dt.timedelta(minutes=1)
    services.workorder_transition(work_order=work_order, to=S.CHECKED_IN, by=advisor, at=at)
    services.workorder_transition(work_order=work_order, to=S.IN_PROGRESS, by=advisor, at=at)
    times = list(work_order.status_changes.order_by("at").values_list("status", "at"))
    assert times == [(S.CHECKED_IN, at), (S.IN_PROGRESS, at + dt.timedelta(microseconds=1))]


def test_transition_cannot_go_back_in_time(dealer, advisor):
    work_order = WorkOrderFactory(dealer=dealer, mileage_km=1, concern="x")
    with pytest.raises(ValidationError) as refused:
        services.workorder_transition(work_order=work_order, to=S.CHECKED_IN, by=advisor,
                                      at=work_order.opened_at - dt.timedelta(hours=1))
    assert "at" in refused.value.message_dict


def test_cancelling_returns_issued_parts_to_stock(dealer, advisor, part_in_stock):
    from parts.models import Stock

    work_order = WorkOrderFactory(dealer=dealer)
    services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part_in_stock, quantity=2)
    assert Stock.objects.get(dealer=dealer, part=part_in_stock).on_hand == 3
    services.workorder_transition(work_order=work_order, to=S.CANCELLED, by=advisor, note="客户改期")
    assert Stock.objects.get(dealer=dealer, part=part_in_stock).on_hand == 5
    work_order.refresh_from_db()
    assert work_order.parts_amount == 0


# ------------------------------------------------------------------------------ delivered lock


def test_delivered_work_order_is_locked(dealer, advisor, part_in_stock):
    work_order = DeliveredWorkOrderFactory(dealer=dealer)
    line = LabourLineFactory(work_order=work_order)
    attempts = [
        lambda: services.workorder_update(work_order=work_order, by=advisor, concern="改"),
        lambda: services.workorder_add_labour_line(work_order=work_order, by=advisor, op_code="X", flat_rate_hours=1,
                                                   amount=1),
        lambda: services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part_in_stock, quantity=1),
        lambda: services.labour_line_update(line=line, by=advisor, amount="1"),
        lambda: services.labour_line_delete(line=line, by=advisor),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="locked"):
            attempt()


def test_manager_corrects_delivered_work_order_with_reason(dealer, service_manager, advisor):
    work_order = DeliveredWorkOrderFactory(dealer=dealer, concern="刹车异响")
    with pytest.raises(ValidationError, match="service manager"):
        services.workorder_correct(work_order=work_order, by=advisor, reason="录入错误", changes={"mileage_km": 10})
    with pytest.raises(ValidationError) as no_reason:
        services.workorder_correct(work_order=work_order, by=service_manager, reason=" ", changes={"mileage_km": 10})
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.workorder_correct(work_order=work_order, by=service_manager, reason="x", changes={"status": "booked"})

    services.workorder_correct(work_order=work_order, by=service_manager, reason="里程录入错误",
                               changes={"mileage_km": 30500, "type": "warranty"})
    work_order.refresh_from_db()
    assert (work_order.mileage_km, work_order.type) == (30500, "warranty")
    record = work_order.history.order_by("-history_date").first()
    assert record.history_change_reason == "里程录入错误"
    assert record.history_user == service_manager
    # the reason does not stick to later saves
    services.workorder_correct(work_order=work_order, by=service_manager, reason="再次更正", changes={"mileage_km": 30600})
    assert work_order.history.order_by("-history_date").first().history_change_reason == "再次更正"


def test_correction_reason_fits_the_history_column(dealer, service_manager):
    work_order = DeliveredWorkOrderFactory(dealer=dealer)
    with pytest.raises(ValidationError) as refused:
        services.workorder_correct(work_order=work_order, by=service_manager, reason="x" * 101,
                                   changes={"mileage_km": 1})
    assert "reason" in refused.value.message_dict


# ------------------------------------------------------------------------------------ comeback


def test_comeback_of_an_earlier_delivered_repair_on_the_same_vehicle(dealer, other_dealer, advisor):
    earlier = DeliveredWorkOrderFactory(dealer=other_dealer, opened_at=timezone.now() - dt.timedelta(days=10))
    work_order = WorkOrderFactory(dealer=dealer, vehicle=earlier.vehicle)
    services.workorder_mark_comeback(work_order=work_order, by=advisor, comeback_of=earlier)
    work_order.refresh_from_db()
    assert work_order.comeback_of == earlier  # any dealer of the region
    services.workorder_mark_comeback(work_order=work_order, by=advisor, comeback_of=None)
    work_order.refresh_from_db()
    assert work_order.comeback_of is None


@pytest.mark.parametrize("problem", ["other_vehicle", "not_delivered", "later", "itself", "other_region"])
def test_comeback_validation(dealer, advisor, problem):
    from tests.dealers.factories import DealerFactory, RegionFactory

    work_order = WorkOrderFactory(dealer=dealer)
    earlier_dealer = DealerFactory(region=RegionFactory(code="west", name="西区")) if problem == "other_region" else dealer
    earlier = {
        "other_vehicle": lambda: DeliveredWorkOrderFactory(dealer=dealer, opened_at=timezone.now() - dt.timedelta(days=5)),
        "not_delivered": lambda: WorkOrderFactory(dealer=dealer, vehicle=work_order.vehicle,
                                                  opened_at=timezone.now() - dt.timedelta(days=5)),
        "later": lambda: DeliveredWorkOrderFactory(dealer=dealer, vehicle=work_order.vehicle,
                                                   opened_at=work_order.opened_at + dt.timedelta(minutes=1)),
        "itself": lambda: work_order,
        "other_region": lambda: DeliveredWorkOrderFactory(dealer=earlier_dealer, vehicle=work_order.vehicle,
                                                          opened_at=timezone.now() - dt.timedelta(days=5)),
    }[problem]()
    with pytest.raises(ValidationError) as refused:
        services.workorder_mark_comeback(work_order=work_order, by=advisor, comeback_of=earlier)
    assert "comeback_of" in refused.value.message_dict
