"""Fold name parts to comparable keys: diminutives and Ukrainian forms to the Russian full name.

Every key is a skeleton (lifeline.matching.keys), so a Latin spelling and a Cyrillic one of
the same name get the same key: Саша, Sasha, Олександр, Oleksandr and Alexander all fold to
the skeleton of Александр.
"""

from __future__ import annotations

import re
from functools import cache

from lifeline.matching.keys import (
    belarusian_skeleton,
    male_skeleton,
    reduced,
    skeleton,
    skeletons,
)
from lifeline.matching.normalise import detect_script, normalise
from lifeline.matching.tables import (
    GivenName,
    Patronymic,
    given_names,
    given_names_by_reduced,
    given_names_by_skeleton,
    male_surname_of,
    patronymics,
    patronymics_by_skeleton,
    ukrainian_surnames,
)

_PATRONYMIC_SUFFIX = re.compile("(oviC|eviC|ovna|evna|iCna|ivna|iC|na)$")
_FEMALE_PATRONYMIC = re.compile(r"(вна|чна|vna|[cč]h?na|ovna|evna)$")


def _fold(text: str) -> str:
    return normalise(text).replace("ё", "е").replace("'", "")


# Letters a name needs before its vowels may be read loosely (keys.reduced): Ян is not Ен.
_REDUCED_MIN = 4


def given_entry(name: str) -> GivenName | None:
    """The table entry for a given-name form in any script, or None if unknown.

    A form the table does not hold is looked up by its skeletons (Oleksandr, Уладзімір; a
    Cyrillic one read as Belarusian too: Усевалад), then, if long enough, by its reduced
    skeletons (Аляксандр, Siarhei, Ігар).
    """
    folded = _fold(name)
    if not folded:
        return None
    if detect_script(folded) == "cyrillic" and folded in given_names():
        return given_names()[folded]
    keys = sorted(skeletons(folded) | {belarusian_skeleton(folded)} - {""})
    by_skeleton = given_names_by_skeleton()
    for key in keys:
        if key in by_skeleton:
            return by_skeleton[key]
    by_reduced = given_names_by_reduced()
    for key in keys:
        if len(key) >= _REDUCED_MIN and reduced(key) in by_reduced:
            return by_reduced[reduced(key)]
    return None


@cache
def given_keys(name: str) -> frozenset[str]:
    """Keys of a given name: the skeletons of the full names it may stand for.

    An unknown name keys as its own skeletons, so that its spellings still meet.
    """
    entry = given_entry(name)
    if entry is not None:
        return frozenset(skeleton(canonical) for canonical in entry.canonical)
    return skeletons(_fold(name))


def patronymic_entry(name: str) -> Patronymic | None:
    """The table entry for a patronymic in any script (Сергійович, Serhiiovych), or None."""
    folded = _fold(name)
    entry = patronymics().get(folded)
    if entry is None and detect_script(folded) != "cyrillic":
        by_skeleton = patronymics_by_skeleton()
        entry = next((by_skeleton[k] for k in sorted(skeletons(folded)) if k in by_skeleton), None)
    return entry


@cache
def patronymic_key(name: str) -> str:
    """The father's-name stem of a patronymic: Сергеевич, Сергійович, Sergeevich -> "serge"."""
    folded = _fold(name)
    if not folded:
        return ""
    entry = patronymic_entry(folded)
    code = skeleton(entry.canonical if entry else folded)
    return _PATRONYMIC_SUFFIX.sub("", code) or code


def patronymic_sex(name: str) -> str:
    """ "f" for -овна/-евна/-ична/-івна (and Latin -ovna…), "m" otherwise, "" for no name."""
    folded = _fold(name)
    if not folded:
        return ""
    return "f" if _FEMALE_PATRONYMIC.search(folded) else "m"


@cache
def surname_keys(name: str) -> frozenset[str]:
    """Skeletons of a surname, with the Russian spelling's for a Ukrainian one (Кузьмінов)."""
    folded = _fold(name)
    keys = set(skeletons(folded))
    russian = ukrainian_surnames().get(folded)
    if russian:
        keys |= skeletons(russian)
    return frozenset(keys)


@cache
def family_keys(name: str) -> frozenset[str]:
    """Skeletons of the male form of a surname: the family name a wife's form shares."""
    folded = _fold(name)
    keys = {male_skeleton(k) for k in surname_keys(folded)}
    male = male_surname_of().get(folded)
    if male:
        keys |= skeletons(male)
    return frozenset(keys)
