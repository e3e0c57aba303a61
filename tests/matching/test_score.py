"""Scores and explanations: the issue's table of one man written many ways."""

from __future__ import annotations

import pytest

from lifeline.matching import (
    DEFAULT_THRESHOLD,
    Candidate,
    NameVariant,
    PersonRecord,
    parse_free_text,
    query_from_fields,
    score,
)
from lifeline.matching.fold import given_entry

MAXIM = PersonRecord(
    1,
    (NameVariant("Кузьминов", "Максим", "Сергеевич"),),
    sex="m",
    birth_year=1995,
    birth_month=3,
    birth_day=14,
    unit="в/ч 12345",
    place_of_birth="Херсон",
)
ALEXANDER = PersonRecord(
    2, (NameVariant("Кузьминов", "Александр", "Сергеевич"),), sex="m", birth_year=1993
)


@pytest.mark.parametrize(
    "fields",
    [
        {"surname": "Кузьминов", "given_name": "Максим", "patronymic": "Сергеевич"},
        {"surname": "Kuzminov", "given_name": "Maksim"},
        {"surname": "Kuz'minov", "given_name": "Maksim"},
        {"surname": "Kusminow", "given_name": "Maxim"},
        {"surname": "Koussminov", "given_name": "Maksim"},
        {"surname": "Kuźminow", "given_name": "Maksym"},
        {"surname": "Кузьминова", "given_name": "Максима"},
        {"surname": "Максим", "given_name": "Кузьминов"},
        {"surname": "Кузьмінов", "given_name": "Максим", "patronymic": "Сергійович"},
        {"raw_text": "Максима Кузьминова"},
        {"surname": "Кузьминов", "given_name": "М.", "patronymic": "С.", "birth_year": 1995},
    ],
)
def test_spellings_of_one_man_score_above_threshold(fields: dict[str, object]) -> None:
    query = query_from_fields(**fields)  # type: ignore[arg-type]
    assert score(query, MAXIM).score >= DEFAULT_THRESHOLD, query


@pytest.mark.parametrize("given", ["Саша", "Sasha", "Олександр", "Oleksandr", "Шура"])
def test_short_and_ukrainian_given_names(given: str) -> None:
    candidate = score(query_from_fields(surname="Кузьминов", given_name=given), ALEXANDER)
    assert candidate.score >= DEFAULT_THRESHOLD
    given_field = next(f for f in candidate.fields if f.field == "given_name")
    assert given_field.contribution > 0


def test_wife_form_of_the_surname_is_weaker_evidence() -> None:
    wife = PersonRecord(3, (NameVariant("Кузьминова", "Анна", "Петровна"),), sex="f")
    husband = query_from_fields(surname="Кузьминов")
    same = score(query_from_fields(surname="Кузьминова"), wife)
    family = score(husband, wife)
    assert 0 < family.fields[0].contribution < same.fields[0].contribution
    assert "male and female forms" in family.fields[0].explanation


def test_other_people_score_low() -> None:
    for fields in (
        {"surname": "Петров", "given_name": "Иван", "birth_year": 1970},
        {"surname": "Кузьминов", "given_name": "Максим", "birth_year": 1960},
        {"surname": "Щербак", "given_name": "Максим", "birth_year": 1995},
    ):
        assert score(query_from_fields(**fields), MAXIM).score < DEFAULT_THRESHOLD  # type: ignore[arg-type]


def test_more_agreement_scores_higher() -> None:
    names_only = score(query_from_fields(surname="Kuzminov", given_name="Maksim"), MAXIM)
    with_year = score(
        query_from_fields(surname="Kuzminov", given_name="Maksim", birth_year=1995), MAXIM
    )
    assert 0 <= names_only.score < with_year.score <= 1


def test_explanations_read_for_an_officer() -> None:
    query = parse_free_text("Ищу сына, Kusminow Maxim 1995 г.р., в/ч 12345, пропал под Херсоном")
    candidate = score(query, MAXIM)
    text = {f.field: f.explanation for f in candidate.fields}
    assert (
        text["surname"]
        == "Kusminow ≈ Кузьминов: same name across transliteration (German spelling)"
    )
    assert text["birth_date"] == "born 1995 vs 14.03.1995: year agrees"
    assert text["unit"].endswith("same unit")
    assert text["place"].endswith("same place")
    contributions = [abs(f.contribution) for f in candidate.fields]
    assert contributions == sorted(contributions, reverse=True)


def surname_weight(candidate: Candidate) -> float:
    return next(f.contribution for f in candidate.fields if f.field == "surname")


def test_a_lone_patronymic_may_be_the_surname() -> None:
    bogdanovich = PersonRecord(
        4, (NameVariant("Богданович", "Михаил", "Николаевич"),), birth_year=1990
    )
    query = parse_free_text("Разыскиваю мужа Михаила Богдановича, 20.03.1990 г.р.")
    candidate = score(query, bogdanovich)
    assert candidate.score >= DEFAULT_THRESHOLD
    surname = next(f for f in candidate.fields if f.field == "surname")
    assert "patronymic read as the surname" in surname.explanation


def test_slips_of_the_pen() -> None:
    typo = query_from_fields(
        surname="Кузьминв", given_name="Максмм", patronymic="Сергеевич", birth_year=1995
    )
    assert score(typo, MAXIM).score >= DEFAULT_THRESHOLD
    other = query_from_fields(surname="Зотин", given_name="Максим", birth_year=1995)
    zorin = PersonRecord(5, (NameVariant("Зорин", "Максим"),), birth_year=1995, birth_month=3)
    assert surname_weight(score(other, zorin)) < 0 < surname_weight(score(typo, MAXIM))


def test_surname_slips_on_precomputed_forms() -> None:
    """The surname's slip check on its stored long forms says what `_one_slip` says."""
    from lifeline.matching import weights as w
    from lifeline.matching.names import _any_slip, _one_slip, surname_features

    names = [
        "Кузьминов", "Кузьминв", "Кузьмивон", "Kuzminov", "Kusminow", "Кузьминова", "Зорин",
        "Сорин", "Богданович", "Bogdanowicz", "Богдановмч", "Шевченко", "Shevchenko", "Шевчеенко",
        "Ли", "Александров", "Aleksandrow", "Олександров",
    ]  # fmt: skip
    features = [f for f in map(surname_features, names) if f is not None]
    for a in features:
        for b in features:
            expected = _one_slip(a.keys | {a.folded}, b.keys | {b.folded}, w.SLIP_MIN_LENGTH)
            assert _any_slip(a.slip_forms, b.slip_forms) == expected, (a.text, b.text)


@pytest.mark.parametrize(
    "fields",
    [
        {"surname": "Кузьміноў", "given_name": "Максім", "patronymic": "Сяргеевіч"},
        {"surname": "Kuzminou", "given_name": "Maksim", "patronymic": "Siarhiejevič"},
        {"surname": "Kuzminovs", "given_name": "Maksims"},  # Latvian
        {"surname": "Kuzminovas", "given_name": "Maksimas"},  # Lithuanian
        {"surname": "Koezminov", "given_name": "Maksim"},  # Dutch
        {"surname": "Kuzminov", "given_name": "Makszim", "birth_year": 1995},  # Hungarian
    ],
)
def test_belarusian_baltic_and_dutch_spellings_score_above_threshold(
    fields: dict[str, object],
) -> None:
    query = query_from_fields(**fields)  # type: ignore[arg-type]
    assert score(query, MAXIM).score >= DEFAULT_THRESHOLD, query


def test_a_surname_written_as_heard_is_strong_but_not_exact_evidence() -> None:
    akanye = score(query_from_fields(surname="Агурцоў"), PersonRecord(4, (NameVariant("Огурцов"),)))
    exact = score(query_from_fields(surname="Огурцов"), PersonRecord(4, (NameVariant("Огурцов"),)))
    [field] = [f for f in akanye.fields if f.field == "surname"]
    assert "unstressed vowels spelt as heard" in field.explanation
    assert 0 < field.contribution < exact.fields[0].contribution


@pytest.mark.parametrize(
    ("form", "full"),
    [("Аляксандр", "александр"), ("Siarhei", "сергей"), ("Уладзімір", "владимир"),
     ("Дзмітрый", "дмитрий"), ("Aliaksei", "алексей"), ("Усевалад", "всеволод"),
     ("Ігар", "игорь")],
)  # fmt: skip
def test_belarusian_given_names_fold_to_the_russian_full_name(form: str, full: str) -> None:
    entry = given_entry(form)
    assert entry is not None and full in entry.canonical
