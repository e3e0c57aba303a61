"""The list screens: upload -> result table -> confirm or reject -> download, in the console's
language, without script, behind CSRF; refused to those who may not read the registry."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lifeline.core.actions import Action
from lifeline.core.models import AuditEvent
from lifeline.registry.models import ListMatch, ListMatchRow, NameForm, Person, StatusEvent
from tests.factories import create_person, login_staff
from tests.registry.test_lists import LIST, exchange_csv

pytestmark = pytest.mark.django_db

NOT_READERS = ["alice", "frank", "mallory"]


@pytest.fixture
def kuzminov(db: Any) -> Person:
    return create_person(
        "Кузьминов",
        given_name="Максим",
        patronymic="Сергеевич",
        birth_year=1995,
        birth_month=3,
        birth_day=14,
        unit="в/ч 12345",
        status="held",
    )


def _upload(client: Client, data: bytes = LIST, **fields: str) -> Any:
    values = {
        "file": SimpleUploadedFile("обмен.csv", data, content_type="text/csv"),
        "kind": "exchange",
        "full_name": "фио",  # headers in any case
        "birth_date": "Дата рождения",
        **fields,
    }
    return client.post(reverse("registry:lists"), values)


def _counts() -> tuple[int, int, int]:
    return Person.objects.count(), NameForm.objects.count(), StatusEvent.objects.count()


def test_a_list_goes_from_upload_to_a_russian_result_table_and_a_decision(
    client: Client, bob: Any, kuzminov: Person
) -> None:
    bob.console_language = "ru"
    bob.save(update_fields=["console_language"])
    login_staff(client, bob)
    before = _counts()
    response = _upload(client)
    listed = ListMatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:list", args=[listed.pk])
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<script" not in html
    assert "Список сверен. В реестр ничего не записано." in html
    assert "Кузьминов Максим Сергеевич" in html and "в плену" in html
    assert "вероятно, тот же человек" in html and "нет совпадений" in html
    assert "Дата рождения" in html and "та же дата" in html
    assert "same date" not in html and "birth_date" not in html
    # Filtered by band: only that band's rows.
    close = client.get(reverse("registry:list", args=[listed.pk]), {"band": "none"}).content
    assert "Кузьминов Максим Сергеевич" not in close.decode()
    assert "Абрамович" in close.decode()
    # "This is him": the row is confirmed, and the page says so.
    decided = client.post(
        reverse("registry:list_row_decide", args=[listed.pk, 2]),
        {"person": kuzminov.pk, "band": "same"},
    )
    assert decided.status_code == 302
    assert decided["Location"].endswith("?band=same#line-2")
    row = listed.rows.get(line=2)
    assert (row.decision, row.person) == ("confirmed", kuzminov)
    assert "✓ подтверждено" in client.get(decided["Location"]).content.decode()
    assert _counts() == before


def test_the_result_is_downloaded_as_xlsx_with_the_formula_guard(
    client: Client, carol: Any, kuzminov: Person
) -> None:
    login_staff(client, carol)
    _upload(client)
    listed = ListMatch.objects.get()
    response = client.get(reverse("registry:list_download", args=[listed.pk]), {"kind": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][5:8] == ["Line", "Result", "Decision"]
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://example.invalid")' in names
    assert not any(str(cell).startswith("=") for row in rows for cell in row if cell)
    assert AuditEvent.objects.filter(action=Action.LIST_DOWNLOAD, actor=carol).count() == 1
    bad = client.get(reverse("registry:list_download", args=[listed.pk]), {"kind": "exe"})
    assert bad.status_code == 302


def test_an_unreadable_file_or_a_missing_column_is_said_on_the_form(
    client: Client, erin: Any
) -> None:
    login_staff(client, erin)
    response = _upload(client, data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    assert response.status_code == 400
    assert "old Excel (.xls)" in response.content.decode()
    response = _upload(client, full_name="Фамилия Имя")
    assert response.status_code == 400
    assert "The file has no column “Фамилия Имя”" in response.content.decode()
    response = _upload(client, full_name="", birth_date="")
    assert response.status_code == 400
    assert "name the column of the full name or the surname" in response.content.decode()
    assert not ListMatch.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(erin: Any, kuzminov: Person) -> None:
    strict = Client(enforce_csrf_checks=True)
    login_staff(strict, erin)
    assert _upload(strict).status_code == 403
    assert not ListMatch.objects.exists()


@pytest.mark.parametrize("user", NOT_READERS)
def test_these_users_are_refused_every_list_page(
    user: str, request: pytest.FixtureRequest, client: Client, dave: Any, kuzminov: Person
) -> None:
    login_staff(client, dave)
    _upload(client)
    listed = ListMatch.objects.get()
    client.logout()
    login_staff(client, request.getfixturevalue(user))
    audited = AuditEvent.objects.count()
    gets = [
        reverse("registry:lists"),
        reverse("registry:list", args=[listed.pk]),
        reverse("registry:list_download", args=[listed.pk]) + "?kind=csv",
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = [
        reverse("registry:lists"),
        reverse("registry:list_row_decide", args=[listed.pk, 2]),
        reverse("registry:list_delete", args=[listed.pk]),
    ]
    for url in posts:
        assert client.post(url, {"decision": "rejected"}).status_code == 403, url
    assert AuditEvent.objects.count() == audited
    assert ListMatch.objects.count() == 1
    assert not ListMatchRow.objects.exclude(decision="").exists()


def test_deleting_a_list_takes_its_rows_and_leaves_the_registry(
    client: Client, bob: Any, kuzminov: Person
) -> None:
    login_staff(client, bob)
    _upload(client)
    listed = ListMatch.objects.get()
    before = _counts()
    response = client.post(reverse("registry:list_delete", args=[listed.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("registry:lists")
    assert not ListMatch.objects.exists() and not ListMatchRow.objects.exists()
    assert _counts() == before


def test_a_list_may_be_larger_than_other_requests(
    client: Client, bob: Any, kuzminov: Person, settings: Any
) -> None:
    settings.LIFELINE_MAX_BODY_BYTES = 1024
    login_staff(client, bob)
    big = exchange_csv(*(f"{n};Петренко Олег;1990;;" for n in range(7, 107)))
    assert len(big) > 2048
    assert _upload(client, big).status_code == 302
    assert client.post(reverse("registry:search"), {"q": "x" * 4096}).status_code == 413
