"""The evaluation-set generator: deterministic, complete, and its variants are what they claim."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from benchmarks.evalset import VARIANTS, EvalSet, build_evalset, inflect, make_variant
from lifeline.demo.names import SyntheticPerson, _surnames

SMALL = {"registry_size": 2_000, "queries_per_variant": 12, "negatives_per_variant": 2}


@pytest.fixture(scope="module")
def evalset() -> EvalSet:
    return build_evalset(**SMALL, seed=7)


def _person(**fields: object) -> SyntheticPerson:
    base = {
        "surname": "Кузьминов",
        "given_name": "Александр",
        "patronymic": "Сергеевич",
        "language": "ru",
        "sex": "m",
        "latin_forms": (),
        "birth_year": 1995,
        "birth_month": 3,
        "birth_day": 7,
        "place_of_birth": "Курск",
        "rank": "рядовой",
        "service_number": "",
        "unit": "в/ч 12345",
        "power": "Российская Федерация",
    }
    return SyntheticPerson(**{**base, **fields})  # type: ignore[arg-type]


def test_same_seed_same_set(evalset: EvalSet) -> None:
    again = build_evalset(**SMALL, seed=7)
    assert again.records == evalset.records
    assert again.queries == evalset.queries
    other = build_evalset(**SMALL, seed=8)
    assert other.queries != evalset.queries


def test_every_variant_has_its_queries_and_negatives(evalset: EvalSet) -> None:
    positives = Counter(q.variant for q in evalset.queries if q.truth_id is not None)
    negatives = Counter(q.variant for q in evalset.queries if q.truth_id is None)
    assert positives == dict.fromkeys(VARIANTS, 12)
    assert negatives == dict.fromkeys(VARIANTS, 2)


def test_truths_are_in_the_registry_and_ids_are_unique(evalset: EvalSet) -> None:
    ids = [r.id for r in evalset.records]
    assert len(ids) == len(set(ids)) == SMALL["registry_size"] + evalset.truth_count
    assert {q.truth_id for q in evalset.queries if q.truth_id} <= set(ids)
    assert len({q.qid for q in evalset.queries}) == len(evalset.queries)


def test_negatives_name_nobody_in_the_registry(evalset: EvalSet) -> None:
    registry = {(r.names[0].surname, r.names[0].given_name, r.birth_year) for r in evalset.records}
    for query in evalset.queries:
        if query.truth_id is None and query.variant == "exact":
            assert (query.surname, query.given_name, query.birth_year) not in registry


def test_variants_differ_from_the_truth_as_intended(evalset: EvalSet) -> None:
    records = {r.id: r for r in evalset.records}
    for query in evalset.queries:
        if query.truth_id is None:
            continue
        truth = records[query.truth_id]
        name = truth.names[0]
        if query.variant == "exact":
            assert (query.surname, query.given_name) == (name.surname, name.given_name)
        elif query.variant.startswith("translit_") or query.variant in ("german", "french"):
            assert query.surname.isascii() or query.variant == "translit_iso9", query
            assert query.surname != name.surname
        elif query.variant == "no_patronymic":
            assert query.patronymic == "" and query.surname == name.surname
        elif query.variant == "typo":
            assert (query.surname, query.given_name) != (name.surname, name.given_name)
        elif query.variant in ("order_swap", "case_ending"):
            assert query.text and not query.surname
        elif query.variant == "female_form":
            assert query.surname != name.surname and query.given_name == name.given_name
        elif query.variant == "diminutive":
            assert query.given_name != name.given_name and query.surname == name.surname


def test_known_spellings() -> None:
    rng = random.Random(1)
    person = _person(surname="Кузьминов")
    german = make_variant("german", person, rng)
    assert german is not None and german.surname == "Kusminow"
    polish = make_variant("polish", _person(surname="Щербак"), rng)
    assert polish is not None and polish.surname == "Szczerbak"
    french = make_variant("french", _person(surname="Щербак"), rng)
    assert french is not None and french.surname == "Chtcherbak"
    ukrainian = make_variant("ukrainian_form", person, rng)
    assert ukrainian is not None
    assert (ukrainian.given_name, ukrainian.patronymic) == ("Олександр", "Сергійович")
    female = make_variant("female_form", person, rng)
    assert female is not None and female.surname == "Кузьминова"
    diminutive = make_variant("diminutive", person, rng)
    assert diminutive is not None and diminutive.given_name == "Саша"


def test_case_endings_decline_the_names() -> None:
    assert inflect("Кузьминов", "gent", kind="surname", sex="m", language="ru") == "Кузьминова"
    assert inflect("Максим", "accs", kind="given_name", sex="m", language="ru") == "Максима"
    assert inflect("Сергеевич", "ablt", kind="patronymic", sex="m", language="ru") == "Сергеевичем"
    assert inflect("Кузьминова", "accs", kind="surname", sex="f", language="ru") == "Кузьминову"
    assert inflect("Шевченко", "gent", kind="surname", sex="m", language="ru") == "Шевченко"
    assert inflect("Петро", "gent", kind="given_name", sex="m", language="uk") == "Петра"
    rng = random.Random(3)
    query = make_variant("case_ending", _person(), rng)
    assert query is not None and "Кузьминов" in query.text and "Кузьминов " not in query.text


def test_partial_dob_changes_the_date() -> None:
    rng = random.Random(5)
    person = _person()
    for _ in range(20):
        query = make_variant("partial_dob", person, rng)
        assert query is not None
        assert (query.birth_year, query.birth_month, query.birth_day) != (1995, 3, 7)


def test_registry_is_drawn_by_frequency(evalset: EvalSet) -> None:
    # Common surnames are common in the registry, and namesakes occur.
    surnames = Counter(r.names[0].surname for r in evalset.records)
    commonest = {male for (male, _female) in _surnames("ru").values[:20]}
    assert sum(surnames[s] for s in commonest) > 20
    full_names = Counter((r.names[0].surname, r.names[0].given_name) for r in evalset.records)
    assert full_names.most_common(1)[0][1] >= 2
