"""Blocking keys: what a person is stored under, what a query looks up, how hits are ranked."""

from __future__ import annotations

import pytest

from lifeline.matching import NameVariant, PersonRecord, blocking, query_from_fields

KUZMINOV = PersonRecord(
    1,
    (NameVariant("Кузьминов", "Максим", "Сергеевич"), NameVariant("Kuzminov", "Maksim")),
    birth_year=1995,
)


def test_a_person_is_stored_under_his_surname_in_every_script_once() -> None:
    keys = blocking.record_keys(KUZMINOV)
    assert "f:kusminov" in keys and "gy:maksim:1995" in keys and "py:serg:1995" in keys
    assert {k.split(":", 1)[0] for k in keys} <= set(blocking.KEY_WEIGHTS)


def test_a_latin_query_looks_up_the_cyrillic_persons_keys_and_the_years_either_side() -> None:
    query = query_from_fields(surname="Kusminow", given_name="Maxim", birth_year=1996)
    keys = blocking.query_keys(query)
    assert "f:kusminov" in keys & blocking.record_keys(KUZMINOV)
    assert "gy:maksim:1995" in keys  # a year off still blocks on the given name
    assert "gy:maksim:1997" in keys


def test_a_search_surname_has_the_same_key_as_its_other_spellings_and_its_female_form() -> None:
    assert blocking.search_keys("Ivanov") == blocking.search_keys("Иванова") == [{"f:ivanov"}]


def test_a_search_for_a_full_name_asks_for_a_key_of_each_part() -> None:
    surname, given, patronymic = blocking.search_keys("Иванов", "Саша", "Петрович")
    assert surname == {"f:ivanov"} and "x:ivan:aleksandr" in given
    assert "gp:aleksandr:petr" in patronymic


@pytest.mark.parametrize(
    ("surname", "given_name", "patronymic"),
    [("", "Ivan", ""), ("Иванов", "И.", ""), ("Иванов", "", "Петрович")],
)
def test_a_search_keys_cannot_tell_asks_for_none(
    surname: str, given_name: str, patronymic: str
) -> None:
    assert blocking.search_keys(surname, given_name, patronymic) == []


def test_keys_shared_by_too_many_persons_are_not_gathered() -> None:
    counts = {"f:ivanov": blocking.MAX_POSTINGS + 1, "gy:ivan:1990": 3, "g:ivan": 0}
    assert blocking.usable_keys(counts) == {"gy:ivan:1990": 2.5}


def test_hits_rank_by_summed_weight_then_by_lower_id() -> None:
    hits = {7: 4.0, 3: 6.5, 5: 4.0, 9: 1.0}
    assert blocking.best_ids(hits) == [3, 5, 7, 9]
    assert blocking.best_ids(hits, limit=2) == [3, 5]


def test_every_weight_is_a_multiple_of_a_half_so_a_database_sums_it_exactly() -> None:
    assert all((w * 2).is_integer() for w in blocking.KEY_WEIGHTS.values())


def test_the_key_rules_version_changes_with_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    version = blocking.key_rules_version()
    assert version == blocking.key_rules_version()
    blocking.key_rules_version.cache_clear()
    monkeypatch.setattr(blocking, "SHORT_PREFIX", 4)
    try:
        assert blocking.key_rules_version() != version
    finally:
        blocking.key_rules_version.cache_clear()
