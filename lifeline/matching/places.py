"""Places compared across scripts and spelling: "Херсон", "Kherson", "м. Херсон"."""

from __future__ import annotations

import re
from functools import cache

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import ratio

from lifeline.matching import weights as w
from lifeline.matching.keys import skeleton, skeletons
from lifeline.matching.normalise import normalise

# Settlement-type prefixes and words that say nothing of which place it is.
_NOISE = re.compile(
    r"\b(г|м|с|смт|пгт|пос|село|город|місто|поселок|селище|обл|область|район|р-н|city|town|"
    r"village|region|oblast|raion)\b\.?"
)


@cache
def place_key(text: str) -> str:
    """A place's skeleton, settlement words dropped: "г. Херсон" and "Kherson" -> "gerson"."""
    words = _NOISE.sub(" ", normalise(text).replace(",", " ")).split()
    return " ".join(skeleton(word) for word in words if skeleton(word))


@cache
def _word_keys(text: str) -> tuple[frozenset[str], ...]:
    words = _NOISE.sub(" ", normalise(text).replace(",", " ")).split()
    return tuple(keys for keys in map(skeletons, words) if keys)


def _same_place(query: str, record: str) -> bool:
    q, r = _word_keys(query), _word_keys(record)
    shorter, longer = (q, r) if len(q) <= len(r) else (r, q)
    return all(any(a & b for b in longer) for a in shorter)


def compare_places(query: str, record: str) -> tuple[float, str]:
    """The log-odds contribution of two places, and why."""
    q, r = place_key(query), place_key(record)
    if not q or not r:
        return 0.0, "place not known on both sides"
    shown = f"place {query.strip()} vs {record.strip()}"
    if q == r or _same_place(query, record):
        return w.PLACE_AGREE, f"{shown}: same place"
    if max(ratio(q, r), 100 * JaroWinkler.similarity(q, r)) >= w.PLACE_FUZZY_RATIO:
        return w.PLACE_FUZZY, f"{shown}: similar spelling"
    return w.PLACE_DISAGREE, f"{shown}: different places"
