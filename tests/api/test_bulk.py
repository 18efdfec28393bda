"""work-orders/bulk/: created / updated / unchanged / errors with field paths, all-or-nothing or per item."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import work_order_payload
from workorders.models import Customer, LabourLine, PartsLine, Vehicle, WorkOrder, WorkOrderStatusChange
from workorders.services import workorder_recalculate_totals

pytestmark = pytest.mark.django_db
BULK = "/api/v1/work-orders/bulk/"


def batch(dealer, n, start=0, **overrides):
    return [work_order_payload(dealer.code, f"B-{i}", vin=f"LSVAA4182E2{i:06d}", **overrides)
            for i in range(start, start + n)]


def test_created_then_unchanged_then_updated(api, dealer, catalogue, technicians):
    items = batch(dealer, 3)
    first = api.post(BULK, items, format="json")
    assert first.status_code == 200
    assert first.json()["counts"] == {"created": 3}
    assert [i["status"] for i in first.json()["items"]] == ["created"] * 3
    ids = [i["id"] for i in first.json()["items"]]
    assert sorted(ids) == sorted(WorkOrder.objects.values_list("id", flat=True))
    history_before = WorkOrder.history.count()

    again = api.post(BULK, items, format="json").json()
    assert again["counts"] == {"unchanged": 3}
    assert WorkOrder.history.count() == history_before  # nothing written for an unchanged item

    items[1]["labour_lines"][0]["amount"] = "450.00"
    items[2]["customer"]["name"] = "赵女士"
    third = api.post(BULK, items, format="json").json()
    assert [i["status"] for i in third["items"]] == ["unchanged", "updated", "updated"]
    assert [i["id"] for i in third["items"]] == ids
    wo = WorkOrder.objects.get(pk=ids[1])
    assert wo.labour_amount == Decimal("450.00")
    assert Customer.objects.get(external_id="C-B-2").name == "赵女士"
    assert LabourLine.objects.filter(work_order_id=ids[1]).count() == 1  # lines replaced, not appended
    assert WorkOrder.history.filter(id=ids[1]).count() == 2


def test_every_written_row_has_its_history(api, token_a, dealer, catalogue, technicians):
    """Work orders, lines, customers and vehicles written in bulk each get a '+' history row naming the client."""
    body = api.post(BULK, batch(dealer, 3), format="json").json()
    ids = [i["id"] for i in body["items"]]
    user = token_a[0].user
    assert WorkOrder.history.filter(id__in=ids, history_type="+", history_user=user).count() == 3
    assert LabourLine.history.filter(work_order_id__in=ids, history_type="+", history_user=user).count() == 3
    assert PartsLine.history.filter(work_order_id__in=ids, history_type="+", history_user=user).count() == 3
    assert Customer.history.filter(history_type="+", history_user=user).count() == 3
    assert Vehicle.history.filter(history_type="+", history_user=user).count() == 3
    line = PartsLine.objects.filter(work_order_id=ids[0]).get()
    assert line.history.get().quantity == line.quantity and line.history.get().unit_price == line.unit_price
    assert WorkOrderStatusChange.objects.filter(work_order_id__in=ids).count() == 6


def test_text_with_tabs_and_backslashes_survives_the_bulk_path(api, dealer, catalogue, technicians):
    item = work_order_payload(dealer.code, "ESC-1")
    item["labour_lines"][0]["description"] = "a\tb\\c\nd"
    item["customer"]["name"] = "王\t先生\\"
    body = api.post(BULK, [item], format="json").json()
    wo = WorkOrder.objects.get(pk=body["items"][0]["id"])
    assert wo.labour_lines.get().description == "a\tb\\c\nd"
    assert wo.customer.name == "王\t先生\\"
    assert api.post(BULK, [item], format="json").json()["counts"] == {"unchanged": 1}


def test_totals_equal_the_services_recalculation(api, dealer, catalogue, technicians):
    item = work_order_payload(dealer.code, "T-1")
    item["labour_lines"].append({"op_code": "OP2", "flat_rate_hours": "0.75", "actual_hours": "1.00",
                                 "technician": None, "amount": "123.45"})
    item["parts_lines"].append({"part_number": "BP-200", "quantity": 3, "unit_price": "333.33",
                                "unit_cost": "111.11"})
    result = api.post(BULK, [item], format="json").json()
    wo = WorkOrder.objects.get(pk=result["items"][0]["id"])
    stored = (wo.labour_amount, wo.parts_amount, wo.parts_cost, wo.flat_rate_hours, wo.actual_hours)
    recalculated = workorder_recalculate_totals(work_order=wo)
    assert stored == (recalculated.labour_amount, recalculated.parts_amount, recalculated.parts_cost,
                      recalculated.flat_rate_hours, recalculated.actual_hours)
    assert (wo.parts_amount, wo.labour_amount) == (Decimal("1109.99"), Decimal("423.45"))


def test_errors_name_the_field_path(api, dealer, catalogue, technicians):
    items = batch(dealer, 4)
    items[0]["labour_lines"][0]["technician"] = "NO-SUCH"
    items[1]["parts_lines"][0]["part_number"] = "NOPE"
    items[2]["labour_lines"][0]["amount"] = "-1"
    items[3]["vehicle"]["model_year"] = "abc"
    response = api.post(BULK + "?atomic=false", items, format="json")
    assert response.status_code == 200
    answers = response.json()["items"]
    assert [a["status"] for a in answers] == ["error"] * 4
    assert list(answers[0]["errors"]) == ["labour_lines[0].technician"]
    assert list(answers[1]["errors"]) == ["parts_lines[0].part_number"]
    assert list(answers[2]["errors"]) == ["labour_lines[0].amount"]
    assert list(answers[3]["errors"]) == ["vehicle.model_year"]
    assert not WorkOrder.objects.exists()


def test_per_item_mode_writes_the_good_and_reports_the_bad(api, dealer, catalogue, technicians):
    items = batch(dealer, 3)
    items[1]["comeback_of"] = "NOT-THERE"
    response = api.post(BULK + "?atomic=false", items, format="json").json()
    assert [a["status"] for a in response["items"]] == ["created", "error", "created"]
    assert response["items"][1]["errors"] == {"comeback_of": [response["items"][1]["errors"]["comeback_of"][0]]}
    assert set(WorkOrder.objects.values_list("external_id", flat=True)) == {"B-0", "B-2"}


def test_all_or_nothing_writes_nothing_when_one_item_fails(api, dealer, catalogue, technicians):
    items = batch(dealer, 3)
    items[2]["status"] = "delivered"
    items[2]["delivered_at"] = None
    response = api.post(BULK, items, format="json")
    assert response.status_code == 400
    body = response.json()
    assert [a["status"] for a in body["items"]] == ["not_written", "not_written", "error"]
    assert "delivered_at" in body["items"][2]["errors"]
    assert not WorkOrder.objects.exists() and not Customer.objects.exists() and not Vehicle.objects.exists()


def test_all_or_nothing_reports_reference_errors_even_beside_shape_errors(api, dealer, catalogue, technicians):
    items = batch(dealer, 2)
    items[0]["type"] = "nonsense"
    items[1]["parts_lines"][0]["part_number"] = "NOPE"
    body = api.post(BULK, items, format="json").json()
    assert "type" in body["items"][0]["errors"]
    assert "parts_lines[0].part_number" in body["items"][1]["errors"]


def test_duplicates_within_a_batch_are_errors(api, dealer, catalogue, technicians):
    items = batch(dealer, 1) * 2
    body = api.post(BULK + "?atomic=false", items, format="json").json()
    assert [a["status"] for a in body["items"]] == ["created", "error"]
    assert "external_id" in body["items"][1]["errors"]


def test_comeback_may_point_earlier_in_the_same_batch(api, dealer, catalogue, technicians):
    first = work_order_payload(dealer.code, "E-1", vin="LSVAA4182E2999999")
    later_open = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    second = work_order_payload(dealer.code, "E-2", vin="LSVAA4182E2999999", comeback_of="E-1",
                                opened_at=later_open.isoformat(), promised_at=None,
                                delivered_at=(later_open + dt.timedelta(hours=2)).isoformat())
    body = api.post(BULK, [first, second], format="json").json()
    assert body["counts"] == {"created": 2}
    assert WorkOrder.objects.get(external_id="E-2").comeback_of.external_id == "E-1"
    assert api.get(f"/api/v1/work-orders/{body['items'][1]['id']}/").json()["comeback_of"] == "E-1"
    assert Vehicle.objects.count() == 1  # one VIN, one vehicle


def test_status_changes_from_the_dms_are_recorded(api, dealer, catalogue, technicians):
    item = work_order_payload(dealer.code, "S-1", status="in_progress", delivered_at=None)
    api.post(BULK, [item], format="json")
    item.update(status="delivered", delivered_at="2025-03-01T17:00:00+08:00")
    body = api.post(BULK, [item], format="json").json()
    assert body["counts"] == {"updated": 1}
    rows = list(WorkOrderStatusChange.objects.filter(work_order__external_id="S-1").order_by("id")
                .values_list("status", flat=True))
    assert rows == ["booked", "in_progress", "delivered"]


def test_bulk_shape_limits(api, dealer):
    assert api.post(BULK, {"not": "a list"}, format="json").status_code == 400
    too_many = api.post(BULK, [{}] * 1001, format="json")
    assert too_many.status_code == 400 and "1000" in str(too_many.json())
    assert api.post(BULK + "?atomic=maybe", [], format="json").status_code == 400
    assert api.post(BULK, [], format="json").json()["counts"] == {}
    assert api.post(BULK, [None, 5, "x"], format="json").json()["counts"] == {"error": 3}


def test_bulk_queries_do_not_grow_with_the_batch(api, dealer, catalogue, technicians):
    """Reads and writes are per batch: 40 work orders take about as many queries as 4."""

    def queries(n, start):
        with CaptureQueriesContext(connection) as ctx:
            assert api.post(BULK, batch(dealer, n, start), format="json").json()["counts"] == {"created": n}
        return len(ctx.captured_queries)

    small, large = queries(4, 0), queries(40, 100)
    assert large <= small + 4, (small, large)
    assert PartsLine.objects.count() == 44


def test_replaced_lines_leave_deletion_history(api, dealer, catalogue, technicians):
    item = work_order_payload(dealer.code, "H-1")
    wo_id = api.post(BULK, [item], format="json").json()["items"][0]["id"]
    old_line = PartsLine.objects.get(work_order_id=wo_id)
    item["parts_lines"] = [{"part_number": "BP-200", "quantity": 1}]
    assert api.post(BULK, [item], format="json").json()["counts"] == {"updated": 1}
    assert not PartsLine.objects.filter(pk=old_line.pk).exists()
    assert PartsLine.history.filter(id=old_line.pk, history_type="-").count() == 1
    assert PartsLine.objects.get(work_order_id=wo_id).part.number == "BP-200"


def test_lines_issued_from_stock_are_not_replaced(api, dealer, catalogue, technicians):
    from parts import services as parts_services

    item = work_order_payload(dealer.code, "PR-1")
    other = work_order_payload(dealer.code, "PR-2", vin="LSVAA4182E2100077")
    body = api.post(BULK, [item, other], format="json").json()
    line = PartsLine.objects.get(work_order_id=body["items"][0]["id"])
    parts_services.stock_receive(dealer=dealer, part=line.part, quantity=5)
    PartsLine.objects.filter(pk=line.pk).update(filled_from_stock=False)
    line.refresh_from_db()
    parts_services.stock_issue_to_line(parts_line=line)
    item["parts_lines"][0]["quantity"] = 1
    other["concern"] = "异响"
    atomic = api.post(BULK, [item, other], format="json")
    assert atomic.status_code == 409
    per_item = api.post(BULK + "?atomic=false", [item, other], format="json").json()
    assert [i["status"] for i in per_item["items"]] == ["error", "updated"]
    assert "stock movements" in per_item["items"][0]["errors"]["non_field_errors"][0]
    assert PartsLine.objects.filter(pk=line.pk).exists()
