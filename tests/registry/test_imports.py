"""Bulk import of persons: rows read and checked, matched into bands, applied, undone, refused."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.demo.names import generate_persons
from lifeline.matching import blocking
from lifeline.registry import imports, matchkeys
from lifeline.registry.importing import MappingRefused, error_text, partial_date
from lifeline.registry.imports import (
    ImportRefused,
    import_batch_apply,
    import_batch_preview,
    import_batch_touched,
    import_batch_undo,
    import_mapping_save,
    import_preview,
    import_row_decide,
)
from lifeline.registry.models import (
    ImportBatch,
    ImportRow,
    MatchKey,
    NameForm,
    Person,
    Source,
    StatusEvent,
)
from lifeline.registry.selectors import import_bad_rows_file_for, import_rows_for
from lifeline.registry.services import person_merge, person_update, status_event_add
from lifeline.registry.sheets import sheet_read
from lifeline.tracing.models import MatchCandidate
from tests.factories import create_person
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in the console's default language, unless a test asks for another."""
    with translation.override("en"):
        yield


COLUMNS = {
    "full_name": "ФИО",
    "birth_date": "Дата рождения",
    "rank": "Звание",
    "unit": "В/ч",
    "status": "Статус",
    "status_date": "Дата статуса",
    "place": "Место",
    "other_names": ["Латиницей"],
}
HEADER = "ФИО;Дата рождения;Звание;В/ч;Статус;Дата статуса;Место;Латиницей"


def _csv(*lines: str) -> bytes:
    """An Excel-made CSV: cp1251, semicolons, CRLF."""
    return "\r\n".join([HEADER, *lines, ""]).encode("cp1251")


def _preview(data: bytes, actor: Any = SYSTEM, **extra: Any) -> ImportBatch:
    return import_batch_preview(
        actor=actor, data=data, filename="list.csv", columns=COLUMNS, **extra
    )


# --- Reading rows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1995", (1995, None, None)),
        ("03.1995", (1995, 3, None)),
        ("14.03.1995", (1995, 3, 14)),
        ("14/03/1995", (1995, 3, 14)),
        ("1995-03-14", (1995, 3, 14)),
        ("1995-03", (1995, 3, None)),
        ("34772", (1995, 3, 14)),  # Excel's day number, as text in a CSV
        (34772, (1995, 3, 14)),
        (34772.0, (1995, 3, 14)),
        (1995, (1995, None, None)),  # a number from 1800 to 2100 is a year
    ],
)
def test_dates_of_birth_in_full_or_in_part(cell: Any, expected: tuple[Any, ...]) -> None:
    assert partial_date(cell) == expected


def test_a_file_with_five_percent_bad_rows_keeps_its_good_rows_and_says_what_is_wrong(
    kuzminov: Person,
) -> None:
    people = generate_persons(57, seed=15)
    good = [
        f"{p.surname} {p.given_name} {p.patronymic};{p.birth_year};{p.rank};{p.unit};в плену;;;"
        for p in people
    ]
    bad = [
        ";1990;;;;;;",  # no name
        "Сидоров Пётр;32.13.1990;;;;;;",  # no such date
        "Сидоров Пётр;;;;на луне;;;",  # no such status
        "Сидоров Пётр;;;;;01.02.2024;;",  # a status date without a status
    ]
    preview = import_preview(
        actor=SYSTEM, data=_csv(*good[:30], *bad[:2], *good[30:], *bad[2:]), columns=COLUMNS
    )
    assert preview.counts["rows"] == 61 and preview.counts["invalid"] == 4  # 6.5 %
    assert preview.counts["new"] + preview.counts["review"] + preview.counts["same"] == 57
    assert preview.counts["same"] == 0 and len(preview.matches) == 57
    with translation.override("en"):
        messages = {row.line: [error_text(e) for e in row.errors] for row in preview.bad_rows}
    assert messages == {
        32: ["The row gives no surname."],
        33: ["“32.13.1990” is not a date that exists."],
        61: [
            "“на луне” is not a status. The statuses: captured, held, transferred, hospitalised,"
            " released, repatriated, exchanged, handed over, resettled, escaped, missing, dead."
        ],
        62: ["Status date is given, but no status for it to belong to."],
    }


def test_a_row_problem_reads_in_the_console_language() -> None:
    preview = import_preview(actor=SYSTEM, data=_csv(";1990;;;;;;"), columns=COLUMNS)
    [row] = preview.bad_rows
    with translation.override("ru"):
        assert error_text(row.errors[0]) == "В строке нет фамилии."
    with translation.override("uk"):
        assert error_text(row.errors[0]) == "У рядку немає прізвища."


def test_a_mapping_that_names_a_missing_column_or_no_name_is_refused() -> None:
    with pytest.raises(MappingRefused, match="no column “Фамилия”"):
        import_preview(actor=SYSTEM, data=_csv(), columns={"surname": "Фамилия"})
    with pytest.raises(MappingRefused, match="a person needs a name"):
        import_mapping_save(actor=SYSTEM, name="x", columns={"rank": "Звание"})


def test_a_saved_mapping_is_reused_by_name(dave: Any) -> None:
    mapping = import_mapping_save(
        actor=dave, name="Списки обмена", columns=COLUMNS, options={"verification": "probable"}
    )
    again = import_mapping_save(actor=dave, name="Списки обмена", columns=COLUMNS)
    assert again.pk == mapping.pk and again.options["verification"] == "reported"
    batch = import_batch_preview(actor=dave, data=_csv("Иванов Иван;1990;;;;;;"), mapping=mapping)
    assert batch.mapping == mapping and batch.counts["new"] == 1


# --- Bands ----------------------------------------------------------------------------------


def test_rows_fall_in_bands_before_anything_is_written(kuzminov: Person) -> None:
    persons = Person.objects.count()
    batch = _preview(
        _csv(
            "Кузьминов Максим Сергеевич;14.03.1995;рядовой;в/ч 12345;в плену;02.03.2024;;"
            "Kuzminov Maksim",
            "Кузьминов Максим;;;;;;;",
            "Абрамович Роман Аркадьевич;24.10.1966;;;;;;",
        )
    )
    rows = {row.line: row for row in batch.rows.all()}
    assert rows[2].band == ImportRow.Band.SAME and rows[2].candidate == kuzminov
    assert rows[2].score is not None and rows[2].score >= 0.9
    assert rows[2].candidates[0]["person"] == kuzminov.pk
    assert {f["field"] for f in rows[2].candidates[0]["fields"]} >= {"surname", "birth_date"}
    assert rows[3].band == ImportRow.Band.REVIEW and rows[3].candidate == kuzminov
    assert rows[3].twin_line == 2  # and it matches line 2 of the same file
    assert rows[4].band == ImportRow.Band.NEW and rows[4].candidate is None
    assert Person.objects.count() == persons  # a preview writes nothing to the registry


def test_two_rows_of_one_file_for_one_man_go_to_a_person(db: Any) -> None:
    batch = _preview(
        _csv("Гаврилюк Тарас Петрович;1990;;;;;;", "Гаврилюк Тарас Петрович;1990;;;;;;")
    )
    rows = {row.line: row for row in batch.rows.all()}
    assert rows[2].band == ImportRow.Band.NEW and rows[2].twin_line == 3
    assert rows[3].band == ImportRow.Band.REVIEW and rows[3].twin_line == 2
    assert batch.counts["twins"] == 2


# --- Applying -------------------------------------------------------------------------------


def test_applying_creates_persons_and_adds_to_the_same_one_through_the_services(
    dave: Any, kuzminov: Person
) -> None:
    batch = _preview(
        _csv(
            "Кузьминов Максим Сергеевич;14.03.1995;рядовой;в/ч 12345;в плену;02.03.2024;Курск;"
            "Kuzminov Maksim",
            "Абрамович Роман Аркадьевич;24.10.1966;;;погиб;;;",
            "Сидоров Пётр;32.13.1990;;;;;;",
        ),
        actor=dave,
    )
    applied = import_batch_apply(actor=dave, batch=batch)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and applied.held is None
    assert batch.counts["applied"] == {
        "created": 1,
        "added": 1,
        "unchanged": 0,
        "skipped": 0,
        "undone": 0,
    }
    kuzminov.refresh_from_db()
    assert kuzminov.current_status == "held"  # "в плену"
    assert {f.full_name for f in kuzminov.name_forms.all()} == {
        "Кузьминов Максим Сергеевич",
        "Kuzminov Maksim",
    }
    created = Person.objects.get(surname="Абрамович")
    assert (created.birth_year, created.birth_month, created.birth_day) == (1966, 10, 24)
    assert created.current_status == "dead"
    assert MatchKey.objects.filter(person=created).exists()  # found by the next search
    [source] = Source.objects.filter(title="list.csv")
    assert created.status_events.get().source == source
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count(Action.PERSON_CREATE) == 2  # kuzminov, then the import's
    assert Action.PERSON_NAME_FORM_ADD in actions and Action.IMPORT_APPLY in actions
    applied_event = AuditEvent.objects.get(action=Action.IMPORT_APPLY)
    assert applied_event.detail["applied"]["created"] == 1
    with pytest.raises(ImportRefused, match="can no longer be changed"):
        import_batch_apply(actor=dave, batch=batch)


def test_rows_to_decide_refuse_the_apply_or_are_held_in_a_new_batch(
    dave: Any, kuzminov: Person
) -> None:
    batch = _preview(_csv("Кузьминов Максим;;;;;;;", "Абрамович Роман;1966;;;;;;"), actor=dave)
    with pytest.raises(ImportRefused, match="1 row waits for a decision \\(line 2\\)"):
        import_batch_apply(actor=dave, batch=batch)
    applied = import_batch_apply(actor=dave, batch=batch, hold_undecided=True)
    assert applied.held is not None and applied.held.state == ImportBatch.State.PREVIEW
    assert list(applied.held.rows.values_list("line", flat=True)) == [2]
    assert applied.held.held_from == batch
    row = applied.held.rows.get()
    import_row_decide(actor=dave, row=row, decision="same")
    import_batch_apply(actor=dave, batch=applied.held)
    row.refresh_from_db()
    assert (row.person, row.outcome) == (kuzminov, "unchanged")  # he has that name already
    assert Person.objects.count() == 2


def test_a_decision_must_name_one_of_the_rows_candidates(dave: Any, kuzminov: Person) -> None:
    other = create_person(surname="Другой", given_name="Человек")
    batch = _preview(_csv("Кузьминов Максим;;;;;;;"), actor=dave)
    row = batch.rows.get()
    with pytest.raises(ImportRefused, match="one of the row's candidates"):
        import_row_decide(actor=dave, row=row, decision="same", target=other.pk)
    import_row_decide(actor=dave, row=row, decision="new")
    import_batch_apply(actor=dave, batch=batch)
    assert Person.objects.filter(surname="Кузьминов").count() == 2


@pytest.mark.parametrize("through_services", [False, True])
def test_an_error_half_way_leaves_nothing_written(
    dave: Any, kuzminov: Person, monkeypatch: pytest.MonkeyPatch, through_services: bool
) -> None:
    names = [
        "Абрамов Олег Игоревич;1971",
        "Белов Николай Петрович;1983",
        "Волков Артём Сергеевич;1990",
        "Громов Денис Ильич;1979",
        "Дьяченко Богдан Тарасович;1995",
    ]
    batch = _preview(_csv(*[f"{name};;;в плену;;;" for name in names]), actor=dave)
    persons, events, audit = (
        Person.objects.count(),
        StatusEvent.objects.count(),
        AuditEvent.objects.count(),
    )
    if through_services:  # the fourth row's status event fails
        real = imports.status_event_add
        calls = []

        def failing(**kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) == 4:
                raise RuntimeError("the disk is full")
            return real(**kwargs)

        monkeypatch.setattr(imports, "status_event_add", failing)
    else:  # the last step of the bulk path fails, once everything else is written

        def failing_hook(name: str, **kwargs: Any) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(imports, "hook_run", failing_hook)
    with pytest.raises(RuntimeError, match="disk is full"):
        import_batch_apply(actor=dave, batch=batch, through_services=through_services)
    assert (Person.objects.count(), StatusEvent.objects.count()) == (persons, events)
    assert AuditEvent.objects.count() == audit
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEW


# --- Undoing --------------------------------------------------------------------------------


def test_an_import_is_undone_as_a_whole(dave: Any, kuzminov: Person) -> None:
    before = (Person.objects.count(), NameForm.objects.count(), StatusEvent.objects.count())
    batch = _preview(
        _csv(
            "Кузьминов Максим Сергеевич;14.03.1995;;в/ч 12345;в плену;02.03.2024;;Kuzminov",
            "Абрамович Роман Аркадьевич;24.10.1966;;;в плену;;;",
        ),
        actor=dave,
    )
    batch = import_batch_apply(actor=dave, batch=batch).batch
    assert import_batch_touched(batch) == []
    import_batch_undo(actor=dave, batch=batch)
    assert (Person.objects.count(), NameForm.objects.count(), StatusEvent.objects.count()) == before
    kuzminov.refresh_from_db()
    assert kuzminov.current_status == "missing"
    assert not Source.objects.filter(title="list.csv").exists()
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.UNDONE
    undo = AuditEvent.objects.get(action=Action.IMPORT_UNDO)
    assert undo.detail["persons_deleted"] == 1 and undo.detail["persons_restored"] == 1
    assert AuditEvent.objects.filter(action=Action.PERSON_DELETE).count() == 1


@pytest.mark.parametrize("touch", ["edit", "status", "merge"])
def test_an_import_whose_persons_were_touched_since_cannot_be_undone(dave: Any, touch: str) -> None:
    batch = _preview(_csv("Абрамович Роман Аркадьевич;24.10.1966;;;;;;"), actor=dave)
    import_batch_apply(actor=dave, batch=batch)
    person = Person.objects.get(surname="Абрамович")
    if touch == "edit":
        person_update(actor=dave, person=person, data={"rank": "майор"})
    elif touch == "status":
        status_event_add(
            actor=dave,
            person=person,
            status="held",
            verification="reported",
            new_source={"kind": "other", "title": "звонок", "reliability": "low"},
        )
    else:
        other = create_person(surname="Абрамович", given_name="Роман")
        person_merge(actor=dave, keep=other, merge=person)
    with pytest.raises(ImportRefused, match="cannot be undone: 1 of its persons has been touched"):
        import_batch_undo(actor=dave, batch=batch)
    assert Person.objects.filter(pk=person.pk).exists()


def test_an_officers_link_refuses_the_undo_and_a_proposal_goes_with_the_person(
    dave: Any,
) -> None:
    batch = _preview(_csv("Абрамович Роман Аркадьевич;24.10.1966;;;;;;"), actor=dave)
    batch = import_batch_apply(actor=dave, batch=batch).batch
    person = Person.objects.get(surname="Абрамович")
    enquiry = create_enquiry()
    candidate = MatchCandidate.objects.create(
        enquiry=enquiry,
        person=person,
        score=0.7,
        explanation=[],
        proposed_at=timezone.now(),
        scored_at=timezone.now(),
    )
    assert import_batch_touched(batch) == []  # proposed by the system, no officer's link
    candidate.state = MatchCandidate.State.CONFIRMED
    candidate.save(update_fields=["state"])
    [touch] = import_batch_touched(batch)
    assert touch.reason == "a tracing officer reviewed the person as a candidate"
    candidate.state = MatchCandidate.State.PROPOSED
    candidate.save(update_fields=["state"])
    import_batch_undo(actor=dave, batch=batch)
    assert not MatchCandidate.objects.filter(pk=candidate.pk).exists()


# --- Who may ------------------------------------------------------------------------------


def test_only_those_who_edit_the_registry_may_import(
    alice: Any, bob: Any, carol: Any, erin: Any, frank: Any, mallory: Any, dave: Any
) -> None:
    data = _csv("Абрамович Роман;1966;;;;;;")
    batch = _preview(data, actor=dave)
    for user in (alice, bob, carol, erin, frank, mallory):
        with pytest.raises(PermissionDenied, match="registry.edit"):
            _preview(data, actor=user)
        with pytest.raises(PermissionDenied, match="registry.edit"):
            import_batch_apply(actor=user, batch=batch)
        with pytest.raises(PermissionDenied, match="registry.edit"):
            import_mapping_save(actor=user, name="x", columns=COLUMNS)
        with pytest.raises(PermissionDenied, match="registry.edit"):
            import_rows_for(user=user, batch_id=batch.pk)
    import_batch_apply(actor=dave, batch=batch)
    for user in (alice, bob, carol, erin, frank, mallory):
        with pytest.raises(PermissionDenied, match="registry.edit"):
            import_batch_undo(actor=user, batch=batch)


# --- Bad rows back out ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_bad_rows_are_written_out_with_their_problems_to_fix_and_import_again(
    dave: Any, kind: str
) -> None:
    batch = _preview(
        _csv("Абрамович Роман;1966;;;;;;", ";1990;;;;;;", "Сидоров Пётр;32.13.1990;;;;;;"),
        actor=dave,
    )
    with translation.override("ru"):
        name, content = import_bad_rows_file_for(user=dave, batch_id=batch.pk, kind=kind)
    assert name.endswith(f".{kind}")
    sheet = sheet_read(content)
    assert sheet.header == [*HEADER.split(";"), "Строка", "Ошибка"]
    assert [row.cells[-2:] for row in sheet.rows] == [
        ("3", "В строке нет фамилии."),
        ("4", "«32.13.1990» — не существующая дата."),
    ]
    # Fixed and read again by the same mapping: the extra columns are left alone.
    fixed = [list(r.cells) for r in sheet.rows]
    fixed[0][0], fixed[1][1] = "Петров Иван", "12.11.1990"
    again = import_preview(actor=dave, data=_rewrite(sheet.header, fixed, kind), columns=COLUMNS)
    assert again.counts["invalid"] == 0 and again.counts["new"] == 2
    assert AuditEvent.objects.filter(action=Action.IMPORT_BAD_ROWS).count() == 1


def _rewrite(header: list[str], rows: list[list[Any]], kind: str) -> bytes:
    if kind == "csv":
        text = "\n".join(";".join(str(c) for c in r) for r in [header, *rows])
        return codecs.BOM_UTF8 + text.encode()
    book = openpyxl.Workbook()
    for r in [header, *rows]:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_reading_rows_with_candidates_is_audited_as_reads_of_those_persons(
    dave: Any, kuzminov: Person
) -> None:
    batch = _preview(_csv("Кузьминов Максим;;;;;;;"), actor=dave)
    with transaction.atomic():
        rows = import_rows_for(user=dave, batch_id=batch.pk, band="review")
    assert [r.line for r in rows] == [2]
    read = AuditEvent.objects.get(action=Action.PERSON_VIEW)
    assert read.object_id == str(kuzminov.pk) and read.detail["purpose"] == "import_review"


def test_many_rows_ranked_at_once_get_the_candidates_each_would_get_alone(db: Any) -> None:
    for p in generate_persons(300, seed=4):
        create_person(
            surname=p.surname, given_name=p.given_name, patronymic=p.patronymic,
            birth_year=p.birth_year,
        )  # fmt: skip
    queries = [
        imports.row_query(imports.RowData(surname=p.surname, given_name=p.given_name,
                                          birth_year=p.birth_year))
        for p in generate_persons(40, seed=4)[:20] + generate_persons(20, seed=9)
    ]  # fmt: skip
    # Exact keys only: a file's rows are not looked up by near spellings (docs/import.md).
    keys = [blocking.query_keys(q, near=False) for q in queries]
    assert matchkeys.candidate_ids_many(keys, 25) == [matchkeys.candidate_ids(k, 25) for k in keys]
