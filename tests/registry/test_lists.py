"""Matching a whole list: rows in bands, confirmed or rejected, downloaded; nothing written to the
registry; every person shown audited as read; only those who may see the registry may run one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry.importing import MappingRefused
from lifeline.registry.imports import import_mapping_save
from lifeline.registry.lists import (
    ListRefused,
    list_file_for,
    list_match_create,
    list_match_delete,
    list_page_for,
    list_row_decide,
    list_rows_for,
    row_band,
)
from lifeline.registry.models import (
    ListMatch,
    ListMatchRow,
    MatchKey,
    NameForm,
    Person,
    Source,
    StatusEvent,
)
from lifeline.registry.sheets import SheetError
from tests.factories import create_person

pytestmark = pytest.mark.django_db

Band = ListMatchRow.Band
NOT_REGISTRY_READERS = ["alice", "frank", "mallory"]  # operator, admin, no role

COLUMNS = {"full_name": "ФИО", "birth_date": "Дата рождения", "unit": "В/ч"}
HEADER = "№;ФИО;Дата рождения;В/ч;Примечание"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def exchange_csv(*lines: str) -> bytes:
    """The other party's list as Russian Excel saves it: cp1251, semicolons, CRLF."""
    return "\r\n".join([HEADER, *lines, ""]).encode("cp1251")


@pytest.fixture
def registry(db: Any) -> dict[str, Person]:
    """A held man, a dead one, and two namesakes the engine cannot tell apart by the list."""
    return {
        "kuzminov": create_person(
            "Кузьминов",
            given_name="Максим",
            patronymic="Сергеевич",
            birth_year=1995,
            birth_month=3,
            birth_day=14,
            unit="в/ч 12345",
            status="held",
        ),
        "petrenko": create_person(
            "Петренко",
            given_name="Олександр",
            patronymic="Іванович",
            birth_year=1990,
            birth_month=7,
            birth_day=2,
            status="dead",
        ),
        "ivanov_a": create_person(
            "Иванов", given_name="Иван", patronymic="Петрович", birth_year=1988, status="held"
        ),
        "ivanov_b": create_person(
            "Иванов", given_name="Иван", patronymic="Петрович", birth_year=1988, status="missing"
        ),
    }


LIST = exchange_csv(
    "1;Кузьминов Максим Сергеевич;14.03.1995;в/ч 12345;",
    "2;Петренко Александр Иванович;1990;;ранен",
    "3;Иванов Иван Петрович;1988;;",
    "4;Абрамович Роман Аркадьевич;24.10.1966;;",
    "5;Сидоров Пётр;32.13.1990;;",
    '6;=HYPERLINK("http://example.invalid");;;',
)


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Person, NameForm, StatusEvent, MatchKey, Source))


def _match(actor: Any = SYSTEM, data: bytes = LIST, **extra: Any) -> ListMatch:
    values = {"filename": "обмен-12.csv", "columns": COLUMNS, "kind": "exchange", **extra}
    return list_match_create(actor=actor, data=data, **values)


def _rows(listed: ListMatch) -> dict[int, ListMatchRow]:
    return {row.line: row for row in listed.rows.all()}


# --- Matching -------------------------------------------------------------------------------


def test_an_excel_made_exchange_list_is_matched_row_by_row_and_nothing_is_written(
    registry: dict[str, Person], bob: Any
) -> None:
    before = _counts()
    listed = _match(bob)
    assert _counts() == before  # no person, name form, status event, key or source
    assert (listed.file_format, listed.encoding, listed.delimiter) == ("csv", "cp1251", ";")
    rows = _rows(listed)
    assert rows[2].band == Band.SAME and rows[2].candidates[0]["person"] == registry["kuzminov"].pk
    assert rows[2].score is not None and rows[2].score >= 0.9
    # Александр on the list, Олександр in the registry: one name in Russian and Ukrainian.
    assert rows[3].candidates[0]["person"] == registry["petrenko"].pk
    assert rows[3].band == Band.SAME
    # Two namesakes born the same year: the list cannot tell which.
    assert rows[4].band == Band.CLOSE
    assert {c["person"] for c in rows[4].candidates[:2]} == {
        registry["ivanov_a"].pk,
        registry["ivanov_b"].pk,
    }
    assert rows[5].band == Band.NONE and rows[5].candidates == [] and rows[5].score is None
    assert rows[6].band == Band.INVALID and rows[6].errors[0]["code"] == "date_impossible"
    assert listed.counts == {
        "same": 2,
        "possible": 0,
        "close": 1,
        "none": 2,
        "invalid": 1,
        "rows": 6,
    }
    [event] = AuditEvent.objects.filter(action=Action.LIST_MATCH)
    assert event.detail["counts"] == listed.counts and event.object_id == str(listed.pk)
    assert "Кузьминов" not in str(event.detail) and "обмен" not in str(event.detail)


def test_every_candidate_kept_scores_at_least_the_engines_threshold_with_its_explanation(
    registry: dict[str, Person],
) -> None:
    listed = _match()
    kept = [c for row in listed.rows.all() for c in row.candidates]
    assert kept and all(c["score"] >= listed.threshold for c in kept)
    first = _rows(listed)[2].candidates[0]
    assert {f["field"] for f in first["fields"]} >= {"surname", "given_name", "birth_date"}


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        ([], Band.NONE),
        ([0.97], Band.SAME),
        ([0.97, 0.60], Band.SAME),
        ([0.72], Band.POSSIBLE),
        ([0.97, 0.93], Band.CLOSE),  # within five points: which one is a person's call
        ([0.62, 0.58], Band.CLOSE),
        ([0.62, 0.55], Band.POSSIBLE),
    ],
)
def test_a_rows_band_follows_its_candidates_scores(scores: list[float], band: str) -> None:
    candidates = [{"person": i, "score": s} for i, s in enumerate(scores)]
    assert row_band(candidates, same_person_score=0.9, close_margin=0.05) == band


def test_an_xlsx_list_with_a_title_and_dates_as_numbers_is_read_by_a_saved_mapping(
    registry: dict[str, Person], dave: Any, bob: Any
) -> None:
    mapping = import_mapping_save(
        actor=dave,
        name="Розыск",
        columns={"surname": "Фамилия", "given_name": "Имя", "birth_date": "Дата рождения"},
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Список разыскиваемых лиц"])
    sheet.merge_cells("A1:C1")
    sheet.append(["Фамилия", "Имя", "Дата рождения"])
    sheet.append(["Кузьминов", "Максим", 34772])  # 14.03.1995 as Excel's day number
    sheet.append(["Kuzminov", "Maksim", 1995])
    out = io.BytesIO()
    book.save(out)
    before = _counts()
    listed = list_match_create(
        actor=bob, data=out.getvalue(), filename="sought.xlsx", mapping=mapping, kind="sought"
    )
    assert _counts() == before
    rows = _rows(listed)
    assert listed.file_format == "xlsx" and listed.mapping == mapping
    assert set(rows) == {3, 4}
    assert _birth(rows[3]) == (1995, 3, 14)
    for line in (3, 4):
        assert rows[line].candidates[0]["person"] == registry["kuzminov"].pk
        assert rows[line].band in (Band.SAME, Band.POSSIBLE)


def _birth(row: ListMatchRow) -> tuple[Any, ...]:
    return (row.data["birth_year"], row.data["birth_month"], row.data["birth_day"])


def test_a_file_or_mapping_that_cannot_be_read_is_refused_and_nothing_is_kept(
    registry: dict[str, Person],
) -> None:
    with pytest.raises(SheetError, match="empty"):
        _match(data=b"")
    with pytest.raises(MappingRefused, match="no column “Фамилия”"):
        _match(columns={"surname": "Фамилия"})
    with pytest.raises(MappingRefused, match="Choose a mapping"):
        _match(columns={})
    assert not ListMatch.objects.exists()


# --- Deciding -------------------------------------------------------------------------------


def test_a_row_is_confirmed_as_one_of_its_candidates_rejected_or_taken_back(
    registry: dict[str, Person], erin: Any
) -> None:
    rows = _rows(_match())
    before = _counts()
    close = rows[4]
    list_row_decide(actor=erin, row=close, decision="confirmed", person=registry["ivanov_b"].pk)
    close.refresh_from_db()
    assert (close.decision, close.person, close.decided_by) == (
        "confirmed",
        registry["ivanov_b"],
        erin,
    )
    list_row_decide(actor=erin, row=close, decision="rejected")
    close.refresh_from_db()
    assert (close.decision, close.person) == ("rejected", None)
    list_row_decide(actor=erin, row=close, decision="")
    close.refresh_from_db()
    assert (close.decision, close.person, close.decided_by) == ("", None, None)
    assert _counts() == before
    decided = AuditEvent.objects.filter(action=Action.LIST_DECIDE).order_by("pk")
    assert [e.detail["decision"] for e in decided] == ["confirmed", "rejected", ""]
    assert decided[0].detail["person"] == registry["ivanov_b"].pk


def test_only_a_candidate_of_the_row_can_be_confirmed_and_a_bad_row_not_at_all(
    registry: dict[str, Person],
) -> None:
    rows = _rows(_match())
    with pytest.raises(ListRefused, match="one of the row's candidates"):
        list_row_decide(
            actor=SYSTEM, row=rows[2], decision="confirmed", person=registry["petrenko"].pk
        )
    with pytest.raises(ListRefused, match="one of the row's candidates"):
        list_row_decide(actor=SYSTEM, row=rows[5], decision="confirmed")  # no match at all
    with pytest.raises(ListRefused, match="cannot be read"):
        list_row_decide(actor=SYSTEM, row=rows[6], decision="rejected")
    assert not ListMatchRow.objects.exclude(decision="").exists()


# --- Reading: audited, in the console's language --------------------------------------------


def test_showing_a_list_audits_a_read_of_every_candidate_shown_and_no_other(
    registry: dict[str, Person], bob: Any
) -> None:
    listed = _match(bob)
    shown = list_rows_for(user=bob, list_id=listed.pk, band=Band.CLOSE)
    assert [r.row.line for r in shown] == [4]
    reads = AuditEvent.objects.filter(action=Action.PERSON_VIEW)
    assert {(e.object_id, e.detail["purpose"], e.detail["list"]) for e in reads} == {
        (str(registry["ivanov_a"].pk), "list_match", listed.pk),
        (str(registry["ivanov_b"].pk), "list_match", listed.pk),
    }
    assert all(e.actor_id == bob.pk for e in reads)
    everything = list_rows_for(user=bob, list_id=listed.pk)
    assert [r.row.line for r in everything] == [2, 3, 4, 5, 6, 7]
    read = {int(e.object_id) for e in AuditEvent.objects.filter(action=Action.PERSON_VIEW)}
    assert read == {p.pk for p in registry.values()}


def test_a_long_list_is_shown_a_page_at_a_time_and_only_a_pages_persons_are_audited(
    registry: dict[str, Person], bob: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lifeline.registry.lists.LIST_PAGE_SIZE", 2)
    listed = _match(bob)
    page = list_page_for(user=bob, list_id=listed.pk, page=2)
    assert [r.row.line for r in page] == [4, 5] and page.paginator.num_pages == 3
    reads = AuditEvent.objects.filter(action=Action.PERSON_VIEW)
    assert {int(e.object_id) for e in reads} == {registry["ivanov_a"].pk, registry["ivanov_b"].pk}


def test_the_table_shows_each_candidates_status_now_and_the_explanation_in_russian(
    registry: dict[str, Person],
) -> None:
    listed = _match()
    with translation.override("ru"):
        row = list_rows_for(user=_reader(), list_id=listed.pk, band=Band.SAME)[0]
        assert row.row.line == 2
        best = row.candidates[0]
        assert best.person == registry["kuzminov"]
        assert best.person.get_current_status_display() == "в плену"
        labels = {line["label"] for line in best.lines}
        assert {"Фамилия", "Имя", "Дата рождения"} <= labels
        assert any("та же дата" in line["text"] for line in best.lines)


def _reader() -> Any:
    from tests.factories import create_user

    return create_user("reader", roles=["tracing_officer"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_download_is_in_the_console_language_guards_formulas_and_is_audited(
    registry: dict[str, Person], carol: Any, kind: str
) -> None:
    listed = _match(carol)
    list_row_decide(actor=carol, row=_rows(listed)[4], decision="rejected")
    before = _counts()
    with translation.override("ru"):
        filename, content = list_file_for(user=carol, list_id=listed.pk, kind=kind)
    assert filename == f"lifeline-list-{listed.pk}.{kind}"
    table = _table(content, kind)
    header = table[0]
    assert header[:5] == ["№", "ФИО", "Дата рождения", "В/ч", "Примечание"]
    assert header[5:9] == ["Строка", "Результат", "Решение", "Номер в реестре"]
    by_line = {row[5]: row for row in table[1:]}
    kuzminov = by_line["2"]
    assert kuzminov[6] == "вероятно, тот же человек"
    assert kuzminov[8] == str(registry["kuzminov"].pk)
    assert kuzminov[9] == "Кузьминов Максим Сергеевич" and kuzminov[12] == "в плену"
    assert "Дата рождения: 14.03.1995 ↔ 14.03.1995: та же дата" in kuzminov[14]
    assert by_line["4"][6] == "несколько близких" and by_line["4"][7] == "отклонён"
    assert by_line["4"][8] == ""  # rejected: no person named as his
    assert "Иванов Иван Петрович" in by_line["4"][15]
    assert by_line["5"][6] == "нет совпадений"
    assert by_line["6"][16] == "«32.13.1990» — не существующая дата."
    # A cell the other party wrote as a formula is text in the file.
    assert by_line["7"][1].startswith("'=HYPERLINK(")
    assert _counts() == before
    [download] = AuditEvent.objects.filter(action=Action.LIST_DOWNLOAD)
    assert download.detail == {"rows": 6, "format": kind, "band": ""}
    purposes = AuditEvent.objects.filter(
        action=Action.PERSON_VIEW, detail__purpose="list_download"
    ).values_list("object_id", flat=True)
    assert {int(p) for p in purposes} == {p.pk for p in registry.values()}


def _table(content: bytes, kind: str) -> list[list[str]]:
    if kind == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_a_list_is_deleted_with_its_rows_and_the_registry_keeps_its_persons(
    registry: dict[str, Person], erin: Any
) -> None:
    listed = _match(erin)
    before = _counts()
    list_match_delete(actor=erin, listed=listed)
    assert not ListMatch.objects.exists() and not ListMatchRow.objects.exists()
    assert _counts() == before
    assert AuditEvent.objects.filter(action=Action.LIST_DELETE).count() == 1


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("refused", NOT_REGISTRY_READERS)
def test_these_users_cannot_match_see_decide_download_or_delete_a_list(
    request: pytest.FixtureRequest, refused: str, registry: dict[str, Person]
) -> None:
    user = request.getfixturevalue(refused)
    listed = _match()
    row = _rows(listed)[2]
    audited = AuditEvent.objects.count()
    attempts = [
        lambda: _match(user),
        lambda: list_rows_for(user=user, list_id=listed.pk),
        lambda: list_file_for(user=user, list_id=listed.pk, kind="csv"),
        lambda: list_row_decide(actor=user, row=row, decision="rejected"),
        lambda: list_match_delete(actor=user, listed=listed),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match=r"^registry\.view$"):
            attempt()
    assert AuditEvent.objects.count() == audited
    assert ListMatch.objects.count() == 1
    row.refresh_from_db()
    assert row.decision == ""
