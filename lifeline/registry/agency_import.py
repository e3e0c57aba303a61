"""The agency export as an import mapping: a file one Lifeline installation exported, read by
another (issue 15 §3, docs/agency-export.md).

`agency-export-1` is a built-in mapping: it reads the export's CSV or JSON file (the JSON's
`records`) by the published schema (`agency_format`), one row per record, the rows that carry
one `registry_id` being one person, each status event with its verification and kind of
source, and the other name forms with their script, language and transliteration.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from django.utils.translation import gettext

from lifeline.registry import agency_format
from lifeline.registry.importing import ReadRow, RowError, rows_read
from lifeline.registry.models import ImportMapping
from lifeline.registry.sheets import Sheet, SheetError, SheetRow

AGENCY_MAPPING = "agency-export-1"
# The key of a built-in mapping's columns: which reader it is.
BUILTIN = "builtin"
BUILTIN_MAPPINGS = (AGENCY_MAPPING,)

# The columns a record is laid out in, and the import's field for each.
_HEADER = [
    "registry_id", "merged_into", "surname", "given_name", "patronymic", "birth_date",
    "place_of_birth", "father_name", "mother_maiden_name", "rank", "service_number", "unit",
    "power", "status", "date", "place", "verification", "source_kind",
]  # fmt: skip
_FIELDS = {
    "record_id": "registry_id",
    "surname": "surname",
    "given_name": "given_name",
    "patronymic": "patronymic",
    "birth_date": "birth_date",
    "place_of_birth": "place_of_birth",
    "father_name": "father_name",
    "mother_maiden_name": "mother_maiden_name",
    "rank": "rank",
    "service_number": "service_number",
    "unit": "unit",
    "power": "power",
    "status": "status",
    "status_date": "date",
    "place": "place",
    "verification": "verification",
    "source_kind": "source_kind",
}
# One form of `other_names` in the CSV: "surname given patronymic (script, language, translit)".
_CSV_FORM = re.compile(r"^(?P<name>.*?)(?: \((?P<tags>[^()]*)\))?$")


def builtin_mapping(name: str) -> ImportMapping | None:
    """A built-in mapping by its name (not saved: nothing to edit), or None."""
    if name not in BUILTIN_MAPPINGS:
        return None
    return ImportMapping(name=name, columns={BUILTIN: name}, options={})


def is_builtin(columns: Any) -> bool:
    return isinstance(columns, dict) and columns.get(BUILTIN) in BUILTIN_MAPPINGS


def agency_read(data: bytes) -> tuple[Sheet, list[ReadRow]]:
    """The export file's records as a sheet and as rows read, or SheetError saying why not."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetError(_not_export()) from error
    if text.lstrip().startswith("{"):
        kind, records = "json", _json_records(text)
    else:
        kind, records = "csv", _csv_records(text)
    first = 1 if kind == "json" else 2  # a JSON record's number, a CSV row's line
    sheet = Sheet(
        format=kind,
        header=list(_HEADER),
        rows=[SheetRow(first + i, _cells(r)) for i, r in enumerate(records)],
        encoding="utf-8" if kind == "csv" else "",
        delimiter="," if kind == "csv" else "",
        sheet_name=agency_format.csv_format_version(),
    )
    rows = rows_read(sheet, _FIELDS)
    for row, record in zip(rows, records, strict=True):
        forms = record.get("other_names") or []
        row.data.other_names = [[f["surname"], f["given_name"], f["patronymic"]] for f in forms]
        row.data.other_tags = [[f["script"], f["language"], f["transliteration"]] for f in forms]
        if record.get("merged_into"):
            row.errors.append(RowError("record_id", "record_merged", str(record["merged_into"])))
    return sheet, rows


def _not_export() -> str:
    return gettext(
        "This is not a registry export of version %(version)s: the agency-export-1 mapping "
        "reads only the CSV or JSON file an agency export makes."
    ) % {"version": agency_format.version()}


def _check_version(written: str) -> None:
    try:
        agency_format.agency_columns(written)
    except ValueError as error:
        raise SheetError(_not_export()) from error


def _json_records(text: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise SheetError(_not_export()) from error
    if not isinstance(document, dict) or document.get("format") != agency_format.format_name():
        raise SheetError(_not_export())
    _check_version(str(document.get("version", "")))
    records = document.get("records")
    if not isinstance(records, list):
        raise SheetError(_not_export())
    return records


def _csv_records(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or reader.fieldnames[0] != agency_format.CSV_VERSION_COLUMN:
        raise SheetError(_not_export())
    records = []
    for cells in reader:
        written = cells[agency_format.CSV_VERSION_COLUMN]
        name, _, version = written.partition("/")
        if name != agency_format.format_name():
            raise SheetError(_not_export())
        _check_version(version)
        try:
            record = agency_format.read_csv_row(cells)
        except (ValueError, KeyError) as error:
            raise SheetError(_not_export()) from error
        record["other_names"] = _csv_forms(str(record.get("other_names") or ""))
        records.append(record)
    return records


def _csv_forms(text: str) -> list[dict[str, str]]:
    """The CSV's `other_names` text back as forms. Each form's name is split at spaces into
    surname, given name and patronymic; of two tags, the second is taken as the language (the
    CSV cannot tell it from a transliteration: the JSON can)."""
    forms = []
    for written in filter(None, (part.strip() for part in text.split("; "))):
        match = _CSV_FORM.match(written)
        name, tags = (match["name"], match["tags"] or "") if match else (written, "")
        parts = (name.split(maxsplit=2) + ["", ""])[:3]
        script, language, transliteration = ([*tags.split(", "), "", ""] if tags else ["", "", ""])[
            :3
        ]
        forms.append(
            {
                "surname": parts[0],
                "given_name": parts[1],
                "patronymic": parts[2],
                "script": script,
                "language": language,
                "transliteration": transliteration,
            }
        )
    return forms


def _cells(record: dict[str, Any]) -> tuple[str, ...]:
    year, month, day = (record.get(f"birth_{p}") for p in ("year", "month", "day"))
    born = "" if year is None else f"{year}" if month is None else f"{year}-{month:02d}"
    if year is not None and month is not None and day is not None:
        born += f"-{day:02d}"
    event = record.get("change") == "status_event"
    values = {
        **{name: record.get(name) for name in _HEADER},
        "birth_date": born,
        # A record row repeats the current status: not an event to record.
        "status": record.get("status") if event else "",
        "date": record.get("date") if event else "",
        "place": record.get("place") if event else "",
        "verification": record.get("verification") if event else "",
        "source_kind": record.get("source_kind") if event else "",
    }
    return tuple("" if values[name] is None else str(values[name]) for name in _HEADER)
