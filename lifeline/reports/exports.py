"""A dashboard table as a CSV or XLSX file: the same rows the page shows."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook

from lifeline.core.spreadsheets import safe_cell
from lifeline.reports.selectors import Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads Cyrillic labels right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in table.all_rows():
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def table_xlsx(table: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(table.title))
    for row in table.all_rows():
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name.
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Table"
