"""Candidates from the database's key table: the in-memory index's, and the duplicate check."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from benchmarks.engine import engine_query
from benchmarks.evalset import build_evalset
from benchmarks.match_keys import persons_store
from lifeline.core.actors import SYSTEM
from lifeline.matching import MatchIndex, PersonRecord, Query, blocking
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


@pytest.mark.parametrize("max_postings", [blocking.MAX_POSTINGS, 4])
def test_candidates_and_scores_are_the_in_memory_index_s(
    registry: tuple[list[PersonRecord], list[Query]],
    max_postings: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Also with common keys left out (a small MAX_POSTINGS) and a cut among equal weights."""
    monkeypatch.setattr(blocking, "MAX_POSTINGS", max_postings)
    records, queries = registry
    index = MatchIndex(records)
    assert len(queries) > 50
    for query in queries:
        assert engine.candidate_ids(query) == index.candidate_ids(query)
        assert engine.candidate_ids(query, limit=7) == index.candidate_ids(query, limit=7)
        assert engine.search(query) == index.search(query)


def test_a_search_is_a_few_queries(
    registry: tuple[list[PersonRecord], list[Query]], django_assert_max_num_queries: Any
) -> None:
    """Counts of the query's keys, the best-keyed persons, and those persons with their names."""
    _records, queries = registry
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
