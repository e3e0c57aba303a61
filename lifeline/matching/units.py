"""Military unit numbers in their written forms: "в/ч 12345", "military unit 12345", "А1234"."""

from __future__ import annotations

import re
from functools import cache

from lifeline.matching import weights as w
from lifeline.matching.keys import skeleton
from lifeline.matching.normalise import normalise

_UNIT = re.compile(r"(?<![\w])([a-zа-яіїєґ])?\s?-?(\d{3,6})(?!\d)")


@cache
def unit_key(text: str) -> str:
    """A unit number's key: its digits, with the letter before them if any ("А1234" -> "a1234")."""
    match = _UNIT.search(normalise(text).replace("в/ч", " ").replace("військова частина", " "))
    if match is None:
        return ""
    letter = match[1] or ""
    # A lone letter is part of the number only where it is written against it, e.g. А1234.
    return (skeleton(letter)[:1] if letter else "") + match[2]


def compare_units(query: str, record: str) -> tuple[float, str]:
    """The log-odds contribution of two unit numbers, and why."""
    q, r = unit_key(query), unit_key(record)
    if not q or not r:
        return 0.0, "unit not known on both sides"
    shown = f"unit {query.strip()} vs {record.strip()}"
    if q == r:
        return w.UNIT_AGREE, f"{shown}: same unit"
    if q.lstrip("abcdefghijklmnopqrstuvwxyzQSCZ") == r.lstrip("abcdefghijklmnopqrstuvwxyzQSCZ"):
        return w.UNIT_DIGITS_AGREE, f"{shown}: same number"
    return w.UNIT_DISAGREE, f"{shown}: different units"
