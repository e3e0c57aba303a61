"""Field comparisons: dates of birth, units, places."""

from __future__ import annotations

import pytest

from lifeline.matching import weights as w
from lifeline.matching.dates import compare_dates
from lifeline.matching.places import compare_places, place_key
from lifeline.matching.units import compare_units, unit_key


@pytest.mark.parametrize(
    ("query", "record", "weight"),
    [
        ((1995, 3, 14), (1995, 3, 14), w.DATE_EXACT),
        ((1995, None, None), (1995, 3, 14), w.DATE_YEAR),
        ((1995, 3, None), (1995, 3, 14), w.DATE_MONTH_YEAR),
        ((1995, 4, 3), (1995, 3, 4), w.DATE_SWAPPED),
        ((1996, 3, 14), (1995, 3, 14), w.DATE_NEAR_FULL),
        ((1996, None, None), (1995, 3, 14), w.DATE_NEAR),
        ((1996, 7, 2), (1995, 3, 14), w.DATE_NEAR_DIFFERS),
        ((1995, 7, 2), (1995, 3, 14), w.DATE_YEAR_SAME_DAY_MONTH_DIFFERS),
        ((1997, None, None), (1995, 3, 14), w.DATE_FAR),
        ((1975, None, None), (1995, 3, 14), w.DATE_DISAGREE),
        ((None, None, None), (1995, 3, 14), 0.0),
    ],
)
def test_compare_dates(
    query: tuple[int, int, int], record: tuple[int, int, int], weight: float
) -> None:
    assert compare_dates(query, record)[0] == weight


def test_date_explanation_reads_well() -> None:
    assert (
        compare_dates((1995, None, None), (1995, 3, 14))[1]
        == "born 1995 vs 14.03.1995: year agrees"
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("в/ч 12345", "12345"), ("military unit 12345", "12345"), ("12345", "12345"),
        ("В/Ч А1234", "a1234"), ("в/ч A1234", "a1234"), ("А-1234", "a1234"),
        ("військова частина А1234", "a1234"), ("", ""), ("нет", ""),
    ],
)  # fmt: skip
def test_unit_key(text: str, key: str) -> None:
    assert unit_key(text) == key


def test_compare_units() -> None:
    assert compare_units("military unit 12345", "в/ч 12345")[0] == w.UNIT_AGREE
    assert compare_units("А1234", "в/ч B1234")[0] == w.UNIT_DIGITS_AGREE
    assert compare_units("12345", "54321")[0] == w.UNIT_DISAGREE
    assert compare_units("", "54321")[0] == 0.0


def test_places_meet_across_scripts() -> None:
    assert place_key("г. Херсон") == place_key("Kherson")
    assert compare_places("Cherson", "Херсон")[0] == w.PLACE_AGREE
    assert compare_places("Херсон", "Kherson")[0] == w.PLACE_AGREE
    assert compare_places("Мариуполь", "Mariupol'")[0] == w.PLACE_AGREE
    assert compare_places("Бахмут", "Бахмуд")[0] == w.PLACE_FUZZY
    assert compare_places("Херсон", "Львов")[0] == w.PLACE_DISAGREE
