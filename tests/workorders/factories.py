import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from tests.dealers.factories import DealerFactory
from workorders.choices import (
    Channel,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    Powertrain,
    WorkOrderStatus,
    WorkOrderType,
)
from workorders.models import Complaint, Customer, LabourLine, PartsLine, Survey, Vehicle, WorkOrder

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    dealer = factory.SubFactory(DealerFactory)
    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    vin = factory.Sequence(lambda n: f"LFV2A2BS{n:09d}")
    plate = factory.Sequence(lambda n: f"浙A{n:05d}")
    brand = "示例"
    model = "S5"
    powertrain = Powertrain.ICE
    model_year = 2022
    owner = factory.SubFactory(CustomerFactory)


class WorkOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrder

    dealer = factory.SubFactory(DealerFactory)
    number = factory.Sequence(lambda n: f"RO{n:07d}")
    type = WorkOrderType.REPAIR
    channel = Channel.WALK_IN
    status = WorkOrderStatus.BOOKED
    customer = factory.SubFactory(CustomerFactory, dealer=factory.SelfAttribute("..dealer"))
    vehicle = factory.SubFactory(VehicleFactory, owner=factory.SelfAttribute("..customer"))
    opened_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=3))


class DeliveredWorkOrderFactory(WorkOrderFactory):
    status = WorkOrderStatus.DELIVERED
    delivered_at = factory.LazyAttribute(lambda wo: wo.opened_at + dt.timedelta(hours=2))


class LabourLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabourLine

    work_order = factory.SubFactory(WorkOrderFactory)
    op_code = "OP100"
    description = "检查"
    flat_rate_hours = Decimal("1.00")
    actual_hours = Decimal("1.00")
    amount = Decimal("300.00")


class PartsLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartsLine

    work_order = factory.SubFactory(WorkOrderFactory)
    part = factory.SubFactory("tests.parts.factories.PartFactory")
    quantity = 1
    unit_price = Decimal("100.00")
    unit_cost = Decimal("60.00")
    filled_from_stock = True
    requested_at = factory.LazyAttribute(lambda line: line.work_order.opened_at)


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    work_order = factory.SubFactory(DeliveredWorkOrderFactory)
    dealer = factory.SelfAttribute("work_order.dealer")
    answered_at = factory.LazyAttribute(lambda s: s.work_order.delivered_at + dt.timedelta(days=1))
    attitude_score = 100
    price_transparency_score = 100
    on_time_score = 100
    quality_score = 100
    facility_score = 100
    recommend = 10


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    dealer = factory.SubFactory(DealerFactory)
    channel = ComplaintChannel.PHONE
    category = ComplaintCategory.WAITING
    severity = ComplaintSeverity.MEDIUM
    opened_at = factory.LazyFunction(timezone.now)
