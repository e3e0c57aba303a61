"""Exports for the central tracing agency: what goes in, the second approver, the frozen file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from lifeline.core.access import PERMISSION_MATRIX, Perm
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry import exports
from lifeline.registry.models import (
    PERSON_RECORD_FIELDS,
    PERSON_SENSITIVE_FIELDS,
    Person,
    RegistryExport,
    StatusEvent,
)
from lifeline.registry.services import (
    PERSON_FIELDS,
    RegistryRefused,
    name_form_add,
    registry_export_approve,
    registry_export_download,
    registry_export_draft,
    status_event_add,
)
from tests.factories import create_user, login_staff
from tests.registry.conftest import create_person, create_source

pytestmark = pytest.mark.django_db

SINCE = timezone.localdate() - timedelta(days=7)
LONG_AGO = timezone.now() - timedelta(days=30)
SECRETS = ["HEALTH-CANARY", "NOTES-CANARY", "GRAVE-CANARY", "SOURCE-TITLE-CANARY",
           "SOURCE-DETAILS-CANARY", "EVENT-NOTE-CANARY"]  # fmt: skip


@pytest.fixture
def sam(db):  # type: ignore[no-untyped-def]
    """Sam, a second supervisor: the one who approves what Carol drafted."""
    return create_user("sam", roles=["supervisor"])


def _backdate(person: Person) -> None:
    """Make everything about `person` so far older than the export's window."""
    Person.objects.filter(pk=person.pk).update(created_at=LONG_AGO, updated_at=LONG_AGO)
    StatusEvent.objects.filter(person=person).update(recorded_at=LONG_AGO)


@pytest.fixture
def registry(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Persons whose changes fall before, inside and after the window of an export."""
    source = create_source("SOURCE-TITLE-CANARY", details="SOURCE-DETAILS-CANARY")
    old = create_person(surname="Староверов")
    status_event_add(actor=SYSTEM, person=old, status="held", verification="confirmed",
                     source=source, occurred_on=date(2024, 1, 1))  # fmt: skip
    _backdate(old)

    moved = create_person(
        surname="Кузьминов", birth_year=1995, birth_month=3, birth_day=14,
        father_name="Сергей", mother_maiden_name="Орлова", rank="рядовой",
        service_number="=HYPERLINK(\"http://evil\")", unit="+в/ч 12345", power="@power",
        health="HEALTH-CANARY", notes="NOTES-CANARY", inform_family="no",
    )  # fmt: skip
    name_form_add(actor=SYSTEM, person=moved, surname="Kuzminov", given_name="Maksim",
                  transliteration="icao")  # fmt: skip
    status_event_add(actor=SYSTEM, person=moved, status="captured", verification="confirmed",
                     source=source, occurred_on=date(2024, 5, 1), place="-Суджа")  # fmt: skip
    _backdate(moved)
    transfer = status_event_add(actor=SYSTEM, person=moved, status="transferred",
                                verification="probable", source=source,
                                occurred_on=timezone.localdate() - timedelta(days=2),
                                place="Лагерь №3", note="EVENT-NOTE-CANARY")  # fmt: skip
    death = status_event_add(actor=SYSTEM, person=moved, status="dead", verification="reported",
                             source=source, grave_location="GRAVE-CANARY")  # fmt: skip

    corrected = create_person(surname="Петренко", given_name="Олег", inform_family="yes")
    _backdate(corrected)
    name_form_add(actor=SYSTEM, person=corrected, surname="Petrenko", given_name="Oleh")

    new = create_person(surname="Новиков", given_name="Иван")
    return {"old": old, "moved": moved, "corrected": corrected, "new": new,
            "transfer": transfer, "death": death, "source": source}  # fmt: skip


def _approved(drafter: Any, approver: Any, fmt: str) -> RegistryExport:
    export = registry_export_draft(actor=drafter, since=SINCE, format=fmt)
    return registry_export_approve(actor=approver, export=export)


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_permission_matrix_for_exports() -> None:
    drafters = {r for r, perms in PERMISSION_MATRIX.items() if Perm.REGISTRY_EXPORT in perms}
    approvers = {r for r, perms in PERMISSION_MATRIX.items() if Perm.EXPORT_APPROVE in perms}
    assert drafters == {"registrar", "supervisor"} and approvers == {"supervisor"}


def test_the_drafter_cannot_approve(carol, dave, registry) -> None:
    export = registry_export_draft(actor=carol, since=SINCE, format="csv")
    with translation.override("en"), pytest.raises(RegistryRefused, match="second person"):
        registry_export_approve(actor=carol, export=export)
    dave_export = registry_export_draft(actor=dave, since=SINCE, format="csv")
    with pytest.raises(PermissionDenied, match=r"^export\.approve$"):
        registry_export_approve(actor=dave, export=dave_export)
    export.refresh_from_db()
    assert export.approved_by is None and export.content is None


@pytest.mark.parametrize("user", ["alice", "bob", "erin", "frank", "mallory"])
def test_these_users_are_refused_every_export_action(user, request, carol, sam, registry):  # type: ignore[no-untyped-def]
    actor = request.getfixturevalue(user)
    with pytest.raises(PermissionDenied, match=r"^registry\.export$"):
        registry_export_draft(actor=actor, since=SINCE, format="csv")
    export = _approved(carol, sam, "csv")
    with pytest.raises(PermissionDenied, match=r"^export\.approve$"):
        registry_export_approve(actor=actor, export=export)
    with pytest.raises(PermissionDenied, match=r"^registry\.export$"):
        registry_export_download(actor=actor, export=export)


def test_approval_is_recorded_and_freezes_the_file(dave, carol, registry) -> None:
    export = registry_export_draft(actor=dave, since=SINCE, format="json")
    assert export.until <= timezone.now() and export.drafted_by == dave
    before = timezone.now()
    registry_export_approve(actor=carol, export=export)
    export.refresh_from_db()
    assert export.approved_by == carol and before <= export.approved_at <= timezone.now()
    assert export.sha256 == hashlib.sha256(bytes(export.content)).hexdigest()
    assert export.row_count == len(json.loads(bytes(export.content))["records"])
    with translation.override("en"), pytest.raises(RegistryRefused, match="already"):
        registry_export_approve(actor=carol, export=export)


def test_download_before_approval_is_refused(dave, carol, registry) -> None:
    export = registry_export_draft(actor=dave, since=SINCE, format="csv")
    with translation.override("en"), pytest.raises(RegistryRefused, match="not approved"):
        registry_export_download(actor=dave, export=export)
    assert not AuditEvent.objects.filter(action="registry_export.download").exists()


def test_downloads_are_the_approved_snapshot(dave, carol, registry) -> None:
    export = _approved(dave, carol, "csv")
    first = registry_export_download(actor=dave, export=export)
    assert hashlib.sha256(first).hexdigest() == export.sha256
    # The registry moves on; what was approved does not.
    status_event_add(actor=SYSTEM, person=registry["new"], status="captured",
                     verification="reported", source=registry["source"])  # fmt: skip
    second = registry_export_download(actor=carol, export=export)
    assert second == first
    export.refresh_from_db()
    assert export.download_count == 2 and export.last_downloaded_at is not None
    downloads = AuditEvent.objects.filter(action="registry_export.download").order_by("id")
    assert [(e.actor, e.detail["download"]) for e in downloads] == [(dave, 1), (carol, 2)]


def test_the_rows_are_exactly_the_changes_since_the_date(dave, carol, registry) -> None:
    export = registry_export_draft(actor=dave, since=SINCE, format="csv")
    # Recorded after the draft: outside its window, even though approval comes later.
    status_event_add(actor=SYSTEM, person=registry["old"], status="released",
                     verification="reported", source=registry["source"])  # fmt: skip
    registry_export_approve(actor=carol, export=export)
    rows = _csv_rows(bytes(RegistryExport.objects.get().content))
    summary = [(r["change"], r["surname"], r["status"], r["status_event_id"]) for r in rows]
    moved, transfer, death = registry["moved"], registry["transfer"], registry["death"]
    assert summary == [
        ("status_event", moved.surname, "transferred", str(transfer.pk)),
        ("status_event", moved.surname, "dead", str(death.pk)),
        ("record", "Петренко", "missing", ""),
        ("record", "Новиков", "missing", ""),
    ]
    assert RegistryExport.objects.get(pk=export.pk).row_count == 4


def test_csv_has_the_bom_and_defuses_formulas(dave, carol, registry) -> None:
    export = _approved(dave, carol, "csv")
    rows = _csv_rows(registry_export_download(actor=dave, export=export))
    transfer = rows[0]
    assert transfer["service_number"] == '\'=HYPERLINK("http://evil")'
    assert transfer["unit"] == "'+в/ч 12345" and transfer["power"] == "'@power"
    assert rows[1]["place"] == ""  # the death had no place; the capture's "-Суджа" is older
    assert transfer["place"] == "Лагерь №3" and transfer["verification"] == "probable"
    assert transfer["source_kind"] == "official_list" and transfer["birth_day"] == "14"
    assert transfer["other_names"] == "Kuzminov Maksim (latn, icao)"
    assert transfer["family_may_be_informed"] == "false"
    assert rows[2]["family_may_be_informed"] == "true"
    assert rows[3]["family_may_be_informed"] == ""
    assert transfer["mother_maiden_name"] == "Орлова" and transfer["father_name"] == "Сергей"


def test_csv_guards_every_formula_start(dave, carol, db) -> None:
    source = create_source()
    person = create_person(surname="Тестов")
    for place in ["=1+1", "+7", "-3", "@SUM(A1)", "\tx", "обычное"]:
        status_event_add(actor=SYSTEM, person=person, status="held", verification="reported",
                         source=source, place=place)  # fmt: skip
    rows = _csv_rows(registry_export_download(actor=dave, export=_approved(dave, carol, "csv")))
    assert [r["place"] for r in rows] == ["'=1+1", "'+7", "'-3", "'@SUM(A1)", "'\tx", "обычное"]


def test_json_parses_with_its_metadata(dave, carol, registry) -> None:
    export = _approved(dave, carol, "json")
    document = json.loads(registry_export_download(actor=carol, export=export))
    assert document["export_id"] == export.pk and document["count"] == 4
    assert document["since"] == SINCE.isoformat()
    assert document["until"] == export.until.isoformat()
    assert document["generated_at"] == export.approved_at.isoformat()
    assert (document["drafted_by_role"], document["approved_by_role"]) == (
        "registrar",
        "supervisor",
    )
    transfer = document["records"][0]
    assert transfer["registry_id"] == registry["moved"].pk and transfer["birth_year"] == 1995
    assert transfer["family_may_be_informed"] is False
    assert transfer["other_names"] == [
        {"surname": "Kuzminov", "given_name": "Maksim", "patronymic": "", "script": "latn",
         "language": "", "transliteration": "icao"}
    ]  # fmt: skip
    assert transfer["service_number"].startswith("=")  # JSON is data, not a spreadsheet
    assert [r["change"] for r in document["records"]] == ["status_event"] * 2 + ["record"] * 2
    # Staff are named by role only.
    assert "dave" not in json.dumps(document) and "carol" not in json.dumps(document)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_no_health_notes_sources_or_graves_leak(dave, carol, registry, fmt) -> None:
    content = registry_export_download(actor=dave, export=_approved(dave, carol, fmt))
    text = content.decode("utf-8-sig")
    for secret in SECRETS:
        assert secret not in text, secret
    assert "Староверов" not in text  # nothing of his changed since the date


def test_every_step_is_audited(dave, carol, registry) -> None:
    export = _approved(dave, carol, "csv")
    registry_export_download(actor=dave, export=export)
    [draft] = AuditEvent.objects.filter(action="registry_export.draft")
    assert draft.actor == dave and draft.detail == {"since": SINCE.isoformat(), "format": "csv"}
    [approve] = AuditEvent.objects.filter(action="registry_export.approve")
    assert approve.actor == carol and approve.object_id == str(export.pk)
    assert approve.detail["rows"] == 4 and approve.detail["sha256"] == export.sha256
    assert approve.detail["drafted_by"] == dave.pk
    exported = AuditEvent.objects.filter(action="person.export")
    expected = {registry[k].pk for k in ("moved", "corrected", "new")}
    assert {int(e.object_id) for e in exported} == expected
    assert all(e.detail == {"export": export.pk} for e in exported)
    assert AuditEvent.objects.filter(action="registry_export.download").count() == 1


def test_a_start_date_in_the_future_is_refused(dave) -> None:
    with pytest.raises(RegistryRefused, match=r"Начальная дата ещё не наступила"):
        registry_export_draft(actor=dave, since=timezone.localdate() + timedelta(days=1),
                              format="csv")  # fmt: skip


# The console pages.

EXPORTERS = ["carol", "dave"]
NOT_EXPORTERS = ["alice", "bob", "erin", "frank", "mallory"]


@pytest.mark.parametrize("user", NOT_EXPORTERS)
def test_these_users_are_refused_the_pages(user, request, client, dave, sam) -> None:
    export = _approved(dave, sam, "csv")
    login_staff(client, request.getfixturevalue(user))
    assert client.get(reverse("registry:exports")).status_code == 403
    assert client.post(reverse("registry:export_draft"), {"since": SINCE}).status_code == 403
    assert client.get(reverse("registry:export_download", args=[export.pk])).status_code == 403
    assert client.post(reverse("registry:export_approve", args=[export.pk])).status_code == 403


def test_the_registrar_may_not_approve_on_the_page(client, dave, carol) -> None:
    export = registry_export_draft(actor=carol, since=SINCE, format="csv")
    login_staff(client, dave)
    assert client.post(reverse("registry:export_approve", args=[export.pk])).status_code == 403


def test_draft_approve_download_through_the_pages(client, dave, carol, registry) -> None:
    login_staff(client, dave)
    page = client.get(reverse("registry:exports"))
    assert page.status_code == 200
    response = client.post(reverse("registry:export_draft"),
                           {"since": SINCE.isoformat(), "format": "json"})  # fmt: skip
    assert response.status_code == 302
    export = RegistryExport.objects.get()
    # Not approved yet: no file, and the drafter is not offered the approve button.
    download = reverse("registry:export_download", args=[export.pk])
    response = client.get(download, follow=True)
    assert response.redirect_chain and b"not approved" in response.content
    assert reverse("registry:export_approve", args=[export.pk]) not in response.content.decode()

    client.logout()
    login_staff(client, carol)
    page = client.get(reverse("registry:exports")).content.decode()
    assert reverse("registry:export_approve", args=[export.pk]) in page
    assert client.post(reverse("registry:export_approve", args=[export.pk])).status_code == 302
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert export.filename.encode() in response["Content-Disposition"].encode()
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"
    export.refresh_from_db()
    assert hashlib.sha256(response.content).hexdigest() == export.sha256
    page = client.get(reverse("registry:exports")).content.decode()
    assert "4 rows" in page and "downloaded 1 time" in page


def test_the_drafter_is_told_on_the_page(client, carol) -> None:
    export = registry_export_draft(actor=carol, since=SINCE, format="csv")
    login_staff(client, carol)
    response = client.post(reverse("registry:export_approve", args=[export.pk]), follow=True)
    assert "A second person must approve" in response.content.decode()
    export.refresh_from_db()
    assert not export.is_approved


def test_draft_form_errors(client, dave) -> None:
    login_staff(client, dave)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(reverse("registry:export_draft"), {"since": future, "format": "csv"})
    assert response.status_code == 400
    assert "since" in response.context["form"].errors
    response = client.post(reverse("registry:export_draft"), {"since": "x", "format": "xml"})
    assert set(response.context["form"].errors) == {"since", "format"}
    assert not RegistryExport.objects.exists()


def test_unknown_export_is_404(client, carol) -> None:
    login_staff(client, carol)
    assert client.get(reverse("registry:export_download", args=[4242])).status_code == 404
    assert client.post(reverse("registry:export_approve", args=[4242])).status_code == 404


def test_the_registry_page_links_to_exports_for_exporters_only(client, dave, bob) -> None:
    login_staff(client, dave)
    assert reverse("registry:exports") in client.get(reverse("registry:search")).content.decode()
    client.logout()
    login_staff(client, bob)
    body = client.get(reverse("registry:search")).content.decode()
    assert reverse("registry:exports") not in body


def test_a_date_before_1900_is_refused_with_a_message(client, dave) -> None:
    login_staff(client, dave)
    response = client.post(
        reverse("registry:export_draft"), {"since": "0001-01-01", "format": "csv"}
    )
    assert response.status_code in {200, 400}
    assert "1900" in response.content.decode()
    assert not RegistryExport.objects.exists()


def test_the_services_take_every_field_and_the_export_only_the_named_plain_ones() -> None:
    """A field added to Person reaches the registry services at once, an agency only when named."""
    assert PERSON_FIELDS == PERSON_RECORD_FIELDS
    assert not set(PERSON_SENSITIVE_FIELDS) & set(exports.COLUMNS)
    assert set(exports.PERSON_COLUMNS) <= set(PERSON_RECORD_FIELDS)
    assert "sex" not in exports.COLUMNS and "inform_family" not in exports.COLUMNS
