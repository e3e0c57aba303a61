"""Reading lists as registrars get them: Excel's CSV, merged headers, a BOM, ODS, bad files."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from datetime import date, datetime

import openpyxl
import pytest
from django.utils import translation
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import CoveredTableCell, Table, TableCell, TableRow
from odf.text import P

from lifeline.registry.sheets import SheetError, rows_to_csv, rows_to_xlsx, sheet_read


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


EXCEL_CSV = (
    "ФИО;Дата рождения;Звание;В/ч;Статус\r\n"
    "Кузьминов Максим Сергеевич;14.03.1995;рядовой;в/ч 12345;в плену\r\n"
    "Шевченко Олександр Петрович;1988;сержант;в/ч 54321;пропал без вести\r\n"
)


def test_an_excel_made_csv_in_cp1251_with_semicolons_is_read_and_says_how() -> None:
    sheet = sheet_read(EXCEL_CSV.encode("cp1251"))
    assert (sheet.format, sheet.encoding, sheet.delimiter, sheet.bom) == (
        "csv",
        "cp1251",
        ";",
        False,
    )
    assert sheet.header == ["ФИО", "Дата рождения", "Звание", "В/ч", "Статус"]
    assert [row.line for row in sheet.rows] == [2, 3]
    assert sheet.rows[0].cells[0] == "Кузьминов Максим Сергеевич"
    assert "cp1251" in sheet.described() and ";" in sheet.described()


def test_a_csv_with_a_bom_is_read_in_the_encoding_the_bom_names() -> None:
    text = "surname,given name,born\nKuzminov,Maksim,1995\n"
    sheet = sheet_read(codecs.BOM_UTF8 + text.encode("utf-8"))
    assert sheet.header == ["surname", "given name", "born"]  # no BOM glued to the first name
    assert (sheet.encoding, sheet.delimiter, sheet.bom) == ("utf-8", ",", True)
    utf16 = sheet_read(text.encode("utf-16"))
    assert utf16.bom and utf16.header == ["surname", "given name", "born"]


def test_a_tab_separated_file_and_a_given_delimiter_and_encoding() -> None:
    assert sheet_read(b"a\tb\n1\t2\n").delimiter == "\t"
    sheet = sheet_read("a|b\n1|2\n".encode("koi8-r"), encoding="koi8-r", delimiter="|")
    assert sheet.rows[0].cells == ("1", "2")


def _xlsx(build) -> bytes:  # type: ignore[no-untyped-def]
    book = openpyxl.Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_with_a_title_merged_header_cells_and_dates_as_numbers() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.title = "Список"
        ws.append(["Список военнопленных на 12.03.2024"])
        ws.merge_cells("A1:E1")
        ws.append(["Имя", None, None, "Дата рождения", "Статус"])
        ws.merge_cells("A2:C2")
        ws.merge_cells("D2:D3")
        ws.merge_cells("E2:E3")
        ws.append(["фамилия", "имя", "отчество", None, None])
        ws.append(["Кузьминов", "Максим", "Сергеевич", 34772, "в плену"])
        # A date cell: spreadsheets know no time zone.
        ws.append(["Шевченко", "Олександр", None, datetime(1988, 5, 2), "missing"])  # noqa: DTZ001
        book.create_sheet("Другой")

    sheet = sheet_read(_xlsx(build))
    assert sheet.header == [
        "Имя фамилия",
        "Имя имя",
        "Имя отчество",
        "Дата рождения",
        "Статус",
    ]
    assert sheet.header_lines == 3  # the title, then a header of two rows
    assert [row.line for row in sheet.rows] == [4, 5]
    assert sheet.rows[0].cells[3] == 34772  # Excel's day number, read as a date by the mapping
    assert sheet.rows[1].cells[3] == datetime(1988, 5, 2)  # noqa: DTZ001
    assert (sheet.sheet_name, sheet.sheet_names) == ("Список", ["Список", "Другой"])


def test_a_named_sheet_is_read_and_an_unknown_one_is_refused() -> None:
    def build(book: openpyxl.Workbook) -> None:
        book.active.append(["x", "y"])
        other = book.create_sheet("Пленные")
        other.append(["фамилия", "имя"])
        other.append(["Кузьминов", "Максим"])

    data = _xlsx(build)
    assert sheet_read(data, sheet="Пленные").rows[0].cells == ("Кузьминов", "Максим")
    with pytest.raises(SheetError, match="no sheet “Обмен”"):
        sheet_read(data, sheet="Обмен")


def _ods() -> bytes:
    doc = OpenDocumentSpreadsheet()
    table = Table(name="Лист1")

    def row(*cells: TableCell) -> None:
        tr = TableRow()
        for cell in cells:
            tr.addElement(cell)
        table.addElement(tr)

    def text(value: str, **attributes: object) -> TableCell:
        cell = TableCell(valuetype="string", **attributes)
        cell.addElement(P(text=value))
        return cell

    row(text("ФИО", numbercolumnsspanned=2), CoveredTableCell(), text("Родился"))
    row(text("фамилия"), text("имя"), CoveredTableCell())
    born = TableCell(valuetype="date", datevalue="1995-03-14")
    row(text("Кузьминов"), text("Максим"), born)
    row(text("Петров"), text("Иван"), TableCell(valuetype="float", value="1990"))
    empty = TableRow(numberrowsrepeated=1048570)
    empty.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(empty)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_an_ods_file_with_a_merged_header_and_typed_cells() -> None:
    sheet = sheet_read(_ods())
    assert sheet.format == "ods" and sheet.sheet_name == "Лист1"
    assert sheet.header == ["ФИО фамилия", "ФИО имя", "Родился"]
    assert [r.cells for r in sheet.rows] == [
        ("Кузьминов", "Максим", date(1995, 3, 14)),
        ("Петров", "Иван", 1990),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"   \n\n", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not a spreadsheet"),
    ],
)
def test_a_file_that_is_no_list_is_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(SheetError, match=message):
        sheet_read(data)


def test_a_zip_that_is_no_spreadsheet_is_refused() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(SheetError, match="not a spreadsheet"):
        sheet_read(out.getvalue())


def test_a_file_too_large_or_with_too_many_rows_is_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(SheetError, match="too large"):
        sheet_read(b"a,b\n" + b"1,2\n" * 50)
    settings.IMPORT_MAX_BYTES = 10_000
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(SheetError, match="has 5 rows; at most 3"):
        sheet_read(b"a,b\n" + b"1,2\n" * 5)


def test_rows_written_back_out_are_safe_from_formulas_and_read_again() -> None:
    header = ["фамилия", "ошибка"]
    rows = [['=HYPERLINK("x")', "Нет фамилии"], ["Кузьминов", 1995]]
    again = sheet_read(rows_to_csv(header, rows))
    assert again.rows[0].cells == ('\'=HYPERLINK("x")', "Нет фамилии")
    again = sheet_read(rows_to_xlsx(header, rows))
    assert again.header == header
    assert again.rows[1].cells == ("Кузьминов", "1995")
