"""Every database constraint of every model rejects a bad row with an IntegrityError.

Each case writes a valid row first (so the base is sound) and then one that differs only in what the
constraint forbids. SQLite enforces CHECK and (partial) UNIQUE constraints too, so every case runs on both
databases; on PostgreSQL the constraints are also looked up in the catalogue by name. A coverage test
makes sure a constraint added to a model gets a case here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from dealers.models import ApiTask, ApiToken, Dealer, IdempotencyRecord, Membership, Region
from digests.models import DigestDelivery, Subscription
from kpi.models import DealerDayFact, KpiTarget, StockCheckpoint
from parts.models import Part, PartsOrder, PartsOrderLine, Stock, StockMovement, StockTransfer
from tests.dealers.factories import DealerFactory, RegionFactory, UserFactory
from tests.parts.factories import PartFactory
from tests.training.factories import CertificationTypeFactory, TechnicianFactory
from tests.workorders.factories import (
    CustomerFactory,
    DeliveredWorkOrderFactory,
    VehicleFactory,
    WorkOrderFactory,
)
from training.models import Attendance, Certification, CertificationType, Course, Technician
from workorders.models import (
    Complaint,
    Customer,
    LabourLine,
    PartsLine,
    Survey,
    Vehicle,
    WorkOrder,
    WorkOrderStatusChange,
)

PROJECT_APPS = ("dealers", "workorders", "parts", "training", "kpi", "digests")
NOW = timezone.now().replace(microsecond=0)
HOUR = dt.timedelta(hours=1)


class Ctx:
    """Valid neighbours for the rows under test, created lazily."""

    def __init__(self) -> None:
        self._cache: dict[str, object] = {}

    def _get(self, name: str, make: Callable[[], object]):
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    @property
    def region(self) -> Region:
        return self._get("region", RegionFactory)

    @property
    def dealer(self):
        return self._get("dealer", lambda: DealerFactory(region=self.region))

    @property
    def other_dealer(self):
        return self._get("other_dealer", lambda: DealerFactory(region=self.region))

    @property
    def user(self):
        return self._get("user", UserFactory)

    @property
    def customer(self):
        return self._get("customer", lambda: CustomerFactory(dealer=self.dealer))

    @property
    def vehicle(self):
        return self._get("vehicle", lambda: VehicleFactory(owner=self.customer))

    @property
    def work_order(self):
        return self._get("work_order", lambda: DeliveredWorkOrderFactory(dealer=self.dealer, customer=self.customer,
                                                                          vehicle=self.vehicle))

    @property
    def part(self):
        return self._get("part", PartFactory)

    @property
    def technician(self):
        return self._get("technician", lambda: TechnicianFactory(dealer=self.dealer))

    @property
    def cert_type(self):
        return self._get("cert_type", CertificationTypeFactory)

    @property
    def course(self):
        return self._get("course", lambda: Course.objects.create(
            region=self.region, code="C-1", title="高压电", level="junior", starts_on=dt.date(2026, 1, 5),
            ends_on=dt.date(2026, 1, 7)))

    @property
    def order(self):
        return self._get("order", lambda: PartsOrder.objects.create(
            dealer=self.dealer, number="PO-1", kind="stock", ordered_at=NOW))

    @property
    def subscription(self):
        return self._get("subscription", lambda: Subscription.objects.create(
            user=self.user, frequency="daily", scope_kind="region", region=self.region))


@dataclass(frozen=True)
class Case:
    model: type[models.Model]
    rows: Callable[[Ctx], tuple[dict, dict]]  # (a valid row, the row the constraint must reject)


def check(model, good: Callable[[Ctx], dict], **bad) -> Case:
    """A CHECK constraint: the bad row is the good one with `bad` applied (callables get the context)."""
    return Case(model, lambda c: (good(c), {**good(c), **{k: v(c) if callable(v) else v for k, v in bad.items()}}))


def unique(model, first: Callable[[Ctx], dict], **second) -> Case:
    """A UNIQUE constraint: the second row repeats the first, with `second` applied to its other unique fields."""
    return Case(model, lambda c: (first(c), {**first(c), **{k: v(c) if callable(v) else v for k, v in second.items()}}))


def tag() -> str:
    """A fresh value for the unique columns a case is not about."""
    return uuid.uuid4().hex[:10]


def dealer_row(c: Ctx) -> dict:
    return {"region": c.region, "code": f"D{tag()}", "name": "甲", "kind": "4s", "city": "杭州", "city_tier": 2,
            "labour_cost_rate": 60, "opens_at": dt.time(8, 30), "closes_at": dt.time(18)}


def membership_row(c: Ctx) -> dict:
    return {"user": c.user, "role": "service_advisor", "dealer": c.dealer}


def token_row(c: Ctx) -> dict:
    return {"name": "DMS", "prefix": "p1", "key_hash": "h" * 64, "region": c.region, "user": c.user}


def vehicle_row(c: Ctx) -> dict:
    return {"vin": tag().upper() + "1234567", "plate": "浙A12345", "brand": "华曜", "model": "S5", "powertrain": "ICE",
            "model_year": 2022}


def wo_row(c: Ctx) -> dict:
    return {"dealer": c.dealer, "number": f"N-{uuid.uuid4().hex[:8]}", "type": "repair", "channel": "walk_in",
            "status": "booked", "customer": c.customer, "vehicle": c.vehicle, "opened_at": NOW}


def labour_row(c: Ctx) -> dict:
    return {"work_order": c.work_order, "op_code": "RP01", "flat_rate_hours": 1, "actual_hours": 1, "amount": 300}


def parts_line_row(c: Ctx) -> dict:
    return {"work_order": c.work_order, "part": c.part, "quantity": 2, "returned_quantity": 0, "unit_price": 100,
            "unit_cost": 60, "requested_at": NOW}


def survey_row(c: Ctx) -> dict:
    return {"work_order": c.work_order, "dealer": c.dealer, "answered_at": NOW + HOUR, "attitude_score": 100,
            "price_transparency_score": 90, "on_time_score": 100, "quality_score": 100, "facility_score": 80,
            "recommend": 9}


def complaint_row(c: Ctx) -> dict:
    return {"dealer": c.dealer, "channel": "phone", "category": "waiting", "severity": "low", "opened_at": NOW}


def stock_row(c: Ctx) -> dict:
    return {"dealer": c.dealer, "part": c.part, "on_hand": 1, "reserved": 0, "reorder_point": 1, "maximum": 3}


def transfer_row(c: Ctx) -> dict:
    return {"from_dealer": c.dealer, "to_dealer": c.other_dealer, "part": c.part, "quantity": 1, "unit_cost": 60,
            "shipped_at": NOW, "reference": uuid.uuid4()}


def order_row(c: Ctx) -> dict:
    return {"dealer": c.dealer, "number": f"PO-{uuid.uuid4().hex[:6]}", "kind": "urgent", "ordered_at": NOW}


def order_line_row(c: Ctx) -> dict:
    return {"order": c.order, "part": c.part, "quantity": 2, "unit_cost": 60}


def movement_row(c: Ctx) -> dict:
    return {"dealer": c.dealer, "part": c.part, "kind": "receipt", "quantity": 2, "unit_cost": 60, "at": NOW}


def technician_row(c: Ctx) -> dict:
    return {"dealer": c.dealer, "employee_code": "T-1", "name": "王强", "hired_on": dt.date(2020, 1, 1)}


def course_row(c: Ctx) -> dict:
    return {"region": c.region, "code": "HV-1", "title": "高压电安全", "level": "junior", "starts_on": dt.date(2026, 3, 1),
            "ends_on": dt.date(2026, 3, 3)}


def target_row(c: Ctx) -> dict:
    return {"kpi": "output_value", "dealer": c.dealer, "month": dt.date(2026, 1, 1), "value": Decimal(100)}


def region_target_row(c: Ctx) -> dict:
    return {"kpi": "csi", "region": c.region, "month": dt.date(2026, 1, 1), "value": Decimal(96)}


def delivery_row(c: Ctx) -> dict:
    return {"user": c.user, "subscription": c.subscription, "scope_key": "region:1", "frequency": "daily",
            "period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 1, 1), "language": "en",
            "recipient": "a@example.com", "message_id": "<m@x>", "claimed_at": NOW}


CASES: dict[str, Case] = {
    # dealers
    "dealers.Region.code": unique(Region, lambda c: {"code": "west", "name": "西区"}),
    "dealers.Dealer.code": unique(Dealer, lambda c: {**dealer_row(c), "code": "DX1"}),
    "dealer_city_tier_1_4": check(Dealer, dealer_row, city_tier=5),
    "dealer_labour_cost_rate_gte_0": check(Dealer, dealer_row, labour_cost_rate=-1),
    "dealer_closes_after_opens": check(Dealer, dealer_row, closes_at=dt.time(8)),
    "membership_scope_matches_role": check(Membership, membership_row, role="regional_manager"),
    "membership_unique_region": unique(Membership, lambda c: {"user": c.user, "role": "regional_manager",
                                                              "region": c.region}),
    "membership_unique_dealer": unique(Membership, membership_row),
    "dealers.ApiToken.prefix": unique(ApiToken, token_row, key_hash="k" * 64, user=lambda c: UserFactory()),
    "dealers.ApiToken.key_hash": unique(ApiToken, token_row, prefix="p2", user=lambda c: UserFactory()),
    "dealers.ApiToken.user": unique(ApiToken, token_row, prefix="p2", key_hash="k" * 64),
    "idempotency_unique_client_key": unique(IdempotencyRecord, lambda c: {
        "client": "user:1", "key": "k", "method": "POST", "path": "/api/", "request_hash": "x", "created_at": NOW}),
    "dealers.ApiTask.task_id": unique(ApiTask, lambda c: {"task_id": "t-1", "name": "rollup", "client": "user:1"}),
    # work orders
    "customer_external_id_unique_per_dealer": unique(Customer, lambda c: {
        "dealer": c.dealer, "name": "李雷", "external_id": "C-1"}),
    "workorders.Vehicle.vin": unique(Vehicle, lambda c: {**vehicle_row(c), "vin": "LHYS5B2C0R1000001"}),
    "vehicle_model_year_range": check(Vehicle, vehicle_row, model_year=1989),
    "workorder_number_unique_per_dealer": unique(WorkOrder, lambda c: {**wo_row(c), "number": "RO-1"}),
    "workorder_external_id_unique_per_dealer": unique(WorkOrder, lambda c: {**wo_row(c), "external_id": "DMS-1"}),
    "workorders.WorkOrder.progress_token": unique(WorkOrder, lambda c: {**wo_row(c), "progress_token": "tok"}),
    "workorder_delivered_not_before_opened": check(WorkOrder, wo_row, delivered_at=NOW - HOUR),
    "workorder_promised_not_before_opened": check(WorkOrder, wo_row, promised_at=NOW - HOUR),
    "workorder_delivered_has_time": check(WorkOrder, wo_row, status="delivered"),
    "workorder_amounts_gte_0": check(WorkOrder, wo_row, parts_cost=-1),
    "workorder_hours_gte_0": check(WorkOrder, wo_row, actual_hours=-1),
    "workorder_not_own_comeback": check(WorkOrder, lambda c: {**wo_row(c), "id": 900001},
                                        id=900002, comeback_of_id=900002),
    "statuschange_one_status_per_time": unique(WorkOrderStatusChange, lambda c: {
        "work_order": c.work_order, "status": "booked", "at": NOW}, status="checked_in"),
    "labourline_non_negative": check(LabourLine, labour_row, amount=-1),
    "partsline_quantity_gt_0": check(PartsLine, parts_line_row, quantity=0),
    "partsline_returned_lte_quantity": check(PartsLine, parts_line_row, returned_quantity=3),
    "partsline_money_gte_0": check(PartsLine, parts_line_row, unit_cost=-1),
    "survey_scores_0_100": check(Survey, survey_row, work_order=lambda c: DeliveredWorkOrderFactory(dealer=c.dealer),
                                 quality_score=101),
    "survey_recommend_0_10": check(Survey, survey_row, work_order=lambda c: DeliveredWorkOrderFactory(dealer=c.dealer),
                                   recommend=11),
    "survey_external_id_unique_per_dealer": unique(
        Survey, lambda c: {**survey_row(c), "external_id": "S-1"},
        work_order=lambda c: DeliveredWorkOrderFactory(dealer=c.dealer)),
    "workorders.Survey.work_order": unique(Survey, survey_row),
    "complaint_response_not_before_opened": check(Complaint, complaint_row, first_response_at=NOW - HOUR),
    "complaint_resolved_not_before_opened": check(Complaint, complaint_row, resolved_at=NOW - HOUR),
    "complaint_closed_not_before_opened": check(Complaint, complaint_row, closed_at=NOW - HOUR),
    "complaint_escalated_has_time": check(Complaint, complaint_row, escalated=True),
    "complaint_external_id_unique_per_dealer": unique(Complaint, lambda c: {**complaint_row(c), "external_id": "X-1"}),
    # parts
    "parts.Part.number": unique(Part, lambda c: {"number": "P-1", "name": "机滤", "category": "maintenance",
                                                 "cost": 10, "price": 15}),
    "part_money_gte_0": check(Part, lambda c: {"number": tag(), "name": "机滤", "category": "maintenance", "cost": 10,
                                               "price": 15}, price=-1),
    "stock_unique_dealer_part": unique(Stock, stock_row),
    "stock_on_hand_gte_0": check(Stock, stock_row, on_hand=-1, part=lambda c: PartFactory()),
    "stock_reserved_gte_0": check(Stock, stock_row, reserved=-1, part=lambda c: PartFactory()),
    "stock_levels_gte_0": check(Stock, stock_row, maximum=-1, part=lambda c: PartFactory()),
    "transfer_quantity_gt_0": check(StockTransfer, transfer_row, quantity=0),
    "transfer_between_two_dealers": check(StockTransfer, transfer_row, to_dealer=lambda c: c.dealer),
    "transfer_received_not_before_shipped": check(StockTransfer, transfer_row, received_at=NOW - HOUR),
    "parts.StockTransfer.reference": unique(StockTransfer, lambda c: {**transfer_row(c), "reference": uuid.UUID(int=7)}),
    "partsorder_number_unique_per_dealer": unique(PartsOrder, lambda c: {**order_row(c), "number": "PO-X"}),
    "partsorder_external_id_unique_per_dealer": unique(PartsOrder, lambda c: {**order_row(c), "external_id": "E-1"}),
    "partsorder_received_not_before_ordered": check(PartsOrder, order_row, received_at=NOW - HOUR),
    "partsorder_received_has_time": check(PartsOrder, order_row, status="received"),
    "partsorderline_quantity_gt_0": check(PartsOrderLine, order_line_row, quantity=0, part=lambda c: PartFactory()),
    "partsorderline_cost_gte_0": check(PartsOrderLine, order_line_row, unit_cost=-1, part=lambda c: PartFactory()),
    "partsorderline_unique_part": unique(PartsOrderLine, order_line_row),
    "movement_sign_follows_kind": check(StockMovement, movement_row, kind="issue"),
    "movement_adjustment_has_reason": check(StockMovement, movement_row, kind="adjustment"),
    "movement_unit_cost_gte_0": check(StockMovement, movement_row, unit_cost=-1),
    "movement_external_id_unique_per_dealer": unique(StockMovement, lambda c: {**movement_row(c), "external_id": "M1"}),
    # training
    "technician_code_unique_per_dealer": unique(Technician, technician_row),
    "technician_left_not_before_hired": check(Technician, technician_row, left_on=dt.date(2019, 12, 31),
                                              employee_code="T-9"),
    "training.Technician.user": unique(Technician, lambda c: {**technician_row(c), "user": c.user},
                                       employee_code="T-2"),
    "training.CertificationType.code": unique(CertificationType, lambda c: {"code": "ADAS", "name": "ADAS"}),
    "certtype_validity_gt_0": check(CertificationType, lambda c: {"code": tag(), "name": "诊断"}, validity_months=0),
    "certification_expires_after_issued": check(Certification, lambda c: {
        "technician": c.technician, "type": c.cert_type, "issued_on": dt.date(2026, 1, 1),
        "expires_on": dt.date(2028, 1, 1)}, expires_on=dt.date(2026, 1, 1)),
    "training.Course.code": unique(Course, course_row),
    "course_ends_not_before_starts": check(Course, course_row, ends_on=dt.date(2026, 2, 28), code="HV-2"),
    "attendance_unique": unique(Attendance, lambda c: {"course": c.course, "technician": c.technician}),
    "attendance_score_0_100": check(Attendance, lambda c: {"course": c.course, "technician": c.technician,
                                                           "score": 100}, score=101,
                                    technician=lambda c: TechnicianFactory(dealer=c.dealer)),
    # kpi
    "fact_unique_dealer_day": unique(DealerDayFact, lambda c: {"dealer": c.dealer, "day": dt.date(2026, 1, 1)}),
    "kpitarget_region_xor_dealer": check(KpiTarget, target_row, region=lambda c: c.region, month=dt.date(2026, 2, 1)),
    "kpitarget_month_first_day": check(KpiTarget, target_row, month=dt.date(2026, 1, 15)),
    "kpitarget_unique_region_month": unique(KpiTarget, region_target_row),
    "kpitarget_unique_region": unique(KpiTarget, lambda c: {**region_target_row(c), "month": None}),
    "kpitarget_unique_dealer_month": unique(KpiTarget, target_row),
    "kpitarget_unique_dealer": unique(KpiTarget, lambda c: {**target_row(c), "month": None}),
    "stockcheckpoint_unique_dealer_day": unique(StockCheckpoint, lambda c: {
        "dealer": c.dealer, "day": dt.date(2026, 1, 1), "through_movement": 1}),
    # digests
    "digestsub_scope_matches_kind": check(Subscription, lambda c: {
        "user": c.user, "frequency": "weekly", "scope_kind": "region", "region": c.region}, dealer=lambda c: c.dealer,
        frequency="monthly"),
    "digestsub_unique_region": unique(Subscription, lambda c: {
        "user": c.user, "frequency": "weekly", "scope_kind": "region", "region": c.region}),
    "digestsub_unique_tier": unique(Subscription, lambda c: {
        "user": c.user, "frequency": "weekly", "scope_kind": "tier", "region": c.region, "city_tier": 3}),
    "digestsub_unique_dealer": unique(Subscription, lambda c: {
        "user": c.user, "frequency": "weekly", "scope_kind": "dealer", "dealer": c.dealer}),
    "digestdelivery_once_per_user_scope_period": unique(DigestDelivery, delivery_row, message_id="<n@x>"),
    "digestdelivery_period_order": check(DigestDelivery, delivery_row, period_end=dt.date(2025, 12, 31)),
    "digestdelivery_sent_has_time": check(DigestDelivery, delivery_row, status="sent",
                                          period_start=dt.date(2026, 1, 2), period_end=dt.date(2026, 1, 2)),
}


def project_constraints() -> dict[str, type[models.Model]]:
    """Every named constraint and unique column of the project's own models."""
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
            continue
        for constraint in model._meta.constraints:
            found[constraint.name] = model
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key:
                found[f"{model._meta.label}.{field.name}"] = model
    return found


def test_every_constraint_has_a_case():
    constraints = project_constraints()
    assert sorted(set(constraints) - set(CASES)) == []
    assert sorted(set(CASES) - set(constraints)) == []
    assert all(CASES[name].model is model for name, model in constraints.items())


def blamed(name: str, model: type[models.Model]) -> list[str]:
    """What the database's error message names for this constraint: its name (PostgreSQL always, SQLite for
    CHECK), or the columns (SQLite's UNIQUE messages, and unique columns declared on the field)."""
    if "." in name:
        column = model._meta.get_field(name.rsplit(".", 1)[1]).column
        return [column]
    constraint = next(c for c in model._meta.constraints if c.name == name)
    if isinstance(constraint, models.UniqueConstraint) and connection.vendor == "sqlite":
        return [model._meta.get_field(field).column for field in constraint.fields]
    return [name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_constraint_rejects_a_bad_row(db, name):
    case = CASES[name]
    ctx = Ctx()
    good, bad = case.rows(ctx)
    with transaction.atomic():
        case.model.objects.create(**good)
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        case.model.objects.create(**bad)
    message = str(error.value)
    assert all(word in message for word in blamed(name, case.model)), message


def test_constraints_are_in_the_postgresql_catalogue(on_postgres):
    names = {name for name in project_constraints() if "." not in name}
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint UNION SELECT indexname FROM pg_indexes")
        present = {row[0] for row in cursor.fetchall()}
    assert sorted(names - present) == []


def test_a_bad_row_is_rejected_by_the_database_not_by_django(db):
    """The cases write through Model.objects.create, which runs no validation: the database refuses."""
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrderFactory(status="delivered", delivered_at=None)
