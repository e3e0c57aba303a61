"""The console's import screens: upload, mapping, the batch with its bands and bad rows, the
rows for a decision beside their candidates, apply, undo; refusals and bad files."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry.imports import import_mapping_save
from lifeline.registry.models import ImportBatch, ImportRow, ImportUpload, Person
from lifeline.registry.services import person_update
from tests.factories import create_user, login_staff

pytestmark = pytest.mark.django_db

HEADER = "ФИО;Дата рождения;В/ч;Статус;Дата статуса;Латиницей"
COLUMNS = {
    "col_0": "full_name",
    "col_1": "birth_date",
    "col_2": "unit",
    "col_3": "status",
    "col_4": "status_date",
    "col_5": "other_names",
}
OPTIONS = {
    "source_kind": "official_list",
    "source_reliability": "medium",
    "verification": "reported",
    "source_title": "",
    "name_language": "ru",
}
ROWS = [
    "Кузьминов Максим Сергеевич;14.03.1995;в/ч 12345;в плену;01.02.2024;Kuzminov Maksim",  # same
    "Кузьминов Максим;1994;;в плену;;",  # for a decision
    "Петренко Иван Олегович;1990;в/ч 54321;в плену;;Petrenko Ivan",  # new
    ";1990;;;;",  # no name
    "Сидоров Пётр;32.13.1990;;;;",  # no such date
]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _csv(*lines: str) -> bytes:
    """An Excel-made CSV: cp1251, semicolons, CRLF."""
    return "\r\n".join([HEADER, *lines, ""]).encode("cp1251")


def _upload(client: Any, data: bytes, name: str = "list.csv", **extra: str) -> Any:
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(reverse("registry:import_upload"), {"file": file, **extra})


def _mapping_url(response: Any) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def _match(client: Any, url: str, **extra: str) -> Any:
    return client.post(url, {**COLUMNS, **OPTIONS, "action": "match", **extra})


def _batch(client: Any, kuzminov: Person) -> ImportBatch:
    url = _mapping_url(_upload(client, _csv(*ROWS)))
    response = _match(client, url)
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.get()


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["alice", "bob", "carol", "erin", "frank", "mallory"])
def test_these_users_are_refused_the_import_screens(user: str, request: Any, client: Any) -> None:
    login_staff(client, request.getfixturevalue(user))
    assert client.get(reverse("registry:imports")).status_code == 403
    assert _upload(client, _csv(*ROWS)).status_code == 403
    assert not ImportUpload.objects.exists()


def test_an_upload_is_its_uploaders_only(registrar: Any) -> None:
    url = _mapping_url(_upload(registrar, _csv(*ROWS)))
    assert registrar.get(url).status_code == 200
    registrar.logout()
    login_staff(registrar, create_user("dora", roles=["registrar"]))
    assert registrar.get(url).status_code == 404


# --- Upload and mapping -----------------------------------------------------------------------


def test_upload_shows_how_the_file_was_read_and_each_column_with_its_first_rows(
    registrar: Any,
) -> None:
    response = registrar.get(_mapping_url(_upload(registrar, _csv(*ROWS))))
    text = _text(response)
    assert response.status_code == 200
    assert "CSV, encoding cp1251, delimiter ;" in text
    assert "ФИО" in text and "Кузьминов Максим Сергеевич" in text and "14.03.1995" in text
    assert AuditEvent.objects.filter(action="import.upload").count() == 1


def test_the_encoding_and_delimiter_can_be_overridden(registrar: Any) -> None:
    url = _mapping_url(_upload(registrar, _csv(*ROWS)))
    response = registrar.get(url, {"encoding": "koi8-r", "delimiter": "tab"})
    text = _text(response)
    assert "CSV, encoding koi8-r, delimiter tab" in text
    assert "Кузьминов" not in text  # cp1251 read as KOI8-R is not Cyrillic that reads


def test_a_workbook_offers_its_sheets(registrar: Any) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["just", "notes"])
    sheet = book.create_sheet("Пленные")
    sheet.append(["Фамилия", "Имя"])
    sheet.append(["Кузьминов", "Максим"])
    out = io.BytesIO()
    book.save(out)
    url = _mapping_url(_upload(registrar, out.getvalue(), name="list.xlsx"))
    first = _text(registrar.get(url))
    assert "XLSX, sheet “Notes”" in first and '<option value="Пленные">' in first
    second = _text(registrar.get(url, {"sheet": "Пленные"}))
    assert "XLSX, sheet “Пленные”" in second and "Кузьминов" in second


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The submitted file is empty."),
        ("blank.csv", b"   \r\n  ", "The file is empty."),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel (.xls) file"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 50, "not a spreadsheet"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_a_file_that_is_not_a_list_is_refused_with_a_sentence(
    registrar: Any, name: str, data: bytes, message: str
) -> None:
    response = _upload(registrar, data, name=name)
    assert response.status_code == 400
    assert message in _text(response)
    assert not ImportUpload.objects.exists()


def test_a_file_over_the_size_limit_is_refused(registrar: Any, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 100
    response = _upload(registrar, _csv(*ROWS))
    assert response.status_code == 400
    assert "The file is too large" in _text(response)


def test_the_preview_shows_the_first_rows_as_read(registrar: Any) -> None:
    url = _mapping_url(_upload(registrar, _csv(*ROWS)))
    response = registrar.post(url, {**COLUMNS, **OPTIONS, "action": "preview"})
    text = _text(response)
    assert response.status_code == 200
    # The full name split into its parts; a year alone; the status by its name.
    assert "<td>Кузьминов</td> <td>Максим</td> <td>Сергеевич</td>" in text
    assert "Kuzminov Maksim" in text and "14.03.1995" in text and "held" in text
    assert "“32.13.1990” is not a date that exists." in text
    assert "The row gives no surname." in text
    assert not ImportBatch.objects.exists()


def test_a_mapping_without_a_name_column_or_with_a_field_twice_is_refused(registrar: Any) -> None:
    url = _mapping_url(_upload(registrar, _csv(*ROWS)))
    response = registrar.post(url, {**OPTIONS, "col_1": "birth_date", "action": "match"})
    assert response.status_code == 400
    assert "Map a column to the surname or to the full name" in _text(response)
    twice = registrar.post(url, {**OPTIONS, "col_0": "full_name", "col_1": "full_name"})
    assert twice.status_code == 400
    assert "Full name is already read from column 1." in _text(twice)
    assert not ImportBatch.objects.exists()


def test_a_mapping_is_saved_by_name_and_picked_again(registrar: Any) -> None:
    url = _mapping_url(_upload(registrar, _csv(*ROWS)))
    response = registrar.post(
        url, {**COLUMNS, **OPTIONS, "save_as": "Unit lists", "action": "save"}
    )
    assert response.status_code == 302
    picked = _text(registrar.get(response["Location"]))
    assert "Mapping “Unit lists” saved." in picked
    assert '<option value="full_name" selected>' in picked
    assert '<option value="other_names" selected>' in picked


def test_a_saved_mapping_that_does_not_fit_the_file_says_which_column_is_missing(
    registrar: Any,
) -> None:
    saved = import_mapping_save(actor=SYSTEM, name="Other", columns={"surname": "Фамилия"})
    url = _mapping_url(_upload(registrar, _csv(*ROWS)))
    response = registrar.get(url, {"mapping": saved.pk})
    assert response.status_code == 200
    assert '<option value="surname" selected>' not in _text(response)


# --- The batch --------------------------------------------------------------------------------


def test_matching_gives_the_counts_per_band_and_lists_the_bad_rows(
    registrar: Any, kuzminov: Person
) -> None:
    batch = _batch(registrar, kuzminov)
    assert not ImportUpload.objects.exists()  # the batch holds what was read; the file goes
    assert batch.counts["same"] == 1 and batch.counts["review"] == 1
    assert batch.counts["new"] == 1 and batch.counts["invalid"] == 2
    text = _text(registrar.get(reverse("registry:import_batch", args=[batch.pk])))
    assert re.search(r'data-band="same">1<', text) and re.search(r'data-band="review">1<', text)
    assert re.search(r'data-band="new">1<', text) and re.search(r'data-band="invalid">2<', text)
    assert "<td>5</td><td>The row gives no surname.</td>" in text
    assert "<td>6</td><td>“32.13.1990” is not a date that exists.</td>" in text
    assert "1 row waits for a decision" in text


def test_bad_rows_download_as_csv_and_xlsx(registrar: Any, kuzminov: Person) -> None:
    batch = _batch(registrar, kuzminov)
    csv = registrar.get(reverse("registry:import_bad_rows", args=[batch.pk, "csv"]))
    assert csv.status_code == 200 and "attachment" in csv["Content-Disposition"]
    content = csv.content.decode("utf-8-sig")
    assert (
        "Line" in content and "Сидоров Пётр" in content and "The row gives no surname." in content
    )
    xlsx = registrar.get(reverse("registry:import_bad_rows", args=[batch.pk, "xlsx"]))
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert (
        registrar.get(reverse("registry:import_bad_rows", args=[batch.pk, "pdf"])).status_code
        == 404
    )


def test_rows_for_a_decision_stand_beside_their_candidate_with_the_explanation(
    registrar: Any, kuzminov: Person
) -> None:
    batch = _batch(registrar, kuzminov)
    response = registrar.get(reverse("registry:import_rows", args=[batch.pk]), {"band": "review"})
    text = _text(response)
    assert "Line 3" in text and "Кузьминов Максим" in text
    assert "Кузьминов Максим Сергеевич" in text and "14.03.1995" in text and "в/ч 12345" in text
    assert "Surname" in text and "same surname" in text or "same name" in text
    assert f'value="same:{kuzminov.pk}"' in text
    # The candidates shown are audited as read, for this purpose.
    assert AuditEvent.objects.filter(
        action="person.view", object_id=str(kuzminov.pk), detail__purpose="import_review"
    ).exists()


def test_the_explanation_is_in_the_console_language(
    registrar: Any, kuzminov: Person, dave: Any
) -> None:
    batch = _batch(registrar, kuzminov)
    dave.console_language = "ru"
    dave.save(update_fields=["console_language"])
    text = _text(
        registrar.get(reverse("registry:import_rows", args=[batch.pk]), {"band": "review"})
    )
    assert "Фамилия" in text and "Строка 3" in text


def test_apply_is_refused_while_rows_wait_then_decided_it_applies_and_can_be_undone(
    registrar: Any, kuzminov: Person
) -> None:
    batch = _batch(registrar, kuzminov)
    apply = reverse("registry:import_apply", args=[batch.pk])
    refused = registrar.post(apply, follow=True)
    assert "1 row waits for a decision (line 3)." in _text(refused)
    assert ImportBatch.objects.get(pk=batch.pk).state == "preview"

    decide = reverse("registry:import_row_decide", args=[batch.pk, 3])
    response = registrar.post(decide, {"decision": f"same:{kuzminov.pk}", "band": "review"})
    assert response.status_code == 302 and response["Location"].endswith("#line-3")
    assert ImportRow.objects.get(batch=batch, line=3).target_id == kuzminov.pk

    applied = _text(registrar.post(apply, follow=True))
    assert "Applied. Persons created: 1; added to: 2; with nothing new: 0; left out: 0." in applied
    batch.refresh_from_db()
    assert batch.state == "applied"
    assert Person.objects.filter(surname="Петренко").exists()
    assert "Undo the import" in applied

    undone = _text(registrar.post(reverse("registry:import_undo", args=[batch.pk]), follow=True))
    assert "The import was undone" in undone
    assert not Person.objects.filter(surname="Петренко").exists()
    assert ImportBatch.objects.get(pk=batch.pk).state == "undone"


def test_apply_may_hold_the_undecided_rows_in_a_new_import(
    registrar: Any, kuzminov: Person
) -> None:
    batch = _batch(registrar, kuzminov)
    text = _text(
        registrar.post(
            reverse("registry:import_apply", args=[batch.pk]), {"hold": "1"}, follow=True
        )
    )
    held = ImportBatch.objects.get(held_from=batch)
    assert f"1 row waits for a decision in import {held.pk}." in text
    assert ImportBatch.objects.get(pk=batch.pk).state == "applied"
    assert held.rows.get().line == 3


def test_undo_is_refused_once_a_person_was_touched(registrar: Any, kuzminov: Person) -> None:
    batch = _batch(registrar, kuzminov)
    registrar.post(reverse("registry:import_apply", args=[batch.pk]), {"hold": "1"})
    created = Person.objects.get(surname="Петренко")
    person_update(actor=SYSTEM, person=created, data={"rank": "рядовой"})
    text = _text(registrar.post(reverse("registry:import_undo", args=[batch.pk]), follow=True))
    assert (
        "The import cannot be undone" in text and "line 4: the person's record was changed" in text
    )
    assert ImportBatch.objects.get(pk=batch.pk).state == "applied"


def test_a_proposed_band_can_be_overridden(registrar: Any, kuzminov: Person) -> None:
    batch = _batch(registrar, kuzminov)
    page = _text(registrar.get(reverse("registry:import_rows", args=[batch.pk]), {"band": "same"}))
    assert "Line 2" in page and 'value="new"' in page
    registrar.post(
        reverse("registry:import_row_decide", args=[batch.pk, 2]),
        {"decision": "new", "band": "same"},
    )
    registrar.post(reverse("registry:import_row_decide", args=[batch.pk, 3]), {"decision": "skip"})
    registrar.post(reverse("registry:import_apply", args=[batch.pk]))
    assert Person.objects.filter(surname="Кузьминов").count() == 2


def test_a_bad_decision_is_refused_without_a_500(registrar: Any, kuzminov: Person) -> None:
    batch = _batch(registrar, kuzminov)
    decide = reverse("registry:import_row_decide", args=[batch.pk, 3])
    for bad in ("", "maybe", "same:abc", "same:999999"):
        response = registrar.post(decide, {"decision": bad}, follow=True)
        assert response.status_code == 200, bad
    assert not ImportRow.objects.get(batch=batch, line=3).decision
    invalid = reverse("registry:import_row_decide", args=[batch.pk, 5])
    text = _text(registrar.post(invalid, {"decision": "new"}, follow=True))
    assert "A row that cannot be imported cannot be decided on." in text
    missing = reverse("registry:import_row_decide", args=[batch.pk, 99])
    assert registrar.post(missing, {"decision": "new"}).status_code == 404


def test_a_preview_can_be_dropped_and_an_applied_one_not_again(
    registrar: Any, kuzminov: Person
) -> None:
    batch = _batch(registrar, kuzminov)
    registrar.post(reverse("registry:import_discard", args=[batch.pk]))
    assert ImportBatch.objects.get(pk=batch.pk).state == "discarded"
    text = _text(registrar.post(reverse("registry:import_apply", args=[batch.pk]), follow=True))
    assert "it can no longer be changed" in text


def test_the_list_shows_imports_newest_first_with_their_counts(
    registrar: Any, kuzminov: Person
) -> None:
    first = _batch(registrar, kuzminov)
    url = _mapping_url(_upload(registrar, _csv(ROWS[2]), name="second.csv"))
    _match(registrar, url)
    second = ImportBatch.objects.exclude(pk=first.pk).get()
    text = _text(registrar.get(reverse("registry:imports")))
    assert text.index("second.csv") < text.index("list.csv")
    assert f'href="/console/registry/imports/{second.pk}/"' in text


def test_the_upload_may_be_larger_than_other_requests(registrar: Any, settings: Any) -> None:
    settings.LIFELINE_MAX_BODY_BYTES = 1024
    big = _csv(*(ROWS[2] for _ in range(100)))
    assert len(big) > 2048
    assert _upload(registrar, big).status_code == 302
    other = registrar.post(reverse("registry:person_create"), {"surname": "x" * 4096})
    assert other.status_code == 413
