"""`lifeline import persons FILE --mapping NAME`: dry run, apply, held rows, bad rows, refusals."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from lifeline.cli import main
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry.imports import import_mapping_save
from lifeline.registry.models import ImportBatch, Person
from lifeline.registry.services import person_update
from lifeline.registry.sheets import sheet_read
from tests.factories import create_person

pytestmark = pytest.mark.django_db

ROWS = [
    "ФИО;Дата рождения;Статус",
    "Кузьминов Максим Сергеевич;14.03.1995;в плену",  # the registry's Kuzminov: proposed
    "Кузьминов Максим;;",  # maybe him: for a person to decide
    "Абрамович Роман Аркадьевич;24.10.1966;погиб",  # new
    ";1990;",  # no name
]


@pytest.fixture
def list_file(tmp_path: Path) -> Path:
    path = tmp_path / "пленные.csv"
    path.write_bytes("\r\n".join(ROWS).encode("cp1251"))
    return path


@pytest.fixture
def mapping(db: Any) -> None:
    create_person(
        surname="Кузьминов",
        given_name="Максим",
        patronymic="Сергеевич",
        birth_year=1995,
        birth_month=3,
        birth_day=14,
    )
    import_mapping_save(
        actor=SYSTEM,
        name="списки",
        columns={"full_name": "ФИО", "birth_date": "Дата рождения", "status": "Статус"},
    )


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", "persons", *args, "--quiet", stdout=out)
    return out.getvalue()


def test_a_dry_run_reports_the_bands_and_bad_rows_and_writes_nothing(
    list_file: Path, mapping: None
) -> None:
    persons, audit = Person.objects.count(), AuditEvent.objects.count()
    out = _run(str(list_file), "--mapping", "списки", "--dry-run")
    assert "Read as CSV, encoding cp1251, delimiter ;: 4 rows." in out
    assert "proposed as a person in the registry: 1" in out
    assert "for a person to decide:               1" in out
    assert "new persons:                          1" in out
    assert "line 5: The row gives no surname." in out
    assert "Dry run: nothing was written." in out
    assert (Person.objects.count(), AuditEvent.objects.count()) == (persons, audit)
    assert not ImportBatch.objects.exists()


def test_an_import_applies_new_and_proposed_rows_and_holds_the_rest(
    list_file: Path, mapping: None, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xlsx"
    out = _run(str(list_file), "--mapping", "списки", "--bad-rows", str(bad))
    assert "1 persons created, 1 added to" in out
    assert "1 rows wait for a person's decision in import batch" in out
    assert Person.objects.filter(surname="Абрамович", current_status="dead").exists()
    assert Person.objects.get(surname="Кузьминов").current_status == "held"
    applied = ImportBatch.objects.get(state="applied")
    held = ImportBatch.objects.get(state="preview")
    assert held.held_from == applied and list(held.rows.values_list("line", flat=True)) == [3]
    sheet = sheet_read(bad.read_bytes())
    assert sheet.rows[0].cells[-2:] == ("5", "The row gives no surname.")


def test_hold_proposed_and_preview_apply_less(list_file: Path, mapping: None) -> None:
    out = _run(str(list_file), "--mapping", "списки", "--hold-proposed")
    assert "1 persons created, 0 added to" in out and "2 rows wait" in out
    out = _run(str(list_file), "--mapping", "списки", "--preview")
    assert "is kept as a preview" in out


def test_a_bad_file_or_mapping_or_user_is_refused_in_words(
    list_file: Path, mapping: None, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="No mapping named 'нет'. Saved: списки"):
        _run(str(list_file), "--mapping", "нет")
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    with pytest.raises(CommandError, match="not a spreadsheet"):
        _run(str(png), "--mapping", "списки")
    with pytest.raises(CommandError, match="No active user 'ghost'"):
        _run(str(list_file), "--mapping", "списки", "--user", "ghost")
    assert not ImportBatch.objects.exists()


def test_a_user_without_the_right_is_refused(list_file: Path, mapping: None, bob: Any) -> None:
    with pytest.raises(Exception, match="registry.edit"):
        _run(str(list_file), "--mapping", "списки", "--user", "bob")


def test_the_lifeline_command_has_import_persons(
    list_file: Path, mapping: None, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["import", "persons", str(list_file), "--mapping", "списки", "--dry-run", "--quiet"])
    assert "Dry run: nothing was written." in capsys.readouterr().out


def test_an_applied_import_is_undone_from_the_command_line(
    list_file: Path, mapping: None, dave: Any
) -> None:
    before = Person.objects.count()
    out = _run(str(list_file), "--mapping", "списки", "--user", "dave")
    batch = ImportBatch.objects.get(held_from=None)
    assert f"lifeline import undo {batch.pk}" in out
    assert Person.objects.count() == before + 1
    undo = io.StringIO()
    call_command("import", "undo", str(batch.pk), "--user", "dave", stdout=undo)
    assert f"Import batch {batch.pk} undone: 1 persons deleted, 1 put back" in undo.getvalue()
    assert Person.objects.count() == before
    assert Person.objects.get(surname="Кузьминов").current_status == "missing"
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.UNDONE
    assert AuditEvent.objects.get(action="import.undo").actor == dave
    with pytest.raises(CommandError, match="Only an applied import can be undone"):
        call_command("import", "undo", str(batch.pk))
    with pytest.raises(CommandError, match="No import batch 999999"):
        call_command("import", "undo", "999999")


def test_an_undo_after_a_change_is_refused_in_words(list_file: Path, mapping: None) -> None:
    _run(str(list_file), "--mapping", "списки")
    batch = ImportBatch.objects.get(held_from=None)
    person = Person.objects.get(surname="Абрамович")
    person_update(actor=SYSTEM, person=person, data={"rank": "майор"})
    with pytest.raises(CommandError, match="line 4: the person's record was changed"):
        call_command("import", "undo", str(batch.pk))
    assert Person.objects.filter(pk=person.pk).exists()
