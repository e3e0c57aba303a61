"""The benchmark's own transliteration tables follow the published systems."""

from __future__ import annotations

import pytest
from translitua import RussianICAO, translit

from benchmarks.translit import SYSTEMS, romanize


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("bgn", "Kuz'minov Shcherbak Sergeyevich"),
        ("icao", "Kuzminov Shcherbak Sergeevich"),
        ("german", "Kusminow Schtscherbak Sergejewitsch"),
        ("french", "Kouzminov Chtcherbak Sergueïevitch"),
        ("polish", "Kuźminow Szczerbak Siergiejewicz"),
        ("iso9", "Kuz′minov Ŝerbak Sergeevič"),
        ("kmu2010", "Kuzmynov Shcherbak Serheevych"),
    ],
)
def test_russian_systems(system: str, expected: str) -> None:
    assert romanize("Кузьминов Щербак Сергеевич", system=system, language="ru") == expected


def test_icao_table_agrees_with_translitua_on_russian() -> None:
    names = "Юлия Воробьёв Дмитрий Ильич Хрущёв Съедин Эдуард Щукин Наталья Цой Жуков Яков"
    assert romanize(names, system="icao", language="ru") == translit(names, RussianICAO)


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("icao", "Oleksandr Sergii Iermak Izhak Gudz"),  # ICAO 9303 writes г as G
        ("polish", "Ołeksandr Serhij Jermak Jiżak Gudź"),
        ("kmu2010", "Oleksandr Serhii Yermak Yizhak Gudz"),
    ],
)
def test_ukrainian_systems(system: str, expected: str) -> None:
    latin = romanize("Олександр Сергій Єрмак Їжак Ґудзь", system=system, language="uk")
    assert latin == expected


def test_bgn_marks_ye_and_middot() -> None:
    assert romanize("Евгений Братсков", system="bgn", language="ru") == "Yevgeniy Brat·skov"


def test_german_french_endings() -> None:
    assert romanize("Дмитрий Путин", system="german", language="ru") == "Dmitri Putin"
    assert romanize("Дмитрий Путин", system="french", language="ru") == "Dmitri Poutine"


def test_every_system_gives_latin_letters_only() -> None:
    for system in SYSTEMS:
        for language, text in (("ru", "Кузьминов Алексей Щербак"), ("uk", "Кузьмінов Олексій")):
            latin = romanize(text, system=system, language=language)
            assert not any("а" <= c.lower() <= "я" or c in "іїєґё" for c in latin), (system, latin)
