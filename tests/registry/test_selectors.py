"""Registry selectors: access, plain search in any script and case, and the audit of reads."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry import selectors
from lifeline.registry.models import Person
from lifeline.registry.selectors import (
    PersonSearch,
    person_get_for,
    person_search_for,
    registry_counts_for,
    status_history,
)
from lifeline.registry.services import name_form_add, status_event_add
from lifeline.registry.tally import registry_tally_refresh
from tests.registry.conftest import create_person

pytestmark = pytest.mark.django_db


def _names(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.surname for p in page]


@pytest.fixture
def registry(db):  # type: ignore[no-untyped-def]
    kuzminov = create_person(birth_year=1995, unit="в/ч 12345")
    name_form_add(actor=SYSTEM, person=kuzminov, surname="Kuz'minov", given_name="Maksim",
                  patronymic="Sergeevich", transliteration="bgn")  # fmt: skip
    create_person(surname="Семёнов", given_name="Олександр", patronymic="Іванович",
                  birth_year=1990, unit="93 ОМБр")  # fmt: skip
    create_person(surname="Kuzmin", given_name="Ivan", birth_year=1988)
    return kuzminov


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (PersonSearch(surname="КУЗЬМИНОВ"), ["Кузьминов"]),
        (PersonSearch(surname="кузьм"), ["Кузьминов"]),
        (PersonSearch(surname="KUZ'MINOV"), ["Кузьминов"]),
        (PersonSearch(surname="kuzmin"), ["Kuzmin"]),
        (PersonSearch(surname="kuz"), ["Kuzmin", "Кузьминов"]),
        (PersonSearch(given_name="МАКСИМ", patronymic="сергеевич"), ["Кузьминов"]),
        (PersonSearch(given_name="maksim"), ["Кузьминов"]),
        (PersonSearch(surname="СЕМЕНОВ"), ["Семёнов"]),
        (PersonSearch(given_name="олександр", patronymic="ІВАНОВИЧ"), ["Семёнов"]),
        (PersonSearch(birth_year=1990), ["Семёнов"]),
        (PersonSearch(unit="омбр"), ["Семёнов"]),
        (PersonSearch(unit="В/Ч"), ["Кузьминов"]),
        (PersonSearch(status="missing"), ["Kuzmin", "Кузьминов", "Семёнов"]),
        (PersonSearch(status="held"), []),
        (PersonSearch(surname="кузьминов", birth_year=1990), []),
    ],
)
def test_search_folds_case_in_every_script(registry, carol, criteria, expected) -> None:
    assert _names(person_search_for(user=carol, criteria=criteria)) == expected


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (PersonSearch(surname="Semenov"), ["Семёнов"]),  # recorded in Cyrillic only
        (PersonSearch(surname="Semjonow", given_name="Alexander"), ["Семёнов"]),
        (PersonSearch(surname="Семенова", given_name="Саша", patronymic="Ivanovich"), ["Семёнов"]),
        (PersonSearch(surname="Kusminow", given_name="Максим"), ["Кузьминов"]),
        (PersonSearch(surname="Semenov", given_name="Maksim"), []),  # not one person's name
        (PersonSearch(surname="Semenov", birth_year=1995), []),
    ],
)
def test_a_name_is_found_in_any_script_and_spelling(registry, carol, criteria, expected) -> None:
    assert _names(person_search_for(user=carol, criteria=criteria)) == expected


def test_search_by_service_number_is_exact(carol, db) -> None:
    create_person(service_number="AB-123456")
    create_person(surname="Петров", service_number="AB-1234567")
    found = person_search_for(user=carol, criteria=PersonSearch(service_number="AB-123456"))
    assert _names(found) == ["Кузьминов"]


def test_a_search_lists_the_first_persons_by_name_only(
    carol, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "SEARCH_LIMIT", 3)
    for surname in ("Петров", "Абрамов", "Яковлев", "Борисов"):
        create_person(surname=surname)
    page = person_search_for(user=carol, criteria=PersonSearch(given_name="максим"))
    assert page.paginator.count == 3 and _names(page) == ["Абрамов", "Борисов", "Петров"]


def test_search_audits_the_count_never_the_query(registry, carol) -> None:
    person_search_for(user=carol, criteria=PersonSearch(surname="Кузьминов", birth_year=1995))
    [event] = AuditEvent.objects.filter(action="person.search")
    assert event.actor == carol
    assert event.detail == {"results": 1, "page": 1, "filters": ["surname", "birth_year"]}
    assert "Кузьминов" not in json.dumps(event.detail, ensure_ascii=False)


def test_search_pages(carol, db) -> None:
    for i in range(30):
        create_person(surname=f"Петров{i:02d}")
    page = person_search_for(user=carol, criteria=PersonSearch(surname="петров"), page=2)
    assert page.paginator.count == 30 and len(page) == 5 and page.number == 2


def test_person_get_for_audits_each_view(registry, bob) -> None:
    person = person_get_for(user=bob, pk=registry.pk)
    person_get_for(user=bob, pk=registry.pk, purpose="edit")
    assert person == registry
    events = AuditEvent.objects.filter(action="person.view")
    assert [(e.object_id, e.detail["purpose"]) for e in events] == [
        (str(registry.pk), "view"),
        (str(registry.pk), "edit"),
    ]


def test_person_get_for_missing_is_404_and_not_audited(bob) -> None:
    with pytest.raises(Http404, match=r"No Person matches the given query"):
        person_get_for(user=bob, pk=999_999)
    assert not AuditEvent.objects.filter(action="person.view").exists()


@pytest.mark.parametrize("user", ["alice", "frank", "mallory"])
def test_these_users_are_refused_registry_reads(user, request, registry) -> None:
    actor = request.getfixturevalue(user)
    with pytest.raises(PermissionDenied, match=r"^registry\.view$"):
        person_get_for(user=actor, pk=registry.pk)
    with pytest.raises(PermissionDenied, match=r"^registry\.view$"):
        person_search_for(user=actor, criteria=PersonSearch(surname="к"))
    with pytest.raises(PermissionDenied, match=r"^registry\.view$"):
        registry_counts_for(user=actor)
    assert not AuditEvent.objects.filter(action__in=["person.view", "person.search"]).exists()


def test_status_history_newest_first(registry, dave) -> None:
    from datetime import date

    from tests.registry.conftest import create_source

    source = create_source()
    for status, day in [("captured", 1), ("transferred", 20), ("held", 5)]:
        status_event_add(actor=dave, person=registry, status=status, verification="confirmed",
                         source=source, occurred_on=date(2024, 6, day))  # fmt: skip
    person = person_get_for(user=dave, pk=registry.pk)
    assert [e.status for e in status_history(person)] == ["transferred", "held", "captured"]
    assert person.current_status == "transferred"


def test_counts(registry, erin) -> None:
    counts, counted_at = registry_counts_for(user=erin)
    # Three persons with no status report: not yet known, not "missing".
    assert counts["unknown"] == 3 and counts["missing"] == 0 and counts["held"] == 0
    assert counted_at <= timezone.now()


def test_counts_leave_out_merged_duplicates_once_recounted(registry, erin) -> None:
    assert registry_counts_for(user=erin)[0]["unknown"] == 3
    kept = Person.objects.filter(current_status="missing").first()
    duplicate = Person.objects.filter(current_status="missing").exclude(pk=kept.pk).first()
    Person.objects.filter(pk=duplicate.pk).update(merged_into=kept)
    assert registry_counts_for(user=erin)[0]["unknown"] == 3  # the count the page shows, as of then
    registry_tally_refresh()  # the worker's next recount
    counts, counted_at = registry_counts_for(user=erin)
    assert counts["unknown"] == 2 and counted_at > timezone.now() - timedelta(minutes=1)


@pytest.fixture
def namesakes(db):  # type: ignore[no-untyped-def]
    goncharov = create_person(surname="Гончаров", given_name="Вячеслав", patronymic="Дмитриевич",
                              birth_year=1990, unit="в/ч 12345")  # fmt: skip
    kravchenko = create_person(surname="Кравченко", given_name="Олег", patronymic="Петрович",
                               birth_year=1987)  # fmt: skip
    create_person(surname="Гончаренко", given_name="Вячеслав", birth_year=1990)
    create_person(surname="Ветошкин", given_name="Иван", birth_year=1979)
    return goncharov, kravchenko


@pytest.mark.parametrize(
    ("criteria", "first"),
    [
        (PersonSearch(surname="Gontscharow", given_name="Wjatscheslaw"), "Гончаров"),
        (PersonSearch(surname="Gontscharow"), "Гончаров"),
        (PersonSearch(surname="Kravchenko"), "Кравченко"),
        (PersonSearch(surname="Kravchenko", given_name="Oleg", birth_year=1987), "Кравченко"),
        (PersonSearch(surname="Vetoshkin"), "Ветошкин"),
    ],
)
def test_a_latin_spelling_finds_the_cyrillic_person_first_with_a_score(
    namesakes, carol, criteria, first
) -> None:
    page = person_search_for(user=carol, criteria=criteria)
    assert page[0].surname == first
    assert page[0].match_score is not None and page[0].match_score > 0
    scores = [p.match_score for p in page]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (PersonSearch(surname="Gontscharow", unit="12345"), ["Гончаров"]),
        (PersonSearch(surname="Gontscharow", status="held"), []),
        (PersonSearch(surname="Gontscharow", service_number="X-1"), []),
        (PersonSearch(surname="Kravchenko", birth_year=1990), []),
    ],
)
def test_the_other_filters_apply_to_the_engines_persons(
    namesakes, carol, criteria, expected
) -> None:
    assert _names(person_search_for(user=carol, criteria=criteria)) == expected


@pytest.mark.parametrize(
    ("criteria", "first"),
    [
        (PersonSearch(surname="Gotnscharow"), "Гончаров"),  # a misspelt German spelling
        (PersonSearch(surname="Kravcheko"), "Кравченко"),
        (PersonSearch(surname="Крачвенко", given_name="Олег"), "Кравченко"),
    ],
)
def test_a_misspelt_surname_finds_the_nearest_spellings_when_nothing_else_does(
    namesakes, carol, criteria, first
) -> None:
    page = person_search_for(user=carol, criteria=criteria)
    assert page[0].surname == first and page[0].match_score is not None


def test_a_part_of_a_surname_still_finds_by_substring_without_a_score(namesakes, carol) -> None:
    page = person_search_for(user=carol, criteria=PersonSearch(surname="гончар"))
    assert _names(page) == ["Гончаренко", "Гончаров"]
    assert [p.match_score for p in page] == [None, None]


def test_an_engine_search_is_audited_as_a_search(namesakes, carol) -> None:
    person_search_for(user=carol, criteria=PersonSearch(surname="Kravchenko"))
    [event] = AuditEvent.objects.filter(action="person.search")
    assert event.detail["filters"] == ["surname"] and event.detail["results"] >= 1
    assert "Kravchenko" not in json.dumps(event.detail)


@pytest.fixture
def kravchenkos(db) -> None:  # type: ignore[no-untyped-def]
    for i, given in enumerate(["Олег", "Иван", "Пётр", "Сергей", "Андрей", "Юрий"]):
        create_person(surname="Кравченко", given_name=given, birth_year=1980 + i)


def test_namesakes_beyond_those_the_engine_scores_are_counted(
    kravchenkos, carol, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "SCORED", 4)
    page = person_search_for(user=carol, criteria=PersonSearch(surname="Kravchenko"))
    assert len(page) == 4 and page.unscored == 2
    # A given name and year bring the one sought among those scored, first.
    criteria = PersonSearch(surname="Kravchenko", given_name="Yuriy", birth_year=1985)
    page = person_search_for(user=carol, criteria=criteria)
    assert page[0].given_name == "Юрий"


def test_a_search_whose_namesakes_are_all_scored_counts_none_left_out(kravchenkos, carol) -> None:
    page = person_search_for(user=carol, criteria=PersonSearch(surname="Kravchenko"))
    assert len(page) == 6 and page.unscored == 0
