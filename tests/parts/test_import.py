"""The catalogue and stock imports: all or nothing, every bad row reported with its line number, CSV and XLSX."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dealers.choices import Role
from parts import services
from parts.choices import MovementKind
from parts.importers import STOCK_COUNT_REASON, ImportFileError, import_catalogue, import_stock
from parts.models import Part, Stock, StockMovement
from tests.dealers.factories import DealerFactory, RegionFactory, make_user
from tests.parts.factories import PartFactory, StockFactory

pytestmark = pytest.mark.django_db

CATALOGUE_HEADER = ["number", "name", "category", "is_nev", "cost", "price"]


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MIXED_CATALOGUE = [
    CATALOGUE_HEADER,
    ["OF-100", "机油滤清器", "maintenance", "no", "25.00", "48.00"],  # line 2: good
    ["BP-200", "Brake pads", "Brakes", "0", "180", "320"],  # line 3: good (label instead of code)
    ["HV-300", "高压线束", "battery", "yes", "-5", "100"],  # line 4: negative cost
    ["OF-100", "dup", "maintenance", "", "1", "2"],  # line 5: duplicate number in file
    ["XX-1", "Thing", "wheels", "", "1", "2"],  # line 6: unknown category
    ["", "", "", "", "", ""],  # line 7: blank, skipped
    ["XX-2", "", "engine", "maybe", "abc", "1.234"],  # line 8: name empty, is_nev, cost not a number, price decimals
]


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_catalogue_with_mixed_rows_reports_every_bad_row_and_writes_nothing(make):
    filename = "catalogue.csv" if make is csv_bytes else "catalogue.xlsx"
    result = import_catalogue(file=make(MIXED_CATALOGUE), filename=filename)
    assert not result.ok and not result.applied
    found = {(e.line, e.column) for e in result.errors}
    assert found == {
        (4, "cost"), (5, "number"), (6, "category"), (8, "name"), (8, "is_nev"), (8, "cost"), (8, "price"),
    }
    messages = {(e.line, e.column): e.message for e in result.errors}
    assert "negative cost" in messages[(4, "cost")]
    assert "duplicate number OF-100 in file (first on line 2)" in messages[(5, "number")]
    assert "unknown category 'wheels'" in messages[(6, "category")]
    assert not Part.objects.exists()


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_good_catalogue_creates_and_updates_with_history(make):
    existing = PartFactory(number="OF-100", name="old name", cost=Decimal("20.00"), price=Decimal("40.00"))
    unchanged = PartFactory(number="KEEP-1", name="same", category="engine", cost=Decimal("1.00"), price=Decimal("2.00"))
    rows = [CATALOGUE_HEADER,
            ["of-100", "机油滤清器", "maintenance", "no", "25.00", "48.00"],
            ["BP-200", "Brake pads", "brakes", "", "180", "320"],
            ["HV-300", "高压线束", "battery", "是", "1,200.50", "2000"],
            ["KEEP-1", "same", "engine", "", "1", "2"]]
    filename = "c.csv" if make is csv_bytes else "c.xlsx"
    preview = import_catalogue(file=make(rows), filename=filename, dry_run=True)
    assert preview.ok and not preview.applied
    assert (preview.created, preview.updated, preview.unchanged) == (2, 1, 1)
    assert Part.objects.count() == 2  # a dry run writes nothing

    result = import_catalogue(file=make(rows), filename=filename)
    assert result.applied
    existing.refresh_from_db()
    assert (existing.name, existing.cost, existing.price) == ("机油滤清器", Decimal("25.00"), Decimal("48.00"))
    hv = Part.objects.get(number="HV-300")
    assert hv.is_nev and hv.cost == Decimal("1200.50") and hv.category == "battery"
    assert existing.history.first().history_change_reason == "catalogue import"
    assert hv.history.count() == 1 and unchanged.history.count() == 1


def test_catalogue_missing_column_is_reported_on_line_1():
    result = import_catalogue(file=csv_bytes([["number", "name", "cost"], ["A", "B", "1"]]), filename="x.csv")
    assert {(e.line, e.column) for e in result.errors} == {(1, "category"), (1, "price")}
    assert "missing column category" in result.errors[0].message


def test_gb18030_csv_with_chinese_headers_is_read():
    rows = [["零件号", "名称", "类别", "新能源", "成本", "价格"], ["A-1", "刹车片", "brakes", "否", "10", "20"]]
    result = import_catalogue(file=csv_bytes(rows, encoding="gb18030"), filename="c.csv")
    assert result.ok, result.errors
    assert Part.objects.get(number="A-1").name == "刹车片"


def test_unreadable_file_is_refused_clearly():
    with pytest.raises(ImportFileError, match="not a readable workbook|could not be read"):
        import_catalogue(file=b"not a zip", filename="c.xlsx")
    with pytest.raises(ImportFileError, match=r"\.csv or \.xlsx"):
        import_catalogue(file=b"a,b", filename="c.txt")


# --- stock -----------------------------------------------------------------------------------------------

STOCK_HEADER = ["dealer_code", "part_number", "on_hand", "reorder_point", "maximum", "bin"]


@pytest.fixture
def setup(region):
    own, other = DealerFactory(region=region, code="SH01"), DealerFactory(region=region, code="SH02")
    foreign = DealerFactory(region=RegionFactory(code="west", name="西区"), code="CD01")
    a, b = PartFactory(number="A-1"), PartFactory(number="B-2")
    PartFactory(number="C-3")
    StockFactory(dealer=own, part=a, reorder_point=2, maximum=20, bin="A01")
    services.stock_receive(dealer=own, part=a, quantity=10)
    clerk = make_user(Role.PARTS_CLERK, dealer=own)
    return {"own": own, "other": other, "foreign": foreign, "a": a, "b": b, "clerk": clerk}


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_stock_import_with_mixed_rows_writes_nothing_and_names_each_line(setup, make):
    rows = [STOCK_HEADER,
            ["SH01", "A-1", 7, 2, 20, "A01"],  # line 2: good
            ["SH01", "NOPE", 1, "", "", ""],  # line 3: unknown part
            ["SH02", "A-1", 1, "", "", ""],  # line 4: another dealer: outside the clerk's scope
            ["ZZ99", "A-1", 1, "", "", ""],  # line 5: unknown dealer
            ["SH01", "A-1", 3, "", "", ""],  # line 6: duplicate of line 2
            ["SH01", "B-2", -1, "", "", ""],  # line 7: negative count
            ["SH01", "C-3", "2.5", 5, 3, ""]]  # line 8: fractional count, maximum below reorder point
    filename = "s.csv" if make is csv_bytes else "s.xlsx"
    result = import_stock(file=make(rows), filename=filename, user=setup["clerk"])
    found = {(e.line, e.column) for e in result.errors}
    assert found == {(3, "part_number"), (4, "dealer_code"), (5, "dealer_code"), (6, "part_number"),
                     (7, "on_hand"), (8, "on_hand")}
    messages = {(e.line, e.column): e.message for e in result.errors}
    assert "unknown part NOPE" in messages[(3, "part_number")]
    assert "outside your scope" in messages[(4, "dealer_code")]
    assert "unknown dealer ZZ99" in messages[(5, "dealer_code")]
    assert "first on line 2" in messages[(6, "part_number")]
    assert Stock.objects.get(dealer=setup["own"], part=setup["a"]).on_hand == 10
    assert not StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()


def test_stock_import_levels_error_is_reported_with_the_others(setup):
    rows = [STOCK_HEADER, ["SH01", "B-2", 1, 5, 3, ""], ["SH01", "NOPE", 1, "", "", ""]]
    result = import_stock(file=csv_bytes(rows), filename="s.csv", user=setup["clerk"])
    assert [(e.line, e.column) for e in result.errors] == [(2, "maximum"), (3, "part_number")]


def test_stock_import_turns_count_differences_into_adjustments(setup):
    own, a, b = setup["own"], setup["a"], setup["b"]
    rows = [STOCK_HEADER, ["SH01", "A-1", 7, 3, "", "A02"], ["sh01", "b-2", 4, 1, 6, "B01"]]
    preview = import_stock(file=csv_bytes(rows), filename="s.csv", user=setup["clerk"], dry_run=True)
    assert preview.ok
    assert [(p["number"], p["books"], p["counted"], p["difference"]) for p in preview.preview] == [
        ("A-1", 10, 7, -3), ("B-2", 0, 4, 4)]
    assert not StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()

    result = import_stock(file=csv_bytes(rows), filename="s.csv", user=setup["clerk"])
    assert result.applied and result.adjustments == 2 and result.created == 1
    stock_a = Stock.objects.get(dealer=own, part=a)
    assert (stock_a.on_hand, stock_a.reorder_point, stock_a.maximum, stock_a.bin) == (7, 3, 20, "A02")
    stock_b = Stock.objects.get(dealer=own, part=b)
    assert (stock_b.on_hand, stock_b.reorder_point, stock_b.maximum, stock_b.bin) == (4, 1, 6, "B01")
    adjustments = StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).order_by("part__number")
    assert [(m.part.number, m.quantity, m.reason) for m in adjustments] == [
        ("A-1", -3, STOCK_COUNT_REASON), ("B-2", 4, STOCK_COUNT_REASON)]
    assert all(m.created_by == setup["clerk"] for m in adjustments)
    assert stock_a.history.first().history_change_reason == STOCK_COUNT_REASON
    assert stock_b.history.count() == 1  # created with its levels; the count is in the ledger


def test_stock_import_for_one_dealer_fills_in_the_dealer_column(setup):
    rows = [["part_number", "on_hand"], ["A-1", 12]]
    result = import_stock(file=csv_bytes(rows), filename="s.csv", dealer=setup["own"])
    assert result.applied
    assert Stock.objects.get(dealer=setup["own"], part=setup["a"]).on_hand == 12


def test_stock_import_of_another_dealer_is_refused_for_a_clerk(setup):
    with pytest.raises(PermissionDenied):
        import_stock(file=csv_bytes([STOCK_HEADER]), filename="s.csv", user=setup["clerk"], dealer=setup["other"])


def test_region_user_cannot_import_stock(setup):
    manager = make_user(Role.REGIONAL_MANAGER, region=setup["own"].region)
    with pytest.raises(PermissionDenied):
        import_stock(file=csv_bytes([STOCK_HEADER, ["SH01", "A-1", 1, "", "", ""]]), filename="s.csv", user=manager)


# --- the command ---------------------------------------------------------------------------------------


def test_command_prints_each_bad_line_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(csv_bytes(MIXED_CATALOGUE))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_parts", "--catalogue", str(path))
    assert excinfo.value.returncode == 1
    err = capsys.readouterr().err
    assert "catalogue.csv:4: cost: negative cost" in err
    assert "catalogue.csv:6: category: unknown category" in err
    assert not Part.objects.exists()


def test_command_imports_a_stock_xlsx_for_one_dealer(tmp_path, setup, capsys):
    path = tmp_path / "count.xlsx"
    path.write_bytes(xlsx_bytes([STOCK_HEADER, ["SH01", "A-1", 8, "", "", ""], ["", "B-2", 3, "", "", ""]]))
    call_command("import_parts", "--stock", str(path), "--dealer", "SH01")
    assert "2 count adjustment(s)" in capsys.readouterr().out
    assert Stock.objects.get(dealer=setup["own"], part=setup["b"]).on_hand == 3


def test_command_with_a_dealer_rejects_rows_of_other_dealers(tmp_path, setup, capsys):
    path = tmp_path / "count.csv"
    path.write_bytes(csv_bytes([STOCK_HEADER, ["SH02", "A-1", 8, "", "", ""]]))
    with pytest.raises(CommandError):
        call_command("import_parts", "--stock", str(path), "--dealer", "SH01")
    assert "count.csv:2: dealer_code: dealer SH02 is not the dealer of this import" in capsys.readouterr().err


# --- the upload page -------------------------------------------------------------------------------------


def _upload(client, content: bytes, name: str, kind: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("parts:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_upload_page_shows_the_error_table_and_writes_nothing(client, setup):
    client.force_login(setup["clerk"])
    response = _upload(client, csv_bytes(MIXED_CATALOGUE), "cat.csv", "catalogue")
    assert response.status_code == 200
    result = response.context["result"]
    assert len(result.errors) == 7 and "token" not in response.context
    assert "negative cost" in response.content.decode()
    assert not Part.objects.filter(number="OF-100").exists()


def test_upload_preview_then_confirm_imports_exactly_the_checked_file(client, setup):
    client.force_login(setup["clerk"])
    rows = [STOCK_HEADER, ["SH01", "A-1", 6, "", "", ""]]
    preview = _upload(client, xlsx_bytes(rows), "count.xlsx", "stock")
    assert preview.status_code == 200 and preview.context["result"].ok
    assert Stock.objects.get(dealer=setup["own"], part=setup["a"]).on_hand == 10
    token = preview.context["token"]
    # A forged token is refused.
    assert client.post(reverse("parts:import"), {"confirm": "0" * 32}).status_code == 302
    assert Stock.objects.get(dealer=setup["own"], part=setup["a"]).on_hand == 10
    done = client.post(reverse("parts:import"), {"confirm": token})
    assert done.status_code == 302
    assert Stock.objects.get(dealer=setup["own"], part=setup["a"]).on_hand == 6
    # The same confirmation cannot be replayed.
    client.post(reverse("parts:import"), {"confirm": token})
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1


def test_upload_page_is_forbidden_to_roles_that_change_no_parts_data(client, setup):
    client.force_login(make_user(Role.SERVICE_ADVISOR, dealer=setup["own"]))
    assert client.get(reverse("parts:import")).status_code == 403


def test_regional_manager_may_import_the_catalogue_but_is_not_offered_stock(client, setup):
    client.force_login(make_user(Role.REGIONAL_MANAGER, region=setup["own"].region))
    page = client.get(reverse("parts:import"))
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == ["catalogue"]
    refused = _upload(client, csv_bytes([STOCK_HEADER, ["SH01", "A-1", 1, "", "", ""]]), "s.csv", "stock")
    assert refused.status_code == 200 and "kind" in refused.context["form"].errors
    assert Stock.objects.get(dealer=setup["own"], part=setup["a"]).on_hand == 10
