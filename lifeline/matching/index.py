"""Candidate retrieval: an inverted index from name keys to record ids, scoring only the hits."""

from __future__ import annotations

import heapq
import sys
from array import array
from collections.abc import Iterable, Iterator

from lifeline.matching.keys import phonetic
from lifeline.matching.names import NameFeatures, alternatives
from lifeline.matching.score import (
    Features,
    Scorer,
    candidate,
    query_features,
    record_features,
    score_features,
)
from lifeline.matching.types import Candidate, PersonRecord, Query

# How much one shared key says before scoring, to choose which hits to score.
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
MAX_POSTINGS = 25_000  # a key shared by more records than this is too common to gather
MAX_SCORED = 400  # hits scored per search, the best-keyed first
PREFIX = 4
SHORT_PREFIX = 3


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
    """The blocking keys of a person or a query."""
    return {key for name in features.names for key in _name_keys(name, features.date[0])}


class MatchIndex:
    """An in-memory index of registry persons; `search` scores only the records it retrieves.

    Postings are `array('i')` of record ids; per-record features share their name parts
    through the feature caches, so a million persons fit in well under 2 GB.
    """

    def __init__(self, records: Iterable[PersonRecord] = ()) -> None:
        self._features: dict[int, Features] = {}
        self._postings: dict[str, array[int]] = {}
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._features)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._features

    def add(self, record: PersonRecord) -> None:
        """Add a person, or replace the one with the same id."""
        if record.id in self._features:
            self.remove(record.id)
        features = record_features(record)
        self._features[record.id] = features
        postings = self._postings
        for key in index_keys(features):
            ids = postings.get(key)
            if ids is None:
                postings[sys.intern(key)] = array("i", (record.id,))
            else:
                ids.append(record.id)

    def remove(self, record_id: int) -> None:
        """Forget a person; unknown ids are ignored."""
        features = self._features.pop(record_id, None)
        if features is None:
            return
        for key in index_keys(features):
            ids = self._postings.get(key)
            if ids is None:
                continue
            kept = array("i", (i for i in ids if i != record_id))
            if kept:
                self._postings[key] = kept
            else:
                del self._postings[key]

    def candidate_ids(self, query: Query, limit: int = MAX_SCORED) -> list[int]:
        """Ids of the records sharing the most telling keys with the query, best first."""
        features = query_features(query)
        names = [alt for name in features.names for alt in alternatives(name)]
        keys = {k for name in names for k in _name_keys(name, features.date[0])}
        if features.date[0] is not None:
            # One year off is common; the given name and a neighbouring year still block.
            for name in features.names:
                for near in (features.date[0] - 1, features.date[0] + 1):
                    keys |= {k for k in _name_keys(name, near) if k.startswith(("gy:", "sy:"))}
        hits: dict[int, float] = {}
        # Sorted, and ties broken by id, so that the same query always gathers the same
        # candidates whatever the process's hash seed: "match again" must not change its mind.
        for key in sorted(keys):
            ids = self._postings.get(key)
            if ids is None or len(ids) > MAX_POSTINGS:
                continue
            weight = KEY_WEIGHTS[key.split(":", 1)[0]]
            get = hits.get
            for record_id in ids:
                hits[record_id] = get(record_id, 0.0) + weight

        def rank(record_id: int) -> tuple[float, int]:
            return hits[record_id], -record_id

        if len(hits) <= limit:
            return sorted(hits, key=rank, reverse=True)
        return heapq.nlargest(limit, hits, key=rank)

    def search(self, query: Query, k: int = 10) -> list[Candidate]:
        """The top `k` candidates for a query, best first, each with its explanation."""
        features = query_features(query)
        total_of = Scorer(features).total
        records = self._features
        scored = [(total_of(records[i]), i) for i in self.candidate_ids(query)]
        best = heapq.nlargest(k, scored, key=lambda pair: (pair[0], -pair[1]))
        out = []
        for _total, record_id in best:
            total, fields = score_features(features, self._features[record_id])
            out.append(candidate(record_id, total, fields))
        return sorted(out, key=lambda c: (-c.score, c.record_id))
