"""Keys that meet across transliteration: a Latin skeleton and a coarser phonetic key.

A Cyrillic name is mapped letter by letter to a skeleton alphabet: Latin letters plus four
capitals that keep щ ш ч ж apart (Q S C Z). A Latin name is read under each romanisation
convention that may have written it (English-style, GOST, German, French, Polish always; Dutch,
Scandinavian, Czech and the other haček spellings, Hungarian, Romanian, Latvian, Lithuanian,
Spanish, Catalan, Italian, Turkish and Belarusian when the name bears their marks), giving a
skeleton per reading; a Latin spelling meets a Cyrillic name if one of them is the Cyrillic
skeleton. Both sides then go through the same clean-up, which forgives what the systems
disagree on: soft signs and apostrophes, doubled letters, й/y/j/i glides (ya ia ja, yu iu ju,
ye ie je), ё as e/yo/jo, г/х as g/h/kh, з/с.

The rules are data, with the published tables they come from: data/romanisation.yaml (the
letters, every convention's reading, the clean-up, the reduced and phonetic keys, the female
surname endings). This module holds only how they are applied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from lifeline.matching.normalise import normalise

RULES = Path(__file__).with_name("data") / "romanisation.yaml"


@dataclass(frozen=True, slots=True)
class Reading:
    """One convention's reading of a Latin name: its rules, and when it applies."""

    key: str  # "de"
    label: str  # "German spelling", for explanations
    always: bool  # read every Latin name so, not only those bearing the marker
    marker: re.Pattern[str]
    substitute: Callable[[str], str]


@cache
def _data() -> dict[str, Any]:
    with open(RULES, encoding="utf-8") as file:
        data: dict[str, Any] = yaml.safe_load(file)
    return data


def _priority(pattern: str) -> int:
    """How many letters a rule's key consumes, lookarounds and anchors left out."""
    bare = re.sub(r"\(\?<?[=!][^)]*\)|[\^$]", "", pattern)
    return len(re.sub(r"\[[^]]*\]", "x", bare))


def _substitution(rules: Mapping[str, str]) -> Callable[[str], str]:
    """A function replacing every match of the rules' keys, the longest key first."""
    ordered = sorted(rules.items(), key=lambda kv: -_priority(kv[0]))
    pattern = re.compile("|".join(f"(?P<r{i}>{key})" for i, (key, _) in enumerate(ordered)))
    targets = {f"r{i}": target for i, (_, target) in enumerate(ordered)}

    def substitute(word: str) -> str:
        return pattern.sub(lambda m: targets[m.lastgroup or ""], word)

    return substitute


@cache
def readings() -> tuple[Reading, ...]:
    """The Latin readings, in the file's order (the first names a style in explanations)."""
    common: dict[str, str] = _data()["common"]
    return tuple(
        Reading(
            c["key"],
            c["label"],
            bool(c.get("always")),
            re.compile(c["marker"]),
            _substitution({**common, **c["rules"]}),
        )
        for c in _data()["conventions"]
    )


@cache
def _belarusian() -> tuple[re.Pattern[str], Callable[[str], str], Callable[[str], str]]:
    """The Belarusian marker, the rules for a word that bears it, and those for another."""
    data = _data()["belarusian"]
    marked = _substitution({**data["rules"], **data["initial"]})
    return re.compile(data["marker"]), marked, _substitution(data["rules"])


@cache
def _premap() -> Callable[[str], str]:
    return _substitution(_data()["premap"])


_NOT_SKELETON = re.compile("[^a-zQSCZ]")
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile("[aeiou]")
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")


@cache
def _pairs(section: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """A list of [pattern, replacement] pairs of the rules, compiled, in the file's order."""
    return tuple((re.compile(pattern), target) for pattern, target in _data()[section])


@cache
def _table(section: str) -> dict[int, str]:
    """A letter table of the rules, for str.translate."""
    return str.maketrans(_data()[section])


def _apply(section: str, code: str) -> str:
    for pattern, target in _pairs(section):
        code = pattern.sub(target, code)
    return code


def _cleanup(code: str) -> str:
    code = _DOUBLE.sub(r"\1", _NOT_SKELETON.sub("", code))
    return _DOUBLE.sub(r"\1", _apply("cleanup", code))


def _from_cyrillic(word: str) -> tuple[str, ...]:
    """The skeletons of a Cyrillic word, its plain reading first (see `belarusian` in the
    rules: a word Belarusian by its letters is read as such, one that may be is read both ways)."""
    word = word.translate(_table("homoglyphs"))
    marker, marked, unmarked = _belarusian()
    if marker.search(word):
        return (_cleanup(marked(word).translate(_table("cyrillic"))),)
    plain = _cleanup(word.translate(_table("cyrillic")))
    maybe = _cleanup(unmarked(word).translate(_table("cyrillic")))
    return (plain,) if maybe == plain else (plain, maybe)


# Letters whose mark a reading needs to see (Serbian ć for ч, Łacinka ć dź for ть дь, Esperanto
# ŝ for ш where ISO 9 writes щ).
_KEEP_MARKS = frozenset("ćźŝĉĵĥĝ")


def _strip_marks(text: str) -> str:
    """Diacritics dropped (é -> e, ȳ -> y, t͡s -> ts), but for the letters in _KEEP_MARKS."""
    return "".join(
        ch
        if ch in _KEEP_MARKS
        else "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        for ch in text
    )


def _read(word: str, reading: Reading) -> str:
    """The skeleton of a normalised Latin word under one reading."""
    return _cleanup(reading.substitute(_premapped(word)))


@cache
def _premapped(word: str) -> str:
    return _strip_marks(_premap()(word))


def _from_latin(word: str) -> frozenset[str]:
    return frozenset(
        _read(word, reading)
        for reading in readings()
        if reading.always or reading.marker.search(word)
    )


@cache
def skeletons(name: str) -> frozenset[str]:
    """The skeletons of a name (one for Cyrillic, up to four for Latin); spaces and hyphens go.

    >>> skeletons("Кузьминов") & skeletons("Kusminow") == {"kusminov"}
    True
    """
    word = normalise(name)
    if not word:
        return frozenset()
    if _is_cyrillic(word):
        return frozenset(_from_cyrillic(word)) - {""}
    return _from_latin(word) - {""}


def belarusian_skeleton(name: str) -> str:
    """The skeleton of a Cyrillic name read as Belarusian whatever its letters (Усевалад as
    Всеволод), for a given name no table knows; "" for a Latin name."""
    word = normalise(name)
    if not _is_cyrillic(word):
        return ""
    return _cleanup(
        _belarusian()[1](word.translate(_table("homoglyphs"))).translate(_table("cyrillic"))
    )


def _is_cyrillic(word: str) -> bool:
    cyrillic = len(_CYRILLIC_LETTER.findall(word))
    return bool(cyrillic) and cyrillic * 2 >= sum(ch.isalpha() for ch in word)


def skeleton(name: str) -> str:
    """One skeleton: the Cyrillic one (its plain reading), or for Latin the English-style one."""
    keys = skeletons(name)
    if len(keys) <= 1:
        return next(iter(keys), "")
    word = normalise(name)
    return _from_cyrillic(word)[0] if _is_cyrillic(word) else _read(word, readings()[0])


def style_of(a: str, b: str) -> str:
    """Which romanisation convention makes a Latin name meet a Cyrillic one ("German spelling").

    The first reading that meets, of those whose marker the Latin name bears: the narrower
    conventions (read only when marked) before the ones read always, each in the file's
    order; the English-style one, which has no marker, last.
    """
    for latin, other in ((a, b), (b, a)):
        targets = skeletons(other)
        word = normalise(latin)
        marked = [r for r in readings() if r.marker.pattern and r.marker.search(word)]
        marked.sort(key=lambda r: r.always)
        for reading in [*marked, *(r for r in readings() if not r.marker.pattern)]:
            if _read(word, reading) in targets:
                return reading.label
    return ""


@cache
def reduced(code: str) -> str:
    """A skeleton with the spellings of unstressed vowels merged, as akanye and yakanye write
    them (Аляксандр, Сяргей, Алег for Александр, Сергей, Олег): я as е, о as а.

    >>> reduced(skeleton("Сяргей")) == reduced(skeleton("Сергей"))
    True
    """
    return _apply("reduced", code)


@cache
def phonetic(code: str) -> str:
    """A coarse key from a skeleton, for recall: voicing merged, vowels after the first dropped
    (the first read as `reduced` does: Огурцов and Агурцоў share one)."""
    if not code:
        return ""
    code = reduced(code).translate(_table("voicing"))
    return _DOUBLE.sub(r"\1", code[0] + _VOWELS.sub("", code[1:]))


@cache
def male_skeleton(code: str) -> str:
    """The skeleton of the male form of a surname skeleton (kusminova -> kusminov)."""
    for pattern, replacement in _pairs("female_surname_endings"):
        new = pattern.sub(replacement, code)
        if new != code:
            return new
    return code
