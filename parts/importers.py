"""Import of the part catalogue and of stock levels (a stock count) from CSV or Excel files.

Every row is checked first; each bad row is reported with its line number as the user sees it in the
file (the header is line 1) and the reason. Nothing is written unless every row is good, and then all of
it in one transaction. The upload page, the API and `manage.py import_parts` call the same two functions.

Catalogue columns: number, name, category, is_nev, cost, price (a known number updates that part).
Stock columns: dealer_code, part_number, on_hand, reorder_point, maximum, bin. `on_hand` is the counted
quantity: the difference to the books becomes an adjustment with reason "stock count import"; an empty
cell leaves the count (and an empty level leaves the level) as it is.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dealers import policy
from dealers.models import Dealer
from dealers.policy import Action, Record

from .choices import MovementKind, PartCategory
from .models import Part, Stock
from .services import stock_movement_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

STOCK_COUNT_REASON = "stock count import"
MAX_ROWS = 100_000
MAX_MONEY = Decimal("9999999999.99")  # 12 digits, 2 decimals (parts.models.MONEY)
PREVIEW_ROWS = 500
_CHUNK = 2000

CATALOGUE_COLUMNS = ("number", "name", "category", "is_nev", "cost", "price")
CATALOGUE_REQUIRED = ("number", "name", "category", "cost", "price")
STOCK_COLUMNS = ("dealer_code", "part_number", "on_hand", "reorder_point", "maximum", "bin")
STOCK_REQUIRED = ("part_number",)  # dealer_code too, unless the import is for one dealer

# Headers people actually write, in both languages, mapped to the column names above.
_ALIASES = {
    "part_number": "part_number",
    "part_no": "part_number",
    "零件号": "part_number",
    "备件号": "part_number",
    "零件编号": "part_number",
    "dealer": "dealer_code",
    "dealer_code": "dealer_code",
    "经销商代码": "dealer_code",
    "网点代码": "dealer_code",
    "名称": "name",
    "零件名称": "name",
    "类别": "category",
    "分类": "category",
    "新能源": "is_nev",
    "nev": "is_nev",
    "成本": "cost",
    "价格": "price",
    "售价": "price",
    "库存": "on_hand",
    "盘点数量": "on_hand",
    "quantity": "on_hand",
    "counted": "on_hand",
    "再订货点": "reorder_point",
    "最大库存": "maximum",
    "max": "maximum",
    "货位": "bin",
    "库位": "bin",
}
_TRUE = {"1", "true", "yes", "y", "t", "是", "x", "✓"}
_FALSE = {"", "0", "false", "no", "n", "f", "否"}
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line}
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    adjustments: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (wrong type, not a table, no rows)."""


# ---------------------------------------------------------------------------------------------- reading


def _normalise_header(name: Any) -> str:
    text = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(text, text)


def _cell(value: Any) -> str:
    """A cell as text. Excel numbers come as int/float: 60.0 → "60", float noise (60.300000000000004) → "60.3"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else format(value, ".12g")
    return str(value).strip()


def read_table(
    file: IO[bytes] | bytes, *, filename: str, rename: dict[str, str] | None = None
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(normalised headers, [(line number in the file, {column: text})]) of a .csv or .xlsx file.

    Blank lines keep their place so line numbers match what the user sees; they are then skipped.
    """
    data = file if isinstance(file, bytes) else file.read()
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            frame = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl", keep_default_na=False)
        elif name.endswith(".csv"):
            frame = pd.read_csv(
                io.StringIO(_decode(data)), dtype=str, keep_default_na=False, skip_blank_lines=False
            )
        else:
            raise ImportFileError(_("Upload a .csv or .xlsx file."), code="file_type")
    except ImportFileError:
        raise
    except (ValueError, KeyError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFileError(
            _("The file could not be read as a table: %(error)s") % {"error": exc}, code="unreadable"
        ) from exc
    except Exception as exc:  # openpyxl raises zipfile/XML errors of many kinds for a corrupt workbook
        raise ImportFileError(_("The file is not a readable workbook: %(error)s") % {"error": exc}) from exc
    headers = [_normalise_header(c) for c in frame.columns]
    headers = [(rename or {}).get(h, h) for h in headers]
    if len(frame) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(rows)s rows; at most %(max)s can be imported at once.")
            % {"rows": len(frame), "max": MAX_ROWS},
            code="too_many_rows",
        )
    rows = []
    for index, values in enumerate(frame.itertuples(index=False, name=None)):
        row = {header: _cell(value) for header, value in zip(headers, values, strict=False)}
        if any(row.values()):
            rows.append((index + 2, row))  # line 1 is the header
    return headers, rows


def _decode(data: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GB18030/GBK; everything else is UTF-8 (often with a BOM).
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text."), code="encoding") from exc


def _check_columns(headers: list[str], required: Iterable[str], known: Iterable[str], result: ImportResult) -> bool:
    seen: set[str] = set()
    for header in headers:
        if header in seen and header in known:
            result.errors.append(RowError(1, header, _("column %(column)s appears twice") % {"column": header}))
        seen.add(header)
    for column in required:
        if column not in headers:
            result.errors.append(RowError(1, column, _("missing column %(column)s") % {"column": column}))
    result.ignored_columns = [h for h in headers if h not in known and not h.startswith("unnamed:")]
    return not result.errors


# ---------------------------------------------------------------------------------------------- values


def _money(text: str, column: str, line: int, errors: list[RowError], *, label: str) -> Decimal | None:
    raw = text.replace(" ", "").replace("¥", "").replace("￥", "")
    if _GROUPED.match(raw):
        raw = raw.replace(",", "")
    if raw == "":
        errors.append(RowError(line, column, _("%(what)s is empty") % {"what": label}))
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(RowError(line, column, _("%(what)s %(value)r is not a number") % {"what": label, "value": text}))
        return None
    if not value.is_finite():
        errors.append(RowError(line, column, _("%(what)s %(value)r is not a number") % {"what": label, "value": text}))
        return None
    if value < 0:
        errors.append(RowError(line, column, _("negative %(what)s (%(value)s)") % {"what": label, "value": text}))
        return None
    if value != value.quantize(Decimal("0.01")):
        errors.append(RowError(line, column, _("%(what)s has more than 2 decimals (%(value)s)") % {"what": label, "value": text}))
        return None
    if value > MAX_MONEY:
        errors.append(RowError(line, column, _("%(what)s is too large (%(value)s)") % {"what": label, "value": text}))
        return None
    return value.quantize(Decimal("0.01"))


def _count(text: str, column: str, line: int, errors: list[RowError], *, label: str) -> int | None:
    """A whole number ≥ 0, or None for an empty cell."""
    raw = text.replace(" ", "")
    if _GROUPED.match(raw):
        raw = raw.replace(",", "")
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(RowError(line, column, _("%(what)s %(value)r is not a number") % {"what": label, "value": text}))
        return None
    if not value.is_finite() or value != value.to_integral_value():
        errors.append(RowError(line, column, _("%(what)s must be a whole number (%(value)s)") % {"what": label, "value": text}))
        return None
    if value < 0:
        errors.append(RowError(line, column, _("negative %(what)s (%(value)s)") % {"what": label, "value": text}))
        return None
    if value > 2_000_000_000:
        errors.append(RowError(line, column, _("%(what)s is too large (%(value)s)") % {"what": label, "value": text}))
        return None
    return int(value)


def _category_lookup() -> dict[str, str]:
    """Category codes and their labels in both languages, lower-cased → code."""
    lookup: dict[str, str] = {}
    for code, label in PartCategory.choices:
        lookup[code.lower()] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[str(label).strip().lower()] = code
    return lookup


def _parts_by_number(numbers: Iterable[str]) -> dict[str, Part]:
    """Existing parts by lower-cased number (part numbers are matched without regard to case)."""
    wanted = sorted({n.lower() for n in numbers if n})
    found: dict[str, Part] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        # Exact matches first (the index), then a case-insensitive pass for the rest.
        for part in Part.objects.filter(number__in=chunk):
            found[part.number.lower()] = part
    missing = [n for n in wanted if n not in found]
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        upper = [n.upper() for n in chunk]
        for part in Part.objects.filter(number__in=upper):
            found.setdefault(part.number.lower(), part)
    return found


# ---------------------------------------------------------------------------------------------- catalogue


def import_catalogue(
    *,
    file: IO[bytes] | bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
    by: AbstractBaseUser | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update catalogue parts from the file. `user` None means a trusted caller (the command)."""
    if user is not None and not policy.can(user, Action.CHANGE, Record.PART, None):
        raise PermissionDenied(_("You may not change the part catalogue."))
    result = ImportResult(kind="catalogue")
    # In a catalogue the part number column is "number"; "part number" / 零件号 mean the same.
    headers, rows = read_table(file, filename=filename, rename={"part_number": "number"})
    result.rows = len(rows)
    if not _check_columns(headers, CATALOGUE_REQUIRED, CATALOGUE_COLUMNS, result):
        return result
    if not rows:
        result.errors.append(RowError(1, "", _("the file has no data rows")))
        return result

    categories = _category_lookup()
    existing = _parts_by_number(row.get("number", "") for _line, row in rows)
    first_line: dict[str, int] = {}
    valid: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        errors: list[RowError] = []
        number = row.get("number", "").strip()
        if not number:
            errors.append(RowError(line, "number", _("part number is empty")))
        elif len(number) > 32:
            errors.append(RowError(line, "number", _("part number is longer than 32 characters")))
        elif number.lower() in first_line:
            errors.append(
                RowError(line, "number", _("duplicate number %(number)s in file (first on line %(first)s)")
                         % {"number": number, "first": first_line[number.lower()]})
            )
        else:
            first_line[number.lower()] = line
        name = row.get("name", "").strip()
        if not name:
            errors.append(RowError(line, "name", _("name is empty")))
        elif len(name) > 200:
            errors.append(RowError(line, "name", _("name is longer than 200 characters")))
        category_text = row.get("category", "").strip()
        category = categories.get(category_text.lower())
        if category is None:
            errors.append(
                RowError(line, "category", _("unknown category %(value)r (expected one of: %(codes)s)")
                         % {"value": category_text, "codes": ", ".join(PartCategory.values)})
            )
        nev_text = row.get("is_nev", "").strip().lower()
        if nev_text not in _TRUE | _FALSE:
            errors.append(RowError(line, "is_nev", _("is_nev %(value)r is not yes/no") % {"value": row.get("is_nev")}))
        cost = _money(row.get("cost", ""), "cost", line, errors, label=_("cost"))
        price = _money(row.get("price", ""), "price", line, errors, label=_("price"))
        if errors:
            result.errors.extend(errors)
            continue
        valid.append(
            (line, {"number": number, "name": name, "category": category, "is_nev": nev_text in _TRUE,
                    "cost": cost, "price": price})
        )
    if result.errors:
        return result

    to_create: list[Part] = []
    to_update: list[Part] = []
    fields = ["name", "category", "is_nev", "cost", "price"]
    now = timezone.now()
    for line, values in valid:
        part = existing.get(values["number"].lower())
        if part is None:
            to_create.append(Part(**values))
            action, changes = "create", ""
        else:
            changed = [f for f in fields if getattr(part, f) != values[f]]
            if not changed:
                result.unchanged += 1
                action, changes = "unchanged", ""
            else:
                changes = "; ".join(f"{f}: {getattr(part, f)} → {values[f]}" for f in changed)
                for f in changed:
                    setattr(part, f, values[f])
                part.updated_at = now  # bulk_update does not apply auto_now
                to_update.append(part)
                action = "update"
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append({"line": line, "number": values["number"], "name": values["name"],
                                   "action": action, "changes": changes})
    result.created, result.updated = len(to_create), len(to_update)
    if dry_run:
        return result
    with transaction.atomic():
        if to_create:
            bulk_create_with_history(to_create, Part, batch_size=1000, default_user=_history_user(by, user),
                                     default_change_reason="catalogue import")
        if to_update:
            bulk_update_with_history(to_update, Part, fields + ["updated_at"], batch_size=1000,
                                     default_user=_history_user(by, user), default_change_reason="catalogue import")
    result.applied = True
    return result


def _history_user(by: AbstractBaseUser | None, user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    if by is not None:
        return by
    if user is not None:
        return user
    from aftersales.audit import system_user

    return system_user()


# ---------------------------------------------------------------------------------------------- stock


def import_stock(
    *,
    file: IO[bytes] | bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
    by: AbstractBaseUser | None = None,
    dealer: Dealer | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Set stock levels and counted quantities from the file.

    `user` limits the dealers to those the user may change stock of; `dealer` limits the import to one
    dealer (and fills in a missing dealer_code column). With neither, any dealer (the command).
    """
    result = ImportResult(kind="stock")
    allowed = None if user is None else policy.dealer_ids(user, Record.STOCK, Action.CHANGE)
    if user is not None and not allowed:
        raise PermissionDenied(_("You may not change stock at any dealer."))
    if dealer is not None and allowed is not None and dealer.pk not in allowed:
        raise PermissionDenied(_("You may not change stock at dealer %(code)s.") % {"code": dealer.code})
    headers, rows = read_table(file, filename=filename)
    result.rows = len(rows)
    required = STOCK_REQUIRED + (() if dealer is not None else ("dealer_code",))
    if not _check_columns(headers, required, STOCK_COLUMNS, result):
        return result
    if not rows:
        result.errors.append(RowError(1, "", _("the file has no data rows")))
        return result

    codes = {row.get("dealer_code", "").strip().lower() for _line, row in rows} - {""}
    dealers = {d.code.lower(): d for d in Dealer.objects.filter(code__in=_case_variants(codes))}
    if len(dealers) < len(codes):
        for d in Dealer.objects.all().only("id", "code", "region_id"):
            dealers.setdefault(d.code.lower(), d)
    parts_found = _parts_by_number(row.get("part_number", "") for _line, row in rows)
    first_line: dict[tuple[int, int], int] = {}
    valid: list[tuple[int, Dealer, Part, dict[str, Any]]] = []
    for line, row in rows:
        errors: list[RowError] = []
        code = row.get("dealer_code", "").strip()
        row_dealer: Dealer | None = None
        if not code and dealer is not None:
            row_dealer = dealer
        elif not code:
            errors.append(RowError(line, "dealer_code", _("dealer code is empty")))
        else:
            row_dealer = dealers.get(code.lower())
            if row_dealer is None:
                errors.append(RowError(line, "dealer_code", _("unknown dealer %(code)s") % {"code": code}))
            elif dealer is not None and row_dealer.pk != dealer.pk:
                errors.append(RowError(line, "dealer_code", _("dealer %(code)s is not the dealer of this import (%(only)s)")
                                       % {"code": code, "only": dealer.code}))
                row_dealer = None
            elif allowed is not None and row_dealer.pk not in allowed:
                errors.append(RowError(line, "dealer_code", _("dealer %(code)s is outside your scope") % {"code": code}))
                row_dealer = None
        number = row.get("part_number", "").strip()
        part = parts_found.get(number.lower()) if number else None
        if not number:
            errors.append(RowError(line, "part_number", _("part number is empty")))
        elif part is None:
            errors.append(RowError(line, "part_number", _("unknown part %(number)s") % {"number": number}))
        on_hand = _count(row.get("on_hand", ""), "on_hand", line, errors, label=_("on hand"))
        reorder_point = _count(row.get("reorder_point", ""), "reorder_point", line, errors, label=_("reorder point"))
        maximum = _count(row.get("maximum", ""), "maximum", line, errors, label=_("maximum"))
        bin_text = row.get("bin", "").strip()
        if len(bin_text) > 32:
            errors.append(RowError(line, "bin", _("bin is longer than 32 characters")))
        if row_dealer is not None and part is not None:
            key = (row_dealer.pk, part.pk)
            if key in first_line:
                errors.append(RowError(line, "part_number",
                                       _("duplicate row for %(dealer)s / %(number)s in file (first on line %(first)s)")
                                       % {"dealer": row_dealer.code, "number": part.number, "first": first_line[key]}))
            else:
                first_line[key] = line
        if errors:
            result.errors.extend(errors)
            continue
        valid.append((line, row_dealer, part, {"on_hand": on_hand, "reorder_point": reorder_point,
                                               "maximum": maximum, "bin": bin_text if "bin" in headers else None}))

    with transaction.atomic():
        # Levels are checked against the books too (an empty maximum keeps the current one), so every
        # bad row is reported in one pass, not the level errors after the others are fixed.
        write = not dry_run and not result.errors
        current = _lock_stocks([(d.pk, p.pk) for _l, d, p, _v in valid], lock=write)
        result.errors.extend(_plan_stock(valid, current, result))
        result.errors.sort(key=lambda e: e.line)
        if result.errors or dry_run:
            return result
        _apply_stock(valid, current, result, by=_history_user(by, user))
    result.applied = True
    return result


def _case_variants(codes: set[str]) -> list[str]:
    return sorted({v for c in codes for v in (c, c.upper())})


def _lock_stocks(pairs: list[tuple[int, int]], *, lock: bool) -> dict[tuple[int, int], Stock]:
    """The existing stock rows of the file's (dealer, part) pairs, locked for the import's transaction so a
    concurrent issue cannot slip between reading the books and writing the count difference."""
    found: dict[tuple[int, int], Stock] = {}
    by_dealer: dict[int, list[int]] = {}
    for dealer_id, part_id in pairs:
        by_dealer.setdefault(dealer_id, []).append(part_id)
    for dealer_id, part_ids in by_dealer.items():
        for start in range(0, len(part_ids), _CHUNK):
            qs = Stock.objects.filter(dealer_id=dealer_id, part_id__in=part_ids[start : start + _CHUNK])
            if lock:
                qs = qs.select_for_update()
            for stock in qs.order_by("pk"):
                found[(stock.dealer_id, stock.part_id)] = stock
    return found


def _plan_stock(valid, current, result: ImportResult) -> list[RowError]:
    errors: list[RowError] = []
    for line, dealer, part, values in valid:
        stock = current.get((dealer.pk, part.pk))
        books = stock.on_hand if stock else 0
        reorder_point = values["reorder_point"] if values["reorder_point"] is not None else (stock.reorder_point if stock else 0)
        maximum = values["maximum"] if values["maximum"] is not None else (stock.maximum if stock else 0)
        if maximum < reorder_point:
            errors.append(RowError(line, "maximum", _("maximum %(maximum)s is below the reorder point %(reorder_point)s")
                                   % {"maximum": maximum, "reorder_point": reorder_point}))
            continue
        difference = 0 if values["on_hand"] is None else values["on_hand"] - books
        if stock is None:
            result.created += 1
        changes = []
        if stock is not None:
            for name, new in (("reorder_point", reorder_point), ("maximum", maximum), ("bin", values["bin"])):
                if new is not None and getattr(stock, name) != new:
                    changes.append(f"{name}: {getattr(stock, name)} → {new}")
            if changes:
                result.updated += 1
        if difference:
            result.adjustments += 1
        if stock is not None and not changes and not difference:
            result.unchanged += 1
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append({
                "line": line, "dealer": dealer.code, "number": part.number, "books": books,
                "counted": values["on_hand"], "difference": difference,
                "action": "create" if stock is None else ("update" if changes or difference else "unchanged"),
                "changes": "; ".join(changes),
            })
    return errors


def _apply_stock(valid, current, result: ImportResult, *, by) -> None:
    new_rows = []
    for _line, dealer, part, values in valid:
        if (dealer.pk, part.pk) not in current:
            new_rows.append(Stock(dealer=dealer, part=part, reorder_point=values["reorder_point"] or 0,
                                  maximum=values["maximum"] or 0, bin=values["bin"] or ""))
    if new_rows:
        bulk_create_with_history(new_rows, Stock, batch_size=1000, default_user=by,
                                 default_change_reason=STOCK_COUNT_REASON)
        # Read the new rows back (with their ids, locked like the others) for the adjustments below.
        current.update(_lock_stocks([(s.dealer_id, s.part_id) for s in new_rows], lock=True))
    now = timezone.now()
    changed: list[Stock] = []
    for _line, dealer, part, values in valid:
        stock = current[(dealer.pk, part.pk)]
        if values["on_hand"] is not None and values["on_hand"] != stock.on_hand:
            stock_movement_record(dealer=dealer, part=part, kind=MovementKind.ADJUSTMENT,
                                  quantity=values["on_hand"] - stock.on_hand, reason=STOCK_COUNT_REASON, by=by)
            stock.on_hand = values["on_hand"]  # what the UPDATE just wrote, so the history row is right
        levels_changed = False
        for name in ("reorder_point", "maximum", "bin"):
            if values[name] is not None and getattr(stock, name) != values[name]:
                setattr(stock, name, values[name])
                levels_changed = True
        if levels_changed:
            stock.updated_at = now  # bulk_update does not apply auto_now
            changed.append(stock)
    if changed:
        # on_hand is not among the fields: the ledger alone writes the count.
        bulk_update_with_history(changed, Stock, ["reorder_point", "maximum", "bin", "updated_at"], batch_size=1000,
                                 default_user=by, default_change_reason=STOCK_COUNT_REASON)


def run_import(
    *,
    kind: str,
    file: IO[bytes] | bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
    by: AbstractBaseUser | None = None,
    dealer: Dealer | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Dispatch on `kind` ("catalogue" or "stock")."""
    if kind == "catalogue":
        if dealer is not None:
            raise ValidationError(_("A catalogue import is region-wide; it takes no dealer."))
        return import_catalogue(file=file, filename=filename, user=user, by=by, dry_run=dry_run)
    if kind == "stock":
        return import_stock(file=file, filename=filename, user=user, by=by, dealer=dealer, dry_run=dry_run)
    raise ValidationError(_("Unknown import kind %(kind)r.") % {"kind": kind})
