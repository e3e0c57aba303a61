"""The one place the app touches the matching engine: records, queries, candidates, scores.

Registry persons become `PersonRecord`s (every name form a `NameVariant`, primary first);
enquiries become `Query`s. Candidates are found through the match keys the registry keeps in
the database (lifeline.registry.matchkeys): one query gathers the best-keyed persons, and only
those are loaded and scored. No process keeps a copy of the registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lifeline import matching
from lifeline.matching import Candidate, PersonRecord, Query, blocking
from lifeline.matching.index import top_candidates
from lifeline.registry import matchkeys

if TYPE_CHECKING:
    from lifeline.tracing.models import Enquiry

# The score from which a candidate is proposed to an officer.
THRESHOLD: float = matching.DEFAULT_THRESHOLD


# --- Records and queries -------------------------------------------------------------------


person_record = matchkeys.person_record


def records(person_ids: Iterable[int] | None = None) -> list[PersonRecord]:
    """Records of every registry person not merged into another (or of `person_ids`)."""
    if person_ids is not None:
        return matchkeys.person_records(person_ids)
    out: list[PersonRecord] = []
    while ids := matchkeys.live_person_ids(after=out[-1].id if out else 0, limit=2000):
        out.extend(matchkeys.person_records(ids))
    return out


_BIRTH = re.compile(r"^\s*(?:(\d{1,2})[./-])?(?:(\d{1,2})[./-])?(\d{4})\s*$")


def parse_birth(text: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) from "1995", "03.1995" or "14.03.1995"; Nones when it is not one."""
    found = _BIRTH.match(text or "")
    if not found:
        return None, None, None
    first, second, year = found.groups()
    day, month = (first, second) if second else (None, first)
    values = (int(year), int(month) if month else None, int(day) if day else None)
    if values[1] is not None and not 1 <= values[1] <= 12:
        return values[0], None, None
    if values[2] is not None and not 1 <= values[2] <= 31:
        return values[0], values[1], None
    return values


def enquiry_query(enquiry: Enquiry) -> Query:
    """The query for an enquiry: the structured answers, and what they leave out from the text."""
    return matching.query_from_fields(
        surname=enquiry.sought_surname,
        given_name=enquiry.sought_given_name,
        patronymic=enquiry.sought_patronymic,
        birth_year=enquiry.sought_birth_year,
        birth_month=enquiry.sought_birth_month,
        birth_day=enquiry.sought_birth_day,
        unit=enquiry.sought_unit,
        place=enquiry.sought_place,
        raw_text=enquiry.sought_text,
    )


def letter_reading(enquiry: Enquiry) -> dict[str, str | int]:
    """What the engine reads from the enquiry's letter for the fields it leaves empty, as
    `sought_*` values (the parts `enquiry_query` takes from the text); empty if nothing."""
    if not enquiry.sought_text.strip():
        return {}
    read = matching.parse_free_text(enquiry.sought_text)
    out: dict[str, str | int | None] = {}
    if read.names and not enquiry.sought_name:
        name = read.names[0]
        out |= {
            "sought_surname": name.surname,
            "sought_given_name": name.given_name,
            "sought_patronymic": name.patronymic,
        }
    if read.birth_year is not None and enquiry.sought_birth_year is None:
        out |= {
            "sought_birth_year": read.birth_year,
            "sought_birth_month": read.birth_month,
            "sought_birth_day": read.birth_day,
        }
    if read.unit and not enquiry.sought_unit.strip():
        out["sought_unit"] = read.unit
    if read.place and not enquiry.sought_place.strip():
        out["sought_place"] = read.place
    return {field: value for field, value in out.items() if value is not None and value != ""}


def record_query(record: PersonRecord) -> Query:
    """A registry person as a query, to look for others who may be him (duplicates)."""
    return Query(
        names=record.names,
        sex=record.sex,
        birth_year=record.birth_year,
        birth_month=record.birth_month,
        birth_day=record.birth_day,
        unit=record.unit,
        place=record.place_of_birth,
    )


# --- Candidates ----------------------------------------------------------------------------


def candidate_ids(query: Query, limit: int = blocking.MAX_SCORED) -> list[int]:
    """The registry persons sharing the most telling keys with `query`, best first."""
    return matchkeys.candidate_ids(blocking.query_keys(query), limit)


def search(query: Query, k: int = 10) -> list[Candidate]:
    """The top `k` registry persons for `query`, best first: the same as a `MatchIndex` of
    the whole registry would answer."""
    return top_candidates(query, matchkeys.candidate_records(blocking.query_keys(query)), k)


def score(query: Query, record: PersonRecord) -> Candidate:
    """The engine's score of one record for `query`, with its explanation."""
    return matching.score(query, record)


def normalised_columns(record: PersonRecord) -> dict[str, str]:
    """The engine's normalised columns of a record, for batch linkage."""
    return matching.normalised_columns(record)


def explanation(candidate: Candidate) -> list[dict[str, str | float]]:
    """A candidate's per-field explanation as stored: field, contribution, text."""
    return [
        {"field": f.field, "contribution": round(f.contribution, 3), "text": f.explanation}
        for f in candidate.fields
    ]
