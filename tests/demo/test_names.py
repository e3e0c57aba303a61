"""The demo's synthetic persons: reproducible, and as varied and frequent as real names."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from importlib.resources import files

import duckdb
import pytest

from lifeline.demo.names import (
    LATIN_SYSTEMS,
    SyntheticPerson,
    feminine_surname,
    generate_persons,
    romanize,
)

UKRAINIAN_LETTERS = re.compile("[іїєґ']")


@pytest.fixture(scope="module")
def persons() -> list[SyntheticPerson]:
    return generate_persons(3000, seed=2024)


def source_top_male_names(limit: int) -> set[str]:
    source = files("russiannames") / "data" / "names.parquet"
    rows = duckdb.execute(
        "SELECT text FROM read_parquet(?) WHERE gender = 'm' ORDER BY count DESC LIMIT ?",
        [str(source), limit],
    ).fetchall()
    return {text for (text,) in rows}


def test_a_seed_always_gives_the_same_persons() -> None:
    assert generate_persons(300, seed=7) == generate_persons(300, seed=7)
    assert generate_persons(300, seed=7) != generate_persons(300, seed=8)
    assert len(generate_persons(0, seed=7)) == 0


def test_given_names_are_as_common_as_in_the_source(persons: list[SyntheticPerson]) -> None:
    russian_men = Counter(p.given_name for p in persons if p.language == "ru" and p.sex == "m")
    top_generated = {name for name, _ in russian_men.most_common(10)}
    assert len(top_generated & source_top_male_names(20)) >= 8


def test_mostly_men(persons: list[SyntheticPerson]) -> None:
    share_of_women = sum(p.sex == "f" for p in persons) / len(persons)
    assert 0.03 <= share_of_women <= 0.08
    assert {p.sex for p in persons} == {"m", "f"}


def test_about_a_third_are_ukrainian_with_ukrainian_name_forms(
    persons: list[SyntheticPerson],
) -> None:
    ukrainians = [p for p in persons if p.language == "uk"]
    assert 0.30 <= len(ukrainians) / len(persons) <= 0.40
    given_names = Counter(p.given_name for p in ukrainians)
    assert {"Олександр", "Сергій", "Микола", "Іван"} <= set(given_names)
    assert not {"Александр", "Сергей", "Николай", "Иван"} & set(given_names)
    # Many common Ukrainian names have no і, ї or є (Олександр, Микола, Михайло), so only a
    # little over half of the persons show one in the given name or patronymic.
    with_letters = [p for p in ukrainians if UKRAINIAN_LETTERS.search(p.given_name + p.patronymic)]
    assert len(with_letters) / len(ukrainians) > 0.5
    assert all(not re.search("[ыэёъ]", p.surname + p.given_name) for p in ukrainians)


def test_women_have_female_name_forms(persons: list[SyntheticPerson]) -> None:
    women = [p for p in persons if p.sex == "f"]
    assert women
    assert not [p.surname for p in women if re.search("(ов|ев|ёв|ин|ын|ий|ой)$", p.surname)]
    assert all(p.patronymic.endswith("на") for p in women)
    assert any(p.surname.endswith(("ова", "ева", "ина")) for p in women)


def test_some_have_latin_spellings_in_latin_letters(persons: list[SyntheticPerson]) -> None:
    with_latin = [p for p in persons if p.latin_forms]
    assert 0.25 <= len(with_latin) / len(persons) <= 0.35
    assert {len(p.latin_forms) for p in with_latin} == {1, 2}
    for person in with_latin:
        for system, *parts in person.latin_forms:
            assert system in LATIN_SYSTEMS[person.language]
            assert all(re.fullmatch(r"[A-Za-z' -]+", part) for part in parts), parts


def test_latin_spellings_follow_the_named_system() -> None:
    assert romanize("Ковальчук", "Олександр", "Сергійович", system="kmu2010") == (
        "kmu2010",
        "Kovalchuk",
        "Oleksandr",
        "Serhiiovych",
    )
    assert romanize("Кузьминов", "Юрий", "Сергеевич", system="icao9303") == (
        "icao9303",
        "Kuzminov",
        "Iurii",
        "Sergeevich",
    )


def test_some_dates_of_birth_are_partial(persons: list[SyntheticPerson]) -> None:
    year_only = [p for p in persons if p.birth_month is None]
    assert 0.06 <= len(year_only) / len(persons) <= 0.14
    assert all(p.birth_day is None for p in year_only)
    for person in persons:
        if person.birth_month is not None:
            assert person.birth_day is not None
            datetime.date(person.birth_year, person.birth_month, person.birth_day)
        assert 1966 <= person.birth_year <= 2006


def test_service_details_look_like_records(persons: list[SyntheticPerson]) -> None:
    for person in persons:
        assert re.fullmatch(r"в/ч (\d{5}|А\d{4})", person.unit)
        assert person.service_number == "" or re.fullmatch(r"[А-Я]{2}-\d{6}", person.service_number)
        assert person.rank and person.place_of_birth and person.power
    ranks = Counter(p.rank for p in persons if p.language == "ru")
    assert ranks.most_common(1)[0][0] == "рядовой"
    assert any(p.service_number == "" for p in persons)


def test_feminine_surname() -> None:
    assert feminine_surname("Кузьминов") == "Кузьминова"
    assert feminine_surname("Вишневский") == "Вишневская"
    assert feminine_surname("Ковальський") == "Ковальська"
    assert feminine_surname("Шевченко") == "Шевченко"
