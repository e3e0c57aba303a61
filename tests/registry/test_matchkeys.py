"""A person's match keys follow every change of his names, in the same transaction."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from lifeline.core.actors import SYSTEM
from lifeline.matching import blocking, fuzzy, query_from_fields
from lifeline.registry import matchkeys
from lifeline.registry.checks import check_match_keys
from lifeline.registry.models import MatchGram, MatchKey, MatchKeyRules, Person
from lifeline.registry.services import name_form_add, person_merge, person_update
from tests.registry.conftest import create_person


def stored(person: Person) -> set[str]:
    return set(MatchKey.objects.filter(person=person).values_list("key", flat=True))


def test_a_new_person_is_found_by_his_keys_at_once(db: Any) -> None:
    person = create_person(birth_year=1995)
    assert {"f:kusminov", "gy:maksim:1995"} <= stored(person)
    assert matchkeys.candidate_ids({"f:kusminov"}) == [person.pk]


def test_a_changed_name_or_birth_year_changes_his_keys(db: Any) -> None:
    person = create_person(birth_year=1995)
    person_update(actor=SYSTEM, person=person, data={"surname": "Петров", "birth_year": 1996})
    keys = stored(person)
    assert "f:petrov" in keys and "gy:maksim:1996" in keys
    assert "f:kusminov" not in keys and "gy:maksim:1995" not in keys


def test_another_spelling_adds_its_keys(db: Any) -> None:
    person = create_person(surname="Шевченко")
    name_form_add(actor=SYSTEM, person=person, surname="Schewtschenko", given_name="Maxim")
    assert matchkeys.candidate_ids(blocking.search_keys("Schewtschenko")[0]) == [person.pk]


def test_a_change_rolled_back_leaves_the_keys_as_they_were(db: Any) -> None:
    person = create_person()
    before = stored(person)
    with pytest.raises(RuntimeError), transaction.atomic():
        person_update(actor=SYSTEM, person=person, data={"surname": "Петров"})
        raise RuntimeError("the request failed after the change")
    assert stored(person) == before


def test_a_merged_person_has_no_keys_and_the_kept_one_has_his_names(dave: Any) -> None:
    keep = create_person(surname="Кузьминов")
    merge = create_person(surname="Kusminow", given_name="Maxim")
    person_merge(actor=dave, keep=keep, merge=merge)
    assert stored(merge) == set()
    assert matchkeys.candidate_ids(blocking.search_keys("Kusminow")[0]) == [keep.pk]


def test_common_keys_are_skipped(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ivanovs = [create_person(surname="Иванов", birth_year=1990 + i) for i in range(3)]
    sought = create_person(surname="Иванов", given_name="Пётр", birth_year=1990)
    monkeypatch.setattr(blocking, "MAX_POSTINGS", 3)
    keys = {"f:ivanov", "gy:petr:1990"}
    assert matchkeys.candidate_ids(keys) == [sought.pk]  # f:ivanov is held by four
    monkeypatch.setattr(blocking, "MAX_POSTINGS", 4)
    assert matchkeys.candidate_ids(keys) == [sought.pk, *(p.pk for p in ivanovs)]


def test_reindex_rebuilds_the_keys_under_new_rules_and_says_when_they_are_stale(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    persons = [create_person(surname=s) for s in ("Иванов", "Петров", "Сидоров")]
    assert not matchkeys.keys_state().stale
    MatchKey.objects.filter(person=persons[1]).delete()  # keys lost, or made by older rules
    monkeypatch.setattr(blocking, "key_rules_version", lambda: "2-new")
    assert matchkeys.keys_state().stale
    seen: list[tuple[int, int]] = []
    changed = matchkeys.keys_reindex(
        batch=2, progress=lambda done, total: seen.append((done, total))
    )
    assert changed == 1 and seen == [(2, 3), (3, 3)]
    assert "f:petrov" in stored(persons[1])
    assert not matchkeys.keys_state().stale


def test_an_interrupted_reindex_resumes_after_the_last_batch(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    persons = [create_person(surname=s) for s in ("Иванов", "Петров", "Сидоров")]
    monkeypatch.setattr(blocking, "key_rules_version", lambda: "2-new")
    MatchKeyRules.objects.update(building="2-new", cursor=persons[1].pk)
    MatchKey.objects.all().delete()
    matchkeys.keys_reindex()
    assert stored(persons[0]) == set()  # done before the interruption, as it was then
    assert "f:sidorov" in stored(persons[2])
    matchkeys.keys_reindex(restart=True)
    assert "f:ivanov" in stored(persons[0])


def test_the_command_says_when_the_keys_are_stale_and_rebuilds_them(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = create_person()
    out = StringIO()
    call_command("match", "reindex", "--check", stdout=out)
    assert "current" in out.getvalue()
    assert check_match_keys() == []
    monkeypatch.setattr(blocking, "key_rules_version", lambda: "2-new")
    with pytest.raises(CommandError, match="Run `lifeline match reindex`"):
        call_command("match", "reindex", "--check")
    assert [w.id for w in check_match_keys()] == ["registry.W201"]
    MatchKey.objects.all().delete()
    call_command("match", "reindex", stdout=out)
    assert "1/1 persons" in out.getvalue() and "f:kusminov" in stored(person)
    assert check_match_keys() == []


def grams_of(skeleton: str) -> set[str]:
    return set(MatchGram.objects.filter(skeleton=skeleton).values_list("gram", flat=True))


def test_a_misspelt_surname_finds_him_by_the_trigrams_of_the_surnames_held(db: Any) -> None:
    person = create_person(surname="Кузьминов", given_name="Максим")
    create_person(surname="Петров", given_name="Максим")
    assert grams_of("kusminov") == fuzzy.grams("kusminov")
    query = query_from_fields(surname="Kusnimov")
    assert matchkeys.candidate_ids(blocking.query_keys(query)) == [person.pk]
    assert matchkeys.candidate_ids(blocking.query_keys(query, near=False)) == []


def test_a_surname_nobody_holds_any_longer_leaves_the_vocabulary(db: Any) -> None:
    first = create_person(surname="Кузьминов")
    second = create_person(surname="Кузьминов")
    person_update(actor=SYSTEM, person=first, data={"surname": "Петров"})
    assert grams_of("kusminov") and grams_of("petrov")
    person_update(actor=SYSTEM, person=second, data={"surname": "Петров"})
    assert grams_of("kusminov") == set()


def test_reindex_makes_the_vocabulary_whole_again(db: Any) -> None:
    create_person(surname="Кузьминов")
    MatchGram.objects.all().delete()
    MatchGram.objects.create(gram="  z", skeleton="zz")  # of a person deleted, say
    matchkeys.keys_reindex()
    assert set(MatchGram.objects.values_list("skeleton", flat=True)) == {"kusminov"}
