"""Bulk import of persons from a file (docs/import.md): read, matched, previewed, applied, undone.

1. `import_preview` reads a file by a mapping and matches every good row against the registry
   (the engine's candidates from the match keys, scored) and against the file's other rows,
   writing nothing; `import_batch_preview` keeps that as a batch for the console.
2. Each row falls in a band: proposed as a registry person (score at or above
   IMPORT_SAME_PERSON_SCORE), for a person to decide (from the engine's threshold), or new.
   A row that matches an earlier row of the file is for a person to decide too.
3. `import_row_decide` records a person's decision on a row.
4. `import_batch_apply` writes the batch in one transaction, in bulk, with the keys, audit
   events and hooks the registry's services would give each person (docs/decisions/0013).
   Rows still undecided move to a new batch, so each batch is applied once and undone as a
   whole.
5. `import_batch_undo` takes it all back while nothing else has touched what it wrote
   (`import_batch_touched` says what counts as touched).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from lifeline.core.access import Perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import AuditEntry, audit_record, audit_record_batch, audit_record_many
from lifeline.core.fields import sealed_for_bulk_update
from lifeline.core.hooks import hook_run
from lifeline.core.locks import row_lock
from lifeline.matching import (
    DEFAULT_THRESHOLD,
    Candidate,
    MatchIndex,
    NameVariant,
    PersonRecord,
    Query,
    RecordPool,
    blocking,
    query_from_fields,
)
from lifeline.registry import matchkeys
from lifeline.registry.agency_import import agency_read, is_builtin
from lifeline.registry.importing import (
    MappingRefused,
    ReadRow,
    RowData,
    mapping_check,
    mapping_options,
    rows_read,
)
from lifeline.registry.models import (
    DETENTION_PLACE_STATUSES,
    READ_FIELDS,
    ImportBatch,
    ImportMapping,
    ImportRow,
    NameForm,
    Person,
    Source,
    StatusEvent,
)
from lifeline.registry.services import (
    NAME_LANGUAGE,
    RegistryRefused,
    name_form_add,
    person_create,
    source_create,
    status_event_add,
)
from lifeline.registry.sheets import Sheet, sheet_read
from lifeline.registry.text import fold, script_of

# Registry candidates the engine scores per row: the best-keyed, as a search ranks them. Fewer
# than a search's (blocking.MAX_SCORED): the man on a list shares his surname, given name and
# year with his record, which puts him among the first few dozen; namesakes fill the rest.
IMPORT_SCORED = 100
# Candidates kept per row, with the engine's explanation, for the side-by-side screen.
CANDIDATES_KEPT = 3
# Rows matched per round trip to the database.
MATCH_CHUNK = 500

Band = ImportRow.Band
Decision = ImportRow.Decision
Outcome = ImportRow.Outcome
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class ImportRefused(RegistryRefused):
    """The rules forbid this import action (a batch applied twice, an undo after changes...)."""


# --- Matching -------------------------------------------------------------------------------


@dataclass
class RowMatch:
    """What the engine found for a row: its band, the best registry candidates, a twin row."""

    band: str
    score: float | None = None
    candidate: int | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    twin_line: int | None = None
    twin_score: float | None = None


def row_query(data: RowData) -> Query:
    """The engine's query for a row: its name (nominative), other spellings, birth, unit, place."""
    query = query_from_fields(
        surname=data.surname,
        given_name=data.given_name,
        patronymic=data.patronymic,
        birth_year=data.birth_year,
        birth_month=data.birth_month,
        birth_day=data.birth_day,
        sex=data.sex,
        unit=data.unit,
        place=data.place_of_birth,
    )
    others = tuple(NameVariant(*parts) for parts in data.other_names if parts and parts[0])
    return replace(query, names=query.names + others) if others else query


def _row_record(line: int, query: Query) -> PersonRecord:
    return PersonRecord(
        id=line,
        names=query.names,
        sex=query.sex,
        birth_year=query.birth_year,
        birth_month=query.birth_month,
        birth_day=query.birth_day,
        unit=query.unit,
        place_of_birth=query.place,
    )


def _explained(found: Candidate) -> dict[str, Any]:
    return {
        "person": found.record_id,
        "score": round(found.score, 4),
        "fields": [
            {"field": f.field, "weight": round(f.contribution, 3), "explanation": f.explanation}
            for f in found.fields
        ],
    }


def rows_match(
    rows: list[ReadRow], *, same_person_score: float, progress: Progress | None = None
) -> dict[int, RowMatch]:
    """Each good row's band and candidates, by line; nothing is written.

    The registry's candidates come from its match keys, many rows a query
    (`matchkeys.candidate_ids_many`), and are scored by the engine as a search scores them.
    The file's own rows are put in an in-memory index, and each is looked up there too.
    """
    good = [row for row in rows if row.ok]
    queries = {row.line: row_query(row.data) for row in good}
    found: dict[int, list[Candidate]] = {}
    lines = list(queries)
    # A namesake is a candidate for many rows: his record is read and his features computed
    # once for the whole file (the registry does not change while a file is matched).
    pool, fetched = RecordPool(), set[int]()
    for start in range(0, len(lines), MATCH_CHUNK):
        chunk = lines[start : start + MATCH_CHUNK]
        ids = matchkeys.candidate_ids_many(
            [blocking.query_keys(queries[line]) for line in chunk], IMPORT_SCORED
        )
        wanted = {i for some in ids for i in some} - fetched
        pool.add(matchkeys.person_records(wanted))
        fetched |= wanted  # a merged person has no record: not asked for again
        for line, some in zip(chunk, ids, strict=True):
            found[line] = pool.top(queries[line], some, CANDIDATES_KEPT) if some else []
        if progress is not None:
            progress("registry", min(start + MATCH_CHUNK, len(lines)), len(lines))
    twins = _twins(queries, progress)
    matches = {
        line: _banded(found[line], twins.get(line), line, same_person_score) for line in lines
    }
    leaders = _leaders(good)
    for line, leader in leaders.items():
        # One person's other rows follow his first: the same band and candidates.
        matches[line] = replace(matches[leader], twin_line=leader, twin_score=1.0)
    return matches


def _leaders(rows: list[ReadRow]) -> dict[int, int]:
    """For each row that repeats an earlier row's record number (`record_id`: one person's
    rows in an agency export), the line of the first row with that number."""
    first: dict[str, int] = {}
    leaders = {}
    for row in sorted(rows, key=lambda r: r.line):
        number = row.data.record_id
        if not number:
            continue
        if number in first:
            leaders[row.line] = first[number]
        else:
            first[number] = row.line
    return leaders


def _twins(queries: dict[int, Query], progress: Progress | None) -> dict[int, Candidate]:
    """Each row's best match among the file's other rows, at or above the engine's threshold."""
    index = MatchIndex(_row_record(line, query) for line, query in queries.items())
    twins = {}
    for done, (line, query) in enumerate(queries.items(), start=1):
        ids = [i for i in index.candidate_ids(query, IMPORT_SCORED) if i != line]
        if ids:
            best = index.top(query, ids, 1)
            if best and best[0].score >= DEFAULT_THRESHOLD:
                twins[line] = best[0]
        if progress is not None and (done % MATCH_CHUNK == 0 or done == len(queries)):
            progress("file", done, len(queries))
    return twins


def _banded(
    found: list[Candidate], twin: Candidate | None, line: int, same_person_score: float
) -> RowMatch:
    match = RowMatch(band=Band.NEW, candidates=[_explained(c) for c in found])
    if twin is not None:
        match.twin_line, match.twin_score = twin.record_id, round(twin.score, 4)
    if found and found[0].score >= DEFAULT_THRESHOLD:
        best = found[0]
        match.score, match.candidate = round(best.score, 4), best.record_id
        match.band = Band.SAME if best.score >= same_person_score else Band.REVIEW
    elif twin is not None and twin.record_id < line:
        # Two rows of one file for one man: which is right is a person's call.
        match.band = Band.REVIEW
    return match


# --- Previewing -----------------------------------------------------------------------------


@dataclass
class Preview:
    """A file read and matched, nothing written: what a dry run shows and a batch keeps."""

    sheet: Sheet
    rows: list[ReadRow]
    matches: dict[int, RowMatch]
    columns: dict[str, Any]
    options: dict[str, str]
    same_person_score: float

    def band(self, row: ReadRow) -> str:
        return self.matches[row.line].band if row.ok else Band.INVALID

    @property
    def counts(self) -> dict[str, int]:
        bands = Counter(self.band(row) for row in self.rows)
        counts = {band: bands.get(band, 0) for band in Band.values}
        counts["rows"] = len(self.rows)
        counts["twins"] = sum(1 for m in self.matches.values() if m.twin_line is not None)
        return counts

    @property
    def bad_rows(self) -> list[ReadRow]:
        return [row for row in self.rows if not row.ok]


def import_preview(
    *,
    actor: Actor,
    data: bytes,
    filename: str = "",
    mapping: ImportMapping | None = None,
    columns: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    sheet: str = "",
    encoding: str = "",
    delimiter: str = "",
    progress: Progress | None = None,
) -> Preview:
    """Read a file by a saved mapping (or `columns` and `options` given here) and match its
    rows; nothing is written. SheetError or MappingRefused say what is wrong with the file."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    if mapping is not None:
        columns = mapping.columns if columns is None else columns
        options = mapping.options if options is None else options
    if not columns:
        raise MappingRefused(gettext("Choose a mapping: which column holds which field."))
    chosen = mapping_options(options or {})
    if is_builtin(columns):
        read, rows = agency_read(data)
    else:
        read = sheet_read(
            data, filename=filename, sheet=sheet, encoding=encoding, delimiter=delimiter
        )
        rows = rows_read(read, columns)
    same = settings.IMPORT_SAME_PERSON_SCORE
    matches = rows_match(rows, same_person_score=same, progress=progress)
    return Preview(read, rows, matches, dict(columns), chosen, same)


def import_batch_preview(
    *,
    actor: Actor,
    data: bytes,
    filename: str = "",
    mapping: ImportMapping | None = None,
    columns: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    sheet: str = "",
    encoding: str = "",
    delimiter: str = "",
    progress: Progress | None = None,
) -> ImportBatch:
    """`import_preview`, kept as a batch to look at, decide on and apply (nothing applied)."""
    preview = import_preview(
        actor=actor,
        data=data,
        filename=filename,
        mapping=mapping,
        columns=columns,
        options=options,
        sheet=sheet,
        encoding=encoding,
        delimiter=delimiter,
        progress=progress,
    )
    return _batch_store(actor=actor, preview=preview, filename=filename, mapping=mapping)


@transaction.atomic
def _batch_store(
    *, actor: Actor, preview: Preview, filename: str, mapping: ImportMapping | None
) -> ImportBatch:
    now = timezone.now()
    sheet = preview.sheet
    batch = ImportBatch.objects.create(
        filename=filename,
        **ImportBatch.read_from(sheet),
        mapping=mapping if mapping is not None and mapping.pk is not None else None,
        mapping_used={"columns": preview.columns, "options": preview.options},
        threshold=DEFAULT_THRESHOLD,
        same_person_score=preview.same_person_score,
        counts=preview.counts,
        created_by=staff_of(actor),
        created_at=now,
        matched_at=now,
    )
    rows = []
    for read in preview.rows:
        match = preview.matches.get(read.line) or RowMatch(band=Band.INVALID)
        rows.append(
            ImportRow(
                batch=batch,
                line=read.line,
                cells=read.cells,
                data=read.data.as_json(),
                errors=[e.__dict__ for e in read.errors],
                band=preview.band(read),
                score=match.score,
                candidate_id=match.candidate,
                candidates=match.candidates,
                twin_line=match.twin_line,
                twin_score=match.twin_score,
                target_id=match.candidate if match.band == Band.SAME else None,
            )
        )
    ImportRow.objects.bulk_create(rows, batch_size=1000)
    audit_record(
        actor=actor,
        action=Action.IMPORT_PREVIEW,
        obj=batch,
        detail={"counts": batch.counts, "format": batch.file_format, "mapping": batch.mapping_id},
    )
    return batch


# --- Mappings -------------------------------------------------------------------------------


@transaction.atomic
def import_mapping_save(
    *,
    actor: Actor,
    name: str,
    columns: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> ImportMapping:
    """Save a named mapping for reuse, replacing the one of that name."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    name = name.strip()
    if not name:
        raise MappingRefused(gettext("Give the mapping a name."))
    chosen = mapping_options(options or {})
    columns = {k: v for k, v in columns.items() if v not in ("", None, [])}
    # Checked against a header holding exactly its own columns: the fields must exist and
    # a name must be mapped; whether a file has the columns is checked when it is read.
    named = [c for v in columns.values() for c in (v if isinstance(v, list | tuple) else [v])]
    mapping_check(columns, [str(c) for c in named])
    mapping, created = ImportMapping.objects.update_or_create(
        name=name,
        defaults={"columns": columns, "options": chosen},
        create_defaults={"columns": columns, "options": chosen, "created_by": staff_of(actor)},
    )
    audit_record(
        actor=actor,
        action=Action.IMPORT_MAPPING_SAVE,
        obj=mapping,
        detail={"created": created, "fields": sorted(columns)},
    )
    return mapping


# --- Deciding -------------------------------------------------------------------------------


def _require_preview(batch: ImportBatch) -> None:
    if batch.state != ImportBatch.State.PREVIEW:
        raise ImportRefused(
            gettext("This import is %(state)s: it can no longer be changed.")
            % {"state": batch.get_state_display()}
        )


@transaction.atomic
def import_row_decide(
    *, actor: Actor, row: ImportRow, decision: str, target: int | None = None
) -> ImportRow:
    """Record a person's decision on a row: the same person as one of its candidates
    (`target`, the best by default), a new person, or left out."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    row = row_lock(row)
    batch = row_lock(row.batch)
    _require_preview(batch)
    if decision not in Decision.values or decision == Decision.NONE:
        raise ValueError(f"unknown decision: {decision!r}")
    if row.band == Band.INVALID:
        raise ImportRefused(gettext("A row that cannot be imported cannot be decided on."))
    if decision == Decision.SAME:
        proposed = [c["person"] for c in row.candidates]
        target = target if target is not None else row.candidate_id
        if target is None or target not in proposed:
            raise ImportRefused(gettext("Choose one of the row's candidates as the same person."))
    else:
        target = None
    row.decision, row.target_id = decision, target
    row.decided_by, row.decided_at = staff_of(actor), timezone.now()
    row.save(update_fields=["decision", "target", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=Action.IMPORT_DECIDE,
        obj=batch,
        detail={"line": row.line, "band": row.band, "decision": decision, "person": target},
    )
    return row


@transaction.atomic
def import_batch_discard(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Drop a preview that is not to be applied; its rows' content goes with it."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    batch = row_lock(batch)
    _require_preview(batch)
    batch.rows.all().delete()
    batch.state = ImportBatch.State.DISCARDED
    batch.save(update_fields=["state"])
    audit_record(actor=actor, action=Action.IMPORT_DISCARD, obj=batch)
    return batch


# --- Applying -------------------------------------------------------------------------------


@dataclass
class Applied:
    """What applying a batch did: the batch, and the batch its undecided rows moved to."""

    batch: ImportBatch
    held: ImportBatch | None = None


# What a row that repeats an earlier row's record number does: add to that row's person.
FOLLOW = "follow"


def _row_leaders(rows: list[ImportRow]) -> dict[int, int]:
    """For each row repeating an earlier row's record number, that row's line."""
    first: dict[str, int] = {}
    leaders = {}
    for row in sorted(rows, key=lambda r: r.line):
        number = RowData.from_json(row.data).record_id
        if number and number in first:
            leaders[row.line] = first[number]
        elif number:
            first[number] = row.line
    return leaders


def _what_to_do(row: ImportRow, hold_proposed: bool) -> str:
    """A row's decision, or what its band does undecided: "" holds it for a person."""
    if row.decision:
        return str(row.decision)
    if row.band == Band.NEW:
        return Decision.NEW
    if row.band == Band.SAME and not hold_proposed:
        return Decision.SAME
    return ""


@transaction.atomic
def import_batch_apply(
    *,
    actor: Actor,
    batch: ImportBatch,
    hold_undecided: bool = False,
    hold_proposed: bool = False,
    progress: Progress | None = None,
    through_services: bool = False,
) -> Applied:
    """Write the batch to the registry in one transaction.

    New rows become persons (with their other spellings and status event); rows decided or
    proposed as a registry person add to him the spellings and the status event he lacks.
    Rows for a person to decide refuse the whole apply unless `hold_undecided`: then they
    move to a new batch, matched again (the registry has just changed), for the console.
    `hold_proposed` holds the undecided proposals too.

    The rows are written in bulk (`_apply_in_bulk`, docs/decisions/0013): the rows, match
    keys, statuses and audit events that the registry's services would write row by row,
    with the `registry_changed` hook run once for every person touched. `through_services`
    writes them row by row through `person_create`, `name_form_add` and `status_event_add`
    instead: the reference the bulk path is tested against, some thirty queries a row.
    """
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    batch = row_lock(batch)
    _require_preview(batch)
    rows = list(batch.rows.select_for_update().order_by("line"))
    plan = {row.line: _what_to_do(row, hold_proposed) for row in rows if row.band != Band.INVALID}
    leaders = _row_leaders([row for row in rows if row.line in plan])
    for line, leader in leaders.items():
        # A person's other rows go where his first goes: into his record, left out or held.
        lead = plan[leader]
        plan[line] = FOLLOW if lead in (Decision.NEW, Decision.SAME) else lead
    undecided = [line for line, todo in plan.items() if not todo]
    if undecided and not hold_undecided:
        raise ImportRefused(
            ngettext(
                "%(count)s row waits for a decision (line %(lines)s).",
                "%(count)s rows wait for a decision (lines %(lines)s).",
                len(undecided),
            )
            % {"count": len(undecided), "lines": _lines(undecided)}
        )
    options = batch.mapping_used.get("options", {})
    sources = _Sources(actor, batch, options)
    todo = [row for row in rows if plan.get(row.line)]
    if through_services:
        _apply_through_services(actor, todo, plan, leaders, sources, options, progress)
    else:
        _apply_in_bulk(actor, todo, plan, leaders, sources, options, progress)
    outcomes = Counter(str(row.outcome) for row in todo)
    applied = ["outcome", "person", "name_forms", "status_event", "previous"]
    with sealed_for_bulk_update(todo, applied):
        ImportRow.objects.bulk_update(todo, applied, batch_size=1000)
    held = _hold(actor, batch, [row for row in rows if row.line in set(undecided)])
    now = timezone.now()
    batch.state = ImportBatch.State.APPLIED
    batch.applied_by, batch.applied_at = staff_of(actor), now
    batch.counts = {
        **batch.counts,
        "applied": {o: outcomes.get(o, 0) for o in Outcome.values if o},
        "held": len(undecided),
        "held_batch": held.pk if held else None,
        "sources": sources.created,
        "marks": _marks(),
    }
    batch.save(update_fields=["state", "applied_by", "applied_at", "counts"])
    audit_record(
        actor=actor,
        action=Action.IMPORT_APPLY,
        obj=batch,
        detail={
            "applied": batch.counts["applied"],
            "held": len(undecided),
            "held_batch": held and held.pk,
        },
    )
    return Applied(batch, held)


def _lines(lines: list[int], shown: int = 10) -> str:
    text = ", ".join(str(n) for n in lines[:shown])
    return text + (", …" if len(lines) > shown else "")


def _marks() -> dict[str, int]:
    """The newest name form and status event when the batch was applied: one of a batch's
    persons with a newer one was given it after the import."""
    return {
        "name_form": NameForm.objects.aggregate(m=Max("pk"))["m"] or 0,
        "status_event": StatusEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
    }


class _Sources:
    """The sources a batch's facts rest on: one for the file, or one per title a row names
    (and per kind, when rows say what kind of source theirs was)."""

    def __init__(self, actor: Actor, batch: ImportBatch, options: Mapping[str, str]) -> None:
        self.actor, self.batch, self.options = actor, batch, options
        self.by_title: dict[tuple[str, str], Source] = {}
        self.created: list[int] = []

    def for_row(self, data: RowData) -> Source:
        title = (
            data.source
            or self.options.get("source_title")
            or self.batch.filename
            or gettext("Import %(batch)s") % {"batch": self.batch.pk}
        )
        title = str(title)[: Source._meta.get_field("title").max_length]
        kind = data.source_kind or self.options.get("source_kind", Source.Kind.OFFICIAL_LIST)
        source = self.by_title.get((fold(title), kind))
        if source is None:
            source = source_create(
                actor=self.actor,
                kind=kind,
                title=title,
                reliability=self.options.get("source_reliability", Source.Reliability.MEDIUM),
                details=gettext("Imported from a file (import %(batch)s).")
                % {"batch": self.batch.pk},
            )
            self.by_title[(fold(title), kind)] = source
            self.created.append(source.pk)
        return source


def _spellings(data: RowData) -> list[tuple[str, str, str]]:
    primary = (data.surname, data.given_name, data.patronymic)
    others = [tuple(p + [""] * (3 - len(p)))[:3] for p in data.other_names if p and p[0]]
    return [primary, *[(s, g, p) for s, g, p in others]]


def _tags(data: RowData) -> dict[tuple[str, str, str], list[str]]:
    """The script, language and transliteration a file gives each other spelling, if any."""
    tags = {}
    for parts, given in zip(data.other_names, data.other_tags, strict=False):
        spelling = tuple((list(parts) + ["", ""])[:3])
        tags[(spelling[0], spelling[1], spelling[2])] = (list(given) + ["", "", ""])[:3]
    return tags


def _folded(parts: Iterable[str]) -> tuple[str, ...]:
    return tuple(fold(p) for p in parts)


def _known(spelling: tuple[str, ...], known: set[tuple[str, ...]]) -> bool:
    """Whether a spelling adds nothing to these: one of them has its surname and each of its
    other parts (Кузьминов Максим is known from Кузьминов Максим Сергеевич)."""
    surname, given, patronymic = spelling
    return any(k[0] == surname and given in ("", k[1]) and patronymic in ("", k[2]) for k in known)


def _apply_through_services(
    actor: Actor,
    todo: list[ImportRow],
    plan: Mapping[int, str],
    leaders: Mapping[int, int],
    sources: _Sources,
    options: Mapping[str, str],
    progress: Progress | None,
) -> None:
    """Apply the rows one by one through the registry's services (the reference path)."""
    by_line = {row.line: row for row in todo}
    for number, row in enumerate(todo, start=1):
        what = plan[row.line]
        if what == Decision.SKIP:
            row.outcome = Outcome.SKIPPED
        elif what == Decision.NEW:
            _row_create(actor, row, sources, options)
        else:
            if what == FOLLOW:
                row.target_id = by_line[leaders[row.line]].person_id
            _row_add(actor, row, sources, options)
        if progress is not None and (number % 100 == 0 or number == len(todo)):
            progress("apply", number, len(todo))


def _row_create(
    actor: Actor, row: ImportRow, sources: _Sources, options: Mapping[str, str]
) -> None:
    data = RowData.from_json(row.data)
    source = sources.for_row(data)
    person = person_create(
        actor=actor,
        data={
            "surname": data.surname,
            "given_name": data.given_name,
            "patronymic": data.patronymic,
            "sex": data.sex,
            "birth_year": data.birth_year,
            "birth_month": data.birth_month,
            "birth_day": data.birth_day,
            "place_of_birth": data.place_of_birth,
            "rank": data.rank,
            "service_number": data.service_number,
            "unit": data.unit,
            "father_name": data.father_name,
            "mother_maiden_name": data.mother_maiden_name,
            "power": data.power,
            NAME_LANGUAGE: options.get("name_language", ""),
        },
    )
    spellings = _spellings(data)
    forms = _forms_add(actor, person, spellings[1:], source, {_folded(spellings[0])}, _tags(data))
    row.person, row.outcome, row.name_forms = person, Outcome.CREATED, forms
    if data.status:
        row.status_event = _event_add(actor, person, data, source, options)


def _row_add(actor: Actor, row: ImportRow, sources: _Sources, options: Mapping[str, str]) -> None:
    data = RowData.from_json(row.data)
    wanted = row.target_id or row.candidate_id
    person = Person.objects.filter(pk=wanted).first() if wanted is not None else None
    if person is None or person.merged_into_id is not None:
        person = person.merged_into if person is not None else None
    if person is None:
        raise ImportRefused(
            gettext("Line %(line)s: the person it was matched with is no longer in the registry.")
            % {"line": row.line}
        )
    known = {_folded((f.surname, f.given_name, f.patronymic)) for f in person.name_forms.all()}
    new_spellings = [s for s in _spellings(data) if not _known(_folded(s), known)]
    has_event = (
        data.status
        and not person.status_events.filter(status=data.status, occurred_on=data.status_on).exists()
    )
    row.person = person
    if not new_spellings and not has_event:
        row.outcome = Outcome.UNCHANGED
        return
    source = sources.for_row(data)
    row.previous = {
        "current_status": person.current_status,
        "place_of_detention": str(person.place_of_detention),
        "grave_location": str(person.grave_location),
    }
    row.name_forms = _forms_add(actor, person, new_spellings, source, known, _tags(data))
    if has_event:
        row.status_event = _event_add(actor, person, data, source, options)
    row.outcome = Outcome.ADDED


def _new_spellings(
    spellings: list[tuple[str, str, str]],
    known: set[tuple[str, ...]],
    tags: Mapping[tuple[str, str, str], list[str]],
) -> Iterator[tuple[tuple[str, str, str], list[str]]]:
    """The spellings the person does not hold yet (noting each in `known`), each with its
    script, language and transliteration as the file tags it."""
    for spelling in spellings:
        folded = _folded(spelling)
        if _known(folded, known):
            continue
        known.add(folded)
        yield spelling, tags.get(spelling, ["", "", ""])


def _forms_add(
    actor: Actor,
    person: Person,
    spellings: list[tuple[str, str, str]],
    source: Source,
    known: set[tuple[str, ...]],
    tags: Mapping[tuple[str, str, str], list[str]],
) -> list[int]:
    added = []
    for (surname, given_name, patronymic), (script, language, translit) in _new_spellings(
        spellings, known, tags
    ):
        form = name_form_add(
            actor=actor,
            person=person,
            surname=surname,
            given_name=given_name,
            patronymic=patronymic,
            script=script,
            language=language,
            transliteration=translit,
            source=source,
        )
        added.append(form.pk)
    return added


def _event_add(
    actor: Actor, person: Person, data: RowData, source: Source, options: Mapping[str, str]
) -> StatusEvent:
    return status_event_add(
        actor=actor,
        person=person,
        status=data.status,
        verification=data.verification or options.get("verification", "reported"),
        source=source,
        occurred_on=data.status_on,
        place=data.place,
    )


# --- Applying in bulk -------------------------------------------------------------------------

# Persons whose match keys are refreshed per call of `keys_refresh`.
KEYS_CHUNK = 2000
# Rows inserted per statement.
INSERT_BATCH = 1000
# Sorts after every event already stored: an event the batch adds is newer than them all, and
# the batch's own events follow one another, as their ids will.
_UNSAVED_PK = 2**62


@dataclass
class _Added:
    """A registry person the batch adds to, as each row in turn sees him: what the services
    would read from the database after the rows before it were written."""

    person: Person
    known: set[tuple[str, ...]]
    events: list[tuple[tuple[Any, ...], str, Any]]  # (sort key, status, occurred_on)
    changed: set[str] = field(default_factory=set)
    touched: bool = False


@dataclass
class _Writes:
    """What the bulk apply inserts and audits, in the rows' order."""

    persons: list[Person] = field(default_factory=list)
    forms: list[NameForm] = field(default_factory=list)
    events: list[StatusEvent] = field(default_factory=list)
    # Per row: (row, person, the row's name forms, its event, the event's audit detail).
    done: list[tuple[ImportRow, Person, list[NameForm], StatusEvent | None, dict[str, Any]]] = (
        field(default_factory=list)
    )


def _apply_in_bulk(
    actor: Actor,
    todo: list[ImportRow],
    plan: Mapping[int, str],
    leaders: Mapping[int, int],
    sources: _Sources,
    options: Mapping[str, str],
    progress: Progress | None,
) -> None:
    """Apply the rows as `_apply_through_services` does, in a few statements per thousand rows.

    Each row is worked out in memory first, in the file's order, seeing the rows before it as
    the services would see them in the database (the spellings and events a person was just
    given, his status as it now is). Then the persons, name forms and status events are
    inserted in bulk, the persons added to updated, the match keys of every person touched
    refreshed (`keys_refresh`, as each service does), one audit event written per change with
    the services' action and detail (`audit_record_batch`), and `registry_changed` run once
    for them all.
    """
    now = timezone.now()
    recorder = staff_of(actor)
    writes = _Writes()
    added = _added_persons([row for row in todo if plan[row.line] == Decision.SAME])
    by_line: dict[int, _Added] = {}  # the person each row created or added to, as he is now
    for number, row in enumerate(todo, start=1):
        what = plan[row.line]
        if what == Decision.SKIP:
            row.outcome = Outcome.SKIPPED
        elif what == Decision.NEW:
            by_line[row.line] = _bulk_create_row(row, writes, sources, options, recorder, now)
        else:
            wanted = row.target_id or row.candidate_id
            state = (
                by_line.get(leaders[row.line])
                if what == FOLLOW
                else added.get(wanted)
                if wanted is not None
                else None
            )
            _bulk_add_row(row, writes, state, sources, options, recorder, now)
            if state is not None:
                by_line[row.line] = state
        if progress is not None and number % 1000 == 0:
            progress("apply", number, len(todo))
    Person.objects.bulk_create(writes.persons, batch_size=INSERT_BATCH)
    for form in writes.forms:
        form.person_id = form.person.pk  # the person's id, now that he has one
    NameForm.objects.bulk_create(writes.forms, batch_size=INSERT_BATCH)
    for event in writes.events:
        event.person_id = event.person.pk
    StatusEvent.objects.bulk_create(writes.events, batch_size=INSERT_BATCH)
    _added_save([state for state in added.values() if state.touched], now)
    touched = sorted({person.pk for _, person, _, _, _ in writes.done})
    for start in range(0, len(touched), KEYS_CHUNK):
        matchkeys.keys_refresh(touched[start : start + KEYS_CHUNK])
    audit_record_batch(actor=actor, entries=_audit_entries(writes))
    for row, person, forms, added_event, _ in writes.done:
        row.person, row.name_forms = person, [form.pk for form in forms]
        row.status_event = added_event
    if touched:
        hook_run("registry_changed", person_ids=touched)
    if progress is not None and todo:
        progress("apply", len(todo), len(todo))


def _added_persons(rows: list[ImportRow]) -> dict[int, _Added]:
    """The persons these rows add to (one merged into another gives way to him), by the id
    the rows name, with their spellings and status events."""
    wanted = {row.target_id or row.candidate_id for row in rows} - {None}
    persons = {p.pk: p for p in Person.objects.filter(pk__in=wanted)}
    keepers = {p.merged_into_id for p in persons.values() if p.merged_into_id is not None}
    kept = {p.pk: p for p in Person.objects.filter(pk__in=keepers)}
    resolved = {
        pk: (kept.get(p.merged_into_id) if p.merged_into_id is not None else p)
        for pk, p in persons.items()
    }
    ids = {p.pk for p in resolved.values() if p is not None}
    known: dict[int, set[tuple[str, ...]]] = {pk: set() for pk in ids}
    forms = NameForm.objects.filter(person__in=ids).values_list(
        "person", "surname", "given_name", "patronymic"
    )
    for person_id, *parts in forms:
        known[person_id].add(_folded(parts))
    events: dict[int, list[tuple[tuple[Any, ...], str, Any]]] = {pk: [] for pk in ids}
    stored = StatusEvent.objects.filter(person__in=ids).values_list(
        "person", "status", "occurred_on", "recorded_at", "pk"
    )
    for person_id, status, occurred_on, recorded_at, pk in stored:
        key = (occurred_on or recorded_at.date(), recorded_at, pk)
        events[person_id].append((key, status, occurred_on))
    states: dict[int, _Added] = {}
    by_id: dict[int, _Added] = {}
    for pk, person in resolved.items():
        if person is None:
            continue
        if person.pk not in by_id:
            by_id[person.pk] = _Added(person, known[person.pk], events[person.pk])
        states[pk] = by_id[person.pk]
    return states


def _bulk_create_row(
    row: ImportRow,
    writes: _Writes,
    sources: _Sources,
    options: Mapping[str, str],
    recorder: Any,
    now: Any,
) -> _Added:
    """`_row_create`, in memory: the person, his name forms and event, to be inserted."""
    data = RowData.from_json(row.data)
    source = sources.for_row(data)
    person = Person(
        surname=data.surname,
        given_name=data.given_name,
        patronymic=data.patronymic,
        sex=data.sex,
        birth_year=data.birth_year,
        birth_month=data.birth_month,
        birth_day=data.birth_day,
        place_of_birth=data.place_of_birth,
        rank=data.rank,
        service_number=data.service_number,
        unit=data.unit,
        father_name=data.father_name,
        mother_maiden_name=data.mother_maiden_name,
        power=data.power,
    )
    person.refresh_search_fields()
    person.full_clean(
        exclude=["current_status", "merged_into"], validate_unique=False, validate_constraints=False
    )
    primary = NameForm(
        person=person,
        surname=person.surname,
        given_name=person.given_name,
        patronymic=person.patronymic,
        script=script_of(person.full_name),
        language=options.get("name_language", ""),
        is_primary=True,
    )
    primary.refresh_search_fields()
    spellings = _spellings(data)
    known = {_folded(spellings[0])}
    forms = _bulk_forms(person, spellings[1:], source, known, _tags(data))
    writes.persons.append(person)
    writes.forms.extend([primary, *forms])
    event: StatusEvent | None = None
    detail: dict[str, Any] = {}
    state = _Added(person, known, [])
    if data.status:
        event, detail = _bulk_event(state, data, source, options, recorder, now)
        writes.events.append(event)
    row.outcome = Outcome.CREATED
    writes.done.append((row, person, forms, event, {**detail, "created": True}))
    return state


def _bulk_add_row(
    row: ImportRow,
    writes: _Writes,
    state: _Added | None,
    sources: _Sources,
    options: Mapping[str, str],
    recorder: Any,
    now: Any,
) -> None:
    """`_row_add`, in memory, on the person as the rows before this one left him."""
    data = RowData.from_json(row.data)
    if state is None:
        raise ImportRefused(
            gettext("Line %(line)s: the person it was matched with is no longer in the registry.")
            % {"line": row.line}
        )
    person = state.person
    new_spellings = [s for s in _spellings(data) if not _known(_folded(s), state.known)]
    has_event = data.status and not any(
        status == data.status and on == data.status_on for _, status, on in state.events
    )
    row.person = person
    if not new_spellings and not has_event:
        row.outcome = Outcome.UNCHANGED
        return
    source = sources.for_row(data)
    row.previous = {
        "current_status": person.current_status,
        "place_of_detention": str(person.place_of_detention),
        "grave_location": str(person.grave_location),
    }
    forms = _bulk_forms(person, new_spellings, source, state.known, _tags(data))
    writes.forms.extend(forms)
    state.touched = state.touched or bool(forms)
    event: StatusEvent | None = None
    detail: dict[str, Any] = {}
    if has_event:
        event, detail = _bulk_event(state, data, source, options, recorder, now)
        writes.events.append(event)
    row.outcome = Outcome.ADDED
    writes.done.append((row, person, forms, event, {**detail, "created": False}))


def _bulk_forms(
    person: Person,
    spellings: list[tuple[str, str, str]],
    source: Source,
    known: set[tuple[str, ...]],
    tags: Mapping[tuple[str, str, str], list[str]],
) -> list[NameForm]:
    """`_forms_add`, in memory: the name forms `name_form_add` would write."""
    forms = []
    for spelling, (script, language, translit) in _new_spellings(spellings, known, tags):
        surname, given_name, patronymic = spelling
        form = NameForm(
            person=person,
            surname=surname,
            given_name=given_name,
            patronymic=patronymic,
            script=script or script_of(" ".join(spelling)),
            language=language,
            transliteration=translit,
            source=source,
        )
        form.refresh_search_fields()
        form.full_clean(exclude=["person"], validate_unique=False, validate_constraints=False)
        forms.append(form)
    return forms


def _bulk_event(
    state: _Added,
    data: RowData,
    source: Source,
    options: Mapping[str, str],
    recorder: Any,
    now: Any,
) -> tuple[StatusEvent, dict[str, Any]]:
    """`status_event_add`, in memory: the event, the person's fields it changes (set on him),
    and its audit detail but for the event's id."""
    person = state.person
    event = StatusEvent(
        person=person,
        status=data.status,
        verification=data.verification or options.get("verification", "reported"),
        source=source,
        occurred_on=data.status_on,
        place=data.place,
        recorded_by=recorder,
        recorded_at=now,
    )
    event.full_clean(
        exclude=["person", "source", "recorded_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    key = (event.occurred_on or now.date(), now, _UNSAVED_PK + len(state.events))
    state.events.append((key, event.status, event.occurred_on))
    newest_key, newest_status, _ = max(state.events, key=lambda e: e[0])
    became_current = newest_key == key
    changes: dict[str, str] = {}
    if person.current_status != newest_status:
        changes["current_status"] = newest_status
    if became_current and event.status in DETENTION_PLACE_STATUSES and event.place:
        changes["place_of_detention"] = event.place
    changed = [f for f, value in changes.items() if getattr(person, f) != value]
    for name in changed:
        setattr(person, name, changes[name])
    state.changed.update(changed)
    state.touched = state.touched or bool(changed)
    detail = {
        "status": event.status,
        "verification": event.verification,
        "source": source.pk,
        "current": became_current,
        "fields": changed,
    }
    return event, detail


def _added_save(states: list[_Added], now: Any) -> None:
    """Write what the batch changed on the persons it added to: their status, where a status
    event changed it, and the time of the change (a new spelling changes the record too).

    A sealed field (the place of detention) is saved person by person, sealed to his row;
    the rest in one statement per thousand."""
    plain = []
    for state in states:
        state.person.updated_at = now
        sealed = sorted(state.changed & {"place_of_detention", "grave_location"})
        if sealed:
            state.person.save(update_fields=[*sorted(state.changed), "updated_at"])
        else:
            plain.append(state.person)
    Person.objects.bulk_update(plain, ["current_status", "updated_at"], batch_size=INSERT_BATCH)


def _audit_entries(writes: _Writes) -> list[AuditEntry]:
    """The audit events the services would have written, row by row in the file's order."""
    entries = []
    for _row, person, forms, event, detail in writes.done:
        if detail.get("created"):
            entries.append(AuditEntry(Action.PERSON_CREATE, person))
        entries.extend(
            AuditEntry(
                Action.PERSON_NAME_FORM_ADD,
                person,
                {"name_form": f.pk, "script": f.script, "language": f.language, "primary": False},
            )
            for f in forms
        )
        if event is not None:
            facts = {k: v for k, v in detail.items() if k != "created"}
            entries.append(
                AuditEntry(
                    Action.PERSON_STATUS_ADD,
                    person,
                    {"status_event": event.pk, **facts},
                )
            )
    return entries


def _hold(actor: Actor, batch: ImportBatch, rows: list[ImportRow]) -> ImportBatch | None:
    """Move the rows still to be decided to a new batch, matched again against the registry
    as it now is (persons just created by this batch among the candidates)."""
    if not rows:
        return None
    now = timezone.now()
    held = ImportBatch.objects.create(
        filename=batch.filename,
        **{name: getattr(batch, name) for name in READ_FIELDS},
        mapping=batch.mapping,
        mapping_used=batch.mapping_used,
        threshold=batch.threshold,
        same_person_score=batch.same_person_score,
        counts={},
        held_from=batch,
        created_by=staff_of(actor),
        created_at=now,
        matched_at=now,
    )
    ImportRow.objects.filter(pk__in=[r.pk for r in rows]).update(batch=held)
    _rows_rematch(held)
    audit_record(
        actor=actor,
        action=Action.IMPORT_PREVIEW,
        obj=held,
        detail={"counts": held.counts, "held_from": batch.pk},
    )
    return held


def _rows_rematch(batch: ImportBatch) -> None:
    """Match a preview's good rows again, keeping the decisions still valid."""
    rows = list(batch.rows.exclude(band=Band.INVALID))
    read = [ReadRow(r.line, list(r.cells), RowData.from_json(r.data), []) for r in rows]
    matches = rows_match(read, same_person_score=batch.same_person_score)
    for row in rows:
        match = matches[row.line]
        row.band, row.score, row.candidate_id = match.band, match.score, match.candidate
        row.candidates, row.twin_line, row.twin_score = (
            match.candidates,
            match.twin_line,
            match.twin_score,
        )
        proposed = {c["person"] for c in match.candidates}
        if row.decision == Decision.SAME and row.target_id not in proposed:
            row.decision, row.target_id = Decision.NONE, None
        if not row.decision:
            row.target_id = match.candidate if match.band == Band.SAME else None
    matched = [
        "band", "score", "candidate", "candidates", "twin_line", "twin_score", "decision", "target",
    ]  # fmt: skip
    with sealed_for_bulk_update(rows, matched):
        ImportRow.objects.bulk_update(rows, matched, batch_size=1000)
    bands = Counter(row.band for row in batch.rows.all())
    batch.counts = {**{b: bands.get(b, 0) for b in Band.values}, "rows": sum(bands.values())}
    batch.matched_at = timezone.now()
    batch.save(update_fields=["counts", "matched_at"])


@transaction.atomic
def import_batch_rematch(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Match a preview's rows again against the registry as it is now (it may have changed
    since the preview was made); a decision whose person is no longer a candidate is dropped."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    batch = row_lock(batch)
    _require_preview(batch)
    _rows_rematch(batch)
    audit_record(
        actor=actor,
        action=Action.IMPORT_PREVIEW,
        obj=batch,
        detail={"counts": batch.counts, "rematch": True},
    )
    return batch


# --- Undoing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    """Why a batch can no longer be undone: a row, and what happened to its person since."""

    line: int
    person: int | None
    reason: str


def import_batch_touched(batch: ImportBatch) -> list[Touch]:
    """What has touched the batch's persons since it was applied, by line.

    A person the batch created or added to counts as touched when, after the apply:
    - he is no longer in the registry, or was merged with another (either way round);
    - his record changed (his `updated_at` is later: an edit, a name form, a status event
      that changed his status);
    - he was given another name form or status event (newer than the batch's marks), or
      the name form or status event the batch gave him is gone;
    - a person created by the batch has links an officer made in the apps above (settings'
      "persons_linked" hook: an enquiry names him, a reviewed match candidate, a disclosure,
      a decided duplicate pair, an exchange entry, a handover). What the system proposed by
      itself (a match candidate not yet reviewed, an open duplicate pair) does not count and
      goes with him.
    """
    if batch.applied_at is None:
        return []
    rows = list(batch.rows.filter(outcome__in=[Outcome.CREATED, Outcome.ADDED]).order_by("line"))
    marks = batch.counts.get("marks", {})
    ids = {row.person_id for row in rows if row.person_id is not None}
    persons = {
        p["pk"]: p
        for p in Person.objects.filter(pk__in=ids).values("pk", "updated_at", "merged_into")
    }
    absorbed = set(Person.objects.filter(merged_into__in=ids).values_list("merged_into", flat=True))
    newer_forms = set(
        NameForm.objects.filter(person__in=ids, pk__gt=marks.get("name_form", 0)).values_list(
            "person", flat=True
        )
    )
    newer_events = set(
        StatusEvent.objects.filter(person__in=ids, pk__gt=marks.get("status_event", 0)).values_list(
            "person", flat=True
        )
    )
    forms = dict(
        NameForm.objects.filter(pk__in=[f for row in rows for f in row.name_forms]).values_list(
            "pk", "person"
        )
    )
    events = dict(
        StatusEvent.objects.filter(
            pk__in=[row.status_event_id for row in rows if row.status_event_id]
        ).values_list("pk", "person")
    )
    links: dict[int, list[str]] = {}
    created = [row.person_id for row in rows if row.outcome == Outcome.CREATED and row.person_id]
    hook_run("persons_linked", person_ids=created, links=links)
    touched = []
    for row in rows:
        reason = _touch(
            row, persons, absorbed, newer_forms, newer_events, forms, events, links, batch
        )
        if reason:
            touched.append(Touch(row.line, row.person_id, reason))
    return touched


def _touch(
    row: ImportRow,
    persons: Mapping[int, Mapping[str, Any]],
    absorbed: set[int | None],
    newer_forms: set[int],
    newer_events: set[int],
    forms: dict[int, int],
    events: dict[int, int],
    links: dict[int, list[str]],
    batch: ImportBatch,
) -> str:
    person = persons.get(row.person_id or 0)
    if person is None:
        return gettext("the person is no longer in the registry")
    if person["merged_into"] is not None or row.person_id in absorbed:
        return gettext("the person was merged with another")
    if batch.applied_at is not None and person["updated_at"] > batch.applied_at:
        return gettext("the person's record was changed")
    if row.person_id in newer_forms or row.person_id in newer_events:
        return gettext("the person was given another name form or status event")
    if any(forms.get(f) != row.person_id for f in row.name_forms) or (
        row.status_event_id and events.get(row.status_event_id) != row.person_id
    ):
        return gettext("a name form or status event the import added is gone")
    if links.get(row.person_id or 0):
        return ", ".join(links[row.person_id or 0])
    return ""


@transaction.atomic
def import_batch_undo(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Take the whole batch back out of the registry: the persons it created are deleted, the
    name forms and status events it added to others are removed and their status restored.

    Refused when anything has touched what it wrote (`import_batch_touched`).
    """
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    batch = row_lock(batch)
    if batch.state != ImportBatch.State.APPLIED:
        raise ImportRefused(gettext("Only an applied import can be undone."))
    touched = import_batch_touched(batch)
    if touched:
        shown = "; ".join(
            gettext("line %(line)s: %(reason)s") % {"line": t.line, "reason": t.reason}
            for t in touched[:5]
        )
        raise ImportRefused(
            ngettext(
                "The import cannot be undone: %(count)s of its persons has been touched since "
                "(%(shown)s).",
                "The import cannot be undone: %(count)s of its persons have been touched since "
                "(%(shown)s).",
                len(touched),
            )
            % {"count": len(touched), "shown": shown + ("; …" if len(touched) > 5 else "")}
        )
    rows = list(batch.rows.select_for_update().filter(outcome__in=[Outcome.CREATED, Outcome.ADDED]))
    created = [row.person_id for row in rows if row.outcome == Outcome.CREATED and row.person_id]
    # A row that added to a person the batch created (his other rows in an agency export) goes
    # with him.
    added = [row for row in rows if row.outcome == Outcome.ADDED and row.person_id not in created]
    detail: dict[str, Any] = {"batch": batch.pk}
    hook_run("persons_removing", actor=actor, person_ids=created, detail=detail)
    deleted = list(Person.objects.filter(pk__in=created).order_by("pk"))
    audit_record_many(
        actor=actor,
        action=Action.PERSON_DELETE,
        objs=deleted,
        detail={"import_batch": batch.pk},
    )
    Person.objects.filter(pk__in=created).delete()  # name forms, events and keys go with them
    _rows_take_back(actor, added, batch)
    # Sources the batch made that nothing rests on any more.
    made = batch.counts.get("sources", [])
    still_used = set(
        StatusEvent.objects.filter(source__in=made).values_list("source", flat=True)
    ) | set(NameForm.objects.filter(source__in=made).values_list("source", flat=True))
    Source.objects.filter(pk__in=[s for s in made if s not in still_used]).delete()
    batch.rows.filter(pk__in=[r.pk for r in rows]).update(outcome=Outcome.UNDONE)
    batch.state = ImportBatch.State.UNDONE
    batch.undone_by, batch.undone_at = staff_of(actor), timezone.now()
    batch.save(update_fields=["state", "undone_by", "undone_at"])
    audit_record(
        actor=actor,
        action=Action.IMPORT_UNDO,
        obj=batch,
        detail={
            **detail,
            "persons_deleted": len(created),
            "persons_restored": len(added),
            "sources_deleted": [s for s in made if s not in still_used],
        },
    )
    return batch


# The fields a row that added to a person may have changed, and keeps as it found them.
_RESTORED = ("current_status", "place_of_detention", "grave_location")


def _rows_take_back(actor: Actor, rows: list[ImportRow], batch: ImportBatch) -> None:
    """Take back what the rows added to persons the batch did not create, in a few statements
    per thousand rows: their name forms and status events deleted, each person's fields put
    back as the first of his rows found them, his match keys refreshed, one audit event per
    row (`person.import_undo`, last row first) and `registry_changed` once for them all.
    """
    if not rows:
        return
    ids = sorted({row.person_id for row in rows if row.person_id is not None})
    persons = Person.objects.select_for_update().in_bulk(ids)
    NameForm.objects.filter(
        pk__in=[f for row in rows for f in row.name_forms], person__in=ids
    ).delete()
    StatusEvent.objects.filter(
        pk__in=[row.status_event_id for row in rows if row.status_event_id], person__in=ids
    ).delete()
    # Last row first: two rows that added to one person each kept his fields as the row before
    # left them, so his first state is put back last.
    entries = []
    for row in sorted(rows, key=lambda r: r.line, reverse=True):
        person = persons[row.person_id or 0]
        previous = row.previous or {}
        fields = [name for name in _RESTORED if name in previous]
        for name in fields:
            setattr(person, name, previous[name])
        entries.append(
            AuditEntry(
                Action.PERSON_IMPORT_UNDO,
                person,
                {
                    "import_batch": batch.pk,
                    "name_forms": list(row.name_forms),
                    "status_event": row.status_event_id,
                    "fields": fields,
                },
            )
        )
    now = timezone.now()
    for person in persons.values():
        person.updated_at = now
    changed = [*_RESTORED, "updated_at"]
    with sealed_for_bulk_update(list(persons.values()), changed):
        Person.objects.bulk_update(persons.values(), changed, batch_size=INSERT_BATCH)
    for start in range(0, len(ids), KEYS_CHUNK):
        matchkeys.keys_refresh(ids[start : start + KEYS_CHUNK])
    audit_record_batch(actor=actor, entries=entries)
    hook_run("registry_changed", person_ids=ids)


def person_ids_of(batch: ImportBatch) -> list[int]:
    """The persons a batch created or added to (for a screen or a test)."""
    return list(
        batch.rows.filter(Q(outcome=Outcome.CREATED) | Q(outcome=Outcome.ADDED))
        .exclude(person=None)
        .values_list("person", flat=True)
    )
