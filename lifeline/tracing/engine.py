"""The one place the app touches the matching engine: records, queries, the index, scores.

Registry persons become `PersonRecord`s (every name form a `NameVariant`, primary first);
enquiries become `Query`s. The index is kept per process and brought up to date from the
registry before each search, so web processes and workers all see a change.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Max, Prefetch, QuerySet

from lifeline import matching
from lifeline.matching import Candidate, MatchIndex, NameVariant, PersonRecord, Query
from lifeline.registry.models import NameForm, Person

if TYPE_CHECKING:
    from lifeline.tracing.models import Enquiry

# The score from which a candidate is proposed to an officer.
THRESHOLD: float = matching.DEFAULT_THRESHOLD


# --- Records and queries -------------------------------------------------------------------


def _persons() -> QuerySet[Person]:
    return Person.objects.filter(merged_into__isnull=True).prefetch_related(
        Prefetch("name_forms", queryset=NameForm.objects.order_by("-is_primary", "id"))
    )


def person_record(person: Person) -> PersonRecord:
    """The engine's view of a person (name forms prefetched or not)."""
    names = [NameVariant(f.surname, f.given_name, f.patronymic) for f in person.name_forms.all()]
    primary = NameVariant(person.surname, person.given_name, person.patronymic)
    if primary not in names:
        names.insert(0, primary)
    return PersonRecord(
        id=person.pk,
        names=tuple(names),
        sex=person.sex,
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        birth_day=person.birth_day,
        unit=person.unit,
        place_of_birth=person.place_of_birth,
    )


def records(person_ids: Iterable[int] | None = None) -> list[PersonRecord]:
    """Records of every registry person not merged into another (or of `person_ids`)."""
    persons = _persons()
    if person_ids is not None:
        persons = persons.filter(pk__in=list(person_ids))
    return [person_record(p) for p in persons.iterator(chunk_size=2000)]


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


# --- The index -----------------------------------------------------------------------------


@dataclass
class _Cached:
    index: MatchIndex
    persons: int
    person_updated: datetime | None
    last_name_form: int


_lock = threading.Lock()
_cache: _Cached | None = None


def _registry_state() -> tuple[int, datetime | None, int]:
    live = Person.objects.filter(merged_into__isnull=True)
    stamp = Person.objects.aggregate(m=Max("updated_at"))["m"]
    last_form = NameForm.objects.aggregate(m=Max("id"))["m"] or 0
    return live.count(), stamp, last_form


def index_reset() -> None:
    """Forget the index (tests; after a bulk import)."""
    global _cache
    with _lock:
        _cache = None


def _refresh(cached: _Cached, persons: int, stamp: datetime | None, last_form: int) -> bool:
    """Apply the persons changed since the index was built; False when a rebuild is simpler."""
    changed = set(
        Person.objects.filter(updated_at__gt=cached.person_updated).values_list("pk", flat=True)
        if cached.person_updated is not None
        else []
    )
    changed |= set(
        NameForm.objects.filter(id__gt=cached.last_name_form).values_list("person_id", flat=True)
    )
    if len(changed) > 1000 or persons < cached.persons - len(changed):
        return False  # many changes, or persons deleted: rebuilding is simpler
    for person_id in changed:
        cached.index.remove(person_id)  # a person new to the index is ignored
    for record in records(changed):
        cached.index.add(record)
    cached.persons, cached.person_updated, cached.last_name_form = persons, stamp, last_form
    return True


def index() -> MatchIndex:
    """The engine's MatchIndex over the live registry, brought up to date first."""
    global _cache
    with _lock:
        persons, stamp, last_form = _registry_state()
        cached = _cache
        if cached is not None and (
            cached.persons,
            cached.person_updated,
            cached.last_name_form,
        ) == (
            persons,
            stamp,
            last_form,
        ):
            return cached.index
        if cached is not None and _refresh(cached, persons, stamp, last_form):
            return cached.index
        _cache = _Cached(MatchIndex(records()), persons, stamp, last_form)
        return _cache.index


def search(query: Query, k: int = 10) -> list[Candidate]:
    """The top `k` registry persons for `query`, best first."""
    return index().search(query, k=k)


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
