"""Candidate retrieval in memory: an inverted index from blocking keys to record ids.

The app keeps the same keys in its database instead (lifeline.matching.blocking); this index
serves the benchmarks, the tests and a caller without a database.
"""

from __future__ import annotations

import heapq
import sys
from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import chain

from lifeline.matching import fuzzy
from lifeline.matching.blocking import (
    MAX_SCORED,
    best_ids,
    features_query_keys,
    index_keys,
    usable_keys,
)
from lifeline.matching.score import (
    Features,
    Scorer,
    candidate,
    query_features,
    record_features,
    score_features,
)
from lifeline.matching.types import Candidate, PersonRecord, Query


class MatchIndex:
    """An in-memory index of registry persons; `search` scores only the records it retrieves.

    Postings are `array('i')` of record ids; per-record features share their name parts
    through the feature caches, so a million persons fit in well under 2 GB. Beside them, the
    trigrams of the surname skeletons held (`fuzzy`): a list of skeletons per trigram.
    """

    def __init__(self, records: Iterable[PersonRecord] = ()) -> None:
        self._features: dict[int, Features] = {}
        self._postings: dict[str, array[int]] = {}
        self._grams: dict[str, list[str]] = {}
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
                if key.startswith("f:"):
                    self._add_skeleton(key[2:])
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
                if key.startswith("f:"):
                    self._remove_skeleton(key[2:])

    def _add_skeleton(self, skeleton: str) -> None:
        grams = self._grams
        for gram in fuzzy.grams(skeleton):
            held = grams.get(gram)
            if held is None:
                grams[sys.intern(gram)] = [skeleton]
            else:
                held.append(skeleton)

    def _remove_skeleton(self, skeleton: str) -> None:
        for gram in fuzzy.grams(skeleton):
            held = self._grams[gram]
            held.remove(skeleton)
            if not held:
                del self._grams[gram]

    def candidate_ids(self, query: Query, limit: int = MAX_SCORED) -> list[int]:
        """Ids of the records sharing the most telling keys with the query, best first."""
        postings = self._postings
        keys = features_query_keys(query_features(query))
        counts = {key: len(postings[key]) for key in keys if key in postings}
        weights = usable_keys(counts)
        near = fuzzy.near_weights(
            keys,
            counts,
            gram_counts=self._gram_counts,
            shortlisted=self._shortlisted,
            key_counts=lambda wanted: {k: len(postings[k]) for k in wanted if k in postings},
        )
        weights = dict(sorted((weights | near).items()))
        hits: dict[int, float] = {}
        for key, weight in weights.items():  # in key order, as a database sums them
            get = hits.get
            for record_id in postings[key]:
                hits[record_id] = get(record_id, 0.0) + weight
        return best_ids(hits, limit)

    def _gram_counts(self, grams: list[str]) -> dict[str, int]:
        return {gram: len(self._grams[gram]) for gram in grams if gram in self._grams}

    def _shortlisted(self, grams: list[str]) -> list[str]:
        return fuzzy.shortlist(Counter(chain.from_iterable(self._grams[g] for g in grams)))

    def search(self, query: Query, k: int = 10) -> list[Candidate]:
        """The top `k` candidates for a query, best first, each with its explanation."""
        found = self.candidate_ids(query)
        return _top(query_features(query), [(i, self._features[i]) for i in found], k)

    def top(self, query: Query, ids: Iterable[int], k: int = 10) -> list[Candidate]:
        """The top `k` of these indexed records for a query, as `top_candidates` scores them,
        with the features computed when they were added."""
        return _top(query_features(query), [(i, self._features[i]) for i in ids], k)


class RecordPool:
    """Records retrieved elsewhere (the app's key table) that many queries score: each one's
    features are computed once, however many queries it is a candidate for."""

    def __init__(self) -> None:
        self._features: dict[int, Features] = {}

    def __len__(self) -> int:
        return len(self._features)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._features

    def add(self, records: Iterable[PersonRecord]) -> None:
        for record in records:
            self._features[record.id] = record_features(record)

    def top(self, query: Query, ids: Iterable[int], k: int = 10) -> list[Candidate]:
        """`top_candidates` of the pooled records among `ids` (others are passed over), in the
        order of `ids`: the same candidates, scores and explanations."""
        pool = self._features
        return _top(query_features(query), [(i, pool[i]) for i in ids if i in pool], k)


def top_candidates(query: Query, records: Iterable[PersonRecord], k: int = 10) -> list[Candidate]:
    """The top `k` of these records for a query, best first, each with its explanation.

    What `MatchIndex.search` does with the records it retrieved; for a caller whose records
    were retrieved elsewhere (the app, from its key table).
    """
    return _top(query_features(query), [(r.id, record_features(r)) for r in records], k)


def _top(features: Features, records: list[tuple[int, Features]], k: int) -> list[Candidate]:
    total_of = Scorer(features).total
    scored = [(total_of(rf), i) for i, rf in records]
    best = {i for _total, i in heapq.nlargest(k, scored, key=lambda p: (p[0], -p[1]))}
    out = [candidate(i, *score_features(features, rf)) for i, rf in records if i in best]
    return sorted(out, key=lambda c: (-c.score, c.record_id))
