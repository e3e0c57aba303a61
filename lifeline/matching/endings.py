"""Patronymic endings in every convention they are printed in, Turkic patronymic words, and
label noise, read from data/patronymic_endings.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from lifeline.matching.normalise import normalise
from lifeline.matching.tables import DATA_DIR

MIN_STEM = 3  # letters left before an ending: "Ilyich" is a patronymic, "Rich" is not


@dataclass(frozen=True, slots=True)
class Ending:
    """A patronymic ending as written, and what it stands for."""

    text: str  # "jevitsj"
    standard: str  # the English-style (or Russian Cyrillic) ending: "yevich"
    sex: str  # "m" or "f"
    weak: bool  # surnames end so too (Бабич): believe it only for a known patronymic
    convention: str  # the first convention listing it, for explanations


@cache
def _data() -> dict[str, Any]:
    with open(DATA_DIR / "patronymic_endings.yaml", encoding="utf-8") as file:
        data: dict[str, Any] = yaml.safe_load(file)
    return data


def conventions() -> list[tuple[str, str]]:
    """(name, source) of every convention whose endings are listed."""
    return [(c["name"], c["source"]) for c in _data()["conventions"]]


@cache
def endings() -> dict[str, Ending]:
    """Every ending, folded, to what it stands for; the first convention listing one wins."""
    weak = {_fold(e) for e in _data()["weak"]}
    table: dict[str, Ending] = {}
    for convention in _data()["conventions"]:
        for sex, key in (("m", "male"), ("f", "female")):
            for text, standard in (convention.get(key) or {}).items():
                folded = _fold(text)
                ending = Ending(folded, _fold(standard), sex, folded in weak, convention["name"])
                table.setdefault(folded, ending)
    return table


@cache
def _by_length() -> tuple[str, ...]:
    return tuple(sorted(endings(), key=len, reverse=True))


def _fold(text: str) -> str:
    return normalise(text).replace("ё", "е")


@cache
def patronymic_ending(word: str) -> Ending | None:
    """The longest patronymic ending of a word in any convention (Sergejevitsj -> "jevitsj"),
    or None; enough of the word must stay before it to be a father's name."""
    folded = _fold(word)
    for text in _by_length():
        if folded.endswith(text) and len(folded) - len(text) >= MIN_STEM:
            return endings()[text]
    return None


def standard_patronymic(word: str) -> str:
    """The word with its ending in the English-style (or Russian) spelling, folded:
    Sergejevitsj -> "sergeyevich", Siergiejewna -> "siergieyevna"; a Turkic patronymic
    ("Ахмет улы") as the Russian form of the same father's name ("ахметович")."""
    folded = _fold(word)
    father, _, marker = folded.rpartition(" ")
    sex = turkic_sex(marker) if father else ""
    if sex:
        return father + _turkic_standard(father, sex)
    ending = patronymic_ending(folded)
    if ending is None:
        return folded
    return folded[: len(folded) - len(ending.text)] + ending.standard


def _turkic_standard(father: str, sex: str) -> str:
    cyrillic = any("\u0400" <= c <= "\u04ff" for c in father)
    if sex == "f":
        return "овна" if cyrillic else "ovna"
    return "ович" if cyrillic else "ovich"


@cache
def _turkic() -> dict[str, str]:
    data = _data()["turkic"]
    return {_fold(w): "m" for w in data["male"]} | {_fold(w): "f" for w in data["female"]}


def turkic_sex(word: str) -> str:
    """ "m" for улы/uly/оглы…, "f" for кызы/kyzy/qızı…, "" for any other word."""
    return _turkic().get(_fold(word), "")


@cache
def _noise() -> frozenset[str]:
    return frozenset(_fold(w) for w in _data()["noise"])


def is_noise(word: str) -> bool:
    """A label word that is no part of a name ("Jr.", "Sr.")."""
    return _fold(word).rstrip(".") in _noise()


@cache
def _homoglyphs() -> tuple[dict[int, str], dict[int, str]]:
    to_latin: dict[str, str] = _data()["homoglyphs"]
    to_cyrillic = {latin: cyrillic for cyrillic, latin in reversed(to_latin.items())}
    return str.maketrans(to_latin), str.maketrans(to_cyrillic)


def unmix(word: str) -> str:
    """A word typed in two scripts, read in the one most of its letters are in: a Cyrillic
    look-alike in a Latin word ("Sergejevnа") becomes the Latin letter, and the reverse."""
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in word)
    latin = sum(c.isalpha() and c.isascii() for c in word)
    if not cyrillic or not latin:
        return word
    to_latin, to_cyrillic = _homoglyphs()
    return word.translate(to_latin if latin >= cyrillic else to_cyrillic)
