"""The real-spellings set builder: labelled, sourced, and each sought person is registered.

rigour itself is not needed here (it lives in the benchmark's own environment): the builder is
fed a few group lines written the way rigour writes them.
"""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.realset import (
    PLAIN,
    RealSet,
    build_real_set,
    convention,
    forms_by_convention,
    parse_groups,
)

GROUPS = """\
# rigour 2.6.1
kouznetsov, kusnezow, kuznecovas, kuznetsov, kuznetsova, kuzněcov, kuzniecow, kuznyecov, \
kuzņecovs, koeznetsov, кузнецов, кузнецова, кузняцоў => Q4245091
ivanov, iwanow, ivanovas, ivanovs, ivánov, iwanoŭ, іваноў, іванов, иванов => Q1
aleksandr, aleksandras, aleksandrs, alexander, alexandre, aljaksandr, oleksandr, \
александр, аляксандр, олександр => Q17501806
sergej, sergejs, sergei, sergey, serguei, siergiej, szergej, сергей, сяргей, сергій => Q2
mikhail, michail, michaił, mihails, mykhailo, михаил, міхаіл, михайло => Q3
"""


@pytest.fixture(scope="module")
def realset() -> RealSet:
    return build_real_set(GROUPS, registry_size=300, per_convention=50, seed=3)


def test_groups_and_their_source_are_read() -> None:
    source, groups = parse_groups(GROUPS)
    assert source == "rigour 2.6.1"
    assert [g.item for g in groups] == ["Q4245091", "Q1", "Q17501806", "Q2", "Q3"]
    assert "кузняцоў" in groups[0].forms


def test_every_example_is_labelled_and_sourced(realset: RealSet) -> None:
    assert realset.examples
    for example in realset.examples:
        assert example.convention and example.convention == example.query.variant
        assert example.source == "rigour 2.6.1"
        assert example.query.detail.startswith("rigour 2.6.1: ")
        assert example.surname_item in ("Q4245091", "Q1")


def test_the_sought_person_is_registered_in_cyrillic(realset: RealSet) -> None:
    records = {r.id: r for r in realset.records}
    assert len(records) == len(realset.records) == 300 + realset.truth_count
    for example in realset.examples:
        truth = records[example.query.truth_id]  # type: ignore[index]
        assert truth.names[0].surname in ("Кузнецов", "Иванов")
        assert truth.names[0].surname.lower() != example.query.surname.lower()
        assert len(truth.names) == 1  # registered in Cyrillic only


def test_queries_use_the_groups_own_spellings(realset: RealSet) -> None:
    _, groups = parse_groups(GROUPS)
    forms = {f for g in groups for f in g.forms}
    for example in realset.examples:
        assert example.query.surname.lower() in forms
        assert example.query.given_name.lower() in forms
    by_label = Counter(e.convention for e in realset.examples)
    assert {"german", "polish", "cyrillic belarusian", "latvian"} <= set(by_label)


def test_conventions_read_from_the_letters() -> None:
    assert convention("kusnezow") == "german"
    assert convention("kuzniecow") == "polish"
    assert convention("kuzņecovs") == "latvian"
    assert convention("kuznecovas") == "lithuanian"
    assert convention("kuzněcov") == "haček (cs/sk/sl/hr/sr, scholarly)"
    assert convention("kouznetsov") == "french"
    assert convention("koeznetsov") == "dutch/scandinavian"
    assert convention("kuznetsov") == "english"
    assert convention("kuznyecov") == "hungarian"
    assert convention("кузняцоў") == "cyrillic belarusian"
    assert convention("сергій") == "cyrillic ukrainian"
    assert convention("aleksandr") == PLAIN
    assert convention("クズネツォフ") is None


def test_feminine_surname_forms_are_not_used_for_a_man() -> None:
    _, groups = parse_groups(GROUPS)
    spellings = forms_by_convention(groups[:1], "кузнецов", surname=True)
    used = {form for forms in spellings.values() for form, _ in forms}
    assert "kuznetsova" not in used and "кузнецова" not in used
    assert "кузнецов" not in used  # the registered form itself is not a query


def test_a_given_name_form_must_be_held_by_two_of_its_groups() -> None:
    _, groups = parse_groups(
        "filipp, philipp, pepe, фил, филипп => Q10\nfilipp, philipp, филипп => Q11\n"
        "philipp, albert dina, филипп => Q12\n"
    )
    spellings = forms_by_convention(groups, "филипп", surname=False)
    used = {form for forms in spellings.values() for form, _ in forms}
    assert used == {"filipp", "philipp"}
