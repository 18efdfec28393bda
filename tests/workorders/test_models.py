"""Model-level rules that every write path, the admin included, runs through full_clean()."""

import pytest
from django.core.exceptions import ValidationError

from tests.workorders.factories import CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def test_a_work_order_takes_only_its_dealers_customers(dealer, other_dealer):
    work_order = WorkOrderFactory(dealer=dealer)
    work_order.full_clean()
    work_order.customer = CustomerFactory(dealer=other_dealer)
    with pytest.raises(ValidationError) as error:
        work_order.full_clean()
    assert error.value.message_dict["customer"] == ["The customer belongs to another dealer."]
