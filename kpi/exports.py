"""The league table as CSV and Excel: the same columns, order and numbers as the page (pandas, openpyxl).

Values are numbers rounded to each KPI's decimals (not display strings), so the spreadsheet can compute;
the Excel file also carries the page's red/amber/green fills and marks outliers in bold.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.http import HttpResponse
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from kpi.league import Column, LeagueRow

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The same tints as the table cells in static/css/app.css.
FILLS = {
    "green": PatternFill("solid", fgColor="E3F4E8"),
    "amber": PatternFill("solid", fgColor="FFF1D6"),
    "red": PatternFill("solid", fgColor="FDE4E1"),
}


def _number(value: Decimal | None, decimals: int) -> float | None:
    if value is None:
        return None
    return float(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def league_frame(columns: Sequence[Column], rows: Sequence[LeagueRow]) -> pd.DataFrame:
    """One row per dealer, one column per table column, headed by the table's own labels."""
    records = []
    for row in rows:
        dealer = row.dealer
        record: list[object] = [dealer.code, dealer.name, dealer.get_kind_display(), dealer.city_tier, dealer.city]
        for column in columns[5:]:
            kv = row.figures.get(column.key)
            record.append(_number(kv.value if kv else None, column.kpi.decimals))
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[column.label for column in columns])


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def league_csv(frame: pd.DataFrame, *, filename: str) -> HttpResponse:
    # UTF-8 with a byte-order mark: Excel on Windows otherwise shows Chinese dealer names as mojibake.
    body = frame.to_csv(index=False).encode("utf-8-sig")
    return _attachment(HttpResponse(body, content_type="text/csv; charset=utf-8"), filename)


def league_xlsx(frame: pd.DataFrame, columns: Sequence[Column], rows: Sequence[LeagueRow], *, filename: str,
                sheet: str) -> HttpResponse:
    buffer = io.BytesIO()
    # Excel forbids []:*?/\ in sheet names and caps them at 31 characters.
    title = "".join(ch for ch in sheet if ch not in '[]:*?/\\')[:31] or "League"
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=title)
        worksheet = writer.sheets[title]
        worksheet.freeze_panes = "C2"
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            worksheet.column_dimensions[letter].width = max(10, min(40, len(column.label) + 2))
            if column.kpi is not None:
                pattern = "#,##0" if column.kpi.decimals == 0 else "#,##0." + "0" * column.kpi.decimals
                for cell in worksheet[letter][1:]:
                    cell.number_format = pattern
        for row_index, row in enumerate(rows, start=2):
            for col_index, column in enumerate(columns, start=1):
                if column.kpi is None:
                    continue
                kv = row.figures.get(column.key)
                cell = worksheet.cell(row=row_index, column=col_index)
                if kv is not None and kv.status in FILLS:
                    cell.fill = FILLS[kv.status]
                if column.key in row.outliers:
                    cell.font = Font(bold=True, color="9B1C1C")
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), filename)
