"""Transliteration skeletons: renderings meet, щ ш ч ж stay apart."""

from __future__ import annotations

import re

import iuliia
import pytest
import translitua
import yaml

from lifeline.matching import phonetic, skeletons
from lifeline.matching.keys import RULES, male_skeleton, reduced, skeleton, style_of
from lifeline.matching.tables import given_names, surnames

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


# One spelling per convention in data/romanisation.yaml, after the table the file cites for it,
# with the label the officer is shown.
@pytest.mark.parametrize(
    ("latin", "cyrillic", "label"),
    [
        ("Sjtsjerbakov", "Щербаков", "Dutch spelling"),
        ("Zjoekov", "Жуков", "Dutch spelling"),
        ("Tjernov", "Чернов", "Scandinavian spelling"),
        ("Sjevtjenko", "Шевченко", "Scandinavian spelling"),
        ("Sjirnov", "Жирнов", "Scandinavian spelling"),
        ("Chruščov", "Хрущёв", "Czech, Slovak, Slovene or Croatian spelling"),
        ("Petrović", "Петрович", "Czech, Slovak, Slovene or Croatian spelling"),
        ("Zsukov", "Жуков", "Hungarian spelling"),
        ("Scserbakov", "Щербаков", "Hungarian spelling"),
        ("Szergej", "Сергей", "Hungarian spelling"),
        ("Cernov", "Чернов", "Romanian spelling"),
        ("Șevcenko", "Шевченко", "Romanian spelling"),
        ("Costin", "Костин", "Romanian spelling"),
        ("Kuzņecovs", "Кузнецов", "Latvian spelling"),
        ("Jevgeņijs", "Евгений", "Latvian spelling"),
        ("Aleksandrs", "Александр", "Latvian spelling"),
        ("Kuznecovas", "Кузнецов", "Lithuanian spelling"),
        ("Sergejus", "Сергей", "Lithuanian spelling"),
        ("Dmitrijus", "Дмитрий", "Lithuanian spelling"),
        ("Jaritonov", "Харитонов", "Spanish spelling"),
        ("Serguéi", "Сергей", "Spanish spelling"),
        ("Txernov", "Чернов", "Catalan spelling"),
        ("Scialamov", "Шаламов", "Italian spelling"),
        ("Şevçenko", "Шевченко", "Turkish spelling"),
        ("Ŝkredov", "Шкредов", "Esperanto spelling"),
        ("Schukow", "Жуков", "German spelling"),
        ("Nikitine", "Никитин", "French spelling"),
        ("Antonoff", "Антонов", "French spelling"),
        ("Sergueï", "Сергей", "French spelling"),
        ("Bykou", "Быков", "Belarusian spelling"),
        ("Dzmitry", "Дмитрий", "Belarusian spelling"),
        ("Dzianis", "Денис", ""),  # Belarusian дз: read, but the vowel differs (keys.reduced)
    ],
)
def test_each_convention_meets_the_cyrillic_name(latin: str, cyrillic: str, label: str) -> None:
    if label:
        assert meet(latin, cyrillic)
        assert style_of(latin, cyrillic) == label
    else:
        assert {reduced(k) for k in skeletons(latin)} & {reduced(k) for k in skeletons(cyrillic)}


def test_new_readings_keep_the_sibilants_apart() -> None:
    # Hungarian sz is с and s is ш; Scandinavian sj is ш (and ж in Norway), never щ or ч.
    assert not meet("Scserbakov", "Шербаков") and not meet("Csernov", "Шернов")
    assert not meet("Sjukov", "Щуков") and not meet("Sjukov", "Чуков")
    assert not meet("Tjernov", "Шернов") and not meet("Zsukov", "Шуков")


def test_belarusian_cyrillic_is_read_as_the_russian_spelling() -> None:
    assert skeletons("Шчукін") == skeletons("Щукин")  # шч for щ
    assert skeletons("Уладзімір") == skeletons("Владимир")  # у for в, дзі for ди
    assert skeletons("Паўлавіч") == skeletons("Павлавич")  # ў for в
    # Without і or ў the letters do not tell: read both ways.
    assert skeletons("Сцяпан") == {"sciapan", "stiapan"}
    assert skeletons("Уткин") == {"utkin"}  # a Russian у stays
    # Akanye and yakanye: the unstressed vowels as heard.
    assert reduced(skeleton("Папоў")) == reduced(skeleton("Попов"))
    assert reduced(skeleton("Сяргей")) == reduced(skeleton("Сергей"))


def test_latin_spellings_of_ligatures_and_macrons_meet() -> None:
    assert meet("Kuznet͡sov", "Кузнецов")  # ALA-LC's tie bar
    assert meet("Davȳdov", "Давыдов")  # BS 2979's macron
    assert meet("Ehduard", "Эдуард")  # GOST 16876-71 alternative


# iuliia's schemes, each a published Russian romanisation (iuliia/schemas/*.json cites it).
# telegram is not one: it drops the difference between щ and ш ("Scerbakov") on purpose.
IUILIIA_SCHEMES = sorted(set(iuliia.schemas.names()) - {"uz", "telegram"})


@pytest.mark.parametrize("scheme", IUILIIA_SCHEMES)
def test_common_names_meet_every_published_russian_scheme(scheme: str) -> None:
    table = iuliia.schemas.get(scheme)
    names = _top_surnames(500) + _top_given_names(200)
    missed = [(n, table.translate(n)) for n in names if not meet(n, table.translate(n))]
    assert missed == []


def _top_given_names(n: int) -> list[str]:
    ranked = sorted(given_names().items(), key=lambda kv: -kv[1].count)
    return [form.capitalize() for form, _ in ranked[:n]]


def test_every_convention_cites_its_table_and_says_what_it_covers() -> None:
    with open(RULES, encoding="utf-8") as file:
        data = yaml.safe_load(file)
    for convention in data["conventions"]:
        assert convention["source"].strip() and convention["covers"].strip(), convention["key"]
        assert convention.get("always") or convention["marker"], convention["key"]
    assert len({c["key"] for c in data["conventions"]}) == len(data["conventions"])
