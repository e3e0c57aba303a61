"""The agency export's published format: its JSON Schema, its columns, and how a CSV row reads.

The schema (schemas/agency-export-1.json, JSON Schema draft 2020-12) is the one source: the
export writes what it describes, the tests validate every export against it, docs/agency-export.md
shows its column table, and an import can turn `agency_columns()` into a mapping, so that a file
one Lifeline installation exported can be read by another. Plain Python: no Django.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from lifeline.core.spreadsheets import FORMULA_STARTS

SCHEMA_FILE = "agency-export-1.json"
# Every row of the CSV names the format and version in this, its first column.
CSV_VERSION_COLUMN = "format_version"
# A column's type: how its JSON value is written, and how its CSV cell is read back.
TYPES = ("string", "integer", "boolean", "date", "date-time", "name-forms")


@cache
def schema_bytes() -> bytes:
    """The schema file as shipped in the package, byte for byte (what the export page offers)."""
    return resources.files("lifeline.registry").joinpath("schemas", SCHEMA_FILE).read_bytes()


@cache
def schema() -> dict[str, Any]:
    """The schema, parsed. Do not change it: it is shared."""
    loaded: dict[str, Any] = json.loads(schema_bytes())
    return loaded


def schema_id() -> str:
    """The schema's `$id`, which each JSON export names as its `$schema`: one per major version."""
    return str(schema()["$id"])


def format_name() -> str:
    return str(schema()["x-format"])


def version() -> str:
    """MAJOR.MINOR of the schema this installation writes, e.g. "1.0"."""
    return str(schema()["x-version"])


def csv_format_version() -> str:
    """The value of the CSV's first column: "lifeline-registry-export/1.0".

    Not a bare "1.0", which a spreadsheet would turn into a number (or a date) when opened.
    """
    return f"{format_name()}/{version()}"


@dataclass(frozen=True)
class AgencyColumn:
    """One column of the export: a key of each JSON record and a column of the CSV."""

    name: str  # the field name, in JSON and in the CSV's header
    type: str  # one of TYPES
    nullable: bool  # may be null in JSON, an empty cell in CSV ("" is a value of a string)
    values: tuple[str, ...]  # the allowed values ("" meaning empty), or () for any
    description: str
    reference: str  # the GC III article that asks for it, or "" for the bureau's bookkeeping
    since: str  # the version that added it
    non_empty: bool = False  # a string that is never empty
    minimum: int | None = None  # the bounds of an integer
    maximum: int | None = None


def _version_tuple(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise ValueError(f"not a MAJOR.MINOR version: {text!r}")
    return int(major), int(minor)


def _column(name: str, spec: dict[str, Any]) -> AgencyColumn:
    definitions = schema()["$defs"]
    types = spec.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    refs = [spec.get("$ref", "")] + [option.get("$ref", "") for option in spec.get("anyOf", [])]
    nullable = "null" in types or any(o.get("type") == "null" for o in spec.get("anyOf", []))
    values: list[str] = list(spec.get("enum", []))
    if "#/$defs/status" in refs:
        kind, values = "string", list(definitions["status"]["enum"])
    elif "#/$defs/date" in refs:
        kind = "date"
    elif "#/$defs/date_time" in refs:
        kind = "date-time"
    elif spec.get("type") == "array":
        kind = "name-forms"
    else:
        kind = next((t for t in types if t != "null"), "string")
    return AgencyColumn(
        name=name,
        type=kind,
        nullable=nullable,
        values=tuple(values),
        description=spec.get("description", ""),
        reference=spec.get("x-reference", ""),
        since=spec.get("x-since", "1.0"),
        non_empty=spec.get("minLength", 0) > 0,
        minimum=spec.get("minimum"),
        maximum=spec.get("maximum"),
    )


def agency_columns(version_wanted: str | None = None) -> tuple[AgencyColumn, ...]:
    """The export's columns for a version (default: the one written now), in the CSV's order.

    Without the CSV's `format_version` column, which only names the format. A file of an older
    minor version lacks the columns added since; one of a newer minor version may have more,
    which a reader of this version ignores. Another major version is refused (ValueError).
    """
    current = _version_tuple(version())
    wanted = _version_tuple(version_wanted or version())
    if wanted[0] != current[0]:
        raise ValueError(f"this installation reads version {current[0]}.x, not {version_wanted}")
    definitions = schema()["$defs"]
    properties = {
        **definitions["fields"]["properties"],
        **definitions["record"]["properties"],
    }
    columns = (_column(name, properties[name]) for name in csv_header()[1:])
    return tuple(c for c in columns if _version_tuple(c.since) <= wanted)


def csv_header() -> tuple[str, ...]:
    """The CSV's first line: `format_version`, then every column, in order."""
    return tuple(item["const"] for item in schema()["$defs"]["csv_header"]["prefixItems"])


def unguard(text: str) -> str:
    """A cell as it was before the formula guard put an apostrophe before = + - @ tab or CR."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _typed(column: AgencyColumn, cell: str) -> Any:
    if cell == "" and column.nullable:
        return None
    if column.type == "integer":
        return int(cell)
    if column.type == "boolean":
        return {"true": True, "false": False}[cell]
    return unguard(cell)


def read_csv_row(cells: Mapping[str, str]) -> dict[str, Any]:
    """One CSV row (header name → cell text) as the values the schema's `csv_row` describes.

    Empty cells of columns that may be null are None, integers and true/false are read, and the
    formula guard's apostrophe is taken off. `other_names` stays text (docs/agency-export.md).
    Columns this version does not know are left out. A malformed cell raises ValueError (or
    KeyError for a boolean that is neither true nor false).
    """
    row = {CSV_VERSION_COLUMN: cells[CSV_VERSION_COLUMN]}
    for column in agency_columns():
        if column.name in cells:
            row[column.name] = _typed(column, cells[column.name])
    return row


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _empty(column: AgencyColumn) -> str:
    if column.nullable or "" in column.values:
        return "yes"
    if column.type in {"string", "name-forms"} and not column.values and not column.non_empty:
        return "may be empty"
    return "no"


def _allowed(column: AgencyColumn) -> str:
    if column.values:
        return ", ".join(f"`{v}`" if v else "(empty)" for v in column.values)
    if column.type == "integer":
        low = column.minimum if column.minimum is not None else ""
        high = column.maximum if column.maximum is not None else ""
        return f"{low}–{high}" if high != "" else f"{low} or more"
    return {
        "boolean": "`true`, `false`",
        "date": "`YYYY-MM-DD`",
        "date-time": "ISO 8601 with offset",
        "name-forms": "see below",
    }.get(column.type, "")


def columns_markdown() -> str:
    """The table of columns that docs/agency-export.md shows, made from the schema."""
    lines = [
        "| # | Column | Type | Empty | Allowed values | Meaning | GC III |",
        "|---|---|---|---|---|---|---|",
        f"| 1 | `{CSV_VERSION_COLUMN}` | string | no | `{format_name()}/MAJOR.MINOR` | "
        "The format and its version, the same in every row (CSV only: the JSON says it once, "
        "as `format` and `version`). | |",
    ]
    for number, column in enumerate(agency_columns(), start=2):
        lines.append(
            f"| {number} | `{column.name}` | {column.type} | {_empty(column)} | "
            f"{_allowed(column)} | {_cell(column.description)} | "
            f"{_cell(column.reference) or '— (bookkeeping)'} |"
        )
    return "\n".join(lines) + "\n"
