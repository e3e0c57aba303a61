"""Text normalisation, and detection of the script and the language of a name."""

from __future__ import annotations

import re
import unicodedata

# Every apostrophe-like mark people type inside names (Ukrainian ʼ, typewriter ', curly ’ ‘,
# backtick, prime, acute), unified to the typewriter apostrophe.
_APOSTROPHES = str.maketrans({c: "'" for c in "ʼʹ’‘`´′ʻ"})
_SPACES = re.compile(r"\s+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[a-zA-Z\u00c0-\u024f]")
_UKRAINIAN_ONLY = re.compile("[іїєґ]")
_RUSSIAN_ONLY = re.compile("[ыэёъ]")


def normalise(text: str) -> str:
    """NFKC, case-folded, apostrophes unified, runs of white space collapsed, trimmed.

    Case folding keeps ё apart from е (the keys fold them later); `str.casefold` is used
    rather than `lower` so that German ß and the like compare as spelled out.
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return _SPACES.sub(" ", text).strip()


def detect_script(text: str) -> str:
    """ "cyrillic", "latin", "mixed" or "" (no letters of either)."""
    cyrillic = bool(_CYRILLIC.search(text))
    latin = bool(_LATIN.search(text))
    if cyrillic and latin:
        return "mixed"
    return "cyrillic" if cyrillic else "latin" if latin else ""


def detect_language(text: str) -> str:
    """For Cyrillic text: "uk" (і ї є ґ or an apostrophe inside a word), "ru" (ы э ё ъ), or "".

    Most names are spelled alike in both languages; "" means the letters do not tell.
    """
    text = normalise(text)
    if detect_script(text) not in ("cyrillic", "mixed"):
        return ""
    ukrainian = bool(_UKRAINIAN_ONLY.search(text) or re.search("[а-яіїєґ]'[а-яіїєґ]", text))
    russian = bool(_RUSSIAN_ONLY.search(text))
    if ukrainian and not russian:
        return "uk"
    if russian and not ukrainian:
        return "ru"
    return ""
