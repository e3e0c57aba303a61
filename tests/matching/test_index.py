"""Candidate retrieval among a few thousand synthetic persons."""

from __future__ import annotations

from functools import cache

import pytest

from lifeline.demo.names import SyntheticPerson, generate_persons
from lifeline.matching import (
    MatchIndex,
    NameVariant,
    PersonRecord,
    RecordPool,
    normalised_columns,
    parse_free_text,
    query_from_fields,
    top_candidates,
)
from lifeline.matching.score import Scorer, query_features, record_features, score_features

TARGET = PersonRecord(
    10**6,
    (
        NameVariant("Кузьминов", "Максим", "Сергеевич"),
        NameVariant("Kuzminov", "Maksim", "Sergeevich"),
    ),
    sex="m",
    birth_year=1995,
    birth_month=3,
    birth_day=14,
    unit="в/ч 12345",
)
NAMESAKE = PersonRecord(
    10**6 + 1, (NameVariant("Кузьминов", "Максим", "Петрович"),), birth_year=1971
)


def as_record(i: int, person: SyntheticPerson) -> PersonRecord:
    names = [NameVariant(person.surname, person.given_name, person.patronymic)]
    names += [NameVariant(s, g, p) for _system, s, g, p in person.latin_forms]
    return PersonRecord(
        i,
        tuple(names),
        sex=person.sex,
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        birth_day=person.birth_day,
        unit=person.unit,
        place_of_birth=person.place_of_birth,
    )


@cache
def persons() -> list[SyntheticPerson]:
    return generate_persons(2000, seed=7)


@cache
def index() -> MatchIndex:
    records = [as_record(i, p) for i, p in enumerate(persons())]
    return MatchIndex([*records, TARGET, NAMESAKE])


@pytest.mark.parametrize(
    "query",
    [
        query_from_fields(surname="Кузьминов", given_name="Максим", birth_year=1995),
        query_from_fields(surname="Kusminow", given_name="Maxim"),
        query_from_fields(surname="Кузьминова", given_name="Максима", patronymic="Сергеевича"),
        query_from_fields(surname="Кузьмінов", given_name="Максим", patronymic="Сергійович"),
        query_from_fields(surname="Кузминов", given_name="Максим", birth_year=1995),  # a typo
        query_from_fields(surname="Кузьмивон", given_name="Максим", birth_year=1995),  # another
        query_from_fields(surname="Максим", given_name="Кузьминов", birth_year=1995),
        parse_free_text("Ищу сына, Кузьминов Максим Сергеевич 1995 г.р., в/ч 12345"),
    ],
)
def test_search_finds_him_first(query: object) -> None:
    found = index().search(query, k=10)  # type: ignore[arg-type]
    assert found[0].record_id == TARGET.id
    assert found == sorted(found, key=lambda c: -c.score)


def test_search_finds_synthetic_persons_by_their_latin_and_partial_forms() -> None:
    misses = 0
    sample = persons()[:100]
    for i, person in enumerate(sample):
        query = query_from_fields(
            surname=person.surname, given_name=person.given_name, birth_year=person.birth_year
        )
        ids = [c.record_id for c in index().search(query, k=10)]
        misses += i not in ids
    assert misses == 0


def test_search_totals_are_exactly_the_scores() -> None:
    """The search's fast totals equal `score_features`'s, so ranking by them changes nothing."""
    records = [TARGET, NAMESAKE, *(as_record(i, p) for i, p in enumerate(persons()[:300]))]
    queries = [
        query_from_fields(surname="Кузьминов", given_name="Максим", birth_year=1995),
        query_from_fields(surname="Максим", given_name="Кузьминов", birth_month=3),
        parse_free_text("Ищу сына, Кузьминов Максим Сергеевич 1995 г.р., в/ч 12345, г. Херсон"),
        *(
            query_from_fields(surname=p.surname, given_name=p.given_name, patronymic=p.patronymic)
            for p in persons()[300:320]
        ),
    ]
    for query in queries:
        features = query_features(query)
        total_of = Scorer(features).total
        for record in records:
            expected, _fields = score_features(features, record_features(record), explain=False)
            assert total_of(record_features(record)) == expected


def test_a_pool_and_an_index_score_records_as_top_candidates_does() -> None:
    records = [as_record(i, p) for i, p in enumerate(persons()[:300])] + [TARGET, NAMESAKE]
    pool = RecordPool()
    pool.add(records)
    small = MatchIndex(records)
    queries = [
        query_from_fields(surname="Кузьминов", given_name="Максим", birth_year=1995),
        query_from_fields(surname="Kuzminov", given_name="Maksim"),
        *(query_from_fields(surname=p.surname, given_name=p.given_name) for p in persons()[:20]),
    ]
    for query in queries:
        ids = small.candidate_ids(query, 50)
        by_id = {r.id: r for r in records}
        expected = top_candidates(query, [by_id[i] for i in ids], 3)
        assert pool.top(query, [*ids, -1], 3) == expected  # -1: not pooled, passed over
        assert small.top(query, ids, 3) == expected


def test_add_and_remove() -> None:
    small = MatchIndex([NAMESAKE])
    query = query_from_fields(surname="Кузьминов", given_name="Максим", birth_year=1995)
    assert [c.record_id for c in small.search(query)] == [NAMESAKE.id]
    small.add(TARGET)
    assert small.search(query)[0].record_id == TARGET.id
    small.remove(TARGET.id)
    small.remove(12345)  # unknown ids are ignored
    assert TARGET.id not in small and len(small) == 1
    assert [c.record_id for c in small.search(query)] == [NAMESAKE.id]


def test_normalised_columns() -> None:
    columns = normalised_columns(TARGET)
    assert (
        columns["surname_key"]
        == normalised_columns(PersonRecord(5, (NameVariant("Кузьминова", "Саша", "Сергіївна"),)))[
            "surname_key"
        ]
    )
    assert columns["given_key"] == "maksim"
    assert columns["birth_year"] == "1995" and columns["unit_key"] == "12345"
    assert set(columns) >= {
        "surname_key", "surname_phonetic", "given_key", "patronymic_key",
        "birth_year", "birth_month", "birth_day", "unit_key", "place_key",
    }  # fmt: skip


_SEARCH_IN_A_FRESH_PROCESS = """
from lifeline.demo.names import generate_persons
from lifeline.matching import MatchIndex, parse_free_text
from lifeline.matching.types import NameVariant, PersonRecord
people = generate_persons(3000, seed=5)
index = MatchIndex([
    PersonRecord(id=i, names=(NameVariant(p.surname, p.given_name, p.patronymic),),
                 birth_year=p.birth_year)
    for i, p in enumerate(people)
])
for text in ("Иванов Александр 1990", "Kovalenko Oleksandr", "Сергей 1985"):
    query = parse_free_text(text)
    print([(c.record_id, round(c.score, 9)) for c in index.search(query)])
    # A small limit forces a cut among candidates with equal key weight.
    print(index.candidate_ids(query, limit=15))
"""


@pytest.mark.slow  # fresh Python processes under several hash seeds: ~5 s
def test_the_same_query_finds_the_same_candidates_whatever_the_hash_seed() -> None:
    """An officer's "match again" must not change its mind between processes."""
    import os
    import subprocess
    import sys

    outputs = {
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", _SEARCH_IN_A_FRESH_PROCESS],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
