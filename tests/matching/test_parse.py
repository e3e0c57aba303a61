"""Parsing full names: roles, order, initials, the nominative and the sex."""

from __future__ import annotations

import pytest

from lifeline.matching import ParsedName, parse_name
from lifeline.matching.parse import parse_parts

M = "m"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Кузьминов Максим Сергеевич", ParsedName("Кузьминов", "Максим", "Сергеевич", M)),
        ("Максим Сергеевич Кузьминов", ParsedName("Кузьминов", "Максим", "Сергеевич", M)),
        ("Кузьминова Максима Сергеевича", ParsedName("Кузьминов", "Максим", "Сергеевич", M)),
        ("Максима Кузьминова", ParsedName("Кузьминов", "Максим", "", M)),
        ("Кузьминовым Максимом", ParsedName("Кузьминов", "Максим", "", M)),
        ("Максиму Сергеевичу Кузьминову", ParsedName("Кузьминов", "Максим", "Сергеевич", M)),
        ("Максимович Иван Александрович", ParsedName("Максимович", "Иван", "Александрович", M)),
        ("Максимович Иван", ParsedName("Максимович", "Иван", "", M)),
        ("Кузьминова Анна", ParsedName("Кузьминова", "Анна", "", "f")),
        ("Кузьминовой Анны Сергеевны", ParsedName("Кузьминова", "Анна", "Сергеевна", "f")),
        ("Кузьминов М.С.", ParsedName("Кузьминов", "М.", "С.", "")),
        ("М. С. Кузьминов", ParsedName("Кузьминов", "М.", "С.", "")),
        ("Олександра Коваленка", ParsedName("Коваленко", "Олександр", "", M)),
        ("Коваленко Олександр Сергійович", ParsedName("Коваленко", "Олександр", "Сергійович", M)),
        ("Шевченка Тараса Григоровича", ParsedName("Шевченко", "Тарас", "Григорович", M)),
        ("Kuzminov Maksim", ParsedName("Kuzminov", "Maksim", "", M)),
        ("Maksim Kuzminov", ParsedName("Kuzminov", "Maksim", "", M)),
        ("Ivanov Ivan Ivanovich", ParsedName("Ivanov", "Ivan", "Ivanovich", M)),
        ("Кузьминова", ParsedName("Кузьминова", "", "", "")),
        ("Саша", ParsedName("", "Саша", "", M)),
    ],
)
def test_parse_name(text: str, expected: ParsedName) -> None:
    assert parse_name(text) == expected


def test_sex_hint_breaks_ties() -> None:
    assert parse_name("Олександра Коваленко", "f").given_name == "Олександра"


def test_parse_parts_keeps_the_roles() -> None:
    assert parse_parts("Кузьминова", "Максима", "") == ParsedName("Кузьминов", "Максим", "", M)
    assert parse_parts("Максимович", "Иван", "") == ParsedName("Максимович", "Иван", "", M)
    assert parse_parts("Кузьминова", "Анна", "") == ParsedName("Кузьминова", "Анна", "", "f")


def test_nominative_names_are_left_alone() -> None:
    # "Русских" is also a plural genitive, "Валентин" a plural genitive of Валентина.
    assert parse_parts("Русских", "Валентин", "Павлович").surname == "Русских"
    assert parse_parts("Русских", "Валентин", "Павлович").given_name == "Валентин"
    # No known name is in the dative, so "Лесу" stays as written.
    assert parse_parts("Лесу", "Павол", "Петрович").surname == "Лесу"
