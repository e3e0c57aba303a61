"""Blocking keys: which registry persons a query gathers before any scoring.

A person's keys (`record_keys`) are stored wherever the registry lives: in memory by
`MatchIndex`, or in a table of the app's database. A query's keys (`query_keys`) are looked up
there; keys shared by too many persons are skipped (`usable_keys`), and the persons hit are
ranked by the summed weight of the keys they share (`best_ids`). When the query's surname
skeletons are held by too few persons, the nearest skeletons held join them at a lower weight
(`fuzzy.near_weights`). Whoever holds the postings, the same query gathers the same persons in
the same order.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator, Mapping
from functools import cache

from lifeline.matching.keys import phonetic
from lifeline.matching.names import NameFeatures, alternatives, name_features
from lifeline.matching.score import Features, query_features, record_features
from lifeline.matching.types import NameVariant, PersonRecord, Query

# How much one shared key says before scoring, to choose which hits to score. Multiples of
# 0.5, so that a database sums them exactly and ranks as Python does.
KEY_WEIGHTS = {
    "f": 4.0,  # surname (male form) skeleton
    "p": 2.0,  # surname phonetic key
    "x": 1.5,  # surname prefix and given name: a slip at the end of the surname
    "gy": 2.5,  # given name and birth year: a slip anywhere in the surname
    "gp": 1.5,  # given name and patronymic
    "sy": 1.0,  # surname's first letters and birth year: slips in both names
    "py": 1.0,  # patronymic and birth year
    "g": 0.5,  # given name alone, for a query without a surname
}
# A near spelling's surname skeleton ("f:" key found by `fuzzy.near_weights`) counts for less
# than the query's own.
NEAR_WEIGHT = 2.0
# The query's own surname skeletons, to look for near spellings of (never stored).
NEAR_PREFIX = "n:"
MAX_POSTINGS = 25_000  # a key shared by more records than this is too common to gather
MAX_SCORED = 400  # hits scored per search, the best-keyed first
PREFIX = 4
SHORT_PREFIX = 3
# Kinds of key a query also builds for the years either side of its birth year.
_NEAR_YEAR_KINDS = ("gy:", "sy:")


def _name_keys(name: NameFeatures, year: int | None) -> Iterator[str]:
    given = name.given.keys if name.given and not name.given.is_initial else frozenset()
    full_patronymic = name.patronymic and not name.patronymic.is_initial
    patronymic = min(name.patronymic.keys) if name.patronymic and full_patronymic else ""
    if name.surname:
        for family in name.surname.family:
            yield "f:" + family
            yield "p:" + phonetic(family)
            if year is not None:
                yield f"sy:{family[:SHORT_PREFIX]}:{year}"
            for g in given:
                yield f"x:{family[:PREFIX]}:{g}"
    if patronymic and year is not None:
        yield f"py:{patronymic}:{year}"
    for g in given:
        if year is not None:
            yield f"gy:{g}:{year}"
        if patronymic:
            yield f"gp:{g}:{patronymic}"
        if not name.surname:
            yield "g:" + g


def index_keys(features: Features) -> set[str]:
    """The blocking keys of a person's (or a query's) features, as stored."""
    return {key for name in features.names for key in _name_keys(name, features.date[0])}


def record_keys(record: PersonRecord) -> set[str]:
    """The keys a registry person is stored under."""
    return index_keys(record_features(record))


def features_query_keys(features: Features, *, near: bool = True) -> set[str]:
    """The keys a query looks up: every reading of its names, and the neighbouring years; and,
    if `near`, its surname skeletons as "n:" keys, to look for near spellings of when its exact
    keys find too few persons (`fuzzy.near_weights`)."""
    year = features.date[0]
    names = [alt for name in features.names for alt in alternatives(name)]
    keys = {k for name in names for k in _name_keys(name, year)}
    if near:
        keys |= {NEAR_PREFIX + f for n in features.names if n.surname for f in n.surname.family}
    if year is not None:
        # One year off is common; the given name and a neighbouring year still block.
        for name in features.names:
            for other in (year - 1, year + 1):
                keys |= {k for k in _name_keys(name, other) if k.startswith(_NEAR_YEAR_KINDS)}
    return keys


def query_keys(query: Query, *, near: bool = True) -> set[str]:
    """The keys a query looks up (its names should already be parsed into parts); with the
    seeds of near spellings unless not `near`."""
    return features_query_keys(query_features(query), near=near)


def key_weight(key: str) -> float:
    """What sharing this key counts for, by its kind (the part before the first colon)."""
    return KEY_WEIGHTS[key.split(":", 1)[0]]


def usable_keys(counts: Mapping[str, int]) -> dict[str, float]:
    """The weight of each key found, leaving out keys shared by more than MAX_POSTINGS persons.

    `counts` is how many persons hold each of the query's keys (keys held by none may be left
    out); the result is sorted by key, so that summing in its order is the same every time.
    """
    return {key: key_weight(key) for key in sorted(counts) if 0 < counts[key] <= MAX_POSTINGS}


def best_ids(hits: Mapping[int, float], limit: int = MAX_SCORED) -> list[int]:
    """The `limit` ids with the highest summed key weight, best first, ties by lower id.

    Ties broken by id, so that the same query always gathers the same candidates whatever the
    process's hash seed or the database's row order: "match again" must not change its mind.
    """

    def rank(record_id: int) -> tuple[float, int]:
        return hits[record_id], -record_id

    if len(hits) <= limit:
        return sorted(hits, key=rank, reverse=True)
    return heapq.nlargest(limit, hits, key=rank)


# Records whose keys exercise every key rule and name table: when a change to the rules changes
# any of their keys, the fingerprint changes and a stored key table is known to be stale.
_CANARIES = (
    PersonRecord(1, (NameVariant("Кузьминов", "Максим", "Сергеевич"),), birth_year=1995),
    PersonRecord(2, (NameVariant("Kusminow", "Sascha", "Sergejewitsch"),), birth_year=1990),
    PersonRecord(3, (NameVariant("Шевченко", "Олександр", "Петрович"),), birth_year=1988),
    PersonRecord(4, (NameVariant("Щербакова", "Юлия", "Андреевна"),), sex="f", birth_year=1979),
    PersonRecord(5, (NameVariant("Chtcherbakov", "Iouri"),), birth_year=2001),
    PersonRecord(6, (NameVariant("Szczerbakow", "Jurij", "Zhorzhovych"),), birth_year=1970),
    PersonRecord(7, (NameVariant("Жуковский", "Ёсиф", "Ильич"), NameVariant("Zhukovskiy", "I"))),
    PersonRecord(8, (NameVariant("Гаврилюк", "Ганна", "Василівна"),), birth_year=1999),
    PersonRecord(9, (NameVariant("O'Neill-Хабибуллин", "Xaver", "Tchaikovsky"),)),
    PersonRecord(10, (NameVariant("", "Дмитрий", "Ефимович"),), birth_year=1985),
)
# Bump on a change to the key rules that the canaries might miss (2: patronymic endings;
# 3: the romanisation conventions of data/romanisation.yaml, Belarusian, reduced vowels; the
# near spellings' trigram table, MatchGram, which a reindex fills).
RULES_REVISION = 3


@cache
def key_rules_version() -> str:
    """A short fingerprint of the key rules: stored keys made under another one are stale."""
    digest = hashlib.sha256(f"{RULES_REVISION};{sorted(KEY_WEIGHTS)}".encode())
    for record in _CANARIES:
        digest.update(("\n" + ";".join(sorted(record_keys(record)))).encode())
    return f"{RULES_REVISION}-{digest.hexdigest()[:12]}"


def search_keys(surname: str, given_name: str = "", patronymic: str = "") -> list[set[str]]:
    """What a plain registry search for these name parts asks of a person's stored keys: one
    key of each group. Empty when a typed part cannot be told by keys (no surname, an initial).

    The surname in any script or spelling, male or female form ("f:"); with a given name, the
    surname's prefix and that name or its diminutives ("x:"); with a patronymic too, the given
    name and the patronymic ("gp:").
    """
    name = name_features(NameVariant(surname, given_name, patronymic))
    if name.surname is None:
        return []
    families = name.surname.family
    groups = [{"f:" + family for family in families}]
    given = name.given if name.given and not name.given.is_initial else None
    if given_name.strip():
        if given is None:
            return []
        groups.append({f"x:{family[:PREFIX]}:{g}" for family in families for g in given.keys})
    if patronymic.strip():
        if given is None or name.patronymic is None or name.patronymic.is_initial:
            return []
        key = min(name.patronymic.keys)
        groups.append({f"gp:{g}:{key}" for g in given.keys})
    return groups
