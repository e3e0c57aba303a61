"""Near spellings: the registry's surname skeletons closest to a query's, when its exact keys
find too few persons.

A misspelt or unfamiliar spelling (Kusmirov, Koezminov for Кузьминов) may share no key with
the record: its skeleton is one nobody holds. Then the query's surname skeletons (the "n:"
seeds of `blocking.query_keys`) are looked up by their letter trigrams in the vocabulary of
skeletons the registry holds (the distinct "f:" keys, not the persons), the closest are
confirmed by string similarity, and their "f:" postings join the exact keys' at a lower weight.

Whoever holds the vocabulary (`MatchIndex` in memory, or a table of the app's database) answers
three questions the same way: how many skeletons hold each trigram, the skeletons sharing the
most usable trigrams (`shortlist`), and how many persons hold each of those alike enough.
`near_weights` asks them in that order, so both give the same candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rapidfuzz.distance import Indel

from lifeline.matching.blocking import MAX_POSTINGS, NEAR_PREFIX, NEAR_WEIGHT

GRAM = 3
# A query whose surname skeletons are held by fewer persons than this looks for near ones too:
# a surname the registry hardly knows, spelt so or misspelt.
NEAR_BELOW = 10
# A trigram held by more skeletons than this ("ov " ends a fifth of them) says too little to
# count: it is left out, as a key held by too many persons is.
GRAM_MAX_POSTINGS = 5_000
MIN_SHARED = 2  # trigrams a skeleton must share with the query's to be shortlisted
SHORTLIST = 256  # skeletons compared letter by letter, those sharing the most trigrams first
SIMILARITY_FLOOR = 0.75  # Indel similarity (as rapidfuzz's ratio) to a seed, to be taken
NEAR_KEYS = 6  # near skeletons looked up per query, the most similar first


def grams(skeleton: str) -> frozenset[str]:
    """The letter trigrams of a surname skeleton, padded so that its first and last letters
    count twice and once (pg_trgm's padding): "kusminov" has "  k", " ku", "kus", ..., "ov ".

    A database stores them: a change here is a change to the key rules (bump
    `blocking.RULES_REVISION`, so that `lifeline match reindex` rebuilds them).
    """
    padded = f"  {skeleton} "
    return frozenset(padded[i : i + GRAM] for i in range(len(padded) - GRAM + 1))


def seeds_of(keys: Iterable[str]) -> list[str]:
    """The surname skeletons a query may look for near spellings of (its "n:" keys), sorted."""
    return sorted(key[len(NEAR_PREFIX) :] for key in keys if key.startswith(NEAR_PREFIX))


def wants_near(seeds: Iterable[str], counts: Mapping[str, int]) -> bool:
    """Whether the persons holding the seeds' exact "f:" keys are too few (`counts`: persons
    per key, as for `blocking.usable_keys`)."""
    seeds = list(seeds)
    return bool(seeds) and sum(counts.get("f:" + s, 0) for s in seeds) < NEAR_BELOW


def query_grams(seeds: Iterable[str]) -> list[str]:
    """The trigrams of all the seeds, each once, sorted."""
    return sorted({gram for seed in seeds for gram in grams(seed)})


def usable_grams(counts: Mapping[str, int]) -> list[str]:
    """The trigrams held by some skeleton but not by too many (`counts`: skeletons per
    trigram), sorted."""
    return sorted(gram for gram, n in counts.items() if 0 < n <= GRAM_MAX_POSTINGS)


def shortlist(shared: Mapping[str, int]) -> list[str]:
    """The skeletons sharing the most usable trigrams (at least MIN_SHARED), most first, ties in
    code-point order; at most SHORTLIST. (`shared`: trigrams shared, per skeleton.)"""
    kept = [(-n, skeleton) for skeleton, n in shared.items() if n >= MIN_SHARED]
    return [skeleton for _n, skeleton in sorted(kept)[:SHORTLIST]]


def similarity(seeds: Iterable[str], skeleton: str) -> float:
    """How alike a skeleton is to the closest seed, 0 to 1."""
    return max((Indel.normalized_similarity(seed, skeleton) for seed in seeds), default=0.0)


def alike(seeds: Iterable[str], candidates: Iterable[str]) -> list[str]:
    """The candidates alike enough to a seed (SIMILARITY_FLOOR), the most alike first, ties in
    code-point order. The seeds themselves are no near spelling."""
    seeds = list(seeds)
    scored = [(-similarity(seeds, s), s) for s in candidates if s not in seeds]
    return [s for minus, s in sorted(scored) if -minus >= SIMILARITY_FLOOR]


def near_weights(
    keys: Iterable[str],
    counts: Mapping[str, int],
    *,
    gram_counts: Callable[[list[str]], Mapping[str, int]],
    shortlisted: Callable[[list[str]], list[str]],
    key_counts: Callable[[list[str]], Mapping[str, int]],
) -> dict[str, float]:
    """The "f:" keys of near spellings to look up beside a query's exact `keys`, with their
    weight; none when the exact keys find enough persons (`counts`, persons per key).

    The holder of the vocabulary answers: `gram_counts(grams)`, how many skeletons hold each
    trigram; `shortlisted(grams)`, `shortlist` of the skeletons sharing these trigrams; and
    `key_counts(keys)`, how many persons hold each key (asked only of the skeletons alike
    enough). Skeletons no person holds any longer are left out, as are keys held by too many
    (`MAX_POSTINGS`) and keys already looked up; the NEAR_KEYS most alike of the rest are taken.
    """
    keys = set(keys)
    seeds = seeds_of(keys)
    if not wants_near(seeds, counts):
        return {}
    usable = usable_grams(gram_counts(query_grams(seeds)))
    if not usable:
        return {}
    listed = shortlisted(usable)
    if not listed:
        return {}
    similar = [s for s in alike(seeds, listed) if "f:" + s not in keys]
    if not similar:
        return {}
    held = key_counts(["f:" + s for s in similar])
    near = [s for s in similar if 0 < held.get("f:" + s, 0) <= MAX_POSTINGS][:NEAR_KEYS]
    return {"f:" + s: NEAR_WEIGHT for s in near}
