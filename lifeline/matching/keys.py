"""Keys that meet across transliteration: a Latin skeleton and a coarser phonetic key.

A Cyrillic name is mapped letter by letter to a skeleton alphabet: Latin letters plus four
capitals that keep щ ш ч ж apart (Q S C Z). A Latin name is read under each family of
romanisation rules (English-style: ISO 9, GOST 7.79, BGN/PCGN, ICAO 9303, KMU 2010; German;
French; Polish), longest rule first, giving up to four skeletons; a Latin spelling meets a
Cyrillic name if one of them is the Cyrillic skeleton. Both sides then go through the same
clean-up, which forgives what the systems disagree on: soft signs and apostrophes, doubled
letters, й/y/j/i glides (ya ia ja, yu iu ju, ye ie je), ё as e/yo/jo, г/х as g/h/kh, з/с.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from lifeline.matching.normalise import normalise

_CYRILLIC_TO_SKELETON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "io",
    "є": "ie", "ж": "Z", "з": "s", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "g", "ц": "c", "ч": "C", "ш": "S", "щ": "Q", "ъ": "",
    "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia", "'": "",
}  # fmt: skip

# Letters with diacritics that the romanisation systems use, read the same by every style.
_LATIN_PREMAP = [
    ("šč", "Q"), ("ŝ", "Q"), ("š", "S"), ("č", "C"), ("ž", "Z"), ("ż", "Z"), ("û", "iu"),
    ("â", "ia"), ("ê", "ie"), ("ë", "io"), ("ï", "i"), ("ś", "s"), ("ź", "s"), ("ć", "c"),
    ("ł", "l"), ("ń", "n"), ("ü", "iu"), ("ö", "io"), ("ä", "e"), ("ß", "s"), ("ǵ", "g"),
]  # fmt: skip

_COMMON = {"x": "ks", "ph": "f", "q": "k", "y": "i", "w": "v", "h": "g", "kh": "g"}
_STYLES: dict[str, dict[str, str]] = {
    # ISO 9 / GOST 7.79, BGN/PCGN, ICAO 9303, KMU 2010, and loose English spellings.
    "en": _COMMON
    | {"shch": "Q", "sch": "Q", "zh": "Z", "sh": "S", "tch": "C", "ch": "C", "ts": "c",
       "tc": "c", "tz": "c", "j": "i", "z": "s"},
    # GOST 7.79 system B (ISO 9 transliteration in ASCII): x for х, cz for ц, shh for щ.
    "gost": _COMMON
    | {"shh": "Q", "zh": "Z", "sh": "S", "ch": "C", "cz": "c", "x": "g", "j": "i", "z": "s"},
    "de": _COMMON
    | {"schtsch": "Q", "dsch": "dZ", "tsch": "C", "sch": "S", "sh": "Z", "ch": "g", "tz": "c",
       "ts": "c", "z": "c", "j": "i"},
    "fr": _COMMON
    | {"chtch": "Q", "tch": "C", "dj": "dZ", "ch": "S", "zh": "Z", "j": "Z", "ou": "u",
       "ts": "c", "tz": "c", "z": "s"},
    "pl": _COMMON | {"szcz": "Q", "sz": "S", "cz": "C", "rz": "Z", "ch": "g", "j": "i", "z": "s"},
}  # fmt: skip
_STYLE_PATTERNS = {
    style: re.compile("|".join(sorted(map(re.escape, rules), key=len, reverse=True)))
    for style, rules in _STYLES.items()
}
_CONSONANT = "bcdfgklmnprstvzQSCZ"
_NOT_SKELETON = re.compile("[^a-zQSCZ]")
_DOUBLE = re.compile(r"(.)\1+")
_VOICING = str.maketrans({"b": "p", "d": "t", "g": "k", "v": "f", "z": "s"})
_VOWELS = re.compile("[aeiou]")
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
# Latin letters typed for their Cyrillic look-alikes inside an otherwise Cyrillic word.
_HOMOGLYPHS = str.maketrans("aeopcxykmthbi", "аеорсхукмтнві")


def _cleanup(code: str) -> str:
    code = _NOT_SKELETON.sub("", code)
    code = _DOUBLE.sub(r"\1", code)
    code = re.sub(f"(?<=[{_CONSONANT}])io", "e", code)
    code = code.replace("ie", "e")
    return _DOUBLE.sub(r"\1", code)


def _from_cyrillic(word: str) -> str:
    return "".join(_CYRILLIC_TO_SKELETON.get(ch, ch) for ch in word)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _premapped(word: str) -> str:
    for source, target in _LATIN_PREMAP:
        word = word.replace(source, target)
    return _strip_marks(word)


def _style_skeleton(word: str, style: str) -> str:
    rules = _STYLES[style]
    return _cleanup(_STYLE_PATTERNS[style].sub(lambda m: rules[m[0]], word))


def _from_latin(word: str) -> frozenset[str]:
    word = _premapped(word)
    return frozenset(_style_skeleton(word, style) for style in _STYLES)


@cache
def skeletons(name: str) -> frozenset[str]:
    """The skeletons of a name (one for Cyrillic, up to four for Latin); spaces and hyphens go.

    >>> skeletons("Кузьминов") & skeletons("Kusminow") == {"kusminov"}
    True
    """
    word = normalise(name)
    if not word:
        return frozenset()
    cyrillic = len(_CYRILLIC_LETTER.findall(word))
    if cyrillic and cyrillic * 2 >= sum(ch.isalpha() for ch in word):
        return frozenset({_cleanup(_from_cyrillic(word.translate(_HOMOGLYPHS)))} - {""})
    return _from_latin(word) - {""}


def skeleton(name: str) -> str:
    """One skeleton: the Cyrillic one, or for Latin the English-style reading."""
    keys = skeletons(name)
    if len(keys) <= 1:
        return next(iter(keys), "")
    return _style_skeleton(_premapped(normalise(name)), "en")


_STYLE_NAMES = {
    "pl": "Polish spelling",
    "fr": "French spelling",
    "de": "German spelling",
    "gost": "GOST 7.79 system B spelling",
    "en": "ISO 9/BGN/ICAO/KMU-style spelling",
}
# What gives a spelling away as one style rather than another.
_STYLE_MARKERS = {
    "pl": re.compile("cz|sz|rz|[łżźśćń]"),
    "fr": re.compile("ou|tch|ch"),
    "de": re.compile("w|sch|z"),
    "gost": re.compile("x|cz|shh"),
    "en": re.compile(""),
}


def style_of(a: str, b: str) -> str:
    """Which romanisation style makes a Latin name meet a Cyrillic one ("German spelling")."""
    for latin, other in ((a, b), (b, a)):
        targets = skeletons(other)
        word = normalise(latin)
        for style, label in _STYLE_NAMES.items():
            if _STYLE_MARKERS[style].search(word) and (
                _style_skeleton(_premapped(word), style) in targets
            ):
                return label
    return ""


@cache
def phonetic(code: str) -> str:
    """A coarse key from a skeleton, for recall: voicing merged, vowels after the first dropped."""
    if not code:
        return ""
    code = code.translate(_VOICING)
    return _DOUBLE.sub(r"\1", code[0] + _VOWELS.sub("", code[1:]))


_FEMALE_ENDINGS = [
    (re.compile("(ov|ev|in)a$"), r"\1"),
    (re.compile("([sc]k)(aia|a)$"), r"\1i"),
    (re.compile("aia$"), "i"),
]


@cache
def male_skeleton(code: str) -> str:
    """The skeleton of the male form of a surname skeleton (kusminova -> kusminov)."""
    for pattern, replacement in _FEMALE_ENDINGS:
        new = pattern.sub(replacement, code)
        if new != code:
            return new
    return code
