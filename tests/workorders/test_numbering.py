"""Work order numbers: <dealer code>-YYMM-#####, unique per dealer also when advisors book at once."""

import threading

import pytest
from django.db import connection

from tests.workorders.factories import CustomerFactory, VehicleFactory, WorkOrderFactory
from workorders import services
from workorders.models import WorkOrder


def test_number_continues_after_imported_numbers(dealer, advisor):
    customer = CustomerFactory(dealer=dealer)
    first = services.workorder_create(dealer=dealer, by=advisor, customer=customer, vehicle=VehicleFactory(),
                                      type="repair", channel="walk_in")
    prefix = first.number.rsplit("-", 1)[0]
    WorkOrderFactory(dealer=dealer, number=f"{prefix}-00041")  # e.g. loaded by the DMS import
    nxt = services.workorder_create(dealer=dealer, by=advisor, customer=customer, vehicle=VehicleFactory(),
                                    type="repair", channel="walk_in")
    assert nxt.number == f"{prefix}-00042"


def test_given_number_must_be_free(dealer, advisor):
    from django.core.exceptions import ValidationError

    WorkOrderFactory(dealer=dealer, number="X-1")
    with pytest.raises(ValidationError) as refused:
        services.workorder_create(dealer=dealer, by=advisor, customer=CustomerFactory(dealer=dealer),
                                  vehicle=VehicleFactory(), type="repair", channel="walk_in", number="X-1")
    assert "number" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_get_distinct_numbers(on_postgres, dealer, advisor):
    customer = CustomerFactory(dealer=dealer)
    vehicles = [VehicleFactory(owner=customer) for _ in range(8)]
    barrier = threading.Barrier(len(vehicles))
    errors: list[BaseException] = []

    def book(vehicle):
        try:
            barrier.wait()
            services.workorder_create(dealer=dealer, by=advisor, customer=customer, vehicle=vehicle,
                                      type="maintenance", channel="online")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(v,)) for v in vehicles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(WorkOrder.objects.filter(dealer=dealer).values_list("number", flat=True))
    assert len(set(numbers)) == 8
    assert [n.rsplit("-", 1)[1] for n in numbers] == [f"{i:05d}" for i in range(1, 9)]
