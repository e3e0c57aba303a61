"""Folding names for plain search: the same result on SQLite and PostgreSQL, for any script."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# ё is written as е in most documents and lists; folding both keeps Семёнов = Семенов.
_LETTERS = str.maketrans({"ё": "е"})


def fold(text: str) -> str:
    """NFKC, case fold and collapse spaces: SQLite's LIKE and lower() fold ASCII only."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_LETTERS)
    return _SPACES.sub(" ", folded).strip()


def script_of(text: str) -> str:
    """'cyrl' when the letters are mostly Cyrillic, 'latn' when mostly Latin, else 'other'."""
    cyrillic = latin = 0
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith("CYRILLIC"):
            cyrillic += 1
        elif name.startswith("LATIN"):
            latin += 1
    if not cyrillic and not latin:
        return "other"
    return "cyrl" if cyrillic >= latin else "latn"
