"""Many requests racing for the last units: stock never goes negative and stays equal to its ledger."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from parts import services
from parts.choices import MovementKind
from parts.models import Stock, StockMovement
from tests.dealers.factories import DealerFactory
from tests.parts.factories import PartFactory
from tests.workorders.factories import PartsLineFactory, WorkOrderFactory

THREADS = 50
STOCK = 20


def _race(target, count: int) -> list:
    """Run `target(i)` in `count` threads released together; each closes its own DB connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 — collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_issues_of_one_unit_from_twenty_exactly_twenty_succeed(on_postgres, transactional_db):
    dealer = DealerFactory()
    part = PartFactory()
    services.stock_receive(dealer=dealer, part=part, quantity=STOCK)

    def take_one(_i):
        return services.stock_movement_record(dealer=dealer, part=part, kind=MovementKind.ISSUE, quantity=-1)

    results = _race(take_one, THREADS)

    succeeded = [r for r in results if isinstance(r, StockMovement)]
    refused = [r for r in results if isinstance(r, services.OutOfStock)]
    assert len(succeeded) == STOCK
    assert len(refused) == THREADS - STOCK, [r for r in results if not isinstance(r, StockMovement | services.OutOfStock)]
    assert all(str(r.messages[0]).startswith(f"Out of stock: {part.number} at {dealer.code}") for r in refused)
    stock = Stock.objects.get(dealer=dealer, part=part)
    assert stock.on_hand == 0
    assert StockMovement.objects.filter(dealer=dealer, part=part).aggregate(s=Sum("quantity"))["s"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_work_order_lines_fill_from_stock_until_it_runs_out(on_postgres, transactional_db):
    dealer = DealerFactory()
    part = PartFactory()
    services.stock_receive(dealer=dealer, part=part, quantity=5)
    lines = [PartsLineFactory(work_order=WorkOrderFactory(dealer=dealer), part=part, quantity=1) for _ in range(12)]

    results = _race(lambda i: services.stock_issue_to_line(parts_line=lines[i]), len(lines))

    assert results.count(True) == 5 and results.count(False) == 7, results
    assert Stock.objects.get(dealer=dealer, part=part).on_hand == 0
    assert StockMovement.objects.filter(dealer=dealer, part=part).aggregate(s=Sum("quantity"))["s"] == 0
