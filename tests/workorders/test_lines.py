"""Labour and parts lines: stock moves through parts.services and the totals follow the lines."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from parts.choices import MovementKind
from parts.models import Stock, StockMovement
from tests.training.factories import TechnicianFactory
from tests.workorders.factories import WorkOrderFactory
from workorders import services
from workorders.models import PartsLine


def _on_hand(dealer, part) -> int:
    return Stock.objects.get(dealer=dealer, part=part).on_hand


def test_totals_follow_labour_and_parts_lines(dealer, advisor, technician, part_in_stock):
    work_order = WorkOrderFactory(dealer=dealer)
    first = services.workorder_add_labour_line(work_order=work_order, by=advisor, op_code="op100",
                                               flat_rate_hours="1.5", amount="450", technician=technician)
    services.workorder_add_labour_line(work_order=work_order, by=advisor, op_code="OP200", flat_rate_hours="0.5",
                                       amount="150.50", actual_hours="0.4")
    line = services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part_in_stock, quantity=3,
                                             unit_price="99.90")
    work_order.refresh_from_db()
    assert first.op_code == "OP100"
    assert work_order.labour_amount == Decimal("600.50")
    assert work_order.flat_rate_hours == Decimal("2.00")
    assert work_order.actual_hours == Decimal("0.40")
    assert work_order.parts_amount == Decimal("299.70")
    assert work_order.parts_cost == Decimal("180.00")  # 3 × the catalogue cost 60.00

    services.labour_line_record_hours(line=first, by=advisor, actual_hours="1.75")
    services.parts_line_return(line=line, by=advisor, quantity=1)
    work_order.refresh_from_db()
    assert work_order.actual_hours == Decimal("2.15")
    assert work_order.parts_amount == Decimal("199.80")  # net of the returned unit
    assert work_order.parts_cost == Decimal("120.00")

    services.labour_line_delete(line=first, by=advisor)
    work_order.refresh_from_db()
    assert work_order.labour_amount == Decimal("150.50")


def test_parts_line_issued_from_stock(dealer, advisor, part_in_stock):
    work_order = WorkOrderFactory(dealer=dealer)
    line = services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part_in_stock, quantity=2)
    assert line.filled_from_stock is True
    assert line.unit_price == part_in_stock.price
    assert _on_hand(dealer, part_in_stock) == 3
    assert StockMovement.objects.get(parts_line=line).kind == MovementKind.ISSUE


def test_parts_line_on_back_order_then_issued_when_stock_arrives(dealer, advisor, part):
    from parts.services import stock_receive

    work_order = WorkOrderFactory(dealer=dealer)
    line = services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part, quantity=2)
    assert line.filled_from_stock is False
    assert list(PartsLine.objects.on_back_order()) == [line]
    with pytest.raises(ValidationError, match="Out of stock"):
        services.parts_line_issue(line=line, by=advisor)

    stock_receive(dealer=dealer, part=part, quantity=2)
    services.parts_line_issue(line=line, by=advisor)
    line.refresh_from_db()
    assert line.filled_from_stock is False  # the fill rate judges the moment of the request
    assert not PartsLine.objects.on_back_order().exists()
    assert _on_hand(dealer, part) == 0
    with pytest.raises(ValidationError, match="already been issued"):
        services.parts_line_issue(line=line, by=advisor)


def test_removing_an_issued_line_returns_the_stock_and_keeps_the_ledger(dealer, advisor, part_in_stock):
    work_order = WorkOrderFactory(dealer=dealer)
    line = services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part_in_stock, quantity=2)
    kept = services.parts_line_delete(line=line, by=advisor)
    assert kept is not None and kept.returned_quantity == 2
    assert _on_hand(dealer, part_in_stock) == 5
    work_order.refresh_from_db()
    assert work_order.parts_amount == 0


def test_removing_a_back_ordered_line_deletes_it(dealer, advisor, part):
    work_order = WorkOrderFactory(dealer=dealer)
    line = services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part, quantity=1)
    assert services.parts_line_delete(line=line, by=advisor) is None
    assert not PartsLine.objects.filter(pk=line.pk).exists()


def test_cannot_return_more_than_issued(dealer, advisor, part_in_stock):
    work_order = WorkOrderFactory(dealer=dealer)
    line = services.workorder_add_parts_line(work_order=work_order, by=advisor, part=part_in_stock, quantity=1)
    with pytest.raises(ValidationError, match="Cannot return 2"):
        services.parts_line_return(line=line, by=advisor, quantity=2)
    assert _on_hand(dealer, part_in_stock) == 4


def test_technician_of_another_dealer_is_refused(dealer, other_dealer, advisor):
    work_order = WorkOrderFactory(dealer=dealer)
    with pytest.raises(ValidationError) as refused:
        services.workorder_add_labour_line(work_order=work_order, by=advisor, op_code="OP1", flat_rate_hours=1,
                                           amount=100, technician=TechnicianFactory(dealer=other_dealer))
    assert "technician" in refused.value.message_dict


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("op_code", {"op_code": " "}),
        ("flat_rate_hours", {"flat_rate_hours": "-1"}),
        ("amount", {"amount": "abc"}),
        ("amount", {"amount": "99999999999"}),
    ],
)
def test_bad_labour_input_names_the_field(dealer, advisor, field, values):
    work_order = WorkOrderFactory(dealer=dealer)
    kwargs = {"op_code": "OP1", "flat_rate_hours": "1", "amount": "100", **values}
    with pytest.raises(ValidationError) as refused:
        services.workorder_add_labour_line(work_order=work_order, by=advisor, **kwargs)
    assert field in refused.value.message_dict


def test_zero_quantity_is_refused(dealer, advisor, part_in_stock):
    with pytest.raises(ValidationError) as refused:
        services.workorder_add_parts_line(work_order=WorkOrderFactory(dealer=dealer), by=advisor, part=part_in_stock,
                                          quantity=0)
    assert "quantity" in refused.value.message_dict
