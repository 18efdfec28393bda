"""The bulk endpoint's lean validator (workorders.api.validation) against DRF's WorkOrderWriteSerializer.

The lean validator may only accept what DRF accepts, with the very same validated data (types, decimal
exponents, time zones included); anything else it defers to DRF, which words every error body.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from tests.api.conftest import work_order_payload
from workorders.api import views
from workorders.api.serializers import WorkOrderWriteSerializer
from workorders.api.validation import Defer, compile_lean_validator
from workorders.models import LabourLine, WorkOrder

BULK = "/api/v1/work-orders/bulk/"


def strict(value: Any) -> Any:
    """A form where equal means identical: types, Decimal exponents and tzinfo all count."""
    if isinstance(value, dict):
        return ("dict", sorted((k, strict(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", [strict(v) for v in value])
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat(), str(value.tzinfo))
    return (type(value).__name__, repr(value))


def drf(raw: Any) -> tuple[str, Any]:
    try:
        return "ok", WorkOrderWriteSerializer().run_validation(raw)
    except serializers.ValidationError as exc:
        return "error", exc.detail


def lean(raw: Any) -> Any:
    check = compile_lean_validator(WorkOrderWriteSerializer())
    assert check is not None
    return check(raw)


def assert_lean_agrees(raw: Any) -> bool:
    """True when the lean validator decided the item itself (and agreed with DRF), False when it deferred."""
    try:
        mine = lean(raw)
    except Defer:
        return False
    outcome, theirs = drf(raw)
    assert outcome == "ok", (raw, theirs)
    assert strict(mine) == strict(theirs)
    return True


def test_a_well_formed_work_order_takes_the_lean_path_with_drfs_result():
    item = work_order_payload("D001", "RO-1")
    assert assert_lean_agrees(item)
    # Optional fields left out take DRF's defaults (actual_hours 0, unit prices None, empty lines…).
    for key in ("channel", "status", "promised_at", "delivered_at", "comeback_of", "extended_warranty_sold",
                "concern", "labour_lines", "parts_lines"):
        item.pop(key, None)
    item["status"] = "booked"
    del item["customer"]["phone"], item["customer"]["kind"], item["vehicle"]["mileage_km"]
    assert assert_lean_agrees(item)
    item["labour_lines"] = [{"op_code": " OP9 ", "flat_rate_hours": "2", "amount": "0"}]
    item["parts_lines"] = [{"part_number": "OF-100", "quantity": 1}]
    assert assert_lean_agrees(item)


EDGE_VALUES = [
    None, True, False, 0, 1, -1, 2**31, 2**80, 1.5, float("nan"), "", " ", "  x  ", "x" * 65, "x" * 2001,
    "a\x00b", "\ud800", "中文", "1", "1.0", "1.5", "1.505", "-1.00", " 1.50 ", "0.00", "12345.67", "123456.00",
    "9999999999.99", "99999999999.00", "1e3", "Infinity", "NaN", "2025-03-01T09:30:00+08:00",
    "2025-03-01T09:30:00Z", "2025-03-01T09:30:00", "2025-03-01", "2025-02-30T09:30:00+08:00",
    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "true", "yes", "on", "repair", "delivered",
    "booked", "walk_in", "BEV", "company", [], [{}], {}, {"a": 1},
]
PATHS = [
    ("dealer",), ("external_id",), ("number",), ("type",), ("channel",), ("status",), ("opened_at",),
    ("promised_at",), ("delivered_at",), ("comeback_of",), ("extended_warranty_sold",), ("concern",),
    ("customer",), ("customer", "external_id"), ("customer", "name"), ("customer", "phone"), ("customer", "kind"),
    ("vehicle",), ("vehicle", "vin"), ("vehicle", "brand"), ("vehicle", "powertrain"), ("vehicle", "model_year"),
    ("vehicle", "mileage_km"), ("labour_lines",), ("labour_lines", 0), ("labour_lines", 0, "op_code"),
    ("labour_lines", 0, "description"), ("labour_lines", 0, "flat_rate_hours"), ("labour_lines", 0, "actual_hours"),
    ("labour_lines", 0, "technician"), ("labour_lines", 0, "amount"), ("parts_lines",), ("parts_lines", 0),
    ("parts_lines", 0, "part_number"), ("parts_lines", 0, "quantity"), ("parts_lines", 0, "unit_price"),
    ("parts_lines", 0, "unit_cost"), ("parts_lines", 0, "filled_from_stock"),
]
_DELETE = object()


def mutated(item: dict, path: tuple, value: Any) -> dict:
    item = copy.deepcopy(item)
    node = item
    for step in path[:-1]:
        node = node[step]
    if value is _DELETE:
        if isinstance(node, dict):
            node.pop(path[-1], None)
        else:
            del node[path[-1]]
    else:
        node[path[-1]] = value
    return item


@pytest.mark.parametrize("path", PATHS, ids=lambda p: ".".join(map(str, p)))
def test_every_edge_value_in_every_field_is_decided_as_drf_would(path):
    base = work_order_payload("D001", "RO-1")
    for value in [*EDGE_VALUES, _DELETE]:
        assert_lean_agrees(mutated(base, path, value))


def test_a_non_object_item_is_deferred():
    for raw in (None, 5, "x", [], [work_order_payload("D001")]):
        with pytest.raises(Defer):
            lean(raw)


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**40), max_value=2**40), st.floats(allow_nan=False),
    st.text(max_size=40), st.from_regex(r"\A\s?-?\d{0,12}(\.\d{0,4})?\s?\Z"),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                 timezones=st.one_of(st.none(), st.timezones())).map(lambda d: d.isoformat()),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                  st.dictionaries(st.text(max_size=5), inner,
                                                                                  max_size=3)), max_leaves=6)


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(json_values, st.just(_DELETE))),
                        min_size=1, max_size=3))
def test_random_payloads_never_make_the_lean_validator_disagree_with_drf(changes):
    item = work_order_payload("D001", "RO-1")
    for path, value in changes:
        try:
            item = mutated(item, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced the parent
    assert_lean_agrees(item)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(amount=st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2).map(str),
       hours=st.sampled_from([0, 1, 2]).flatmap(
           lambda places: st.decimals(min_value=0, max_value=Decimal("99999.99"), places=places)).map(str),
       opened=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1),
                           timezones=st.timezones()))
def test_valid_numbers_and_times_take_the_lean_path(amount, hours, opened):
    item = work_order_payload("D001", "RO-1", opened_at=opened.isoformat(), promised_at=None, delivered_at=None,
                              status="booked")
    item["labour_lines"][0].update(amount=amount, flat_rate_hours=hours, actual_hours=hours)
    assert assert_lean_agrees(item)


def test_an_unknown_field_kind_turns_the_lean_validator_off():
    class WithEmail(serializers.Serializer):
        email = serializers.EmailField()

    class WithHook(serializers.Serializer):
        name = serializers.CharField()

        def validate_name(self, value: str) -> str:
            return value.upper()

    class WithValidator(serializers.Serializer):
        name = serializers.CharField(validators=[lambda value: None])

    for serializer in (WithEmail(), WithHook(), WithValidator()):
        assert compile_lean_validator(serializer) is None


BAD_ITEMS = [
    None, 5, "x", {},
    {"labour_lines": "none"},
]


def _bad_batch(dealer) -> list[Any]:
    good = work_order_payload(dealer.code, "OK-1")
    return [
        good,
        *BAD_ITEMS,
        mutated(work_order_payload(dealer.code, "E-1", vin="LSVAA4182E2100002"), ("opened_at",), "2025-03-01T09:30"),
        mutated(work_order_payload(dealer.code, "E-2", vin="LSVAA4182E2100003"), ("labour_lines", 0, "amount"),
                "-1"),
        mutated(work_order_payload(dealer.code, "E-3", vin="LSVAA4182E2100004"), ("parts_lines", 0, "quantity"),
                "two"),
        mutated(work_order_payload(dealer.code, "E-4", vin="LSVAA4182E2100005"), ("customer", "name"), "  "),
        mutated(work_order_payload(dealer.code, "E-5", vin="LSVAA4182E2100006"), ("delivered_at",), None),
        mutated(work_order_payload(dealer.code, "E-6", vin="LSVAA4182E2100007"), ("vehicle", "model_year"), 1800),
        mutated(work_order_payload(dealer.code, "E-7", vin="LSVAA4182E2100008"), ("type",), "teleport"),
        # Well-formed the lenient DRF way (numbers as text, text as numbers): DRF accepts them.
        mutated(mutated(work_order_payload(dealer.code, "L-1", vin="LSVAA4182E2100009"), ("vehicle", "model_year"),
                        "2023"), ("labour_lines", 0, "amount"), 300),
        mutated(work_order_payload(dealer.code, "L-2", vin="LSVAA4182E2100010", technician="NOPE"),
                ("extended_warranty_sold",), "yes"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("atomic", ["true", "false"])
def test_fast_and_slow_paths_answer_and_write_the_same(api, dealer, catalogue, technicians, monkeypatch, atomic):
    """The same batch through the lean validator and through DRF alone: same answer, same rows written."""
    fast = api.post(f"{BULK}?atomic={atomic}", _bad_batch(dealer), format="json")
    written_fast = sorted(WorkOrder.objects.values_list("external_id", "labour_amount", "status"))
    lines_fast = sorted(LabourLine.objects.values_list("work_order__external_id", "amount", "technician_id"))
    _delete_all()

    monkeypatch.setattr(views, "compile_lean_validator", lambda serializer: None)
    slow = api.post(f"{BULK}?atomic={atomic}", _bad_batch(dealer), format="json")
    fast_body, slow_body = fast.json(), slow.json()
    for body in (fast_body, slow_body):  # ids differ between the two runs; statuses and errors may not
        for item in body["items"]:
            item.pop("id")
    assert (fast.status_code, fast_body) == (slow.status_code, slow_body)
    assert sorted(WorkOrder.objects.values_list("external_id", "labour_amount", "status")) == written_fast
    assert sorted(LabourLine.objects.values_list("work_order__external_id", "amount", "technician_id")) == lines_fast
    statuses = [item["status"] for item in fast_body["items"]]
    if atomic == "true":
        assert fast.status_code == 400 and written_fast == [] and "created" not in statuses
    else:
        assert statuses[0] == "created" and statuses[-2] == "created" and statuses[-1] == "error"
        assert fast_body["items"][-1]["errors"] == {"labour_lines[0].technician": [
            f"No technician with employee code “NOPE” at {dealer.code}."]}


def _delete_all() -> None:
    from workorders.models import Customer, PartsLine, Vehicle, WorkOrderStatusChange

    for model in (LabourLine, PartsLine, WorkOrderStatusChange, WorkOrder, Vehicle, Customer):
        model.objects.all().delete()
