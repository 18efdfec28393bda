"""work-orders/bulk/ writes: new work orders and their history rows (COPY on PostgreSQL, simple_history
elsewhere) and a database conflict met while writing — all-or-nothing rolls the batch back, per item
isolates the failing work order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.api.conftest import work_order_payload
from tests.workorders.factories import WorkOrderFactory
from workorders import ingest
from workorders.models import Customer, LabourLine, PartsLine, Vehicle, WorkOrder, WorkOrderStatusChange

pytestmark = pytest.mark.django_db
BULK = "/api/v1/work-orders/bulk/"


def batch(dealer, n):
    return [work_order_payload(dealer.code, f"W-{i}", vin=f"LSVAA4182E2{i:06d}") for i in range(n)]


def test_new_work_orders_history_rows_copy_the_rows_and_name_the_client(api, token_a, dealer, catalogue,
                                                                        technicians):
    body = api.post(BULK, batch(dealer, 2), format="json").json()
    assert body["counts"] == {"created": 2}
    for item in body["items"]:
        wo = WorkOrder.objects.get(pk=item["id"])
        history = WorkOrder.history.get(id=wo.pk)
        assert (history.history_type, history.history_user, history.history_change_reason) == (
            "+", token_a[0].user, "DMS import")
        for name in ("dealer_id", "number", "external_id", "status", "customer_id", "vehicle_id", "opened_at",
                     "delivered_at", "labour_amount", "parts_amount", "parts_cost", "progress_token", "created_at"):
            assert getattr(history, name) == getattr(wo, name), name
        assert wo.labour_amount == Decimal("300.00") and wo.parts_amount == Decimal("110.00")
        assert wo.updated_at >= wo.created_at and len(wo.progress_token) >= 32
    tokens = set(WorkOrder.objects.values_list("progress_token", flat=True))
    assert len(tokens) == 2  # each work order its own customer link


@pytest.fixture
def concurrent_number(monkeypatch, dealer):
    """Another writer takes item W-1's number between the batch's checks and its writes."""
    prepare = ingest._prepare

    def racing(*args, **kwargs):
        prepared = prepare(*args, **kwargs)
        WorkOrderFactory(dealer=dealer, number="N-W-1", external_id="OTHER")
        return prepared

    monkeypatch.setattr(ingest, "_prepare", racing)


def test_a_conflict_while_writing_rolls_an_all_or_nothing_batch_back(api, dealer, catalogue, technicians,
                                                                     concurrent_number):
    before = (LabourLine.objects.count(), WorkOrderStatusChange.objects.count(), WorkOrder.history.count())
    response = api.post(BULK, batch(dealer, 3), format="json")
    assert response.status_code == 409
    assert not WorkOrder.objects.filter(external_id__startswith="W-").exists()
    assert (LabourLine.objects.count(), WorkOrderStatusChange.objects.count(), WorkOrder.history.count()) == before


def test_a_conflict_while_writing_fails_only_its_item_per_item(api, dealer, catalogue, technicians,
                                                               concurrent_number):
    body = api.post(BULK + "?atomic=false", batch(dealer, 3), format="json").json()
    assert [i["status"] for i in body["items"]] == ["created", "error", "created"]
    assert "concurrent change" in body["items"][1]["errors"]["non_field_errors"][0]
    written = WorkOrder.objects.filter(external_id__startswith="W-")
    assert sorted(written.values_list("external_id", flat=True)) == ["W-0", "W-2"]
    assert LabourLine.objects.filter(work_order__in=written).count() == 2
    assert WorkOrder.history.filter(external_id__startswith="W-").count() == 2
    assert WorkOrderStatusChange.objects.filter(work_order__in=written).count() == 4


def test_updates_leave_change_history_copied_from_the_updated_rows(api, token_a, dealer, catalogue, technicians):
    items = batch(dealer, 2)
    ids = [i["id"] for i in api.post(BULK, items, format="json").json()["items"]]
    items[0]["labour_lines"][0]["amount"] = "450.00"
    items[0]["customer"]["name"] = "赵女士"
    items[0]["vehicle"]["brand"] = "另一品牌"
    assert api.post(BULK, items, format="json").json()["counts"] == {"updated": 1, "unchanged": 1}
    user = token_a[0].user
    wo = WorkOrder.objects.select_related("customer", "vehicle").get(pk=ids[0])
    for record, model in ((wo, WorkOrder), (wo.customer, Customer), (wo.vehicle, Vehicle)):
        latest = model.history.filter(id=record.pk).latest("history_id")
        assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("~", user, "DMS import")
        assert latest.updated_at == record.updated_at
    assert WorkOrder.history.filter(id=wo.pk).latest("history_id").labour_amount == Decimal("450.00")
    assert Customer.history.filter(id=wo.customer_id).latest("history_id").name == "赵女士"
    assert Vehicle.history.filter(id=wo.vehicle_id).latest("history_id").brand == "另一品牌"
    assert WorkOrder.history.filter(id=ids[1]).count() == 1  # the unchanged one: nothing written


def test_a_comeback_linked_within_the_batch_is_recorded_in_the_history(api, dealer, catalogue, technicians):
    first = work_order_payload(dealer.code, "E-1", vin="LSVAA4182E2999999")
    later_open = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    second = work_order_payload(dealer.code, "E-2", vin="LSVAA4182E2999999", comeback_of="E-1",
                                opened_at=later_open.isoformat(), promised_at=None,
                                delivered_at=(later_open + dt.timedelta(hours=2)).isoformat())
    ids = [i["id"] for i in api.post(BULK, [first, second], format="json").json()["items"]]
    link = WorkOrder.history.filter(id=ids[1]).latest("history_id")
    assert (link.history_type, link.history_change_reason, link.comeback_of_id) == (
        "~", "DMS import: comeback link", ids[0])


def test_imported_parts_lines_carry_their_work_orders_dealer(api, dealer, catalogue, technicians):
    # PartsLine.dealer is what the KPI roll-up counts a dealer's lines by; the COPY path writes it too.
    body = api.post(BULK, batch(dealer, 2), format="json").json()
    assert body["counts"] == {"created": 2}
    lines = PartsLine.objects.filter(work_order__dealer=dealer)
    assert lines.exists()
    assert set(lines.values_list("dealer_id", flat=True)) == {dealer.id}
    assert set(PartsLine.history.filter(work_order_id__in=lines.values("work_order_id"))
               .values_list("dealer_id", flat=True)) == {dealer.id}
