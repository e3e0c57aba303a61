"""Near spellings: a surname the keys do not know still finds the man, among namesakes."""

from __future__ import annotations

import pytest

from lifeline.matching import MatchIndex, NameVariant, PersonRecord, fuzzy, query_from_fields
from lifeline.matching.blocking import query_keys
from tests.matching.test_index import NAMESAKE, TARGET, index


@pytest.mark.parametrize(
    ("surname", "given_name"),
    [
        ("Kusnimov", "Maksim"),  # two letters swapped: no key of his is met
        ("Кузнимов", "Максим"),
        ("Kuzmimov", ""),
        ("Kusmirov", ""),
        ("Cuzminov", "Maxime"),  # a C for a K, the French given name
    ],
)
def test_a_misspelt_surname_still_brings_him_into_the_top_10(surname: str, given_name: str) -> None:
    query = query_from_fields(surname=surname, given_name=given_name)
    found = [c.record_id for c in index().search(query, k=10)]
    assert TARGET.id in found


def test_near_spellings_rank_below_the_surname_itself() -> None:
    query = query_from_fields(surname="Кузьминов", given_name="Максим", birth_year=1995)
    candidates = index().candidate_ids(query)
    assert candidates[:2] == [TARGET.id, NAMESAKE.id]  # both hold f:kusminov
    assert len(candidates) > 2  # and the nearest spellings (Кузьмин, Кузьменко...) after them


def _person(i: int, surname: str, given_name: str = "Иван") -> PersonRecord:
    return PersonRecord(i, (NameVariant(surname, given_name),), birth_year=1960 + i)


def test_near_spellings_are_looked_for_only_when_the_surname_finds_too_few() -> None:
    kuzmin = _person(100, "Кузьмин", "Пётр")
    common = MatchIndex([_person(i, "Кузьминов") for i in range(fuzzy.NEAR_BELOW)] + [kuzmin])
    rare = MatchIndex([_person(i, "Кузьминов") for i in range(fuzzy.NEAR_BELOW - 1)] + [kuzmin])
    query = query_from_fields(surname="Кузьминов")
    assert kuzmin.id not in common.candidate_ids(query)
    assert rare.candidate_ids(query)[-1] == kuzmin.id  # after the exact ones


def test_a_query_without_near_spellings_looks_up_its_exact_keys_only() -> None:
    query = query_from_fields(surname="Kusnimov", given_name="Maksim")
    assert [c.record_id for c in index().search(query)] != []
    small = MatchIndex([TARGET])
    assert small.candidate_ids(query) == [TARGET.id]
    assert "n:kusnimov" in query_keys(query)
    assert not any(k.startswith("n:") for k in query_keys(query, near=False))


def test_a_removed_persons_skeleton_is_no_longer_near() -> None:
    """The vocabulary is the skeletons some person holds, as after a fresh build."""
    other = _person(7, "Кузьмин")
    changed = MatchIndex([TARGET, other])
    changed.remove(TARGET.id)
    changed.add(_person(8, "Петров"))
    fresh = MatchIndex([other, _person(8, "Петров")])
    query = query_from_fields(surname="Kuzmim")
    assert changed.candidate_ids(query) == fresh.candidate_ids(query) == [other.id]
    assert changed._grams == fresh._grams


def test_grams_are_padded_trigrams() -> None:
    assert fuzzy.grams("ivanov") == {"  i", " iv", "iva", "van", "ano", "nov", "ov "}


def test_the_shortlist_breaks_ties_in_code_point_order() -> None:
    shared = {"kusmin": 5, "kusminov": 5, "kuSmin": 5, "kus": 1, "kosminov": 6}
    assert fuzzy.shortlist(shared) == ["kosminov", "kuSmin", "kusmin", "kusminov"]


def test_alike_keeps_the_most_alike_first_but_not_the_seed_itself() -> None:
    candidates = ["petrov", "kusminov", "kusmin", "kusmirov", "kosminov", "kusmimov"]
    assert fuzzy.alike(["kusmirov"], candidates) == ["kusmimov", "kusminov", "kosminov"]
