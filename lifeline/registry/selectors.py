"""Reads of the registry for a user: each checks access, and each read of a person is audited.

A search is audited with its number of results and the names of the filters used, never the
text typed in: a name someone searched for is itself sensitive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.core.access import Perm, has_perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record, audit_record_many
from lifeline.matching import DEFAULT_THRESHOLD, Candidate, Query, blocking, query_from_fields
from lifeline.matching.index import top_candidates
from lifeline.registry import matchkeys, sheets
from lifeline.registry.importing import errors_text
from lifeline.registry.models import (
    ImportBatch,
    ImportJob,
    ImportMapping,
    ImportRow,
    ImportUpload,
    MatchKey,
    NameForm,
    Person,
    PersonStatus,
    RegistryExport,
    Source,
    StatusEvent,
)
from lifeline.registry.tally import registry_status_counts
from lifeline.registry.text import fold

PAGE_SIZE = 25


def person_reads_audit(*, user: User, persons: Iterable[int], purpose: str, **context: Any) -> None:
    """Audit that `user` read these persons' records (ids, repeats once) on a page of many.

    One event per person, findable by object, written together (tracing's candidates, an
    exchange list). Call inside the transaction of the read.
    """
    audit_record_many(
        actor=user,
        action=Action.PERSON_VIEW,
        objs=[Person(pk=person_id) for person_id in dict.fromkeys(persons)],
        detail={"purpose": purpose, **context},
    )


@dataclass(frozen=True)
class PersonSearch:
    """What a plain search looks for; empty fields do not filter."""

    surname: str = ""
    given_name: str = ""
    patronymic: str = ""
    birth_year: int | None = None
    unit: str = ""
    service_number: str = ""
    status: str = ""

    def used(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) not in ("", None)]


# A search lists this many persons at most, in name order: one that finds more is to be narrowed.
SEARCH_LIMIT = 1000
# The persons a name search gathers before the other filters: a few letters found in more
# spellings than this are no name to search by.
NAME_LIMIT = 10_000
_NAME_PARTS = ("surname", "given_name", "patronymic")


def _named(criteria: PersonSearch) -> QuerySet[Any] | None:
    """Ids of the persons with a spelling that holds what was typed of each name part, or
    whose match keys say it is their name in another script or spelling (Ivanov: Иванов)."""
    typed = {part: fold(getattr(criteria, part)) for part in _NAME_PARTS}
    typed = {part: text for part, text in typed.items() if text}
    if not typed:
        return None
    # All name parts in one and the same spelling, Cyrillic or Latin.
    spelled = NameForm.objects.filter(**{f"{p}_folded__contains": t for p, t in typed.items()})
    named = spelled.order_by().values_list("person_id", flat=True)
    groups = blocking.search_keys(criteria.surname, criteria.given_name, criteria.patronymic)
    if not groups:
        return named
    keyed = MatchKey.objects.filter(key__in=sorted(groups[0]))
    for group in groups[1:]:
        keyed = keyed.filter(
            person__in=MatchKey.objects.filter(key__in=sorted(group)).values("person")
        )
    return named.union(keyed.order_by().values_list("person", flat=True))


def _filtered(people: QuerySet[Person], criteria: PersonSearch) -> QuerySet[Person]:
    """The search's filters but the name: each an exact or indexed column of the person."""
    # A record merged into another is history: it is reached through the one it joined.
    people = people.filter(merged_into__isnull=True)
    if criteria.birth_year is not None:
        people = people.filter(birth_year=criteria.birth_year)
    if criteria.unit and fold(criteria.unit):
        people = people.filter(unit_folded__contains=fold(criteria.unit))
    if criteria.service_number:
        people = people.filter(service_number=criteria.service_number)
    if criteria.status:
        people = people.filter(current_status=criteria.status)
    return people


# The persons the engine scores for a search at most: those sharing the most telling keys.
SCORED = blocking.MAX_SCORED


def _candidates(query: Query, k: int | None = None, *, near: bool = True) -> list[Candidate]:
    """The engine's candidates for `query` from the registry's keys, scored, best first (all
    of them, or the best `k`); persons merged into another left out. Near spellings of a
    surname the keys hardly know are looked for too, if `near`."""
    records = matchkeys.candidate_records(blocking.query_keys(query, near=near), SCORED)
    return top_candidates(query, records, k=len(records) if k is None else k) if records else []


def _with_scores(found: list[Candidate]) -> list[Person]:
    """The candidates' persons in their order, each holding his score (`match_score`)."""
    persons = Person.objects.in_bulk([c.record_id for c in found])
    listed = []
    for candidate in found:
        person = persons[candidate.record_id]
        person.match_score = candidate.score
        listed.append(person)
    return listed


def _names_agree(found: Candidate) -> bool:
    """Whether the engine found the typed name parts in the person's: some agree, none
    disagrees. A surname alone is shared by namesakes, and scores low however well it agrees:
    the score ranks, this decides who is listed."""
    names = [f.contribution for f in found.fields if f.field in _NAME_PARTS]
    return any(c > 0 for c in names) and not any(c < 0 for c in names)


def _ranked(criteria: PersonSearch, *, near: bool = False) -> tuple[list[Candidate], int]:
    """The persons the engine finds by the typed name (and year), whose names agree or who
    score above its threshold, that the other filters keep, best first (none when no name part
    was typed), with near spellings of the surname if `near`; and how many more persons share
    the name's keys than it scored (`SCORED`): a namesake among those is not listed, however
    well he matches."""
    if not any(getattr(criteria, part).strip() for part in _NAME_PARTS):
        return [], 0
    query = query_from_fields(
        surname=criteria.surname,
        given_name=criteria.given_name,
        patronymic=criteria.patronymic,
        birth_year=criteria.birth_year,
    )
    scored = _candidates(query, near=near)
    unscored = _unscored(query) if len(scored) >= SCORED else 0
    found = [c for c in scored if c.score >= DEFAULT_THRESHOLD or _names_agree(c)]
    if not found:
        return [], unscored
    kept = _filtered(Person.objects.filter(pk__in=[c.record_id for c in found]), criteria)
    allowed = set(kept.values_list("pk", flat=True))
    return [c for c in found if c.record_id in allowed][:SEARCH_LIMIT], unscored


def _unscored(query: Query) -> int:
    """How many more persons share the query's keys than the engine scored."""
    return max(0, matchkeys.holders_count(blocking.query_keys(query)) - SCORED)


class PersonPage(Page[Person]):
    """A page of the engine's persons; `unscored`: how many more persons share the name's
    keys than it scored (`scored`), none of them listed."""

    unscored = 0
    scored = 0


def _scored_page(ranked: list[Candidate], page: Any, unscored: int) -> PersonPage:
    """A page of the engine's persons, best first, each holding his score (`match_score`)."""
    ids_page = Paginator(ranked, PAGE_SIZE).get_page(page)
    paginator: Any = ids_page.paginator
    result = PersonPage(_with_scores(list(ids_page.object_list)), ids_page.number, paginator)
    result.unscored, result.scored = unscored, SCORED
    return result


def _page(criteria: PersonSearch, page: Any) -> Page[Person]:
    ranked, unscored = _ranked(criteria)
    if ranked:
        # A name the engine reads: its persons, ranked by its score.
        return _scored_page(ranked, page, unscored)
    # Nothing the engine would propose (a part of a surname, "кузьм"): the spellings that hold
    # what was typed, by name.
    named = _named(criteria)
    if named is None:
        # Many persons may match: the database walks them in name order, and stops.
        return Paginator(
            _filtered(Person.objects.all(), criteria)[:SEARCH_LIMIT], PAGE_SIZE
        ).get_page(page)
    # A name: the ids first, each path served by its own index (keys, the spellings' trigrams),
    # and their order made here. Joined or sorted in one query, the database may walk the whole
    # registry in name order looking for the few.
    ids = list(named[:NAME_LIMIT])
    if not ids:
        near, unscored = _ranked(criteria, near=True)
        if near:
            # No spelling holds it either: a misspelt or unfamiliar one, nearest known spellings.
            return _scored_page(near, page, unscored)
    rows = _filtered(Person.objects.filter(pk__in=ids), criteria).order_by()
    ordered = sorted(rows.values_list("surname", "given_name", "patronymic", "pk"))
    ids_page = Paginator([row[3] for row in ordered[:SEARCH_LIMIT]], PAGE_SIZE).get_page(page)
    persons = Person.objects.in_bulk(list(ids_page.object_list))
    # The page of ids, holding their persons instead; its paginator counts the ids.
    paginator: Any = ids_page.paginator
    return Page([persons[pk] for pk in ids_page.object_list], ids_page.number, paginator)


@transaction.atomic
def person_search_for(*, user: User, criteria: PersonSearch, page: Any = 1) -> Page[Person]:
    """One page of the persons matching `criteria`, ordered by name: of the first
    SEARCH_LIMIT, so that no search sorts or counts the whole registry. A page the engine
    ranked is a `PersonPage`, saying how many namesakes it did not score."""
    require_perm(user, Perm.REGISTRY_VIEW)
    result = _page(criteria, page)
    audit_record(
        actor=user,
        action=Action.PERSON_SEARCH,
        detail={
            "results": result.paginator.count,
            "page": result.number,
            "filters": criteria.used(),
        },
    )
    return result


# The persons shown at most as possibly the one about to be added.
DUPLICATES_SHOWN = 10


@transaction.atomic
def person_duplicates_for(*, user: User, data: Mapping[str, Any]) -> list[Person]:
    """The registry persons the engine takes, above its threshold, for the person described by
    `data` (a new person's form), best first, each holding his score; a read of each, audited.
    """
    require_perm(user, Perm.REGISTRY_VIEW)
    query = query_from_fields(
        surname=data.get("surname", ""),
        given_name=data.get("given_name", ""),
        patronymic=data.get("patronymic", ""),
        birth_year=data.get("birth_year"),
        birth_month=data.get("birth_month"),
        birth_day=data.get("birth_day"),
        sex=data.get("sex", ""),
        unit=data.get("unit", ""),
        place=data.get("place_of_birth", ""),
    )
    found = [c for c in _candidates(query, DUPLICATES_SHOWN) if c.score >= DEFAULT_THRESHOLD]
    if found:
        person_reads_audit(
            user=user, persons=[c.record_id for c in found], purpose="duplicate_check"
        )
    return _with_scores(found)


@transaction.atomic
def person_get_for(*, user: User, pk: int, purpose: str = "view") -> Person:
    """The person with his name forms and status events; raises Http404 when there is none.

    `purpose` says in the audit why the record was opened: "view", "edit", "status_add"...
    """
    require_perm(user, Perm.REGISTRY_VIEW)
    person = get_object_or_404(_person_with_history(), pk=pk)
    audit_record(actor=user, action=Action.PERSON_VIEW, obj=person, detail={"purpose": purpose})
    return person


@transaction.atomic
def person_capture_card_for(*, user: User, pk: int) -> Person:
    """The person and his history, to print his capture card (a read of his record, audited)."""
    require_perm(user, Perm.REGISTRY_VIEW)
    person = get_object_or_404(_person_with_history(), pk=pk)
    audit_record(actor=user, action=Action.PERSON_CAPTURE_CARD, obj=person)
    return person


def _person_with_history() -> QuerySet[Person]:
    return Person.objects.prefetch_related(
        Prefetch("name_forms", queryset=NameForm.objects.select_related("source")),
        Prefetch(
            "status_events",
            queryset=StatusEvent.objects.select_related("source", "recorded_by"),
        ),
    )


def status_history(person: Person) -> list[StatusEvent]:
    """The person's status events, newest first, in the order that sets his current status."""
    return sorted(person.status_events.all(), key=lambda e: e.sort_key, reverse=True)


def source_list_for(*, user: User, title_contains: str = "") -> QuerySet[Source]:
    """Sources to pick from when recording a fact (titles only name documents, not persons),
    only those whose title holds `title_contains` when it is given."""
    require_perm(user, Perm.REGISTRY_VIEW)
    sources = Source.objects.order_by("title", "id")
    return sources.filter(title__icontains=title_contains) if title_contains else sources


def registry_counts_for(*, user: User) -> tuple[dict[str, int], datetime]:
    """How many persons the registry holds in each status, and when they were counted.

    Counts, never individuals, from the count the worker keeps (registry.tally): counting a
    million persons for each view of the search page would take half a second.
    """
    require_perm(user, Perm.REGISTRY_VIEW)
    counts = dict.fromkeys(PersonStatus.values, 0)
    by_status, tally = registry_status_counts()
    counts.update(by_status)
    return counts, tally.computed_at


def _require_export_access(user: User) -> None:
    if not (has_perm(user, Perm.REGISTRY_EXPORT) or has_perm(user, Perm.EXPORT_APPROVE)):
        require_perm(user, Perm.REGISTRY_EXPORT)


def _exports() -> QuerySet[RegistryExport]:
    # The file stays in the database until it is downloaded: listing never decrypts it.
    return RegistryExport.objects.select_related("drafted_by", "approved_by").defer("content")


def registry_export_list_for(*, user: User) -> QuerySet[RegistryExport]:
    """Exports for the central tracing agency, newest first (their metadata, not their files)."""
    _require_export_access(user)
    return _exports()


def registry_export_get_for(*, user: User, pk: int) -> RegistryExport:
    """One export's metadata; raises Http404 when there is none."""
    _require_export_access(user)
    return get_object_or_404(_exports(), pk=pk)


# --- Bulk import (registry.imports) ---------------------------------------------------------


def import_mapping_list_for(*, user: User) -> QuerySet[ImportMapping]:
    """The saved mappings, by name (column names and options only: nothing about a person)."""
    require_perm(user, Perm.REGISTRY_EDIT)
    return ImportMapping.objects.order_by("name")


def import_batch_list_for(*, user: User) -> QuerySet[ImportBatch]:
    """Imports, newest first: their states and counts (their rows are read one batch at a time)."""
    require_perm(user, Perm.REGISTRY_EDIT)
    return ImportBatch.objects.select_related("created_by", "applied_by", "undone_by")


def import_batch_get_for(*, user: User, pk: int) -> ImportBatch:
    """One import; raises Http404 when there is none."""
    require_perm(user, Perm.REGISTRY_EDIT)
    return get_object_or_404(import_batch_list_for(user=user), pk=pk)


@transaction.atomic
def import_rows_for(*, user: User, batch_id: int, band: str = "") -> list[ImportRow]:
    """A batch's rows (of one band, or all), by line, with their candidates' persons; the
    persons shown beside the rows are audited as read (purpose "import_review")."""
    batch = import_batch_get_for(user=user, pk=batch_id)
    rows = batch.rows.select_related("candidate", "target", "person").order_by("line")
    if band:
        rows = rows.filter(band=band)
    listed = list(rows)
    shown = [c["person"] for row in listed for c in row.candidates]
    if shown:
        person_reads_audit(user=user, persons=shown, purpose="import_review", batch=batch.pk)
    return listed


@transaction.atomic
def import_bad_rows_file_for(*, user: User, batch_id: int, kind: str) -> tuple[str, bytes]:
    """The rows that could not be imported, as the file had them, with their line and what is
    wrong (in the active language) in two more columns: to fix and import again. `kind` is
    "csv" or "xlsx". Audited: the file holds what the rows said."""
    batch = import_batch_get_for(user=user, pk=batch_id)
    if kind not in ("csv", "xlsx"):
        raise ValueError(f"unknown file kind: {kind}")
    bad = list(batch.rows.filter(band=ImportRow.Band.INVALID).order_by("line"))
    width = len(batch.header)
    header = [*batch.header, gettext("Line"), gettext("Problem")]
    rows = [
        [*(list(row.cells) + [""] * width)[:width], row.line, errors_text(row.errors)]
        for row in bad
    ]
    write = sheets.rows_to_csv if kind == "csv" else sheets.rows_to_xlsx
    content = write(header, rows)
    audit_record(
        actor=user,
        action=Action.IMPORT_BAD_ROWS,
        obj=batch,
        detail={"rows": len(bad), "format": kind},
    )
    return f"lifeline-import-{batch.pk}-bad-rows.{kind}", content


def import_upload_get_for(*, user: User, pk: int) -> ImportUpload:
    """A file this registrar uploaded and has not yet matched; raises Http404 for anyone else's:
    an upload is its uploader's until it becomes a batch."""
    require_perm(user, Perm.REGISTRY_EDIT)
    return get_object_or_404(ImportUpload.objects.filter(uploaded_by=user), pk=pk)


# Rows of an import shown a page at a time on the console (with their candidates).
IMPORT_ROWS_PAGE = 20


def import_batch_undecided_count(batch: ImportBatch) -> int:
    """How many of a preview's rows wait for a person's decision (applying refuses them)."""
    return batch.rows.filter(band=ImportRow.Band.REVIEW, decision="").count()


@transaction.atomic
def import_rows_page_for(
    *, user: User, batch_id: int, band: str, page: Any = 1, per_page: int = IMPORT_ROWS_PAGE
) -> tuple[Page[ImportRow], dict[int, Person]]:
    """One page of a batch's rows of one band, by line, and the registry persons its rows'
    candidates are (with their name forms), by id; those persons are audited as read
    (purpose "import_review"), the page's only: a batch may hold thousands."""
    batch = import_batch_get_for(user=user, pk=batch_id)
    rows = batch.rows.filter(band=band).select_related("target", "person").order_by("line")
    shown = Paginator(rows, per_page).get_page(page)
    ids = [c["person"] for row in shown for c in row.candidates]
    persons = Person.objects.prefetch_related("name_forms").in_bulk(ids)
    if persons:
        person_reads_audit(
            user=user,
            persons=[i for i in ids if i in persons],
            purpose="import_review",
            batch=batch.pk,
        )
    return shown, persons


def import_row_get_for(*, user: User, batch_id: int, line: int) -> ImportRow:
    """One row of a batch by its line; raises Http404 when there is none."""
    batch = import_batch_get_for(user=user, pk=batch_id)
    return get_object_or_404(batch.rows.select_related("batch"), line=line)


def import_job_get_for(*, user: User, pk: int) -> ImportJob:
    """An import job the worker does or did, for a registrar following it; 404 otherwise."""
    require_perm(user, Perm.REGISTRY_EDIT)
    jobs = ImportJob.objects.exclude(kind=ImportJob.Kind.LIST)
    return get_object_or_404(jobs.select_related("batch", "requested_by"), pk=pk)


def list_job_get_for(*, user: User, pk: int) -> ImportJob:
    """A list the worker matches or matched, for an officer following it; 404 otherwise."""
    require_perm(user, Perm.REGISTRY_VIEW)
    jobs = ImportJob.objects.filter(kind=ImportJob.Kind.LIST)
    return get_object_or_404(jobs.select_related("requested_by"), pk=pk)


def list_jobs_pending_for(*, user: User) -> QuerySet[ImportJob]:
    """Lists the worker has yet to match, or failed to in the last IMPORT_UPLOAD_HOURS: the
    lists page shows them until they are done (their rows are not read here)."""
    require_perm(user, Perm.REGISTRY_VIEW)
    since = timezone.now() - timedelta(hours=settings.IMPORT_UPLOAD_HOURS)
    failed = Q(state=ImportJob.State.FAILED, finished_at__gte=since)
    return (
        ImportJob.objects.filter(kind=ImportJob.Kind.LIST)
        .filter(Q(state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]) | failed)
        .select_related("requested_by", "upload")
    )
