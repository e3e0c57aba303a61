"""Grammatical case with pymorphy3: put names and places back into the nominative."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pymorphy3

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct", "voct")
GENDERS = ("masc", "femn")


@cache
def _analyzers() -> tuple[Any, Any]:
    return pymorphy3.MorphAnalyzer(lang="ru"), pymorphy3.MorphAnalyzer(lang="uk")


@dataclass(frozen=True)
class Reading:
    """One grammatical reading of a word."""

    nominative: str  # the word put in the nominative singular, its gender kept
    case: str
    gender: str  # "masc", "femn" or "" (both, e.g. Коваленко)
    roles: frozenset[str]  # among "Name", "Surn", "Patr", "Geox"
    known: bool  # from the dictionary, not guessed from the ending
    score: float


def _nominative(parse: Any) -> str:
    inflected = parse.inflect({"nomn", "sing"}) or parse.inflect({"nomn"})
    return str(inflected.word if inflected else parse.normal_form)


@cache
def readings(word: str) -> tuple[Reading, ...]:
    """Readings of a Cyrillic word by the Russian and the Ukrainian dictionaries."""
    out = []
    for analyzer in _analyzers():
        for parse in analyzer.parse(word.lower()):
            tag = frozenset(str(parse.tag).replace(" ", ",").split(","))
            if ("NOUN" not in tag and "ADJF" not in tag) or "plur" in tag:
                continue
            case = next((c for c in CASES if c in tag), "")
            gender = next((g for g in GENDERS if g in tag), "")
            if "ms-f" in tag or "Ms-f" in tag:
                gender = ""
            roles = frozenset(r for r in ("Name", "Surn", "Patr", "Geox") if r in tag)
            known = bool(parse.is_known)
            out.append(Reading(_nominative(parse), case, gender, roles, known, float(parse.score)))
    return tuple(out)


def place_nominative(word: str) -> str:
    """A place name in the nominative: "Херсоном" -> "Херсон", "Бахмута" -> "Бахмут"."""
    best = [r for r in readings(word) if "Geox" in r.roles] or [
        r for r in readings(word) if r.known and "Name" not in r.roles and "Surn" not in r.roles
    ]
    if not best:
        return word
    nominative = max(best, key=lambda r: r.score).nominative
    return nominative[:1].upper() + nominative[1:] if word[:1].isupper() else nominative


@cache
def is_known_word(word: str) -> bool:
    """Whether either dictionary knows the word as something other than a name."""
    for analyzer in _analyzers():
        for parse in analyzer.parse(word.lower()):
            tag = str(parse.tag)
            if parse.is_known and not any(r in tag for r in ("Name", "Surn", "Patr")):
                return True
    return False


@cache
def is_function_word(word: str) -> bool:
    """Whether the likeliest reading is a known verb, pronoun, preposition or the like."""
    best = _analyzers()[0].parse(word.lower())[0]
    pos = best.tag.POS
    return bool(best.is_known) and pos is not None and pos not in ("NOUN", "ADJF")
