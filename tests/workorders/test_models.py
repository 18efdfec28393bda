"""Model-level rules that every write path, the admin included, runs through full_clean()."""

import pytest
from django.core.exceptions import ValidationError

from tests.workorders.factories import CustomerFactory, PartsLineFactory, WorkOrderFactory
from workorders.models import PartsLine

pytestmark = pytest.mark.django_db


def test_a_work_order_takes_only_its_dealers_customers(dealer, other_dealer):
    work_order = WorkOrderFactory(dealer=dealer)
    work_order.full_clean()
    work_order.customer = CustomerFactory(dealer=other_dealer)
    with pytest.raises(ValidationError) as error:
        work_order.full_clean()
    assert error.value.message_dict["customer"] == ["The customer belongs to another dealer."]


def test_a_work_order_stays_with_its_dealer(dealer, other_dealer):
    work_order = WorkOrderFactory(dealer=dealer)
    work_order.dealer = other_dealer
    with pytest.raises(ValidationError) as error:
        work_order.full_clean(exclude=["customer", "vehicle"])
    assert error.value.message_dict["dealer"] == ["A work order stays with the dealer that opened it."]


def test_a_parts_line_takes_its_work_orders_dealer(dealer):
    # Every write path that saves a model (services, admin, factories) fills it; bulk writers pass it.
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=dealer))
    assert PartsLine.objects.get(pk=line.pk).dealer_id == dealer.id


def test_a_customer_with_work_orders_stays_with_their_dealer(dealer, other_dealer):
    customer = WorkOrderFactory(dealer=dealer).customer
    customer.dealer = other_dealer
    with pytest.raises(ValidationError) as error:
        customer.full_clean()
    assert error.value.message_dict["dealer"] == ["A customer with work orders stays with their dealer."]
    newcomer = CustomerFactory(dealer=dealer)  # no work orders yet: may still be moved
    newcomer.dealer = other_dealer
    newcomer.full_clean()
