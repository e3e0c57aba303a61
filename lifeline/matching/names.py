"""Compare name forms part by part: surname, given name and patronymic, in either order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import OSA, JaroWinkler

from lifeline.matching import weights as w
from lifeline.matching.endings import standard_patronymic
from lifeline.matching.fold import (
    family_keys,
    given_entry,
    given_keys,
    patronymic_entry,
    patronymic_key,
    surname_keys,
)
from lifeline.matching.keys import phonetic, reduced, skeletons, style_of
from lifeline.matching.normalise import detect_script, normalise
from lifeline.matching.tables import given_name_frequency, surname_count
from lifeline.matching.types import NameVariant


@dataclass(frozen=True, slots=True)
class SurnameFeatures:
    text: str
    folded: str
    keys: frozenset[str]
    reduced: frozenset[str]  # keys with unstressed vowels merged (keys.reduced)
    phonetic: frozenset[str]
    family: frozenset[str]
    count: int
    slip_forms: tuple[str, ...]  # keys and folded form long enough for a slip to tell


@dataclass(frozen=True, slots=True)
class GivenFeatures:
    text: str
    folded: str
    keys: frozenset[str]
    initial: str  # first letter of the skeleton ("a" for Александр/Sasha…), "" if none
    is_initial: bool
    count: int
    spellings: frozenset[str]  # skeletons of the form itself, unfolded, for slips of the pen


@dataclass(frozen=True, slots=True)
class NameFeatures:
    surname: SurnameFeatures | None
    given: GivenFeatures | None
    patronymic: GivenFeatures | None


def _fold(text: str) -> str:
    return normalise(text).replace("ё", "е").replace("'", "")


@cache
def surname_features(text: str) -> SurnameFeatures | None:
    """Everything the comparison needs of a surname, computed once per distinct spelling."""
    folded = _fold(text)
    keys = surname_keys(folded)
    if not keys:
        return None
    long_forms = tuple(sorted(f for f in keys | {folded} if len(f) >= w.SLIP_MIN_LENGTH))
    return SurnameFeatures(
        text.strip(),
        folded,
        keys,
        frozenset(reduced(k) for k in keys),
        frozenset(phonetic(k) for k in keys),
        family_keys(folded),
        surname_count(folded),
        long_forms or _NO_FORMS,
    )


_NO_FORMS: tuple[str, ...] = ()


@cache
def given_features(text: str) -> GivenFeatures | None:
    folded = _fold(text).rstrip(".")
    if not folded:
        return None
    is_initial = len(folded) == 1
    keys = skeletons(folded) if is_initial else given_keys(folded)
    if not keys:
        return None
    initials = {k[0] for k in (keys if is_initial else skeletons(folded))}
    frequency = given_name_frequency()
    count = max((frequency.get(c, 0) for c in _canonical(folded)), default=0)
    return GivenFeatures(
        text.strip(), folded, keys, min(initials), is_initial, count, skeletons(folded) | {folded}
    )


def _canonical(folded: str) -> tuple[str, ...]:
    entry = given_entry(folded)
    return entry.canonical if entry else ()


@cache
def patronymic_features(text: str) -> GivenFeatures | None:
    """The father's-name key of a patronymic in any spelling: one the table does not know is
    read with its ending in the English-style spelling (Sergejevitsj as Sergeyevich, "Ахмет
    улы" as Ахметович)."""
    folded = _fold(text).rstrip(".")
    if not folded:
        return None
    is_initial = len(folded) == 1
    # A spelling the table knows in its own style (Michailowitsch) keeps its own reading.
    known = is_initial or patronymic_entry(folded) is not None
    standard = folded if known else standard_patronymic(folded)
    key = patronymic_key(standard)
    if not key:
        return None
    keys = skeletons(folded) if is_initial else frozenset({key})
    initial = min(k[0] for k in keys)
    entry = None if is_initial else patronymic_entry(standard)
    count = entry.count if entry else 0
    spellings = skeletons(folded) | {folded}
    return GivenFeatures(text.strip(), folded, keys, initial, is_initial, count, spellings)


def name_features(variant: NameVariant) -> NameFeatures:
    """Features of one name form; the parts are cached and shared between records."""
    return NameFeatures(
        surname_features(variant.surname) if variant.surname else None,
        given_features(variant.given_name) if variant.given_name else None,
        patronymic_features(variant.patronymic) if variant.patronymic else None,
    )


def _reduced(keys: frozenset[str]) -> set[str]:
    """Keys with unstressed vowels merged: a Belarusian Сяргеевіч's father is Сергей."""
    return {reduced(k) for k in keys}


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return max(JaroWinkler.similarity(x, y) for x in a for y in b)


def _one_slip(a: frozenset[str], b: frozenset[str], min_length: int = 5) -> bool:
    """One letter added, dropped, changed or two swapped, in names long enough to tell."""
    return any(
        min(len(x), len(y)) >= min_length and OSA.distance(x, y, score_cutoff=1) <= 1
        for x in a
        for y in b
    )


def _any_slip(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """`_one_slip` on forms already long enough; lengths more than one apart cannot be one slip."""
    return any(
        -1 <= len(x) - len(y) <= 1 and OSA.distance(x, y, score_cutoff=1) <= 1 for x in a for y in b
    )


def alternatives(name: NameFeatures) -> list[NameFeatures]:
    """Readings of a query's name: as parsed, with surname and given name swapped, and with a
    lone "patronymic" read as the surname ("Михаил Богданович" may be Mr Bogdanovich)."""
    out = [name]
    if name.surname and name.given and not name.given.is_initial:
        swapped = NameFeatures(
            surname_features(name.given.text), given_features(name.surname.text), name.patronymic
        )
        if swapped.surname and swapped.given:
            out.append(swapped)
    if not name.surname and name.patronymic and not name.patronymic.is_initial:
        as_surname = surname_features(name.patronymic.text)
        if as_surname:
            out.append(NameFeatures(as_surname, name.given, None))
    return out


def _spelling(query: str, record: str) -> str:
    """How the query spells the record's name, for the explanation."""
    if detect_script(query) == detect_script(record):
        return "spellings of one name"
    style = style_of(query, record)
    return f"same name across transliteration{f' ({style})' if style else ''}"


def compare_surnames(
    q: SurnameFeatures, r: SurnameFeatures, explain: bool = True, count: int = 0
) -> tuple[float, str]:
    """Log-odds of two surnames agreeing, less for common ones, and why.

    `count` is the bearers of the record's surname where its Cyrillic form is known, so that
    a Latin spelling of a common name weighs no more than the name does.
    """
    penalty = w.frequency_penalty(
        max(q.count, r.count, count), w.SURNAME_FREQUENCY_SCALE, w.SURNAME_FREQUENCY_MAX_PENALTY
    )
    shown = f"{q.text} ≈ {r.text}" if explain else ""
    if q.folded == r.folded:
        return w.SURNAME_EXACT - penalty, f"{q.text} = {r.text}: same surname"
    if q.keys & r.keys:
        why = _spelling(q.text, r.text) if explain else ""
        return w.SURNAME_TRANSLIT - penalty, f"{shown}: {why}"
    if q.family & r.family:
        return w.SURNAME_FAMILY - penalty, f"{shown}: male and female forms of one family name"
    if q.reduced & r.reduced:
        why = "same name with unstressed vowels spelt as heard"
        return w.SURNAME_REDUCED - penalty, f"{shown}: {why}"
    similarity = _similarity(q.keys, r.keys)
    # One slip in a long name (as _one_slip with SLIP_MIN_LENGTH, on forms kept long enough).
    if similarity >= w.FUZZY_HIGH or _any_slip(q.slip_forms, r.slip_forms):
        return w.SURNAME_FUZZY_HIGH - penalty, f"{shown}: nearly the same spelling"
    if q.phonetic & r.phonetic and similarity >= w.FUZZY_LOW:
        return w.SURNAME_PHONETIC - penalty, f"{shown}: sounds the same"
    if similarity >= w.FUZZY_LOW:
        return w.SURNAME_FUZZY_LOW, f"{shown}: similar spelling"
    return w.SURNAME_DISAGREE, f"{q.text} ≠ {r.text}: different surnames"


def surname_needs_fuzzy(q: SurnameFeatures, r: SurnameFeatures) -> bool:
    """Whether `compare_surnames` must go past its key checks to the fuzzy ones, whose weight
    is at most `fuzzy_surname_bound()`."""
    return q.folded != r.folded and not q.keys & r.keys and not q.family & r.family


def fuzzy_surname_bound() -> float:
    """The most a surname agreeing by no key can weigh in `compare_surnames` (penalties ≥ 0)."""
    return max(
        w.SURNAME_REDUCED,
        w.SURNAME_FUZZY_HIGH,
        w.SURNAME_PHONETIC,
        w.SURNAME_FUZZY_LOW,
        w.SURNAME_DISAGREE,
    )


def compare_given(q: GivenFeatures, r: GivenFeatures, explain: bool = True) -> tuple[float, str]:
    """Log-odds of two given names agreeing (short forms and Ukrainian forms folded)."""
    if q.is_initial or r.is_initial:
        if q.initial == r.initial:
            return w.GIVEN_INITIAL, f"{q.text} ~ {r.text}: initial agrees"
        return w.GIVEN_INITIAL_DISAGREE, f"{q.text} ≠ {r.text}: initial differs"
    penalty = w.frequency_penalty(
        max(q.count, r.count), w.GIVEN_FREQUENCY_SCALE, w.GIVEN_FREQUENCY_MAX_PENALTY
    )
    if q.folded == r.folded:
        return w.GIVEN_EXACT - penalty, f"{q.text} = {r.text}: same name"
    if q.keys & r.keys:
        why = _folded_why(q, r) if explain else ""
        return w.GIVEN_FOLDED - penalty, f"{q.text} ≈ {r.text}: {why}"
    q_all, r_all = q.keys | q.spellings, r.keys | r.spellings
    if _similarity(q_all, r_all) >= w.FUZZY_HIGH or _one_slip(q_all, r_all, 4):
        return w.GIVEN_FUZZY, f"{q.text} ≈ {r.text}: nearly the same spelling"
    return w.GIVEN_DISAGREE, f"{q.text} ≠ {r.text}: different names"


def _folded_why(q: GivenFeatures, r: GivenFeatures) -> str:
    if detect_script(q.text) != detect_script(r.text):
        return "same name across transliteration"
    for a, b in ((q, r), (r, q)):
        entry = given_entry(a.folded)
        if entry and a.folded not in entry.canonical and b.folded in entry.canonical:
            return f"{a.text} is a short or Ukrainian form of {b.text}"
    return "forms of the same name"


def compare_patronymics(q: GivenFeatures, r: GivenFeatures) -> tuple[float, str]:
    """Log-odds of two patronymics agreeing: weak evidence either way."""
    if q.is_initial or r.is_initial:
        if q.initial == r.initial:
            return w.PATRONYMIC_INITIAL, f"{q.text} ~ {r.text}: initial agrees"
        return w.PATRONYMIC_DISAGREE / 2, f"{q.text} ≠ {r.text}: initial differs"
    if q.keys & r.keys or _reduced(q.keys) & _reduced(r.keys):
        how = "same" if q.folded == r.folded else "same father's name"
        penalty = w.frequency_penalty(
            max(q.count, r.count), w.PATRONYMIC_FREQUENCY_SCALE, w.PATRONYMIC_FREQUENCY_MAX_PENALTY
        )
        return w.PATRONYMIC_AGREE - penalty, f"{q.text} ≈ {r.text}: {how}"
    if _similarity(q.keys, r.keys) >= w.FUZZY_HIGH:
        return w.PATRONYMIC_FUZZY, f"{q.text} ≈ {r.text}: nearly the same"
    return w.PATRONYMIC_DISAGREE, f"{q.text} ≠ {r.text}: different patronymics"
