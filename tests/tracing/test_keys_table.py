"""Candidates from the database's key table: the in-memory index's, and the duplicate check."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from benchmarks.engine import engine_query
from benchmarks.evalset import build_evalset
from benchmarks.match_keys import persons_store
from lifeline.core.actors import SYSTEM
from lifeline.matching import MatchIndex, PersonRecord, Query, blocking, fuzzy, query_from_fields
from lifeline.registry import matchkeys
from lifeline.registry.matchkeys import keys_refresh
from lifeline.registry.models import Person
from lifeline.tracing import engine
from lifeline.tracing.models import DuplicatePair
from lifeline.tracing.services.duplicates import duplicate_dismiss, duplicates_check_person
from tests.registry.conftest import create_person


def _store(records: list[PersonRecord]) -> None:
    persons_store(records)
    keys_refresh(r.id for r in records)


@pytest.fixture
def registry(db: Any) -> tuple[list[PersonRecord], list[Query]]:
    """A few hundred synthetic persons with Latin forms, sought in every way a family writes."""
    evalset = build_evalset(
        registry_size=300, queries_per_variant=3, negatives_per_variant=1, seed=13
    )
    _store(evalset.records)
    return evalset.records, [engine_query(q) for q in evalset.queries]


def test_the_database_stores_each_person_as_the_engine_sees_him(
    registry: tuple[list[PersonRecord], list[Query]],
) -> None:
    records, _queries = registry
    assert engine.records() == records


def _misspelt(records: list[PersonRecord]) -> list[Query]:
    """Each person sought with two letters of his surname swapped, by his given name alone."""
    queries = []
    for record in records:
        name = record.names[0]
        s = name.surname
        if len(s) >= 6:
            queries.append(
                query_from_fields(surname=s[:2] + s[3] + s[2] + s[4:], given_name=name.given_name)
            )
    return queries


@pytest.mark.parametrize(
    ("max_postings", "gram_max_postings"),
    [(blocking.MAX_POSTINGS, fuzzy.GRAM_MAX_POSTINGS), (4, 20)],
)
def test_candidates_and_scores_are_the_in_memory_index_s(
    registry: tuple[list[PersonRecord], list[Query]],
    max_postings: int,
    gram_max_postings: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Also with common keys and trigrams left out (a small MAX_POSTINGS) and a cut among equal
    weights; and for misspelt surnames, found by their near spellings."""
    monkeypatch.setattr(blocking, "MAX_POSTINGS", max_postings)
    monkeypatch.setattr(fuzzy, "GRAM_MAX_POSTINGS", gram_max_postings)
    records, queries = registry
    index = MatchIndex(records)
    misspelt = _misspelt(records[:60])
    assert len(queries) > 50 and len(misspelt) > 30
    near = [
        q for q in misspelt if set(matchkeys.key_weights(keys := blocking.query_keys(q))) - keys
    ]
    assert len(near) > len(misspelt) / 2
    for query in [*queries, *misspelt]:
        assert engine.candidate_ids(query) == index.candidate_ids(query)
        assert engine.candidate_ids(query, limit=7) == index.candidate_ids(query, limit=7)
        assert engine.search(query) == index.search(query)


def _exact_ids(query: Query) -> list[int]:
    return matchkeys.candidate_ids(blocking.query_keys(query, near=False))


def test_a_search_is_a_few_queries(
    registry: tuple[list[PersonRecord], list[Query]],
    django_assert_max_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counts of the query's keys, the best-keyed persons, and those persons with their names;
    for near spellings, the counts of the surname's trigrams, the skeletons sharing the most,
    and their keys' counts."""
    _records, queries = registry
    with django_assert_max_num_queries(7):
        assert engine.search(queries[0])
    monkeypatch.setattr(fuzzy, "NEAR_BELOW", 0)  # the exact keys always find enough
    with django_assert_max_num_queries(4):
        assert engine.search(queries[0])


@pytest.mark.django_db(transaction=True)
def test_candidates_come_from_a_read_only_session_as_on_a_replica(
    registry: tuple[list[PersonRecord], list[Query]],
) -> None:
    """A hot standby refuses every write; the search must not need one (nor a warm-up write)."""
    records, queries = registry
    expected = [engine.search(query) for query in queries[:20]]
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET TRANSACTION READ ONLY")
                else:
                    cursor.execute("PRAGMA query_only = ON")
            found = [engine.search(query) for query in queries[:20]]  # a write would raise
            with pytest.raises(DatabaseError, match="read-only|readonly"), transaction.atomic():
                Person.objects.filter(pk=records[0].id).update(unit="x")  # it is read-only
        assert found == expected
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = OFF")


@pytest.mark.django_db(transaction=True)
def test_a_person_added_twice_is_listed_as_a_likely_duplicate(immediate_tasks: None) -> None:
    first = create_person(birth_year=1995, birth_month=3, birth_day=14)
    create_person(surname="Петров", birth_year=1995)
    second = create_person(
        surname="Kuzminov", given_name="Maksim", birth_year=1995, birth_month=3, birth_day=14
    )
    [pair] = DuplicatePair.objects.all()
    assert (pair.left_id, pair.right_id) == (first.pk, second.pk)
    assert pair.state == DuplicatePair.State.OPEN and pair.probability >= 0.9


def test_a_dismissed_pair_is_not_listed_again(dave: Any) -> None:
    first = create_person(birth_year=1995)
    second = create_person(birth_year=1995)
    assert duplicates_check_person(actor=SYSTEM, person_id=second.pk) == 1
    duplicate_dismiss(actor=dave, pair=DuplicatePair.objects.get())
    assert duplicates_check_person(actor=SYSTEM, person_id=first.pk) == 0
    assert DuplicatePair.objects.get().state == DuplicatePair.State.DISMISSED
