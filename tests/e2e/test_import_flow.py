"""End to end in headless Chromium, script off: a registrar imports a list of persons from an
Excel-made CSV, from the upload to the applied batch, deciding the one doubtful row."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lifeline.registry.models import ImportBatch, Person
from tests.e2e.conftest import staff_logs_in, staff_with_device
from tests.factories import create_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIST = (
    "ФИО;Дата рождения;В/ч;Статус;Дата статуса\r\n"
    "Кузьминов Максим Сергеевич;14.03.1995;в/ч 12345;в плену;01.02.2024\r\n"
    "Кузьминов Максим;1994;;в плену;\r\n"
    "Петренко Иван Олегович;1990;в/ч 54321;в плену;\r\n"
    ";1990;;;\r\n"
)


def _registrar_logs_in(page: Any, base: str) -> None:
    staff_with_device("dave", "registrar")
    staff_logs_in(page, base, "dave", lands_on=r"/console/registry/$")


def test_a_registrar_imports_a_list_from_upload_to_applied_batch(
    browser: Any, live_url: str, tmp_path: Path
) -> None:
    kuzminov = create_person(
        surname="Кузьминов", birth_year=1995, birth_month=3, birth_day=14, unit="в/ч 12345"
    )
    file = tmp_path / "список.csv"
    file.write_bytes(LIST.encode("cp1251"))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _registrar_logs_in(page, live_url)

    page.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import persons from a file").click()
    page.locator("input[name=file]").set_input_files(str(file))
    page.get_by_role("button", name="Upload and read").click()
    page.get_by_text("CSV, encoding cp1251, delimiter ;").wait_for()

    page.get_by_label("ФИО").select_option("full_name")
    page.get_by_label("Дата рождения").select_option("birth_date")
    page.get_by_label("В/ч").select_option("unit")
    page.get_by_label("Статус", exact=True).select_option("status")
    page.get_by_label("Дата статуса").select_option("status_date")
    page.get_by_role("button", name="Show the first rows as read").click()
    preview = page.locator("table.preview").inner_text()
    assert "Петренко" in preview and "The row gives no surname." in preview

    page.locator("input[name=save_as]").fill("Unit lists")
    page.get_by_role("button", name="Match against the registry").click()
    page.wait_for_url(re.compile(r"/console/registry/imports/\d+/$"))
    assert page.locator("[data-band=same]").inner_text() == "1"
    assert page.locator("[data-band=review]").inner_text() == "1"
    assert page.locator("[data-band=new]").inner_text() == "1"
    assert page.locator("[data-band=invalid]").inner_text() == "1"

    page.get_by_role("button", name="Apply the rest now").wait_for()
    page.get_by_role("link", name="Decide them").click()
    row = page.locator("#line-3")
    assert "Кузьминов Максим Сергеевич" in row.inner_text()
    row.locator(f"input[value='same:{kuzminov.pk}']").check()
    row.get_by_role("button", name="Decide line 3").click()
    page.get_by_text("Line 3: the same person.").wait_for()

    page.get_by_role("link", name="Back to the import, to apply it").click()
    page.get_by_role("button", name="Apply the import").click()
    page.get_by_text("Applied. Persons created: 1; added to: 2;").wait_for()
    page.get_by_role("button", name="Undo the import").wait_for()

    batch = ImportBatch.objects.get()
    assert batch.state == "applied" and batch.mapping is not None
    assert Person.objects.filter(surname="Петренко").count() == 1
    assert Person.objects.filter(surname="Кузьминов").count() == 1
    # Held since 01.02.2024 (line 2) and held, no date given (line 3): two reports.
    assert kuzminov.status_events.count() == 2

    page.get_by_role("link", name="Imports", exact=True).click()
    assert "список.csv" in page.locator("table.imports").inner_text()
    context.close()
