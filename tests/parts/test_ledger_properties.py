"""Property: whatever sequence of receipts, issues, returns, adjustments and transfers between two
dealers happens, each stock equals the sum of its ledger, never goes negative, and matches a model."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from parts import services
from parts.choices import TransferStatus
from parts.models import Stock, StockMovement
from tests.dealers.factories import DealerFactory
from tests.parts.factories import PartFactory
from tests.workorders.factories import PartsLineFactory, WorkOrderFactory

quantities = st.integers(min_value=1, max_value=8)


class LedgerMachine(RuleBasedStateMachine):
    transfers = Bundle("transfers")
    lines = Bundle("lines")

    def __init__(self) -> None:
        super().__init__()
        # Fresh dealers and part per example: earlier examples' rows never disturb this one.
        self.dealers = [DealerFactory(), DealerFactory()]
        self.part = PartFactory()
        self.work_orders = [WorkOrderFactory(dealer=d) for d in self.dealers]
        self.expected = [0, 0]
        self.in_transit = 0

    def _stock(self, index: int) -> int:
        found = Stock.objects.filter(dealer=self.dealers[index], part=self.part).values_list("on_hand", flat=True)
        return found.first() or 0

    @rule(d=st.sampled_from([0, 1]), q=quantities)
    def receive(self, d, q):
        services.stock_receive(dealer=self.dealers[d], part=self.part, quantity=q)
        self.expected[d] += q

    @rule(target=lines, d=st.sampled_from([0, 1]), q=quantities)
    def issue_to_line(self, d, q):
        line = PartsLineFactory(work_order=self.work_orders[d], part=self.part, quantity=q, filled_from_stock=False)
        filled = services.stock_issue_to_line(parts_line=line)
        assert filled == (self.expected[d] >= q)
        if filled:
            self.expected[d] -= q
        return (d, line, q if filled else 0)

    @rule(entry=lines, q=quantities)
    def return_from_line(self, entry, q):
        d, line, issued = entry
        line.refresh_from_db()
        if q > issued - line.returned_quantity:
            with pytest.raises(ValidationError):
                services.stock_return_from_line(parts_line=line, quantity=q)
            return
        services.stock_return_from_line(parts_line=line, quantity=q)
        self.expected[d] += q

    @rule(d=st.sampled_from([0, 1]), q=st.integers(min_value=-8, max_value=8).filter(bool))
    def adjust(self, d, q):
        if self.expected[d] + q < 0:
            with pytest.raises(services.OutOfStock):
                services.stock_adjust(dealer=self.dealers[d], part=self.part, quantity=q, reason="count")
            return
        services.stock_adjust(dealer=self.dealers[d], part=self.part, quantity=q, reason="count")
        self.expected[d] += q

    @rule(target=transfers, d=st.sampled_from([0, 1]), q=quantities)
    def transfer_out(self, d, q):
        if self.expected[d] < q:
            with pytest.raises(services.OutOfStock):
                services.stock_transfer_send(
                    from_dealer=self.dealers[d], to_dealer=self.dealers[1 - d], part=self.part, quantity=q
                )
            return None
        transfer = services.stock_transfer_send(
            from_dealer=self.dealers[d], to_dealer=self.dealers[1 - d], part=self.part, quantity=q
        )
        self.expected[d] -= q
        self.in_transit += q
        return (1 - d, transfer)

    @rule(entry=consumes(transfers))
    def transfer_in(self, entry):
        if entry is None:
            return
        d, transfer = entry
        services.stock_transfer_receive(transfer=transfer)
        assert transfer.status == TransferStatus.RECEIVED
        self.expected[d] += transfer.quantity
        self.in_transit -= transfer.quantity

    @invariant()
    def stock_is_its_ledger_and_never_negative(self):
        for index, dealer in enumerate(self.dealers):
            ledger = StockMovement.objects.filter(dealer=dealer, part=self.part).aggregate(s=Sum("quantity"))["s"]
            assert self._stock(index) == (ledger or 0) == self.expected[index] >= 0

    @invariant()
    def goods_are_conserved_across_transit(self):
        in_transit = sum(
            t.quantity for t in self.part.transfers.filter(status=TransferStatus.IN_TRANSIT, from_dealer__in=self.dealers)
        )
        assert in_transit == self.in_transit


@pytest.mark.django_db
def test_stock_always_equals_its_ledger_and_never_goes_negative():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
