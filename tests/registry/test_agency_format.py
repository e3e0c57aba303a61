"""The agency export's published format: every file it makes validates against its schema."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from lifeline.core.actors import SYSTEM
from lifeline.registry import agency_format, exports
from lifeline.registry.models import NameForm, PersonStatus, Source, Verification
from lifeline.registry.services import (
    name_form_add,
    person_merge,
    registry_export_approve,
    registry_export_draft,
    status_event_add,
)
from tests.factories import login_staff
from tests.registry.conftest import create_person, create_source

DOC = Path(__file__).resolve().parents[2] / "docs" / "agency-export.md"
SINCE = timezone.localdate() - timedelta(days=7)

# Each published version's structure (the schema without its prose), fingerprinted. A published
# version never changes: change the schema, and this test fails until the version is bumped by
# the rule in docs/agency-export.md and the new version's fingerprint is added here.
PUBLISHED = {
    "1.0": "af56b072ed6f646ff7a8049fe87d5fe47448ff85fcbdf2e0c7f73a1bd093b8a9",
}


def _validator(definition: str | None = None) -> Draft202012Validator:
    """A validator for the whole file, or for one of the schema's `$defs`."""
    schema = agency_format.schema()
    if definition is None:
        return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    return Draft202012Validator(
        {"$ref": f"{schema['$id']}#/$defs/{definition}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _errors(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def _structure(node: Any) -> Any:
    """The schema without what only explains it: descriptions, titles, references, version."""
    prose = {"description", "title", "x-reference", "x-version", "$comment"}
    if isinstance(node, dict):
        return {k: _structure(v) for k, v in node.items() if k not in prose}
    if isinstance(node, list):
        return [_structure(v) for v in node]
    return node


def _fingerprint() -> str:
    canonical = json.dumps(_structure(agency_format.schema()), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


# A registry with something of everything an export can carry.


@pytest.fixture
def varied(carol, dave) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    sources = {kind: create_source(f"Источник {kind}", kind=kind) for kind in Source.Kind.values}
    kinds = list(Source.Kind.values)
    verifications = list(Verification.values)
    full = create_person(surname="Кузьминов", birth_year=1995, birth_month=3, birth_day=14,
                         place_of_birth="Курск", father_name="Сергей",
                         mother_maiden_name="Орлова", rank="рядовой",
                         service_number="=HYPERLINK(\"x\")", unit="+в/ч 12345", power="-РФ",
                         inform_family="no")  # fmt: skip
    name_form_add(actor=SYSTEM, person=full, surname="Kuzminov", given_name="Maksim",
                  script="latn", language="ru", transliteration="icao")  # fmt: skip
    name_form_add(actor=SYSTEM, person=full, surname="Kusminow", script="latn",
                  transliteration="de")  # fmt: skip
    name_form_add(actor=SYSTEM, person=full, surname="კუზმინოვი", script="other", language="ka")
    month = create_person(surname="Петренко", given_name="Олег", patronymic="",
                          birth_year=2001, birth_month=11, inform_family="yes")  # fmt: skip
    name_form_add(actor=SYSTEM, person=month, surname="Petrenko", given_name="Oleh",
                  script="latn", language="uk")  # fmt: skip
    year = create_person(surname="O'Brien", given_name="Seán", birth_year=1988)
    unknown = create_person(surname="Ходжаев", given_name="")
    # Every status, with each verification and kind of source, dated or not, placed or not.
    for i, status in enumerate(PersonStatus.values):
        status_event_add(
            actor=SYSTEM,
            person=full if i % 2 else month,
            status=status,
            verification=verifications[i % len(verifications)],
            source=sources[kinds[i % len(kinds)]],
            occurred_on=date(2024, 1, 1) + timedelta(days=i) if i % 3 else None,
            place=["Лагерь №3", "", "@лагерь", "Kyiv"][i % 4],
        )
    kept = create_person(surname="Сидоренко", given_name="Іван", birth_year=1990)
    duplicate = create_person(surname="Сидоренко", given_name="Иван", rank="сержант")
    person_merge(actor=dave, keep=kept, merge=duplicate)
    export = {
        fmt: registry_export_approve(
            actor=carol, export=registry_export_draft(actor=dave, since=SINCE, format=fmt)
        )
        for fmt in ("json", "csv")
    }
    return {"json": bytes(export["json"].content), "csv": bytes(export["csv"].content),
            "merged": duplicate, "kept": kept, "unknown": unknown, "year": year}  # fmt: skip


def _csv(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.mark.django_db
def test_the_json_export_of_a_varied_registry_validates(varied) -> None:
    document = json.loads(varied["json"])
    assert _errors(_validator(), document) == []
    records = document["records"]
    # The registry was as varied as claimed.
    assert {r["status"] for r in records} == set(PersonStatus.values)
    assert {r["family_may_be_informed"] for r in records} == {True, False, None}
    scripts = {form["script"] for r in records for form in r["other_names"]}
    assert scripts == set(NameForm.Script.values)  # the merged record's Cyrillic form too
    assert {(r["birth_month"] is None, r["birth_day"] is None) for r in records} == {
        (False, False), (False, True), (True, True)
    }  # fmt: skip
    merged = [r for r in records if r["registry_id"] == varied["merged"].pk]
    assert merged and {r["merged_into"] for r in merged} == {varied["kept"].pk}
    assert {r["change"] for r in records} == {"status_event", "record"}


@pytest.mark.django_db
def test_the_json_export_names_its_schema_and_version(varied) -> None:
    document = json.loads(varied["json"])
    assert document["$schema"] == agency_format.schema()["$id"] == "urn:lifeline:registry-export:1"
    assert (document["format"], document["version"]) == ("lifeline-registry-export", "1.0")


@pytest.mark.django_db
def test_each_csv_row_read_back_validates_and_says_what_the_json_says(varied) -> None:
    header, rows = _csv(varied["csv"])
    assert tuple(header) == agency_format.csv_header() == (
        agency_format.CSV_VERSION_COLUMN, *exports.COLUMNS
    )  # fmt: skip
    validator = _validator("csv_row")
    records = json.loads(varied["json"])["records"]
    assert len(rows) == len(records) > 0
    for cells, record in zip(rows, records, strict=True):
        row = agency_format.read_csv_row(cells)
        assert _errors(validator, row) == [], cells
        assert row.pop("format_version") == "lifeline-registry-export/1.0"
        # Apart from the names in other forms, which CSV gives as text, the same values.
        assert row.pop("other_names") == exports._csv_cell("other_names", record["other_names"])
        assert row == {k: v for k, v in record.items() if k != "other_names"}


@pytest.mark.django_db
def test_the_csv_keeps_its_formula_guard(varied) -> None:
    _header, rows = _csv(varied["csv"])
    assert {r["service_number"] for r in rows} >= {'\'=HYPERLINK("x")'}
    assert {r["power"] for r in rows} >= {"'-РФ"} and {r["place"] for r in rows} >= {"'@лагерь"}


def test_a_malformed_file_fails_validation() -> None:
    """The schema refuses, so a passing file means something: a few ways a file goes wrong."""
    record: dict[str, Any] = {
        "change": "status_event", "registry_id": 1, "merged_into": None, "surname": "Тестов",
        "given_name": "", "patronymic": "", "other_names": [], "birth_year": 1990,
        "birth_month": None, "birth_day": None, "place_of_birth": "", "father_name": "",
        "mother_maiden_name": "", "rank": "", "service_number": "", "unit": "", "power": "",
        "current_status": "held", "status": "held", "date": "2024-05-01", "place": "",
        "verification": "confirmed", "source_kind": "document", "status_event_id": 3,
        "recorded_at": "2024-05-02T10:00:00+03:00", "family_may_be_informed": None,
    }  # fmt: skip
    validator = _validator("record")
    assert _errors(validator, record) == []
    wrong: list[dict[str, Any]] = [
        {"status": "interned"},  # not a status of this version
        {"birth_month": 13},
        {"date": "01.05.2024"},
        {"recorded_at": "2024-05-02 10:00"},
        {"surname": ""},
        {"family_may_be_informed": "no"},
        {"verification": ""},  # an event always says how far it is verified
        {"change": "record"},  # a record row carries no event
    ]
    for change in wrong:
        assert _errors(validator, {**record, **change}), change
    without = {k: v for k, v in record.items() if k != "service_number"}
    assert _errors(validator, without)


def test_the_schema_is_valid_draft_2020_12_and_ships_in_the_package() -> None:
    schema = agency_format.schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    path = Path(agency_format.__file__).parent / "schemas" / agency_format.SCHEMA_FILE
    assert agency_format.schema_bytes() == path.read_bytes()
    pyproject = (DOC.parents[1] / "pyproject.toml").read_text()
    assert re.search(r'^"\*" = \[.*"\*\.json"', pyproject, re.MULTILINE)


def test_the_schema_and_the_export_agree_on_the_columns() -> None:
    """A column added to, dropped from or moved in the export is a change of the schema."""
    names = tuple(column.name for column in agency_format.agency_columns())
    assert names == exports.COLUMNS
    properties = agency_format.schema()["$defs"]["fields"]["properties"]
    assert set(properties) | {"other_names"} == set(exports.COLUMNS)
    assert agency_format.schema()["$defs"]["fields"]["required"] == [
        c for c in exports.COLUMNS if c != "other_names"
    ]


def test_the_schema_allows_exactly_the_registry_s_values() -> None:
    """A new status, level of verification, kind of source or script is a change of the schema."""
    columns = {column.name: column for column in agency_format.agency_columns()}
    assert columns["status"].values == columns["current_status"].values
    assert list(columns["status"].values) == PersonStatus.values
    assert list(columns["verification"].values) == [*Verification.values, ""]
    assert list(columns["source_kind"].values) == [*Source.Kind.values, ""]
    assert columns["change"].values == (exports.STATUS_EVENT, exports.RECORD)
    script = agency_format.schema()["$defs"]["name_form"]["properties"]["script"]
    assert script["enum"] == NameForm.Script.values


def test_a_change_of_the_schema_bumps_its_version() -> None:
    version = agency_format.version()
    assert version == max(PUBLISHED, key=lambda v: tuple(map(int, v.split("."))))
    fingerprint = _fingerprint()
    assert PUBLISHED[version] == fingerprint, (
        f"The schema changed without a new version. Bump {version} by the rule in "
        f"docs/agency-export.md (x-version in the schema) and add to PUBLISHED its fingerprint, "
        f"{fingerprint}."
    )
    major = version.split(".")[0]
    schema = agency_format.schema()
    assert schema["$id"].endswith(f":{major}") and agency_format.SCHEMA_FILE.endswith(
        f"-{major}.json"
    )
    assert schema["properties"]["version"]["pattern"] == f"^{major}\\.[0-9]+$"


def test_agency_columns_for_an_import_mapping() -> None:
    columns = {column.name: column for column in agency_format.agency_columns("1.0")}
    assert (columns["registry_id"].type, columns["registry_id"].nullable) == ("integer", False)
    assert (columns["birth_day"].type, columns["birth_day"].nullable) == ("integer", True)
    assert (columns["date"].type, columns["recorded_at"].type) == ("date", "date-time")
    assert columns["family_may_be_informed"].type == "boolean"
    assert columns["other_names"].type == "name-forms"
    assert columns["surname"].non_empty and columns["surname"].reference.startswith("Art. 122")
    assert agency_format.agency_columns("1.7") == agency_format.agency_columns()
    with pytest.raises(ValueError, match="reads version 1.x, not 2.0"):
        agency_format.agency_columns("2.0")
    with pytest.raises(ValueError, match="not a MAJOR.MINOR version"):
        agency_format.agency_columns("1")


def test_read_csv_row_types_the_cells() -> None:
    cells = {"format_version": "lifeline-registry-export/1.0", "birth_year": "1995",
             "birth_month": "", "family_may_be_informed": "false", "unit": "'+в/ч 1",
             "place": "'обычное", "status_event_id": "", "newer_column": "x"}  # fmt: skip
    assert agency_format.read_csv_row(cells) == {
        "format_version": "lifeline-registry-export/1.0", "birth_year": 1995,
        "birth_month": None, "family_may_be_informed": False, "unit": "+в/ч 1",
        "place": "'обычное", "status_event_id": None,
    }  # fmt: skip


def test_the_documented_columns_are_the_schema_s() -> None:
    """docs/agency-export.md shows the table made from the schema, so the two cannot drift."""
    text = DOC.read_text()
    table = agency_format.columns_markdown()
    assert table in text, "regenerate the table: agency_format.columns_markdown()"
    documented = re.findall(r"^\| \d+ \| `([a-z_]+)` \|", text, re.MULTILINE)
    assert tuple(documented) == agency_format.csv_header()


# The export page offers the schema.


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["alice", "bob", "erin", "frank", "mallory"])
def test_these_users_are_refused_the_schema(user, request, client) -> None:  # type: ignore[no-untyped-def]
    login_staff(client, request.getfixturevalue(user))
    assert client.get(reverse("registry:export_schema")).status_code == 403


@pytest.mark.django_db
def test_the_export_page_offers_the_schema(client, dave) -> None:
    login_staff(client, dave)
    url = reverse("registry:export_schema")
    assert url in client.get(reverse("registry:exports")).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response.content == agency_format.schema_bytes()
    assert response["Content-Type"] == "application/schema+json"
    assert "agency-export-1.json" in response["Content-Disposition"]
