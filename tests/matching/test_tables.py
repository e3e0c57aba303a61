"""The name tables generated from package data hold what matching needs."""

from __future__ import annotations

import json

import pytest

from lifeline.matching.fold import given_keys, patronymic_key, surname_keys
from lifeline.matching.keys import skeleton
from lifeline.matching.tables import (
    DATA_DIR,
    given_names,
    male_surname_of,
    patronymics,
    surname_count,
    ukrainian_surnames,
)


def test_tables_are_large_and_from_packages() -> None:
    manifest = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["packages"]) >= {"russiannames", "names-translator", "rigour"}
    assert len(given_names()) > 5000
    assert len(patronymics()) > 10000
    assert len(male_surname_of()) > 30000
    assert len(ukrainian_surnames()) > 30000


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Саша", "Александр"), ("Шура", "Александр"), ("Женя", "Евгений"), ("Женя", "Евгения"),
        ("Дима", "Дмитрий"), ("Вова", "Владимир"), ("Володя", "Владимир"), ("Коля", "Николай"),
        ("Серёжа", "Сергей"), ("Миша", "Михаил"), ("Паша", "Павел"), ("Ваня", "Иван"),
        ("Олександр", "Александр"), ("Микола", "Николай"), ("Сергій", "Сергей"),
        ("Ганна", "Анна"), ("Sasha", "Александр"), ("Oleksandr", "Александр"),
        ("Maksim", "Максим"), ("Maksym", "Максим"), ("Mykola", "Николай"),
    ],
)  # fmt: skip
def test_given_names_fold_to_the_full_russian_name(short: str, full: str) -> None:
    assert skeleton(full) in given_keys(short)


def test_rigour_groups_give_many_short_forms() -> None:
    derived = [f for f, e in given_names().items() if f not in e.canonical]
    assert len(derived) > 1000


def test_distinct_names_stay_apart() -> None:
    assert not given_keys("Александр") & given_keys("Алексей")
    assert not given_keys("Евгений") & given_keys("Сергей")


@pytest.mark.parametrize(
    "spelling", ["Сергеевич", "Сергійович", "Sergeevich", "Sergeyevich", "Serhiiovych"]
)
def test_patronymics_fold_to_the_father(spelling: str) -> None:
    assert patronymic_key(spelling) == patronymic_key("Сергеевич")


def test_female_patronymic_keys_with_the_male_one() -> None:
    assert patronymic_key("Сергеевна") == patronymic_key("Сергіївна") == patronymic_key("Сергеевич")


def test_surnames() -> None:
    assert male_surname_of()["кузьминова"] == "кузьминов"
    assert surname_count("Иванов") > surname_count("Кузьминов") > 0
    assert surname_keys("Кузьмінов") & surname_keys("Кузьминов")
