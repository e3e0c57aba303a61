"""A stand-in for lifeline.matching's public API, for use while the real engine is missing.

Crude on purpose (a Latin fold and rapidfuzz): enough for the workflow's tests, not a matcher.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz
from unidecode import unidecode

from lifeline.matching.types import Candidate, FieldScore, NameVariant, PersonRecord, Query

DEFAULT_THRESHOLD = 0.6


def _fold(text: str) -> str:
    return re.sub(r"[^a-z ]", "", unidecode(text or "").lower().replace("'", "")).strip()


def _key(text: str) -> str:
    folded = _fold(text)
    for a, b in (("w", "v"), ("ks", "x"), ("kh", "h"), ("y", "i"), ("j", "i"), ("z", "s")):
        folded = folded.replace(a, b)
    return folded[:4]


def parse_free_text(text: str) -> Query:
    year = re.search(r"\b(19\d\d|20\d\d)\b", text)
    words = re.findall(r"[^\W\d_]{3,}", text)
    capitals = [w for w in words if w[0].isupper()]
    names = (NameVariant(*capitals[:3]),) if capitals else ()
    unit = re.search(r"\b(\d{5})\b", text)
    return Query(
        names=names,
        birth_year=int(year.group(1)) if year else None,
        unit=unit.group(1) if unit else "",
        raw_text=text,
    )


def query_from_fields(
    *, surname: str = "", given_name: str = "", patronymic: str = "", raw_text: str = "",
    **fields: Any,
) -> Query:  # fmt: skip
    base = parse_free_text(raw_text) if raw_text else Query()
    names = (NameVariant(surname, given_name, patronymic),) if surname or given_name else ()
    known = {k: v for k, v in fields.items() if v not in ("", None)}
    return replace(base, names=names or base.names, raw_text=raw_text, **known)


def score(query: Query, record: PersonRecord) -> Candidate:
    parts: list[FieldScore] = []
    best = 0.0
    for q in query.names:
        for n in record.names:
            s = fuzz.token_sort_ratio(
                _fold(f"{q.surname} {q.given_name}"), _fold(f"{n.surname} {n.given_name}")
            )
            best = max(best, s / 100)
    parts.append(FieldScore("surname", best * 4 - 2, f"names {best:.2f} alike"))
    total = best
    if query.birth_year and record.birth_year:
        same = query.birth_year == record.birth_year
        parts.append(
            FieldScore("birth_date", 1.0 if same else -1.0, "same year" if same else "other year")
        )
        total = total * (1.0 if same else 0.6)
    return Candidate(record_id=record.id, score=round(min(total, 1.0), 4), fields=tuple(parts))


class MatchIndex:
    def __init__(self, records: list[PersonRecord]) -> None:
        self.records = {r.id: r for r in records}

    def add(self, record: PersonRecord) -> None:
        self.records[record.id] = record

    def remove(self, record_id: int) -> None:
        del self.records[record_id]

    def search(self, query: Query, k: int = 10) -> list[Candidate]:
        scored = [score(query, r) for r in self.records.values()]
        return sorted(scored, key=lambda c: (-c.score, c.record_id))[:k]


def normalised_columns(record: PersonRecord) -> dict[str, str]:
    name = record.names[0]
    return {
        "surname": _fold(name.surname),
        "given_name": _fold(name.given_name),
        "patronymic": _fold(name.patronymic),
        "surname_key": _key(name.surname),
        "birth_year": str(record.birth_year or ""),
        "birth_date": f"{record.birth_year}-{record.birth_month}-{record.birth_day}",
        "unit": re.sub(r"\D", "", record.unit),
    }
