"""Reading a list of persons from a file: CSV in any common encoding and delimiter, XLSX, ODS.

What it found is reported with the rows (encoding, delimiter, sheet), so a registrar can see
how the file was read. A file that is not a spreadsheet, is empty or too large raises
`SheetError` with a message for the officer; nothing else escapes. The bulk import reads its
files here, and so does matching a whole list.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import openpyxl
from charset_normalizer import from_bytes
from django.conf import settings
from django.utils.translation import gettext
from odf import teletype
from odf.opendocument import load as ods_load
from odf.table import Table, TableRow

from lifeline.core.exceptions import ActionRefused
from lifeline.core.spreadsheets import safe_cell

CellValue = str | int | float | date | datetime | None

DELIMITERS = (";", ",", "\t", "|")
# Rows of the file looked at to tell its delimiter and its header.
SAMPLE_LINES = 50
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other pre-2007 Office files
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SheetError(ActionRefused):
    """The file cannot be read as a list: not a spreadsheet, empty, too large, or damaged."""


@dataclass(frozen=True)
class SheetRow:
    """One row of data: its line in the file (as a spreadsheet numbers it) and its cells."""

    line: int
    cells: tuple[CellValue, ...]


@dataclass
class Sheet:
    """A file read: its columns' names and its rows of data, and how it was read."""

    format: str  # "csv", "xlsx" or "ods"
    header: list[str]
    rows: list[SheetRow]
    encoding: str = ""  # CSV: the encoding found (or given)
    delimiter: str = ""  # CSV: the delimiter found (or given)
    bom: bool = False  # CSV: the file began with a byte-order mark
    sheet_name: str = ""  # XLSX/ODS: the sheet read
    sheet_names: list[str] = field(default_factory=list)  # XLSX/ODS: every sheet of the file
    header_lines: int = 1  # the rows the header took (a merged header takes two)

    def described(self) -> str:
        """How the file was read, in a line for the officer."""
        if self.format == "csv":
            shown = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(self.delimiter, self.delimiter)
            bom = gettext(", with a byte-order mark") if self.bom else ""
            return gettext("CSV, encoding %(encoding)s, delimiter %(delimiter)s%(bom)s") % {
                "encoding": self.encoding,
                "delimiter": shown,
                "bom": bom,
            }
        return gettext("%(format)s, sheet “%(sheet)s”") % {
            "format": self.format.upper(),
            "sheet": self.sheet_name,
        }


def sheet_read(
    data: bytes,
    *,
    filename: str = "",
    sheet: str = "",
    encoding: str = "",
    delimiter: str = "",
) -> Sheet:
    """Read a file's bytes as a list: the kind is told by its content, not its name.

    `sheet` names the sheet of an XLSX/ODS file (the first by default); `encoding` and
    `delimiter` override what is detected in a CSV file.
    """
    if not data.strip():
        raise SheetError(gettext("The file is empty."))
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise SheetError(
            gettext("The file is too large: %(size)s MB; at most %(limit)s MB can be read.")
            % {"size": _megabytes(len(data)), "limit": _megabytes(limit)}
        )
    if data.startswith(_OLE2):
        raise SheetError(
            gettext("This is an old Excel (.xls) file: save it as XLSX or CSV and try again.")
        )
    if data.startswith(b"PK\x03\x04"):
        result = _read_zip(data, sheet)
    else:
        result = _read_csv(data, encoding=encoding, delimiter=delimiter)
    if not result.header or not any(result.header):
        raise SheetError(gettext("The file has no header row naming its columns."))
    if len(result.rows) > settings.IMPORT_MAX_ROWS:
        raise SheetError(
            gettext("The file has %(rows)s rows; at most %(limit)s can be imported at once.")
            % {"rows": len(result.rows), "limit": settings.IMPORT_MAX_ROWS}
        )
    return result


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def cell_text(value: CellValue) -> str:
    """A cell as text: a whole number without ".0", a date as YYYY-MM-DD, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- CSV ------------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str) -> tuple[str, str, bool]:
    """The text, the encoding it was read in, and whether a byte-order mark said so."""
    if encoding:
        try:
            return data.decode(encoding), encoding, False
        except (LookupError, UnicodeDecodeError) as error:
            raise SheetError(
                gettext("The file cannot be read as %(encoding)s.") % {"encoding": encoding}
            ) from error
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name.removesuffix("-sig"), True
            except UnicodeDecodeError as error:
                raise SheetError(gettext("The file is damaged: it is not text.")) from error
    if b"\x00" in data:
        raise SheetError(gettext("This is not a spreadsheet or a CSV file."))
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise SheetError(gettext("The file's encoding cannot be told: save it as UTF-8."))
    return str(best), codecs.lookup(best.encoding).name, False


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample into the same number of columns, the most of them."""
    best, best_rank = ",", (0.0, 0)
    sample = [line for line in lines if line.strip()][:SAMPLE_LINES]
    for candidate in DELIMITERS:
        widths = [len(row) for row in csv.reader(sample, delimiter=candidate)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        rank = (round(count / len(widths), 1), width)
        if rank > best_rank:
            best, best_rank = candidate, rank
    return best


def _read_csv(data: bytes, *, encoding: str, delimiter: str) -> Sheet:
    text, found, bom = _decode(data, encoding)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise SheetError(gettext("The file is empty."))
    delimiter = delimiter or _delimiter(lines[: SAMPLE_LINES * 2])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise SheetError(
            gettext("The file is not a well-formed CSV file: %(error)s") % {"error": error}
        ) from error
    grid = [(number, list(cells)) for number, cells in enumerate(_lines(rows), start=1)]
    header, header_at, data_rows = _header_and_rows(grid, merged=[])
    return Sheet(
        format="csv",
        header=header,
        rows=data_rows,
        encoding=found,
        delimiter=delimiter,
        bom=bom,
        header_lines=header_at,
    )


def _lines(rows: Iterable[list[str]]) -> Iterator[list[CellValue]]:
    for row in rows:
        yield [cell.strip() for cell in row]


# --- Header and rows ------------------------------------------------------------------------


def _filled(cells: list[CellValue]) -> list[str]:
    return [cell_text(c) for c in cells]


# Rows above the table looked through for its header: a title, a date, blank rows.
TITLE_ROWS = 10


def _header_start(grid: list[tuple[int, list[CellValue]]]) -> int:
    """Where the header is: the first row with two different names in the first TITLE_ROWS
    (a title above the table holds one text, merged across the width or not); failing that
    (a list of one column), the first row that is not empty."""
    for at, (_line, cells) in enumerate(grid[:TITLE_ROWS]):
        if len({c for c in _filled(cells) if c}) >= 2:
            return at
    return next((at for at, (_l, cells) in enumerate(grid) if any(_filled(cells))), len(grid))


def _header_and_rows(
    grid: list[tuple[int, list[CellValue]]], *, merged: list[tuple[int, int, int, int]]
) -> tuple[list[str], int, list[SheetRow]]:
    """The header's names, the rows it took, and the rows of data below it.

    Rows above the table (a title, blank rows) are passed over. A header whose cells are
    merged across columns over a second row of names ("Name" over "surname", "given name")
    takes both: the names become "Name surname", "Name given name".
    """
    start = _header_start(grid)
    if start >= len(grid):
        return [], 0, []
    line, top = grid[start]
    names = _filled(top)
    taken = 1
    spans_columns = any(
        r1 == r2 == line and c2 > c1 for r1, c1, r2, c2 in merged
    )  # a merged header cell over several columns
    if spans_columns and start + 1 < len(grid):
        below = _filled(grid[start + 1][1])
        if sum(1 for c in below if c) >= 2:
            names = [_joined(top_name, sub) for top_name, sub in _padded(names, below)]
            taken = 2
    header = _unique([n or f"#{i}" for i, n in enumerate(names, start=1)])
    width = len(header)
    rows = []
    for number, cells in grid[start + taken :]:
        if not any(cell_text(c) for c in cells):
            continue
        padded = list(cells[:width]) + [None] * (width - len(cells))
        rows.append(SheetRow(number, tuple(padded)))
    # A header without names at its right end (trailing empty columns) is trimmed to its data.
    while header and header[-1].startswith("#") and all(r.cells[-1] in (None, "") for r in rows):
        header.pop()
        rows = [SheetRow(r.line, r.cells[:-1]) for r in rows]
    return header, start + taken, rows


def _padded(first: list[str], second: list[str]) -> Iterator[tuple[str, str]]:
    width = max(len(first), len(second))
    yield from zip(
        first + [""] * (width - len(first)), second + [""] * (width - len(second)), strict=True
    )


def _joined(top: str, sub: str) -> str:
    if not sub or sub == top:
        return top
    if not top:
        return sub
    return f"{top} {sub}"


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


# --- XLSX and ODS ---------------------------------------------------------------------------


def _read_zip(data: bytes, sheet: str) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError) as error:
        raise SheetError(gettext("The file is damaged: it cannot be opened.")) from error
    if mimetype.strip() == _ODS_MIME:
        return _read_ods(data, sheet)
    if "xl/workbook.xml" in names:
        return _read_xlsx(data, sheet)
    raise SheetError(gettext("This is not a spreadsheet or a CSV file."))


def _unknown_sheet(sheet: str, names: list[str]) -> SheetError:
    return SheetError(
        gettext("The file has no sheet “%(sheet)s”; its sheets: %(names)s.")
        % {"sheet": sheet, "names": ", ".join(names)}
    )


def _read_xlsx(data: bytes, sheet: str) -> Sheet:
    try:
        # Not read-only: merged cells are known only to a full workbook.
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise SheetError(gettext("The file is damaged: it cannot be opened.")) from error
    names = list(book.sheetnames)
    if sheet and sheet not in names:
        raise _unknown_sheet(sheet, names)
    ws = book[sheet] if sheet else book.worksheets[0]
    values: list[list[CellValue]] = [list(row) for row in ws.iter_rows(values_only=True)]
    merged = []
    for cells in ws.merged_cells.ranges:
        r1, c1, r2, c2 = cells.min_row, cells.min_col, cells.max_row, cells.max_col
        merged.append((r1, c1, r2, c2))
        value = values[r1 - 1][c1 - 1] if r1 - 1 < len(values) else None
        for r in range(r1, min(r2, len(values)) + 1):
            row = values[r - 1]
            row.extend([None] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                row[c - 1] = value
    grid = list(enumerate(values, start=1))
    header, taken, rows = _header_and_rows(grid, merged=merged)
    return Sheet(
        format="xlsx",
        header=header,
        rows=rows,
        sheet_name=ws.title,
        sheet_names=names,
        header_lines=taken,
    )


# An empty row or cell repeated more than this is the empty rest of the sheet, not data.
_ODS_MAX_REPEAT = 1000


def _ods_cell(cell: Any) -> CellValue:
    kind = cell.getAttribute("valuetype")
    if kind in ("float", "percentage", "currency"):
        number = float(cell.getAttribute("value"))
        return int(number) if number.is_integer() else number
    if kind == "date":
        text = cell.getAttribute("datevalue")
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    return str(teletype.extractText(cell)).strip() or None


def _read_ods(data: bytes, sheet: str) -> Sheet:
    try:
        document = ods_load(io.BytesIO(data))
    except Exception as error:  # odfpy raises many kinds on a damaged file
        raise SheetError(gettext("The file is damaged: it cannot be opened.")) from error
    tables = document.spreadsheet.getElementsByType(Table)
    names = [str(t.getAttribute("name")) for t in tables]
    if not tables:
        raise SheetError(gettext("The file has no sheet."))
    if sheet and sheet not in names:
        raise _unknown_sheet(sheet, names)
    table = tables[names.index(sheet)] if sheet else tables[0]
    values: list[list[CellValue]] = []
    merged: list[tuple[int, int, int, int]] = []
    for row in table.getElementsByType(TableRow):
        cells: list[CellValue] = []
        for cell in row.childNodes:
            kind = cell.qname[1]
            if kind not in ("table-cell", "covered-table-cell"):
                continue
            repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
            value = _ods_cell(cell) if kind == "table-cell" else None
            if kind == "table-cell":
                across = int(cell.getAttribute("numbercolumnsspanned") or 1)
                down = int(cell.getAttribute("numberrowsspanned") or 1)
                if across > 1 or down > 1:
                    r, c = len(values) + 1, len(cells) + 1
                    merged.append((r, c, r + down - 1, c + across - 1))
            cells.extend([value] * min(repeat, _ODS_MAX_REPEAT))
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        empty = not any(c not in (None, "") for c in cells)
        values.extend([list(cells) for _ in range(1 if empty and repeat > 1 else repeat)])
    while values and not any(c not in (None, "") for c in values[-1]):
        values.pop()
    for r1, c1, r2, c2 in merged:
        value = values[r1 - 1][c1 - 1] if r1 - 1 < len(values) else None
        for r in range(r1, min(r2, len(values)) + 1):
            row_values = values[r - 1]
            row_values.extend([None] * (c2 - len(row_values)))
            for c in range(c1, c2 + 1):
                row_values[c - 1] = value
    header, taken, rows = _header_and_rows(list(enumerate(values, start=1)), merged=merged)
    return Sheet(
        format="ods",
        header=header,
        rows=rows,
        sheet_name=str(table.getAttribute("name")),
        sheet_names=names,
        header_lines=taken,
    )


# --- Writing rows back out ------------------------------------------------------------------


def rows_to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A CSV file (UTF-8 with a BOM, so Excel reads it right) of these rows, formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell_text(c)) for c in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def rows_to_xlsx(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """An XLSX file of these rows, every cell as text, formula-safe."""
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet()
    ws.append([safe_cell(h) for h in header])
    for row in rows:
        ws.append([safe_cell(cell_text(c)) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
