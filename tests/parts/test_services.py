"""The stock ledger: every movement kind, refused input, and stock = Σ ledger ≥ 0."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from parts import services
from parts.choices import MovementKind, PartsOrderKind, PartsOrderStatus, TransferStatus
from parts.models import Stock, StockMovement
from tests.parts.factories import PartFactory, StockFactory
from tests.workorders.factories import PartsLineFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def on_hand(dealer, part) -> int:
    return Stock.objects.filter(dealer=dealer, part=part).values_list("on_hand", flat=True).first() or 0


def ledger(dealer, part) -> int:
    return StockMovement.objects.filter(dealer=dealer, part=part).aggregate(s=Sum("quantity"))["s"] or 0


def assert_consistent(dealer, part):
    assert on_hand(dealer, part) == ledger(dealer, part) >= 0


@pytest.fixture
def part(db):
    return PartFactory(cost=Decimal("60.00"), price=Decimal("100.00"))


def test_receipt_creates_the_stock_row_and_a_ledger_row(dealer, part):
    movement = services.stock_receive(dealer=dealer, part=part, quantity=5, unit_cost=Decimal("55.50"))
    assert movement.kind == MovementKind.RECEIPT and movement.quantity == 5
    assert movement.unit_cost == Decimal("55.50")
    assert on_hand(dealer, part) == 5
    assert_consistent(dealer, part)


def test_receipt_defaults_to_the_catalogue_cost(dealer, part):
    assert services.stock_receive(dealer=dealer, part=part, quantity=1).unit_cost == Decimal("60.00")


@pytest.mark.parametrize("quantity", [0, -3])
def test_receipt_with_non_positive_quantity_is_refused(dealer, part, quantity):
    with pytest.raises(ValidationError, match="positive quantity"):
        services.stock_receive(dealer=dealer, part=part, quantity=quantity)
    assert not StockMovement.objects.exists()


def test_wrong_sign_for_outbound_kind_is_refused(dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=5)
    with pytest.raises(ValidationError, match="negative quantity"):
        services.stock_movement_record(dealer=dealer, part=part, kind=MovementKind.TRANSFER_OUT, quantity=2)
    assert_consistent(dealer, part)


def test_fractional_quantity_is_refused(dealer, part):
    with pytest.raises(ValidationError, match="whole number"):
        services.stock_receive(dealer=dealer, part=part, quantity=1.5)


def test_negative_unit_cost_is_refused(dealer, part):
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.stock_receive(dealer=dealer, part=part, quantity=1, unit_cost=Decimal("-1"))


def test_adjustment_needs_a_reason_and_a_non_zero_quantity(dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=5)
    with pytest.raises(ValidationError, match="needs a reason"):
        services.stock_adjust(dealer=dealer, part=part, quantity=-1, reason="  ")
    with pytest.raises(ValidationError, match="zero"):
        services.stock_adjust(dealer=dealer, part=part, quantity=0, reason="count")
    services.stock_adjust(dealer=dealer, part=part, quantity=-2, reason="damaged in storage")
    assert on_hand(dealer, part) == 3
    assert_consistent(dealer, part)


def test_adjustment_below_zero_is_out_of_stock(dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=2)
    with pytest.raises(services.OutOfStock) as excinfo:
        services.stock_adjust(dealer=dealer, part=part, quantity=-3, reason="count")
    assert f"Out of stock: {part.number} at {dealer.code} (on hand 2, requested 3)" in excinfo.value.messages[0]
    assert_consistent(dealer, part)


def test_external_id_makes_a_receipt_idempotent_and_conflicts_are_refused(dealer, part):
    first = services.stock_receive(dealer=dealer, part=part, quantity=4, external_id="DMS-1")
    again = services.stock_receive(dealer=dealer, part=part, quantity=4, external_id="DMS-1")
    assert first.pk == again.pk and on_hand(dealer, part) == 4
    with pytest.raises(ValidationError, match="already used"):
        services.stock_receive(dealer=dealer, part=part, quantity=9, external_id="DMS-1")
    assert_consistent(dealer, part)


def test_issue_to_line_from_stock_links_the_ledger_row(dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=3)
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=dealer), part=part, quantity=2, filled_from_stock=False)
    assert services.stock_issue_to_line(parts_line=line) is True
    line.refresh_from_db()
    assert line.filled_from_stock is True
    movement = line.movements.get()
    assert movement.kind == MovementKind.ISSUE and movement.quantity == -2 and movement.dealer == dealer
    assert on_hand(dealer, part) == 1
    # Issuing the same line again does nothing.
    assert services.stock_issue_to_line(parts_line=line) is True
    assert on_hand(dealer, part) == 1
    assert_consistent(dealer, part)


def test_issue_without_enough_stock_puts_the_line_on_back_order(dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=1)
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=dealer), part=part, quantity=2, filled_from_stock=True)
    assert services.stock_issue_to_line(parts_line=line) is False
    line.refresh_from_db()
    assert line.filled_from_stock is False
    assert not line.movements.exists()
    assert on_hand(dealer, part) == 1
    # When the parts arrive the back-order is issued; the fill rate still counts it as not filled.
    services.stock_receive(dealer=dealer, part=part, quantity=5)
    services.stock_issue_backorder(parts_line=line)
    line.refresh_from_db()
    assert line.filled_from_stock is False and on_hand(dealer, part) == 4
    with pytest.raises(ValidationError, match="already been issued"):
        services.stock_issue_backorder(parts_line=line)
    assert_consistent(dealer, part)


def test_issue_uses_the_work_orders_dealer_not_another(dealer, other_dealer, part):
    services.stock_receive(dealer=other_dealer, part=part, quantity=10)
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=dealer), part=part, quantity=1)
    assert services.stock_issue_to_line(parts_line=line) is False
    assert on_hand(other_dealer, part) == 10


def test_return_from_line_puts_parts_back_and_counts_them(dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=5)
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=dealer), part=part, quantity=3)
    services.stock_issue_to_line(parts_line=line)
    movement = services.stock_return_from_line(parts_line=line, quantity=2)
    assert movement.kind == MovementKind.RETURN and movement.quantity == 2 and movement.parts_line == line
    assert line.returned_quantity == 2
    line.refresh_from_db()
    assert line.returned_quantity == 2
    assert on_hand(dealer, part) == 4
    with pytest.raises(ValidationError, match="Cannot return 2 .* 3 issued to this line, 2 already returned"):
        services.stock_return_from_line(parts_line=line, quantity=2)
    with pytest.raises(ValidationError, match="greater than zero"):
        services.stock_return_from_line(parts_line=line, quantity=0)
    assert_consistent(dealer, part)


def test_return_of_a_back_ordered_line_is_refused(dealer, part):
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=dealer), part=part, quantity=1)
    services.stock_issue_to_line(parts_line=line)
    with pytest.raises(ValidationError, match="0 issued"):
        services.stock_return_from_line(parts_line=line, quantity=1)


def test_transfer_goes_out_now_and_in_when_received(dealer, other_dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=6)
    transfer = services.stock_transfer_send(from_dealer=dealer, to_dealer=other_dealer, part=part, quantity=4)
    assert transfer.status == TransferStatus.IN_TRANSIT
    assert on_hand(dealer, part) == 2 and on_hand(other_dealer, part) == 0
    services.stock_transfer_receive(transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED and transfer.received_at is not None
    assert on_hand(other_dealer, part) == 4
    kinds = set(transfer.movements.values_list("kind", "quantity"))
    assert kinds == {(MovementKind.TRANSFER_OUT, -4), (MovementKind.TRANSFER_IN, 4)}
    with pytest.raises(ValidationError, match="already been received"):
        services.stock_transfer_receive(transfer=transfer)
    assert_consistent(dealer, part)
    assert_consistent(other_dealer, part)


def test_transfer_beyond_stock_or_to_self_is_refused_and_writes_nothing(dealer, other_dealer, part):
    services.stock_receive(dealer=dealer, part=part, quantity=1)
    with pytest.raises(services.OutOfStock):
        services.stock_transfer_send(from_dealer=dealer, to_dealer=other_dealer, part=part, quantity=2)
    with pytest.raises(ValidationError, match="two different dealers"):
        services.stock_transfer_send(from_dealer=dealer, to_dealer=dealer, part=part, quantity=1)
    with pytest.raises(ValidationError, match="greater than zero"):
        services.stock_transfer_send(from_dealer=dealer, to_dealer=other_dealer, part=part, quantity=-1)
    assert not dealer.transfers_out.exists()
    assert_consistent(dealer, part)


def test_parts_order_receipt_creates_receipt_movements(dealer, part):
    other_part = PartFactory()
    order = services.parts_order_create(dealer=dealer, kind=PartsOrderKind.URGENT, lines=[(part, 3), (other_part, 2)])
    assert order.number.startswith("PO") and order.status == PartsOrderStatus.ORDERED
    second = services.parts_order_create(dealer=dealer, kind=PartsOrderKind.STOCK, lines=[(part, 1)])
    assert second.number != order.number
    services.parts_order_receive(order=order)
    assert order.status == PartsOrderStatus.RECEIVED and order.received_at is not None
    assert on_hand(dealer, part) == 3 and on_hand(dealer, other_part) == 2
    assert set(order.movements.values_list("kind", flat=True)) == {MovementKind.RECEIPT}
    assert set(order.lines.values_list("received_quantity", flat=True)) == {3, 2}
    with pytest.raises(ValidationError, match="cannot be received"):
        services.parts_order_receive(order=order)
    assert_consistent(dealer, part)


def test_parts_order_partial_receipt_keeps_it_open(dealer, part):
    order = services.parts_order_create(dealer=dealer, kind=PartsOrderKind.STOCK, lines=[(part, 5)])
    line = order.lines.get()
    services.parts_order_receive(order=order, quantities={line.pk: 2})
    assert order.status == PartsOrderStatus.ORDERED and on_hand(dealer, part) == 2
    with pytest.raises(ValidationError, match="only 3 outstanding"):
        services.parts_order_receive(order=order, quantities={line.pk: 4})
    services.parts_order_receive(order=order)
    assert order.status == PartsOrderStatus.RECEIVED and on_hand(dealer, part) == 5
    with pytest.raises(ValidationError, match="cannot be cancelled|Only an open"):
        services.parts_order_cancel(order=order)


def test_parts_order_input_is_checked(dealer, other_dealer, part):
    with pytest.raises(ValidationError, match="at least one line"):
        services.parts_order_create(dealer=dealer, kind="stock", lines=[])
    with pytest.raises(ValidationError, match="line 1 must be greater than zero"):
        services.parts_order_create(dealer=dealer, kind="stock", lines=[(part, 0)])
    with pytest.raises(ValidationError, match="more than one line"):
        services.parts_order_create(dealer=dealer, kind="stock", lines=[(part, 1), (part, 2)])
    with pytest.raises(ValidationError, match="Unknown order kind"):
        services.parts_order_create(dealer=dealer, kind="express", lines=[(part, 1)])
    with pytest.raises(ValidationError, match="another dealer"):
        services.parts_order_create(
            dealer=dealer, kind="urgent", lines=[(part, 1)], work_order=WorkOrderFactory(dealer=other_dealer)
        )
    services.parts_order_create(dealer=dealer, kind="stock", lines=[(part, 1)], number="X-1")
    with pytest.raises(ValidationError, match="already used"):
        services.parts_order_create(dealer=dealer, kind="stock", lines=[(part, 1)], number="X-1")


def test_received_before_ordered_is_refused(dealer, part):
    order = services.parts_order_create(dealer=dealer, kind="stock", lines=[(part, 1)])
    with pytest.raises(ValidationError, match="before it was ordered"):
        services.parts_order_receive(order=order, at=order.ordered_at - dt.timedelta(hours=1))


def test_levels_update_checks_maximum_against_reorder_point(dealer, part):
    stock = StockFactory(dealer=dealer, part=part)
    services.stock_receive(dealer=dealer, part=part, quantity=7)
    with pytest.raises(ValidationError, match="cannot be below the reorder point"):
        services.stock_levels_update(stock=stock, reorder_point=5, maximum=3)
    with pytest.raises(ValidationError, match="at least 0"):
        services.stock_levels_update(stock=stock, reorder_point=-1, maximum=3)
    services.stock_levels_update(stock=stock, reorder_point=4, maximum=12, bin="A-01")
    stock.refresh_from_db()
    # The stale in-memory on_hand (0) must not overwrite the count the receipt made.
    assert (stock.reorder_point, stock.maximum, stock.bin, stock.on_hand) == (4, 12, "A-01", 7)
    assert stock.history.count() >= 2


def test_movement_time_defaults_to_now(dealer, part):
    before = timezone.now()
    movement = services.stock_receive(dealer=dealer, part=part, quantity=1)
    assert movement.at >= before
