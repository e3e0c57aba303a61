"""Latin spellings of Russian and Ukrainian names under the systems a family or a document may use.

translitua provides ISO 9 (GOST 7.79 System A), the Ukrainian KMU 2010, BGN/PCGN, German and
French systems for Ukrainian, and ICAO for Russian. It has no BGN/PCGN, German, French or Polish
system for Russian, nor Polish or ICAO 9303 for Ukrainian: those are small tables here, after
the published systems:

- BGN/PCGN 1947 for Russian (ye after vowels, ' for ь, " for ъ, t·s for тс);
- ICAO Doc 9303 part 3, table for Cyrillic (passports, both languages);
- German: the Duden transcription (w, s, sch, tsch, schtsch, ja, ju);
- French: the usual French transcription (ou, ch, tch, chtch, j, gu before e/i, -ine);
- Polish: the Polish transcription (w, ł, sz, cz, szcz, ż, ź/ś/ć/ń for the soft sign).

This is for the benchmark's generator only; the engine must not import it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from translitua import (
    RussianISO9SystemA,
    UkrainianBGN,
    UkrainianFrench,
    UkrainianGerman,
    UkrainianISO9,
    UkrainianKMU,
    translit,
)

SYSTEMS = ("iso9", "bgn", "icao", "kmu2010", "german", "french", "polish")

_VOWELS = set("аеёиоуыэюяіїє")
_HARD_SIBILANTS = set("жшчщц")
_WORD = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ'’ʼ]+")


def romanize(text: str, *, system: str, language: str) -> str:
    """Spell Cyrillic `text` (a name) in Latin letters by `system` for `language` ("ru"/"uk")."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}")
    if language == "uk":
        table = {
            "iso9": UkrainianISO9,
            "bgn": UkrainianBGN,
            "kmu2010": UkrainianKMU,
            "german": UkrainianGerman,
            "french": UkrainianFrench,
        }.get(system)
        if table is not None:
            return str(translit(text, table))
        spell = {"icao": _icao_word, "polish": _polish_uk_word}[system]
    else:
        if system == "iso9":
            return str(translit(text, RussianISO9SystemA))
        if system == "kmu2010":
            # A Ukrainian clerk applying the national system to a Russian spelling.
            return str(translit(_russian_letters_for_kmu(text), UkrainianKMU))
        spell = {
            "bgn": _bgn_word,
            "icao": _icao_word,
            "german": _german_word,
            "french": _french_word,
            "polish": _polish_ru_word,
        }[system]
    return _WORD.sub(lambda m: _recase(m[0], spell(m[0].lower())), text)


def _recase(original: str, latin: str) -> str:
    if original.isupper() and len(original) > 1:
        return latin.upper()
    if original[:1].isupper():
        return latin[:1].upper() + latin[1:]
    return latin


def _russian_letters_for_kmu(text: str) -> str:
    # KMU 2010 has no ы, э, ё or ъ; clerks write them as the nearest Ukrainian letters.
    text = re.sub("(?<=[аеёиоуыэюяьъ])ё|^ё", "йо", text, flags=re.IGNORECASE)
    text = text.replace("ьйо", "йо").replace("ъйо", "йо").replace("Ё", "Йо").replace("ё", "ьо")
    for russian, ukrainian in (("ы", "и"), ("Ы", "И")):
        text = text.replace(russian, ukrainian)
    for russian, ukrainian in (("э", "е"), ("Э", "Е"), ("ъ", ""), ("Ъ", "")):
        text = text.replace(russian, ukrainian)
    return text


Rule = Callable[[str, int], str | None]


def _spell(word: str, table: dict[str, str], rule: Rule) -> str:
    """Spell a lowercase word letter by letter; `rule` may override a letter in context."""
    out = []
    for i, letter in enumerate(word):
        special = rule(word, i)
        out.append(special if special is not None else table.get(letter, letter))
    return "".join(out)


def _after_vowel_or_start(word: str, i: int) -> bool:
    return i == 0 or word[i - 1] in _VOWELS or word[i - 1] in "ъьй'’ʼ"


def _at_end(word: str, i: int) -> bool:
    return i == len(word) - 1


# BGN/PCGN 1947 (Russian).
_BGN = {
    **dict(zip("абвгдзиклмнопрстуфыэ", "abvgdziklmnoprstufye", strict=True)),
    "е": "e",
    "ё": "ë",
    "ж": "zh",
    "й": "y",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": '"',
    "ь": "'",
    "ю": "yu",
    "я": "ya",
}


def _bgn_word(word: str) -> str:
    def rule(w: str, i: int) -> str | None:
        letter = w[i]
        if letter in "её" and _after_vowel_or_start(w, i):
            return "ye" if letter == "е" else "yë"
        if letter == "с" and i > 0 and w[i - 1] == "т":
            return "·s"  # тс is t·s, to tell it from ц (ts)
        return None

    return _spell(word, _BGN, rule)


# ICAO Doc 9303 part 3, Cyrillic (Russian and Ukrainian letters).
_ICAO = {
    **dict(zip("абвгґдезиіїйклмнопрстуфыэ", "abvggdeziiiiklmnoprstufye", strict=True)),
    "ё": "e",
    "є": "ie",
    "ж": "zh",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ie",
    "ь": "",
    "ю": "iu",
    "я": "ia",
    "'": "",
    "’": "",
    "ʼ": "",
}


def _icao_word(word: str) -> str:
    return _spell(word, _ICAO, lambda w, i: None)


# German (Duden) transcription of Russian.
_GERMAN = {
    **dict(zip("абгдиклмнопртуфы", "abgdiklmnoprtufy", strict=True)),
    "в": "w",
    "е": "e",
    "ё": "jo",
    "ж": "sch",
    "з": "s",
    "й": "j",
    "с": "s",
    "х": "ch",
    "ц": "z",
    "ч": "tsch",
    "ш": "sch",
    "щ": "schtsch",
    "ъ": "",
    "ь": "",
    "э": "e",
    "ю": "ju",
    "я": "ja",
}


def _german_word(word: str) -> str:
    def rule(w: str, i: int) -> str | None:
        letter = w[i]
        if letter == "е" and _after_vowel_or_start(w, i):
            return "je"
        if letter == "ё" and i > 0 and w[i - 1] in _HARD_SIBILANTS:
            return "o"
        if letter == "й":
            if _at_end(w, i) and i > 0 and w[i - 1] in "иы":
                return ""  # Дмитрий is Dmitri
            return "j" if i + 1 < len(w) and w[i + 1] in _VOWELS else "i"
        if letter == "с" and 0 < i < len(w) - 1 and w[i - 1] in _VOWELS and w[i + 1] in _VOWELS:
            return "ss"
        if letter == "ь" and i + 1 < len(w) and w[i + 1] in _VOWELS:
            return "j" if w[i + 1] not in "еёюя" else ""
        return None

    return _spell(word, _GERMAN, rule)


# French transcription of Russian.
_FRENCH = {
    **dict(zip("абвгдзиклмнопрстфы", "abvgdziklmnoprstfy", strict=True)),
    "е": "e",
    "ё": "io",
    "ж": "j",
    "й": "ï",
    "у": "ou",
    "х": "kh",
    "ц": "ts",
    "ч": "tch",
    "ш": "ch",
    "щ": "chtch",
    "ъ": "",
    "ь": "",
    "э": "e",
    "ю": "iou",
    "я": "ia",
}


def _french_word(word: str) -> str:
    def rule(w: str, i: int) -> str | None:
        letter = w[i]
        following = w[i + 1] if i + 1 < len(w) else ""
        if letter == "е" and _after_vowel_or_start(w, i) and i > 0:
            return "ïe"
        if letter == "е" and i == 0:
            return "ie"
        if letter == "ё" and i > 0 and w[i - 1] in _HARD_SIBILANTS:
            return "o"
        if letter == "г" and following in ("е", "и", "ы", "э"):
            return "gu"
        if letter == "й" and _at_end(w, i) and i > 0 and w[i - 1] in "иы":
            return ""  # Дмитрий is Dmitri
        if letter == "и" and i > 0 and w[i - 1] in _VOWELS:
            return "ï"
        if letter == "н" and _at_end(w, i) and i > 0 and w[i - 1] in "иы":
            return "ne"  # Путин is Poutine
        if letter == "с" and 0 < i < len(w) - 1 and w[i - 1] in _VOWELS and following in _VOWELS:
            return "ss"
        return None

    return _spell(word, _FRENCH, rule)


# Polish transcription of Russian.
_POLISH_RU = {
    **dict(zip("абгдзклмнопрстуфы", "abgdzkłmnoprstufy", strict=True)),
    "в": "w",
    "е": "e",
    "ё": "io",
    "ж": "ż",
    "и": "i",
    "й": "j",
    "х": "ch",
    "ц": "c",
    "ч": "cz",
    "ш": "sz",
    "щ": "szcz",
    "ъ": "",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
_POLISH_SOFT = {"з": "ź", "с": "ś", "т": "ć", "н": "ń", "д": "dź", "ц": "ć", "л": "l"}


def _polish_soft_rule(w: str, i: int, softening: str) -> str | None:
    """Shared Polish rules: л before soft vowels is l, the soft sign softens the consonant."""
    letter = w[i]
    following = w[i + 1] if i + 1 < len(w) else ""
    if letter == "л" and (following in softening or following == "ь"):
        return "l"
    if letter in _POLISH_SOFT and following == "ь":
        after = w[i + 2] if i + 2 < len(w) else ""
        if letter != "л" and after not in _VOWELS:
            return _POLISH_SOFT[letter]
    if letter == "ь":
        after = following
        return "j" if after in _VOWELS else ""
    return None


def _polish_ru_word(word: str) -> str:
    def rule(w: str, i: int) -> str | None:
        letter = w[i]
        soft = _polish_soft_rule(w, i, "еёюяи")
        if soft is not None:
            return soft
        previous = w[i - 1] if i > 0 else ""
        if letter in "еёюя":
            iotated = {"е": "je", "ё": "jo", "ю": "ju", "я": "ja"}[letter]
            if _after_vowel_or_start(w, i):
                return iotated if previous != "ь" else iotated[1:]
            if previous == "л" or previous in _HARD_SIBILANTS:
                return {"е": "e", "ё": "o", "ю": "u", "я": "a"}[letter]
            return "i" + iotated[1:]
        if letter == "и" and previous in ("ж", "ш", "ц"):
            return "y"
        return None

    return _spell(word, _POLISH_RU, rule)


# Polish transcription of Ukrainian.
_POLISH_UK = {
    **dict(zip("абґдзклмнопрстуф", "abgdzkłmnoprstuf", strict=True)),
    "в": "w",
    "г": "h",
    "е": "e",
    "є": "je",
    "ж": "ż",
    "и": "y",
    "і": "i",
    "ї": "ji",
    "й": "j",
    "х": "ch",
    "ц": "c",
    "ч": "cz",
    "ш": "sz",
    "щ": "szcz",
    "ь": "",
    "ю": "ju",
    "я": "ja",
    "'": "",
    "’": "",
    "ʼ": "",
}


def _polish_uk_word(word: str) -> str:
    def rule(w: str, i: int) -> str | None:
        letter = w[i]
        soft = _polish_soft_rule(w, i, "єюяі")
        if soft is not None:
            return soft
        previous = w[i - 1] if i > 0 else ""
        if letter in "єюя" and not _after_vowel_or_start(w, i):
            if previous == "л" or previous in _HARD_SIBILANTS:
                return {"є": "e", "ю": "u", "я": "a"}[letter]
            return {"є": "ie", "ю": "iu", "я": "ia"}[letter]
        return None

    return _spell(word, _POLISH_UK, rule)
