"""Bulk upsert of work orders from a dealer's DMS (the integration API's writes go through here).

One call takes a batch of work orders (already shape-checked: types, choices, ranges) and creates or
updates each by (dealer, external_id):

- every reference is resolved with one query per kind for the whole batch — dealers by code, customers by
  (dealer, external_id), vehicles by VIN, technicians by (dealer, employee code), parts by number,
  comebacks by (dealer, external_id) — and an unknown reference is an error with its field path
  (`labour_lines[2].technician`), never a silent drop;
- an item equal to what is stored (same canonical payload hash) is "unchanged" and writes nothing;
- rows are written per batch, never per item: new work orders, their lines, new customers and vehicles
  and the status changes through workorders.bulk_rows (COPY on PostgreSQL, with history rows written by
  the database), changed ones through bulk_rows.update_objects (one UPDATE … FROM, history copied the
  same way); every audited row gets its history row naming the client; a status the DMS moves a work
  order to is a WorkOrderStatusChange row;
- lines are replaced as a whole and the work order's totals recomputed from them (the same sums as
  workorders.services.workorder_recalculate_totals: labour amount, Σ quantity × unit price, Σ quantity ×
  unit cost, flat-rate and actual hours);
- `all_or_nothing=True` writes the batch in one transaction or nothing; otherwise each valid item is
  written and each invalid one reported, a database conflict isolating the failing item.

Stock is not touched: a DMS reports whether a line was filled from stock, and posts its stock movements
through the stock-movements endpoint (parts.services).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .bulk_rows import delete_rows, insert_objects, insert_rows, update_objects
from .choices import WorkOrderStatus
from .models import Customer, LabourLine, PartsLine, Vehicle, WorkOrder, WorkOrderStatusChange
from .services.customers import VIN_RE, normalize_phone, normalize_vin

CENT = Decimal("0.01")
LABOUR_COLUMNS = ("work_order_id", "op_code", "description", "flat_rate_hours", "actual_hours", "technician_id", "amount")
PARTS_COLUMNS = ("work_order_id", "dealer_id", "part_id", "quantity", "returned_quantity", "unit_price", "unit_cost",
                 "filled_from_stock", "requested_at")
STATUS_COLUMNS = ("work_order_id", "status", "at", "by_id", "note")
CREATED, UPDATED, UNCHANGED, ERROR, NOT_WRITTEN = "created", "updated", "unchanged", "error", "not_written"
# Header fields the DMS owns; the rest of a work order (signature, QC, advisor…) stays the portal's.
HEADER_FIELDS = (
    "number", "type", "channel", "status", "opened_at", "promised_at", "delivered_at", "mileage_km",
    "extended_warranty_sold", "concern", "customer_id", "vehicle_id", "comeback_of_id",
    "labour_amount", "parts_amount", "parts_cost", "flat_rate_hours", "actual_hours",
)


@dataclass
class ItemResult:
    index: int
    dealer: str | None
    external_id: str | None
    status: str = ""
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    code: str = ""  # "exists" / "conflict" / "scope" when the error has a specific HTTP meaning

    def error(self, path: str, message: str, code: str = "") -> None:
        self.errors.setdefault(path, []).append(message)
        self.status = ERROR
        if code and not self.code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "dealer": self.dealer, "external_id": self.external_id,
                                "status": self.status, "id": self.id}
        if self.errors:
            data["errors"] = self.errors
        return data


@dataclass
class IngestResult:
    items: list[ItemResult]

    @property
    def ok(self) -> bool:
        return all(item.status != ERROR for item in self.items)

    def counts(self) -> dict[str, int]:
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, ERROR: 0, NOT_WRITTEN: 0}
        for item in self.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return counts


@dataclass
class _Prepared:
    result: ItemResult
    item: Mapping[str, Any]
    dealer: Any
    vin: str
    existing: WorkOrder | None
    labour: list[tuple]  # (op_code, description, flat_rate_hours, actual_hours, technician_id, amount)
    parts: list[tuple]  # (part_id, quantity, unit_price, unit_cost, filled_from_stock)
    totals: dict[str, Decimal]
    comeback_id: int | None
    comeback_batch_key: tuple[int, str] | None
    digest: str
    previous_status: str | None = None
    work_order: WorkOrder | None = None


def _money(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _digest(canonical: Any) -> str:
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":"), default=str).encode()).hexdigest()


def _totals(labour: list[tuple], parts: list[tuple], returned: Sequence[int] | None = None) -> dict[str, Decimal]:
    """The header totals from the lines — the sums workorder_recalculate_totals keeps (parts net of returns)."""
    totals = {key: Decimal(0) for key in ("labour_amount", "flat_rate_hours", "actual_hours", "parts_amount",
                                           "parts_cost")}
    for _op, _desc, flat_rate, actual, _tech, amount in labour:
        totals["labour_amount"] += amount
        totals["flat_rate_hours"] += flat_rate
        totals["actual_hours"] += actual
    for position, (_part, quantity, price, cost, _filled) in enumerate(parts):
        net = quantity - (returned[position] if returned else 0)
        totals["parts_amount"] += net * price
        totals["parts_cost"] += net * cost
    return {key: value.quantize(CENT) for key, value in totals.items()}


def _canonical(*, header: dict[str, Any], customer: dict[str, Any], vehicle: dict[str, Any],
               labour: list[tuple], parts: list[tuple]) -> list[Any]:
    return [
        sorted(header.items()),
        sorted(customer.items()),
        sorted(vehicle.items()),
        [[str(v) if v is not None else None for v in line] for line in labour],
        [[str(v) if v is not None else None for v in line] for line in parts],
    ]


def _item_header(item: Mapping[str, Any], comeback_external_id: str | None) -> dict[str, Any]:
    return {
        "number": item["number"],
        "type": item["type"],
        "channel": item["channel"],
        "status": item["status"],
        "opened_at": _iso(item["opened_at"]),
        "promised_at": _iso(item.get("promised_at")),
        "delivered_at": _iso(item.get("delivered_at")),
        "mileage_km": item["vehicle"].get("mileage_km"),
        "extended_warranty_sold": bool(item.get("extended_warranty_sold", False)),
        "concern": item.get("concern", "") or "",
        "comeback_of": comeback_external_id,
    }


def _customer_values(item: Mapping[str, Any]) -> dict[str, Any]:
    customer = item["customer"]
    return {
        "external_id": customer["external_id"],
        "name": customer["name"].strip(),
        "phone": normalize_phone(customer.get("phone", "") or ""),
        "kind": customer.get("kind") or "individual",
    }


def _vehicle_values(item: Mapping[str, Any], vin: str) -> dict[str, Any]:
    vehicle = item["vehicle"]
    return {"vin": vin, "brand": vehicle["brand"].strip(), "model": vehicle["model"].strip(),
            "powertrain": vehicle["powertrain"], "model_year": vehicle["model_year"]}


def workorders_ingest(
    *,
    items: Sequence[Mapping[str, Any]],
    dealer_ids: Collection[int],
    by: Any = None,
    all_or_nothing: bool = True,
    mode: str = "upsert",
) -> IngestResult:
    """Create or update each work order by (dealer, external_id); see the module docstring.

    `dealer_ids` are the dealers the caller may write (dealers.policy / aftersales.api.scope): a code
    outside them is reported like an unknown one. `mode` "create" refuses existing work orders, "update"
    refuses missing ones (single-record API calls); "upsert" does either; "validate" only reports.
    """
    results = [ItemResult(index=i, dealer=item.get("dealer"), external_id=item.get("external_id"))
               for i, item in enumerate(items)]
    prepared = _prepare(items, results, frozenset(dealer_ids), mode)
    if mode == "validate" or (all_or_nothing and any(r.status == ERROR for r in results)):
        for result in results:
            if result.status != ERROR:
                result.status = NOT_WRITTEN
        return IngestResult(results)
    to_write = [p for p in prepared if p.result.status != UNCHANGED]
    if not to_write:
        return IngestResult(results)
    if all_or_nothing:
        with transaction.atomic():
            _write(to_write, by)
        return IngestResult(results)
    try:
        with transaction.atomic():
            _write(to_write, by)
    except (IntegrityError, ProtectedError):
        # A concurrent writer or a protected row: write the items one by one to isolate the failing ones.
        for one in to_write:
            one.work_order = None
            try:
                with transaction.atomic():
                    _write([one], by)
            except (IntegrityError, ProtectedError) as exc:
                one.result.status = ""
                one.result.id = one.existing.pk if one.existing else None
                one.result.error("non_field_errors", _conflict_message(exc), code="conflict")
    return IngestResult(results)


def _conflict_message(exc: DatabaseError) -> str:
    if isinstance(exc, ProtectedError):
        return _("Its lines cannot be replaced: stock movements already refer to them.")
    return _("Conflicts with a concurrent change of the same work order, customer or vehicle; retry.")


def _prepare(items: Sequence[Mapping[str, Any]], results: list[ItemResult], allowed: frozenset[int],
             mode: str) -> list[_Prepared]:
    from dealers.models import Dealer
    from parts.models import Part
    from training.models import Technician

    codes = {item["dealer"] for item in items}
    dealers = {d.code: d for d in Dealer.objects.filter(code__in=codes, id__in=allowed).select_related("region")}

    # Pass 1: dealers and duplicate keys; collect what to look up.
    keys: dict[tuple[int, str], int] = {}
    ext_ids, numbers, customer_ids, vins, tech_codes, part_numbers, comeback_ids = (set() for _ in range(7))
    for item, result in zip(items, results, strict=True):
        dealer = dealers.get(item["dealer"])
        if dealer is None:
            result.error("dealer", _("Unknown dealer “%(code)s”, or outside this client's scope.")
                         % {"code": item["dealer"]}, code="scope")
            continue
        key = (dealer.pk, item["external_id"])
        if key in keys:
            result.error("external_id", _("Appears twice in this batch (also item %(index)s).")
                         % {"index": keys[key]})
            continue
        keys[key] = result.index
        ext_ids.add(item["external_id"])
        numbers.add(item["number"])
        customer_ids.add(item["customer"]["external_id"])
        vins.add(normalize_vin(item["vehicle"]["vin"]))
        tech_codes.update(line["technician"] for line in item.get("labour_lines", ()) if line.get("technician"))
        part_numbers.update(line["part_number"] for line in item.get("parts_lines", ()))
        if item.get("comeback_of"):
            comeback_ids.add(item["comeback_of"])
    dealer_pks = {d.pk for d in dealers.values()}
    if not keys:
        return []

    # The work orders alone first (the (dealer, external_id) index), their customers, vehicles and comebacks
    # by id after (_attach), and only when some exist: joined in one query, a planner with stale statistics (a table
    # that a bulk load just grew) hashed whole tables for a batch that matched nothing.
    existing = {
        (wo.dealer_id, wo.external_id): wo
        for wo in WorkOrder.objects.filter(dealer_id__in=dealer_pks, external_id__in=ext_ids).order_by()
    }
    _attach(existing.values(), "customer", Customer)
    _attach(existing.values(), "vehicle", Vehicle)
    _attach(existing.values(), "comeback_of", WorkOrder)
    taken_numbers = {
        (dealer_id, number): external_id
        for dealer_id, number, external_id in WorkOrder.objects.filter(
            dealer_id__in=dealer_pks, number__in=numbers
        ).values_list("dealer_id", "number", "external_id")
    }
    technicians = {
        (dealer_id, code): pk
        for dealer_id, code, pk in Technician.objects.filter(
            dealer_id__in=dealer_pks, employee_code__in=tech_codes
        ).values_list("dealer_id", "employee_code", "id")
    }
    parts = {number: (pk, cost, price) for number, pk, cost, price in
             Part.objects.filter(number__in=part_numbers).values_list("number", "id", "cost", "price")}
    comebacks = {
        (wo.dealer_id, wo.external_id): wo
        for wo in WorkOrder.objects.filter(dealer_id__in=dealer_pks, external_id__in=comeback_ids).order_by()
        .select_related("vehicle")
    } if comeback_ids else {}
    existing_ids = [wo.pk for wo in existing.values()]
    stored_labour: dict[int, list[tuple]] = {}
    stored_parts: dict[int, list[tuple]] = {}
    stored_returned: dict[int, list[int]] = {}
    if existing_ids:
        for row in LabourLine.objects.filter(work_order_id__in=existing_ids).order_by("id").values_list(
            "work_order_id", "op_code", "description", "flat_rate_hours", "actual_hours",
            "technician__employee_code", "amount",
        ):
            stored_labour.setdefault(row[0], []).append(row[1:])
        for row in PartsLine.objects.filter(work_order_id__in=existing_ids).order_by("id").values_list(
            "work_order_id", "part__number", "quantity", "unit_price", "unit_cost", "filled_from_stock",
            "returned_quantity",
        ):
            stored_parts.setdefault(row[0], []).append(row[1:6])
            stored_returned.setdefault(row[0], []).append(row[6])
    part_numbers_by_id = {pk: number for number, (pk, _cost, _price) in parts.items()}
    batch = {(dealers[item["dealer"]].pk, item["external_id"]): item
             for item, result in zip(items, results, strict=True) if result.status != ERROR}

    prepared: list[_Prepared] = []
    for item, result in zip(items, results, strict=True):
        if result.status == ERROR:
            continue
        dealer = dealers[item["dealer"]]
        current = existing.get((dealer.pk, item["external_id"]))
        if mode == "create" and current is not None:
            result.id = current.pk
            result.error("external_id", _("A work order with external ID %(id)s already exists at %(dealer)s.")
                         % {"id": item["external_id"], "dealer": dealer.code}, code="exists")
            continue
        if mode == "update" and current is None:
            result.error("external_id", _("No work order with external ID %(id)s at %(dealer)s.")
                         % {"id": item["external_id"], "dealer": dealer.code}, code="missing")
            continue
        number_owner = taken_numbers.get((dealer.pk, item["number"]), item["external_id"])
        if (dealer.pk, item["number"]) in taken_numbers and number_owner != item["external_id"]:
            result.error("number", _("Number %(number)s is already used by another work order at %(dealer)s.")
                         % {"number": item["number"], "dealer": dealer.code})
        vin = normalize_vin(item["vehicle"]["vin"])
        if not VIN_RE.match(vin):
            result.error("vehicle.vin", _("A VIN has 17 letters and digits (no I, O or Q)."))
        labour: list[tuple] = []
        for position, line in enumerate(item.get("labour_lines", ())):
            tech_id = None
            if line.get("technician"):
                tech_id = technicians.get((dealer.pk, line["technician"]))
                if tech_id is None:
                    result.error(f"labour_lines[{position}].technician",
                                 _("No technician with employee code “%(code)s” at %(dealer)s.")
                                 % {"code": line["technician"], "dealer": dealer.code})
            labour.append((line["op_code"], line.get("description", "") or "", _money(line["flat_rate_hours"]),
                           _money(line.get("actual_hours") or 0), tech_id, _money(line["amount"])))
        parts_rows: list[tuple] = []
        for position, line in enumerate(item.get("parts_lines", ())):
            part = parts.get(line["part_number"])
            if part is None:
                result.error(f"parts_lines[{position}].part_number",
                             _("No part with number “%(number)s” in the catalogue.") % {"number": line["part_number"]})
                continue
            price = line.get("unit_price")
            cost = line.get("unit_cost")
            parts_rows.append((part[0], line["quantity"], _money(part[2] if price is None else price),
                               _money(part[1] if cost is None else cost), bool(line.get("filled_from_stock", False))))
        comeback_id, comeback_key = None, None
        if item.get("comeback_of"):
            comeback_id, comeback_key = _resolve_comeback(item, dealer, vin, comebacks, batch, result)
        if result.status == ERROR:
            continue
        totals = _totals(labour, parts_rows)
        digest = ""
        if current is not None:
            # Only a stored work order can be unchanged: compare the canonical forms (as hashes).
            result.id = current.pk
            canonical_labour = [(op, desc, frh, ah, line.get("technician") or None, amount)
                                for (op, desc, frh, ah, _t, amount), line in zip(labour, item.get("labour_lines", ()),
                                                                                  strict=True)]
            canonical_parts = [(part_numbers_by_id[pid], qty, price, cost, filled)
                               for pid, qty, price, cost, filled in parts_rows]
            digest = _digest(_canonical(header=_item_header(item, item.get("comeback_of") or None),
                                        customer=_customer_values(item), vehicle=_vehicle_values(item, vin),
                                        labour=canonical_labour, parts=canonical_parts))
            stored = _digest(_canonical(
                header=_stored_header(current), customer=_stored_customer(current),
                vehicle=_stored_vehicle(current), labour=stored_labour.get(current.pk, []),
                parts=stored_parts.get(current.pk, []),
            ))
            if stored == digest and _stored_totals_match(current, stored_labour, stored_parts, stored_returned):
                result.status = UNCHANGED
        prepared.append(_Prepared(result=result, item=item, dealer=dealer, vin=vin, existing=current,
                                  labour=labour, parts=parts_rows, totals=totals, comeback_id=comeback_id,
                                  comeback_batch_key=comeback_key, digest=digest,
                                  previous_status=current.status if current is not None else None))
    return prepared


def _attach(objs: Collection[Any], name: str, model: type) -> None:
    """Load the objects' foreign key `name` with one `id IN (…)` query and set it on each.

    prefetch_related would do the same, but Django 5.2 compiles its lookup as a tuple IN with a few
    expression objects per id: a tenth of a second for a thousand work orders.
    """
    attname = f"{name}_id"
    ids = {getattr(obj, attname) for obj in objs} - {None}
    if not ids:
        return
    found = model._default_manager.order_by().in_bulk(ids)
    for obj in objs:
        related = found.get(getattr(obj, attname))
        if related is not None:
            setattr(obj, name, related)


def _resolve_comeback(item: Mapping[str, Any], dealer: Any, vin: str, comebacks: dict, batch: dict,
                      result: ItemResult) -> tuple[int | None, tuple[int, str] | None]:
    """The earlier work order this one is a comeback of: stored, or earlier in the same batch.
    It must be on the same vehicle and delivered before this one was opened (glossary: comeback)."""
    key = (dealer.pk, item["comeback_of"])
    if item["comeback_of"] == item["external_id"]:
        result.error("comeback_of", _("A work order cannot be a comeback of itself."))
        return None, None
    earlier = comebacks.get(key)
    if earlier is not None:
        earlier_vin, delivered_at, delivered = earlier.vehicle.vin, earlier.delivered_at, \
            earlier.status == WorkOrderStatus.DELIVERED
    elif key in batch:
        other = batch[key]
        earlier_vin, delivered_at = normalize_vin(other["vehicle"]["vin"]), other.get("delivered_at")
        delivered = other["status"] == WorkOrderStatus.DELIVERED
    else:
        result.error("comeback_of", _("No work order with external ID “%(id)s” at %(dealer)s.")
                     % {"id": item["comeback_of"], "dealer": dealer.code})
        return None, None
    if earlier_vin != vin:
        result.error("comeback_of", _("Work order %(id)s was for another vehicle (VIN %(vin)s).")
                     % {"id": item["comeback_of"], "vin": earlier_vin})
    elif not delivered or delivered_at is None or delivered_at > item["opened_at"]:
        result.error("comeback_of", _("Work order %(id)s was not delivered before this one was opened.")
                     % {"id": item["comeback_of"]})
    return (earlier.pk, None) if earlier is not None else (None, key)


def _stored_header(wo: WorkOrder) -> dict[str, Any]:
    return {
        "number": wo.number, "type": wo.type, "channel": wo.channel, "status": wo.status,
        "opened_at": _iso(wo.opened_at), "promised_at": _iso(wo.promised_at), "delivered_at": _iso(wo.delivered_at),
        "mileage_km": wo.mileage_km, "extended_warranty_sold": wo.extended_warranty_sold, "concern": wo.concern,
        "comeback_of": wo.comeback_of.external_id if wo.comeback_of_id else None,
    }


def _stored_customer(wo: WorkOrder) -> dict[str, Any]:
    c = wo.customer
    return {"external_id": c.external_id, "name": c.name, "phone": c.phone, "kind": c.kind}


def _stored_vehicle(wo: WorkOrder) -> dict[str, Any]:
    v = wo.vehicle
    return {"vin": v.vin, "brand": v.brand, "model": v.model, "powertrain": v.powertrain, "model_year": v.model_year}


def _stored_totals_match(wo: WorkOrder, labour: dict, parts: dict, returned: dict) -> bool:
    """Totals edited behind the lines' back (or lines with returns) make a resend a real update."""
    lines_labour = [(None, None, frh, ah, None, amount) for _op, _d, frh, ah, _t, amount in labour.get(wo.pk, [])]
    lines_parts = [(None, qty, price, cost, None) for _n, qty, price, cost, _f in parts.get(wo.pk, [])]
    totals = _totals(lines_labour, lines_parts, returned.get(wo.pk))
    return all(getattr(wo, key) == value for key, value in totals.items()) and not any(returned.get(wo.pk, []))


def _write(prepared: list[_Prepared], by: Any) -> None:
    now = timezone.now()
    history_user = by if getattr(by, "pk", None) else None
    customers = _write_customers(prepared, now, history_user)
    vehicles = _write_vehicles(prepared, customers, now, history_user)

    new_orders: list[WorkOrder] = []
    changed_orders: list[WorkOrder] = []
    status_rows: list[tuple] = []  # (work order, status, at, note)
    for p in prepared:
        item = p.item
        values = {
            "number": item["number"], "type": item["type"], "channel": item["channel"], "status": item["status"],
            "opened_at": item["opened_at"], "promised_at": item.get("promised_at"),
            "delivered_at": item.get("delivered_at"), "mileage_km": item["vehicle"].get("mileage_km"),
            "extended_warranty_sold": bool(item.get("extended_warranty_sold", False)),
            "concern": item.get("concern", "") or "",
            "customer_id": customers[(p.dealer.pk, item["customer"]["external_id"])].pk,
            "vehicle_id": vehicles[p.vin].pk, "comeback_of_id": p.comeback_id, **p.totals,
        }
        if p.existing is None:
            wo = WorkOrder(dealer=p.dealer, external_id=item["external_id"], **values)
            new_orders.append(wo)
        else:
            wo = p.existing
            previous_status = p.previous_status
            for name, value in values.items():
                setattr(wo, name, value)
            wo.updated_at = now
            changed_orders.append(wo)
            if previous_status != wo.status:
                status_rows.append((wo, wo.status, _status_time(wo, now)))
        p.work_order = wo
    if new_orders:
        insert_objects(new_orders, WorkOrder, history_user=history_user, now=now)
        for wo in new_orders:
            status_rows.append((wo, WorkOrderStatus.BOOKED, wo.opened_at))
            if wo.status != WorkOrderStatus.BOOKED:
                at = _status_time(wo, now)
                if at <= wo.opened_at:
                    at = wo.opened_at + dt.timedelta(microseconds=1)
                status_rows.append((wo, wo.status, at))
    if changed_orders:
        changed_ids = [wo.pk for wo in changed_orders]
        # Replaced lines go as a whole, each deletion recorded in the history. Lines stock movements point
        # at (issued from stock in the portal) are protected: that work order is reported, not rewritten.
        from parts.models import StockMovement

        protected = StockMovement.objects.filter(parts_line__work_order_id__in=changed_ids)
        if protected.exists():
            raise ProtectedError(_("Stock movements refer to these lines."), set(protected[:10]))
        delete_rows(LabourLine, work_order_ids=changed_ids, history_user=history_user, now=now)
        delete_rows(PartsLine, work_order_ids=changed_ids, history_user=history_user, now=now)
        update_objects(changed_orders, WorkOrder, [*HEADER_FIELDS, "updated_at"], history_user=history_user,
                       now=now)
    pending = [p for p in prepared if p.comeback_batch_key is not None]
    if pending:
        by_key = {(p.dealer.pk, p.item["external_id"]): p.work_order for p in prepared}
        linked = []
        for p in pending:
            earlier = by_key.get(p.comeback_batch_key)
            if earlier is not None:
                p.work_order.comeback_of_id = earlier.pk
                linked.append(p.work_order)
        if linked:
            update_objects(linked, WorkOrder, ["comeback_of_id"], history_user=history_user, now=now,
                           reason="DMS import: comeback link")
    labour_rows: list[tuple] = []
    parts_rows: list[tuple] = []
    for p in prepared:
        wo = p.work_order
        labour_rows.extend((wo.pk, *line) for line in p.labour)
        parts_rows.extend((wo.pk, wo.dealer_id, part_id, quantity, 0, price, cost, filled, wo.opened_at)
                          for part_id, quantity, price, cost, filled in p.parts)
    work_order_ids = [p.work_order.pk for p in prepared]
    user_id = getattr(history_user, "pk", None)
    note = _("From the DMS")
    common = {"work_order_ids": work_order_ids, "history_user": history_user, "now": now}
    insert_rows(LabourLine, LABOUR_COLUMNS, labour_rows, **common)
    insert_rows(PartsLine, PARTS_COLUMNS, parts_rows, **common)
    insert_rows(WorkOrderStatusChange, STATUS_COLUMNS,
                [(wo.pk, status, at, user_id, note) for wo, status, at in status_rows], **common)
    for p in prepared:
        p.result.id = p.work_order.pk
        p.result.status = CREATED if p.existing is None else UPDATED


def _status_time(wo: WorkOrder, now: dt.datetime) -> dt.datetime:
    if wo.status == WorkOrderStatus.DELIVERED and wo.delivered_at is not None:
        return wo.delivered_at
    return max(now, wo.opened_at)


def _write_customers(prepared: list[_Prepared], now: dt.datetime, history_user: Any) -> dict:
    wanted: dict[tuple[int, str], dict[str, Any]] = {}
    for p in prepared:
        wanted[(p.dealer.pk, p.item["customer"]["external_id"])] = _customer_values(p.item)
    found = {(c.dealer_id, c.external_id): c for c in Customer.objects.filter(
        dealer_id__in={k[0] for k in wanted}, external_id__in={k[1] for k in wanted})}
    new, changed = [], []
    for key, values in wanted.items():
        customer = found.get(key)
        if customer is None:
            customer = Customer(dealer_id=key[0], **values)
            new.append(customer)
            found[key] = customer
        elif any(getattr(customer, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(customer, name, value)
            customer.updated_at = now
            changed.append(customer)
    if new:
        insert_objects(new, Customer, history_user=history_user, now=now)
    if changed:
        update_objects(changed, Customer, ["name", "phone", "kind", "updated_at"], history_user=history_user,
                       now=now)
    return found


def _write_vehicles(prepared: list[_Prepared], customers: dict, now: dt.datetime, history_user: Any) -> dict:
    # Owners by id after the vehicles (_attach, not joined): the same stale-statistics hazard as the work orders.
    found = {v.vin: v for v in Vehicle.objects.filter(vin__in={p.vin for p in prepared}).order_by()}
    _attach(found.values(), "owner", Customer)
    new: dict[str, Vehicle] = {}
    changed: dict[str, Vehicle] = {}
    for p in prepared:
        values = _vehicle_values(p.item, p.vin)
        mileage = p.item["vehicle"].get("mileage_km") or 0
        owner = customers[(p.dealer.pk, p.item["customer"]["external_id"])]
        vehicle = found.get(p.vin)
        if vehicle is None:
            vehicle = Vehicle(owner=owner, mileage_km=mileage, **values)
            new[p.vin] = vehicle
            found[p.vin] = vehicle
            continue
        dirty = False
        # A vehicle another dealer's customer owns keeps its description: we do not rewrite others' data.
        own = vehicle.owner_id is None or getattr(vehicle.owner, "dealer_id", None) == p.dealer.pk \
            or p.vin in new
        if own and any(getattr(vehicle, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(vehicle, name, value)
            dirty = True
        if mileage > vehicle.mileage_km:  # the odometer only goes up
            vehicle.mileage_km = mileage
            dirty = True
        if vehicle.owner_id is None and vehicle.owner is None:
            vehicle.owner = owner
            dirty = True
        if dirty and p.vin not in new:
            vehicle.updated_at = now
            changed[p.vin] = vehicle
    if new:
        insert_objects(list(new.values()), Vehicle, history_user=history_user, now=now)
    if changed:
        update_objects(list(changed.values()), Vehicle,
                       ["brand", "model", "powertrain", "model_year", "mileage_km", "owner", "updated_at"],
                       history_user=history_user, now=now)
    return found
