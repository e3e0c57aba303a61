"""Synthetic persons for the demo, with names drawn by their real frequency.

Names come from the russiannames frequency tables, Ukrainian forms from the names_translator
dictionaries and Latin spellings from translitua, so that the demo registry holds the same
spread of common names, variants and spellings as a real one. No real person is described:
each field is drawn on its own.
"""

from __future__ import annotations

import calendar
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from itertools import accumulate
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb
import yaml
from names_translator.dicts import (  # type: ignore[import-untyped, unused-ignore]
    default_dicts,
)
from translitua import (
    RussianICAO,
    RussianInternationalPassport1997,
    TransliterationTable,
    UkrainianBGN,
    UkrainianGerman,
    UkrainianKMU,
    translit,
)

DATA_DIR = Path(__file__).with_name("data")

UKRAINIAN_SHARE = 0.35
FEMALE_SHARE = 0.05
LATIN_SHARE = 0.30
YEAR_ONLY_SHARE = 0.10
SERVICE_NUMBER_SHARE = 0.60

LatinForm = tuple[str, str, str, str]
"""(system, surname, given name, patronymic)."""

# The first system of each language is the one its passports use now.
LATIN_SYSTEMS: Mapping[str, Mapping[str, type[TransliterationTable]]] = {
    "ru": {"icao9303": RussianICAO, "passport1997": RussianInternationalPassport1997},
    "uk": {"kmu2010": UkrainianKMU, "bgn_pcgn": UkrainianBGN, "german": UkrainianGerman},
}

# Rare entries in the source tables are mostly misspellings ("Пётрович", "Павелович").
_MIN_NAME_COUNT = 100
_MIN_SURNAME_COUNT = 5
_CYRILLIC_WORD = "[А-ЯЁ][а-яё]+"
# Indeclinable surnames (Шевченко, Ковальчук, Пашкевич) are far more common in Ukraine.
_UNISEX_SURNAME_WEIGHT = {"ru": 1, "uk": 3}
# Ukrainian spelling has no letters for these, and its transliterations none either.
_RUSSIAN_ONLY_LETTERS = re.compile("[ыэёъ]")

# Spellings Ukrainian orthography rules out, though the dictionaries keep them because they
# occur in real records: Russian-only or Latin letters, "і" after a vowel (Ukrainian writes
# "ї"), "ий" (names end in "ій"), "є" right after a consonant, "ь" before a vowel other than "о"
# (Ukrainian writes an apostrophe or nothing), and the Russian endings -віч, -овна, -евна.
_NOT_UKRAINIAN = re.compile(
    r"[^а-щьюяґєії']|[аеиоуяюєії]і|ий|[бвгґджзклмнпрстфхцчшщ]є|ь[аеиіїєюя]|віч$|[оеє]вна$"
)
# Spellings that are possible but rarer, to break ties: an initial "е" (mostly "є"), and "і"
# after д т з с ц ч ш ж р before a consonant, where the "rule of nine" wants "и".
_UNLIKELY_IN_UKRAINIAN = re.compile(r"^е|[дтзсцчшжр]і[бвгґджзклмнпрстфхцчшщ]")

T = TypeVar("T")


@dataclass(frozen=True)
class SyntheticPerson:
    """One made-up combatant, as a registry would record him."""

    surname: str
    given_name: str
    patronymic: str
    language: str
    sex: str
    latin_forms: tuple[LatinForm, ...]
    birth_year: int
    birth_month: int | None
    birth_day: int | None
    place_of_birth: str
    rank: str
    service_number: str
    unit: str
    power: str


class _Weighted(Generic[T]):
    """Values to draw from in proportion to their weights."""

    def __init__(self, pairs: list[tuple[T, int]]) -> None:
        if not pairs:
            raise ValueError("nothing to draw from")
        self.values = [value for value, _ in pairs]
        self.cum_weights = list(accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random) -> T:
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


def generate_persons(count: int, *, seed: int) -> list[SyntheticPerson]:
    """Return `count` synthetic persons; the same seed always gives the same persons."""
    rng = random.Random(seed)
    return [_person(rng) for _ in range(count)]


def romanize(surname: str, given_name: str, patronymic: str, *, system: str) -> LatinForm:
    """Spell a Cyrillic name in Latin letters by one of the systems in LATIN_SYSTEMS."""
    tables = {name: table for by_name in LATIN_SYSTEMS.values() for name, table in by_name.items()}
    table = tables[system]
    return (
        system,
        translit(surname, table),
        translit(given_name, table),
        translit(patronymic, table),
    )


def feminine_surname(surname: str) -> str:
    """A surname's female form: a mother's maiden name, a wife's or a mother's surname."""
    if surname.endswith(("ский", "цкий", "ской")):
        return surname[:-2] + "ая"
    if surname.endswith(("ський", "цький")):
        return surname[:-2] + "а"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def _person(rng: random.Random) -> SyntheticPerson:
    language = "uk" if rng.random() < UKRAINIAN_SHARE else "ru"
    sex = "f" if rng.random() < FEMALE_SHARE else "m"
    male_surname, female_surname = _surnames(language).draw(rng)
    surname = female_surname if sex == "f" else male_surname
    given_name = _given_names(sex).draw(rng)
    patronymic = _patronymics(sex).draw(rng)
    if language == "uk":
        surname = _ukrainian_surname(surname)
        given_name = _ukrainian_forms("first").get(given_name, given_name)
        patronymic = _ukrainian_forms("patronymic").get(patronymic, patronymic)
    year, month, day = _birth_date(rng)
    return SyntheticPerson(
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        language=language,
        sex=sex,
        latin_forms=_latin_forms(rng, language, surname, given_name, patronymic),
        birth_year=year,
        birth_month=month,
        birth_day=day,
        place_of_birth=_table("towns", language).draw(rng),
        rank=_table("ranks", language).draw(rng),
        service_number=_service_number(rng) if rng.random() < SERVICE_NUMBER_SHARE else "",
        unit=_unit(rng, language),
        power=_table("powers", language).draw(rng),
    )


def _birth_date(rng: random.Random) -> tuple[int, int | None, int | None]:
    # Most combatants are in their twenties and thirties; a few are near sixty.
    year = int(rng.triangular(1966, 2006, 1993))
    if rng.random() < YEAR_ONLY_SHARE:
        return year, None, None
    month = rng.randint(1, 12)
    return year, month, rng.randint(1, calendar.monthrange(year, month)[1])


def _latin_forms(
    rng: random.Random, language: str, surname: str, given_name: str, patronymic: str
) -> tuple[LatinForm, ...]:
    if rng.random() >= LATIN_SHARE:
        return ()
    systems = rng.sample(list(LATIN_SYSTEMS[language]), k=rng.choice((1, 1, 2)))
    return tuple(romanize(surname, given_name, patronymic, system=s) for s in systems)


def _service_number(rng: random.Random) -> str:
    letters = "АБВГДЕЖИКЛМНОПРСТУФХЦЧШЮЯ"
    return f"{rng.choice(letters)}{rng.choice(letters)}-{rng.randrange(10**6):06d}"


def _unit(rng: random.Random, language: str) -> str:
    # The two patterns of unit numbers in use ("в/ч 12345", "в/ч А1234"); the digits are random.
    if language == "uk":
        return f"в/ч А{rng.randrange(10**4):04d}"
    return f"в/ч {rng.randrange(10**4, 10**5)}"


def _ukrainian_surname(surname: str) -> str:
    # Russian -ский/-ская is -ський/-ська in Ukrainian; other surnames keep their spelling.
    return re.sub(r"([сц])к(ий|ая)$", lambda m: m[1] + ("ький" if m[2] == "ий" else "ька"), surname)


def _source(table: str) -> str:
    spec = find_spec("russiannames")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the russiannames package is not installed")
    return str(Path(spec.submodule_search_locations[0]) / "data" / f"{table}.parquet")


def _query(sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    with duckdb.connect() as connection:
        return connection.execute(sql, list(parameters)).fetchall()


@cache
def _given_names(sex: str) -> _Weighted[str]:
    return _Weighted(_common_names("names", sex))


@cache
def _patronymics(sex: str) -> _Weighted[str]:
    return _Weighted(_common_names("midnames", sex))


def _common_names(table: str, sex: str) -> list[tuple[str, int]]:
    rows = _query(
        f"""
        SELECT text, count FROM read_parquet(?)
        WHERE gender = ? AND list_contains(ethnic, 'slav') AND count >= ?
          AND regexp_full_match(text, '{_CYRILLIC_WORD}')
        ORDER BY count DESC, text
        """,  # noqa: S608 - a constant, not input
        _source(table),
        sex,
        _MIN_NAME_COUNT,
    )
    return [(str(text), int(count)) for text, count in rows]


@cache
def _surnames(language: str) -> _Weighted[tuple[str, str]]:
    """(male form, female form) of common Slavic surnames, indeclinable ones included."""
    unisex_weight = _UNISEX_SURNAME_WEIGHT[language]
    return _Weighted(
        [
            ((male, female), count * (unisex_weight if male == female else 1))
            for male, female, count in _common_surnames()
            if language == "ru" or not _RUSSIAN_ONLY_LETTERS.search(male)
        ]
    )


@cache
def _common_surnames() -> list[tuple[str, str, int]]:
    rows = _query(
        f"""
        SELECT text, coalesce(f_form, text), count FROM read_parquet(?)
        WHERE count >= ? AND (ethnic IS NULL OR list_contains(ethnic, 'slav'))
          AND regexp_full_match(text, '{_CYRILLIC_WORD}')
          AND (gender = 'u' OR gender = 'm' AND regexp_full_match(f_form, '{_CYRILLIC_WORD}'))
        ORDER BY count DESC, text
        """,  # noqa: S608 - a constant, not input
        _source("surnames"),
        _MIN_SURNAME_COUNT,
    )
    return [(str(male), str(female), int(count)) for male, female, count in rows]


@cache
def _ukrainian_forms(pool: str) -> dict[str, str]:
    """Map each Russian name we draw to its best-attested Ukrainian form (pool: first/patronymic).

    names_translator maps Ukrainian spellings to ranked Russian ones; inverted, a Russian name
    has several Ukrainian candidates. The tables keep no counts, so attestation stands in for
    frequency: where the Russian name ranks among the candidate's renderings, how many
    renderings the candidate was seen with, and whether the curated legacy table agrees.
    """
    names: Callable[[str], _Weighted[str]] = _given_names if pool == "first" else _patronymics
    # The dictionaries spell ё as е, and the source tables have both "Пётр" and "Петр".
    wanted: dict[str, list[str]] = {}
    for sex in ("m", "f"):
        for name in names(sex).values:
            wanted.setdefault(name.replace("ё", "е"), []).append(name)
    dicts = default_dicts()
    best: dict[str, tuple[int, int, int, bool, str]] = {}
    for key, translations in dicts.as_dict(pool).items():
        hits = [(position, ru) for position, ru in enumerate(translations) if ru in wanted]
        if not hits or _NOT_UKRAINIAN.search(key):
            continue
        legacy = dicts.lookup_key(key, "legacy", 1)
        for position, russian in hits:
            rank = (
                position,
                -len(translations) - 2 * (legacy == [russian]),
                len(_UNLIKELY_IN_UKRAINIAN.findall(key)),
                key == russian.lower(),
                key,
            )
            best[russian] = min(rank, best.get(russian, rank))
    return {
        name: rank[-1].capitalize() for russian, rank in best.items() for name in wanted[russian]
    }


@cache
def _table(name: str, language: str) -> _Weighted[str]:
    """A data file's entries for a language: a list (equal weights) or a mapping to weights."""
    with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as file:
        entries = yaml.safe_load(file)[language]
    if isinstance(entries, dict):
        return _Weighted([(str(value), int(weight)) for value, weight in entries.items()])
    return _Weighted([(str(value), 1) for value in entries])
