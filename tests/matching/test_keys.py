"""Transliteration skeletons: renderings meet, щ ш ч ж stay apart."""

from __future__ import annotations

import re

import pytest
import translitua

from lifeline.matching import phonetic, skeletons
from lifeline.matching.keys import male_skeleton, skeleton, style_of
from lifeline.matching.tables import surnames

KUZMINOV = ["Kuzminov", "Kuz'minov", "Kuzʹminov", "Kusminow", "Koussminov", "Kuźminow"]
SHCHERBAK = ["Shcherbak", "Scherbak", "Szczerbak", "Schtscherbak", "Chtcherbak", "Ščerbak"]


def meet(a: str, b: str) -> bool:
    return bool(skeletons(a) & skeletons(b))


@pytest.mark.parametrize("spelling", KUZMINOV)
def test_kuzminov_spellings_meet(spelling: str) -> None:
    assert meet(spelling, "Кузьминов")


@pytest.mark.parametrize("spelling", SHCHERBAK)
def test_shcherbak_spellings_meet(spelling: str) -> None:
    assert meet(spelling, "Щербак")


def test_sibilants_are_kept_apart() -> None:
    keys = [skeleton(n) for n in ("Щербак", "Шербак", "Чербак", "Жербак")]
    assert len(set(keys)) == 4
    assert skeleton("Щербак") != "serbak"
    assert not meet("Szczerbak", "Шербак")
    assert not meet("Shcherbak", "Чербак")
    assert not meet("Zhukov", "Шуков")


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Юрий", "Yuriy"), ("Юрий", "Iurii"), ("Юрий", "Jurij"), ("Фёдор", "Fyodor"),
        ("Федор", "Fjodor"), ("Евгений", "Yevgeniy"), ("Дарья", "Dar'ya"), ("Жуков", "Joukov"),
        ("Жуков", "Żukow"), ("Цветков", "Zwetkow"), ("Цветков", "Tsvetkov"),
        ("Михайлов", "Mixajlov"), ("Кузнецов", "Kuzneczov"), ("Кузнецов", "Kuznetcov"),
        ("Григоренко", "Hryhorenko"), ("Хмельницкий", "Chmielnicki"), ("Мацкевич", "Mackevič"),
    ],
)  # fmt: skip
def test_named_renderings_meet(cyrillic: str, latin: str) -> None:
    assert meet(cyrillic, latin)


def test_style_is_named_for_the_officer() -> None:
    assert style_of("Kusminow", "Кузьминов") == "German spelling"
    assert style_of("Koussminov", "Кузьминов") == "French spelling"
    assert style_of("Kuźminow", "Кузьминов") == "Polish spelling"


def _top_surnames(n: int) -> list[str]:
    ranked = sorted(surnames().items(), key=lambda kv: -kv[1])
    return [form.capitalize() for form, _ in ranked[:n]]


RUSSIAN_SYSTEMS = [
    "RussianICAO", "RussianISO9SystemA", "RussianISO9SystemB", "RussianGOST2006",
    "RussianInternationalPassport1997", "RussianALALC", "RussianDriverLicense",
]  # fmt: skip
UKRAINIAN_SYSTEMS = [
    "UkrainianKMU", "UkrainianBGN", "UkrainianISO9", "UkrainianPassport2007",
    "UkrainianGerman", "UkrainianFrench", "UkrainianUNGEGN", "UkrainianNational1996",
]  # fmt: skip


@pytest.mark.parametrize("system", RUSSIAN_SYSTEMS)
def test_top_surnames_meet_their_russian_renderings(system: str) -> None:
    table = getattr(translitua, system)
    missed = [
        (n, translitua.translit(n, table))
        for n in _top_surnames(300)
        if not meet(n, translitua.translit(n, table))
    ]
    assert missed == []


@pytest.mark.parametrize("system", UKRAINIAN_SYSTEMS)
def test_top_surnames_meet_their_ukrainian_renderings(system: str) -> None:
    table = getattr(translitua, system)
    ukrainian = [n for n in _top_surnames(300) if not re.search("[ыэёъ]", n.lower())]
    missed = [
        (n, translitua.translit(n, table))
        for n in ukrainian
        if not meet(n, translitua.translit(n, table))
    ]
    assert missed == []


def test_phonetic_key_is_coarser() -> None:
    assert phonetic(skeleton("Кузьминов")) == phonetic(skeleton("Кузминав"))
    assert phonetic(skeleton("Щербак")) != phonetic(skeleton("Шербак"))


def test_male_skeleton_of_female_forms() -> None:
    assert male_skeleton(skeleton("Кузьминова")) == skeleton("Кузьминов")
    assert male_skeleton(skeleton("Савицкая")) == skeleton("Савицкий")
    assert male_skeleton(skeleton("Kovalska")) == skeleton("Ковальский")
