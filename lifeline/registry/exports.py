"""The content of an export for the central tracing agency: which rows, and the CSV or JSON file.

An information bureau transmits what GC III Art. 122 asks for: identity (names, date and place
of birth, father's first name, mother's maiden name), rank, service number, unit, the power he
depends on, and each change of status with its date and place. Nothing else leaves: no health
text, no notes, no source titles or details (they may name witnesses), no enquiry or family
data. A person who asked that his family not be told is still transmitted (the bureau owes the
agency the information), flagged `family_may_be_informed: false` so the agency withholds it.

The files follow a published, versioned format (agency_format.py, schemas/agency-export-1.json,
docs/agency-export.md): a change to what they carry is a change of that schema and its version.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q
from django.utils import timezone

from lifeline.core.spreadsheets import safe_cell
from lifeline.registry import agency_format
from lifeline.registry.models import (
    PERSON_NAME_FIELDS,
    PERSON_SENSITIVE_FIELDS,
    Person,
    StatusEvent,
)

STATUS_EVENT = "status_event"  # a row for a status event recorded in the window
RECORD = "record"  # a row for a person whose record changed in the window without an event

# What an agency is sent of a person's record, named one by one (GC III Art. 122(4)):
# a field added to Person is not sent until someone decides it should be. Never a sealed field
# (health, detention, grave, notes), nor his sex (no column in the agency's format); the
# family's consent goes out as family_may_be_informed.
PERSON_COLUMNS = (
    "birth_year",
    "birth_month",
    "birth_day",
    "place_of_birth",
    "father_name",
    "mother_maiden_name",
    "rank",
    "service_number",
    "unit",
    "power",
)
COLUMNS = (
    "change",
    "registry_id",
    "merged_into",
    *PERSON_NAME_FIELDS,
    "other_names",
    *PERSON_COLUMNS,
    "current_status",
    "status",
    "date",
    "place",
    "verification",
    "source_kind",
    "status_event_id",
    "recorded_at",
    "family_may_be_informed",
)


@dataclass(frozen=True)
class ExportMeta:
    """What the JSON file says about itself; nothing in it names a member of staff."""

    export_id: int
    since: date
    until: datetime
    generated_at: datetime
    drafted_by_role: str
    approved_by_role: str


def window_start(since: date) -> datetime:
    """The first moment of `since` in the bureau's time zone."""
    return datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())


def _family_flag(person: Person) -> bool | None:
    if person.inform_family == Person.InformFamily.YES:
        return True
    if person.inform_family == Person.InformFamily.NO:
        return False
    return None


def _other_names(person: Person) -> list[dict[str, str]]:
    return [
        {
            "surname": form.surname,
            "given_name": form.given_name,
            "patronymic": form.patronymic,
            "script": form.script,
            "language": form.language,
            "transliteration": form.transliteration,
        }
        for form in person.name_forms.all()
        if not form.is_primary
    ]


def _person_part(person: Person) -> dict[str, Any]:
    return {
        "registry_id": person.pk,
        "merged_into": person.merged_into_id,
        **{name: getattr(person, name) for name in (*PERSON_NAME_FIELDS, *PERSON_COLUMNS)},
        "other_names": _other_names(person),
        "current_status": person.current_status,
        "family_may_be_informed": _family_flag(person),
    }


def _event_row(event: StatusEvent, person: Person) -> dict[str, Any]:
    return {
        "change": STATUS_EVENT,
        **_person_part(person),
        "status": event.status,
        "date": event.occurred_on.isoformat() if event.occurred_on else None,
        "place": event.place,
        "verification": event.verification,
        "source_kind": event.source.kind,
        "status_event_id": event.pk,
        "recorded_at": event.recorded_at.isoformat(),
    }


def _record_row(person: Person) -> dict[str, Any]:
    return {
        "change": RECORD,
        **_person_part(person),
        "status": person.current_status,
        "date": None,
        "place": "",
        "verification": "",
        "source_kind": "",
        "status_event_id": None,
        "recorded_at": person.updated_at.isoformat(),
    }


def export_rows(*, since: date, until: datetime) -> list[dict[str, Any]]:
    """The registry's changes from the start of `since` up to `until`, oldest first.

    One row per status event recorded in that time, then one per person whose record was
    created or changed in it without a status event (a corrected name, a merge).
    """
    start = window_start(since)
    in_window = StatusEvent.objects.filter(recorded_at__gte=start, recorded_at__lt=until)
    events = list(in_window.select_related("source").order_by("recorded_at", "id"))
    # A record changed again after `until` has left the window by its update time; its later
    # change goes in the next export. One created in the window stays in this one.
    changed = Person.objects.filter(
        Q(updated_at__gte=start, updated_at__lt=until)
        | Q(created_at__gte=start, created_at__lt=until)
    ).exclude(pk__in=in_window.values("person_id"))
    record_ids = list(changed.order_by("updated_at", "id").values_list("pk", flat=True))
    # The encrypted columns (health, places, grave, notes) are never even read.
    persons = (
        Person.objects.defer(*PERSON_SENSITIVE_FIELDS)
        .prefetch_related("name_forms")
        .in_bulk([*{e.person_id for e in events}, *record_ids])
    )
    rows = [_event_row(e, persons[e.person_id]) for e in events]
    rows += [_record_row(persons[pk]) for pk in record_ids]
    return rows


def _csv_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if column == "other_names":
        value = "; ".join(_name_with_tags(form) for form in value)
    return safe_cell(str(value))


def _name_with_tags(form: dict[str, str]) -> str:
    name = " ".join(p for p in (form["surname"], form["given_name"], form["patronymic"]) if p)
    tags = [form[key] for key in ("script", "language", "transliteration") if form[key]]
    return f"{name} ({', '.join(tags)})" if tags else name


def to_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets read Cyrillic), one header row.

    Each row starts with the format and its version, so the version survives a file cut into
    parts or sorted in a spreadsheet, and the header stays the first line for any CSV reader.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([agency_format.CSV_VERSION_COLUMN, *COLUMNS])
    format_version = agency_format.csv_format_version()
    for row in rows:
        cells = [_csv_cell(column, row[column]) for column in COLUMNS]
        writer.writerow([format_version, *cells])
    return out.getvalue().encode("utf-8-sig")


def to_json(rows: list[dict[str, Any]], meta: ExportMeta) -> bytes:
    """An object with the export's metadata and its records, naming the schema it follows."""
    document = {
        "$schema": agency_format.schema_id(),
        "format": agency_format.format_name(),
        "version": agency_format.version(),
        "export_id": meta.export_id,
        "generated_at": meta.generated_at.isoformat(),
        "since": meta.since.isoformat(),
        "until": meta.until.isoformat(),
        "drafted_by_role": meta.drafted_by_role,
        "approved_by_role": meta.approved_by_role,
        "count": len(rows),
        "records": [{column: row[column] for column in COLUMNS} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
