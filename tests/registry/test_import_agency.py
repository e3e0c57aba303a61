"""The agency export imported by another installation: the built-in mapping agency-export-1."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from lifeline.core.actors import SYSTEM
from lifeline.registry.agency_import import AGENCY_MAPPING, builtin_mapping
from lifeline.registry.imports import import_batch_apply, import_batch_preview, import_preview
from lifeline.registry.models import ImportBatch, Person, Source, StatusEvent
from lifeline.registry.services import (
    name_form_add,
    registry_export_approve,
    registry_export_download,
    registry_export_draft,
    status_event_add,
)
from lifeline.registry.sheets import SheetError
from tests.registry.conftest import create_person, create_source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _varied_registry() -> None:
    """Persons with other spellings, partial births, several events, none, and a formula."""
    lists = create_source("Список №3")
    letter = create_source("Письмо", kind=Source.Kind.FAMILY, reliability="low")
    kuzminov = create_person(
        surname="Кузьминов", given_name="Максим", patronymic="Сергеевич",
        birth_year=1995, birth_month=3, birth_day=14, place_of_birth="Херсон",
        father_name="Сергей", mother_maiden_name="Орлова", rank="рядовой",
        service_number="АВ-123456", unit="+в/ч 12345", power="Украина",
    )  # fmt: skip
    name_form_add(actor=SYSTEM, person=kuzminov, surname="Kuzminov", given_name="Maksim",
                  language="ru", transliteration="icao", source=lists)  # fmt: skip
    name_form_add(actor=SYSTEM, person=kuzminov, surname="Kusminow", language="de", source=letter)
    for status, verification, source, on, place in [
        ("captured", "confirmed", lists, date(2024, 5, 1), "-Суджа"),
        ("held", "probable", lists, date(2024, 6, 1), "Лагерь №3"),
        ("transferred", "reported", letter, timezone.localdate() - timedelta(days=2), "Курск"),
    ]:
        status_event_add(actor=SYSTEM, person=kuzminov, status=status, verification=verification,
                         source=source, occurred_on=on, place=place)  # fmt: skip
    petrenko = create_person(surname="Петренко", given_name="Олег", patronymic="", birth_year=1980)
    status_event_add(actor=SYSTEM, person=petrenko, status="dead", verification="reported",
                     source=letter)  # fmt: skip
    create_person(surname="Новиков", given_name="Иван", patronymic="Петрович",
                  birth_year=1971, birth_month=11)  # fmt: skip
    bondar = create_person(surname="Бондарь", given_name="Тарас", patronymic="Ильич")
    name_form_add(actor=SYSTEM, person=bondar, surname="Bondar", given_name="Taras",
                  patronymic="Ilyich", language="uk", transliteration="bgn")  # fmt: skip
    status_event_add(actor=SYSTEM, person=bondar, status="missing", verification="reported",
                     source=lists, occurred_on=date(2024, 2, 20), place="Бахмут")  # fmt: skip


def _exported(dave: Any, carol: Any, fmt: str) -> bytes:
    export = registry_export_draft(
        actor=dave, since=timezone.localdate() - timedelta(days=365), format=fmt
    )
    registry_export_approve(actor=carol, export=export)
    return registry_export_download(actor=carol, export=export)


def _registry() -> dict[tuple[str, ...], Any]:
    """What the export carries of each person, without ids."""
    state = {}
    for p in Person.objects.all():
        forms = sorted(
            (f.surname, f.given_name, f.patronymic, f.script, f.language, f.transliteration,
             f.is_primary)
            for f in p.name_forms.all()
        )  # fmt: skip
        events = sorted(
            (e.status, e.occurred_on or date.min, str(e.place), e.verification, e.source.kind)
            for e in StatusEvent.objects.filter(person=p).select_related("source")
        )
        state[(p.surname, p.given_name, p.patronymic)] = (
            (p.birth_year, p.birth_month, p.birth_day, p.place_of_birth, p.father_name),
            (p.mother_maiden_name, p.rank, p.service_number, p.unit, p.power),
            (p.current_status, str(p.place_of_detention)),
            forms,
            events,
        )
    return state


def _empty_registry() -> None:
    Person.objects.all().delete()
    Source.objects.all().delete()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imported_into_an_empty_registry_gives_back_its_persons(
    dave: Any, carol: Any, fmt: str, tmp_path: Path
) -> None:
    _varied_registry()
    before = _registry()
    kuzminov = before[("Кузьминов", "Максим", "Сергеевич")]
    assert len(kuzminov[3]) == 3 and len(kuzminov[4]) == 3  # three spellings, three events
    content = _exported(dave, carol, fmt)
    _empty_registry()
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(content)
    out = io.StringIO()
    call_command(
        "import", "persons", str(path), "--mapping", AGENCY_MAPPING, "--user", "dave",
        "--quiet", stdout=out,
    )  # fmt: skip
    assert "4 persons created" in out.getvalue()
    assert _registry() == before
    batch = ImportBatch.objects.get()
    assert batch.counts["applied"]["created"] == 4 and batch.counts["held"] == 0
    assert batch.mapping is None and batch.mapping_used["columns"] == {"builtin": AGENCY_MAPPING}


def test_the_agency_mapping_is_offered_to_the_services_too(dave: Any, carol: Any) -> None:
    _varied_registry()
    content = _exported(dave, carol, "json")
    mapping = builtin_mapping(AGENCY_MAPPING)
    preview = import_preview(actor=dave, data=content, filename="export.json", mapping=mapping)
    # Into the registry it came from: every person is proposed as himself.
    assert preview.counts["same"] == preview.counts["rows"] - preview.counts["invalid"]
    batch = import_batch_preview(actor=dave, data=content, filename="e.json", mapping=mapping)
    applied = import_batch_apply(actor=dave, batch=batch).batch
    assert applied.counts["applied"]["created"] == 0
    assert Person.objects.count() == 4


def test_a_merged_record_is_not_imported_and_another_file_is_refused(dave: Any) -> None:
    records = [
        {"change": "record", "registry_id": 7, "merged_into": 3, "surname": "Дубль",
         "given_name": "", "patronymic": "", "other_names": [], "birth_year": None,
         "birth_month": None, "birth_day": None, "status": "missing", "date": None,
         "place": "", "verification": "", "source_kind": ""},
    ]  # fmt: skip
    document = {"format": "lifeline-registry-export", "version": "1.0", "records": records}
    preview = import_preview(
        actor=dave,
        data=json.dumps(document).encode(),
        mapping=builtin_mapping(AGENCY_MAPPING),
    )
    [row] = preview.bad_rows
    assert row.errors[0].code == "record_merged"
    mapping = builtin_mapping(AGENCY_MAPPING)
    with pytest.raises(SheetError, match="not a registry export of version 1.0"):
        import_preview(actor=dave, data=b"surname;given\r\nX;Y\r\n", mapping=mapping)
    document["version"] = "2.0"
    with pytest.raises(SheetError, match="not a registry export"):
        import_preview(actor=dave, data=json.dumps(document).encode(), mapping=mapping)
