from decimal import Decimal

import factory

from parts.choices import PartCategory
from parts.models import Part, Stock
from tests.dealers.factories import DealerFactory


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    number = factory.Sequence(lambda n: f"P{n:06d}")
    name = factory.Sequence(lambda n: f"机油滤清器{n}")
    category = PartCategory.MAINTENANCE
    cost = Decimal("60.00")
    price = Decimal("100.00")


class StockFactory(factory.django.DjangoModelFactory):
    """A stock row at zero; put quantity on it through parts.services so the ledger matches."""

    class Meta:
        model = Stock

    dealer = factory.SubFactory(DealerFactory)
    part = factory.SubFactory(PartFactory)
    reorder_point = 2
    maximum = 20
