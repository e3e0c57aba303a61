"""Matching a whole list against the registry, nothing written to it (docs/lists.md).

An exchange list from the other party, an agency's list of sought persons, a family group's
names: read by a saved mapping as an import is (`importing`), each good row matched with the
import's batched matching (`imports.rows_match`), and kept as a `ListMatch` whose rows hold
their best candidates, their band and a person's confirmation or rejection. No person, name
form or status event is written. Who may see the registry may run one; every person a list
shows or a download holds is audited as read, as a search's are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.matching import DEFAULT_THRESHOLD
from lifeline.registry import sheets
from lifeline.registry.explain import Line, explained
from lifeline.registry.importing import (
    MappingRefused,
    ReadRow,
    RowData,
    errors_text,
    mapping_options,
    rows_read,
)
from lifeline.registry.imports import RowMatch, rows_match
from lifeline.registry.models import ImportMapping, ListMatch, ListMatchRow, Person
from lifeline.registry.selectors import person_reads_audit
from lifeline.registry.services import RegistryRefused
from lifeline.registry.sheets import sheet_read

Band = ListMatchRow.Band
Decision = ListMatchRow.Decision
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class ListRefused(RegistryRefused):
    """The rules forbid this action on a matched list."""


# --- Matching -------------------------------------------------------------------------------


def row_band(
    candidates: list[Mapping[str, Any]], *, same_person_score: float, close_margin: float
) -> str:
    """A good row's band from its candidates at or above the engine's threshold, best first.

    Two or more within `close_margin` of the best are "several close": the engine cannot tell
    which is the man, whatever the best one scores. Otherwise the best one's score says it.
    """
    if not candidates:
        return Band.NONE
    best = candidates[0]["score"]
    if len(candidates) > 1 and candidates[1]["score"] >= best - close_margin:
        return Band.CLOSE
    return Band.SAME if best >= same_person_score else Band.POSSIBLE


def _shown(match: RowMatch) -> list[dict[str, Any]]:
    """The row's candidates worth showing: those the engine scores at or above its threshold."""
    return [c for c in match.candidates if c["score"] >= DEFAULT_THRESHOLD]


@transaction.atomic
def list_match_create(
    *,
    actor: Actor,
    data: bytes,
    kind: str = ListMatch.Kind.OTHER,
    filename: str = "",
    mapping: ImportMapping | None = None,
    columns: Mapping[str, Any] | None = None,
    sheet: str = "",
    encoding: str = "",
    delimiter: str = "",
    progress: Progress | None = None,
    read: sheets.Sheet | None = None,
) -> ListMatch:
    """Read a list by a saved mapping (or `columns` given here), match every good row against
    the registry, and keep the result; nothing is written to the registry.

    SheetError or MappingRefused say what is wrong with the file or the mapping. Audited with
    the counts per band: which persons a list found is audited when it is shown.
    """
    require_perm_or_system(actor, Perm.REGISTRY_VIEW)
    if kind not in ListMatch.Kind.values:
        raise ValueError(f"unknown list kind: {kind!r}")
    if mapping is not None and columns is None:
        columns = mapping.columns
    if not columns:
        raise MappingRefused(gettext("Choose a mapping: which column holds which field."))
    if read is None:  # else the caller has read `data` so already
        read = sheet_read(
            data, filename=filename, sheet=sheet, encoding=encoding, delimiter=delimiter
        )
    rows = rows_read(read, columns)
    same, margin = settings.IMPORT_SAME_PERSON_SCORE, settings.LIST_CLOSE_MARGIN
    matches = rows_match(rows, same_person_score=same, progress=progress)
    listed = ListMatch.objects.create(
        kind=kind,
        filename=filename,
        **ListMatch.read_from(read),
        mapping=mapping,
        mapping_used={
            "columns": dict(columns),
            "options": mapping_options(mapping.options if mapping else {}),
        },
        threshold=DEFAULT_THRESHOLD,
        same_person_score=same,
        close_margin=margin,
        created_by=staff_of(actor),
        created_at=timezone.now(),
    )
    made = [_row(listed, row, matches.get(row.line), same, margin) for row in rows]
    ListMatchRow.objects.bulk_create(made, batch_size=1000)
    bands = Counter(row.band for row in made)
    listed.counts = {**{b: bands.get(b, 0) for b in Band.values}, "rows": len(made)}
    listed.save(update_fields=["counts"])
    audit_record(
        actor=actor,
        action=Action.LIST_MATCH,
        obj=listed,
        detail={"kind": kind, "counts": listed.counts, "format": read.format},
    )
    return listed


def _row(
    listed: ListMatch, read: ReadRow, match: RowMatch | None, same: float, margin: float
) -> ListMatchRow:
    row = ListMatchRow(
        list_match=listed,
        line=read.line,
        cells=read.cells,
        data=read.data.as_json(),
        errors=[e.__dict__ for e in read.errors],
    )
    if not read.ok or match is None:
        row.band = Band.INVALID
        return row
    row.candidates = _shown(match)
    row.band = row_band(row.candidates, same_person_score=same, close_margin=margin)
    row.score = row.candidates[0]["score"] if row.candidates else None
    row.twin_line = match.twin_line
    return row


# --- Deciding -------------------------------------------------------------------------------


@transaction.atomic
def list_row_decide(
    *, actor: Actor, row: ListMatchRow, decision: str, person: int | None = None
) -> ListMatchRow:
    """Record which of the row's candidates is the person ("confirmed", with `person`), that
    none is ("rejected"), or take a decision back (""). Nothing is written to the registry."""
    require_perm_or_system(actor, Perm.REGISTRY_VIEW)
    row = row_lock(row)
    if decision not in Decision.values:
        raise ValueError(f"unknown decision: {decision!r}")
    if row.band == Band.INVALID:
        raise ListRefused(gettext("A row that cannot be read has no candidates to decide on."))
    if decision == Decision.CONFIRMED:
        proposed = [c["person"] for c in row.candidates]
        person = person if person is not None else (proposed[0] if proposed else None)
        if person is None or person not in proposed:
            raise ListRefused(gettext("Choose one of the row's candidates as the person."))
    else:
        person = None
    row.decision, row.person_id = decision, person
    row.decided_by = staff_of(actor) if decision else None
    row.decided_at = timezone.now() if decision else None
    row.save(update_fields=["decision", "person", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=Action.LIST_DECIDE,
        obj=row.list_match,
        detail={"line": row.line, "band": row.band, "decision": decision, "person": person},
    )
    return row


@transaction.atomic
def list_match_delete(*, actor: Actor, listed: ListMatch) -> None:
    """Delete a matched list and its rows: what the file said goes with them."""
    require_perm_or_system(actor, Perm.REGISTRY_VIEW)
    audit_record(
        actor=actor,
        action=Action.LIST_DELETE,
        obj=listed,
        detail={"kind": listed.kind, "counts": listed.counts},
    )
    listed.delete()


# --- Reading, for a user --------------------------------------------------------------------


def list_match_list_for(*, user: User) -> QuerySet[ListMatch]:
    """Matched lists, newest first: their kinds and counts (their rows are read one at a time)."""
    require_perm(user, Perm.REGISTRY_VIEW)
    return ListMatch.objects.select_related("created_by")


def list_match_get_for(*, user: User, pk: int) -> ListMatch:
    """One matched list; raises Http404 when there is none."""
    return get_object_or_404(list_match_list_for(user=user), pk=pk)


def list_row_get_for(*, user: User, list_id: int, line: int) -> ListMatchRow:
    """One row of a matched list, by its line; raises Http404 when there is none."""
    listed = list_match_get_for(user=user, pk=list_id)
    return get_object_or_404(listed.rows.select_related("list_match"), line=line)


def list_mapping_list_for(*, user: User) -> QuerySet[ImportMapping]:
    """The saved mappings a list may be read by (column names and options, no person)."""
    require_perm(user, Perm.REGISTRY_VIEW)
    return ImportMapping.objects.order_by("name")


@dataclass(frozen=True)
class ShownCandidate:
    """A registry person proposed for a row, as the table shows him now."""

    person_id: int
    person: Person | None  # None: no longer in the registry
    score: float
    lines: list[Line]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class ShownRow:
    """A row of the result table: the row, what it said, its candidates."""

    row: ListMatchRow
    data: RowData
    candidates: list[ShownCandidate]

    @property
    def problems(self) -> str:
        return errors_text(self.row.errors)

    @property
    def chosen(self) -> ShownCandidate | None:
        """The confirmed candidate; undecided, the best one; rejected, nobody."""
        if self.row.decision == Decision.REJECTED or not self.candidates:
            return None
        if self.row.decision == Decision.CONFIRMED:
            return next((c for c in self.candidates if c.person_id == self.row.person_id), None)
        return self.candidates[0]

    @property
    def others(self) -> list[ShownCandidate]:
        chosen = self.chosen
        return [c for c in self.candidates if c is not chosen]


def _rows(listed: ListMatch, band: str, decision: str | None) -> QuerySet[ListMatchRow]:
    rows = listed.rows.select_related("decided_by").order_by("line")
    if band:
        rows = rows.filter(band=band)
    if decision is not None:
        rows = rows.filter(decision=decision)
    return rows


def _shown_rows(rows: list[ListMatchRow]) -> list[ShownRow]:
    ids = {c["person"] for row in rows for c in row.candidates}
    persons = Person.objects.in_bulk(ids)
    return [
        ShownRow(
            row=row,
            data=RowData.from_json(row.data),
            candidates=[
                ShownCandidate(
                    person_id=c["person"],
                    person=persons.get(c["person"]),
                    score=c["score"],
                    lines=explained(c.get("fields", [])),
                )
                for c in row.candidates
            ],
        )
        for row in rows
    ]


def _audited(user: User, listed: ListMatch, rows: list[ListMatchRow]) -> list[ShownRow]:
    shown = _shown_rows(rows)
    persons = [c.person_id for row in shown for c in row.candidates if c.person is not None]
    if persons:
        person_reads_audit(user=user, persons=persons, purpose="list_match", list=listed.pk)
    return shown


@transaction.atomic
def list_rows_for(
    *, user: User, list_id: int, band: str = "", decision: str | None = None
) -> list[ShownRow]:
    """A list's rows (of one band, or decision, or all), by line, with their candidates as the
    registry holds them now; each candidate shown is audited as read (purpose "list_match")."""
    listed = list_match_get_for(user=user, pk=list_id)
    return _audited(user, listed, list(_rows(listed, band, decision)))


# Rows of the result table a page shows: a list of thousands is read a page at a time, and only
# the persons a page shows are audited as read.
LIST_PAGE_SIZE = 100


@transaction.atomic
def list_page_for(*, user: User, list_id: int, band: str = "", page: Any = 1) -> Page[ShownRow]:
    """One page of `list_rows_for`: its rows' candidates alone are audited as read."""
    listed = list_match_get_for(user=user, pk=list_id)
    rows = Paginator(_rows(listed, band, None), LIST_PAGE_SIZE).get_page(page)
    paginator: Any = rows.paginator
    return Page(_audited(user, listed, list(rows.object_list)), rows.number, paginator)


# The download's formats.
FILE_KINDS = ("csv", "xlsx")


@transaction.atomic
def list_file_for(*, user: User, list_id: int, kind: str, band: str = "") -> tuple[str, bytes]:
    """The result table as a file (CSV or XLSX) in the active language: the row as the list had
    it, then its line, band, decision, the person (the one confirmed, or the best candidate
    while undecided) with his status now, his score and the engine's explanation, the other
    close candidates, and the row's problems. Cells a spreadsheet would run are made text.

    Audited as a download (`list.download`) and as a read of each person the file names.
    """
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown file kind: {kind}")
    listed = list_match_get_for(user=user, pk=list_id)
    shown = _shown_rows(list(_rows(listed, band, None)))
    width = len(listed.header)
    header = [
        *listed.header,
        gettext("Line"),
        gettext("Result"),
        gettext("Decision"),
        gettext("Registry number"),
        gettext("Name in the registry"),
        gettext("Date of birth"),
        gettext("Unit"),
        gettext("Current status"),
        gettext("Score, %"),
        gettext("Explanation"),
        gettext("Other close candidates"),
        gettext("Problem"),
    ]
    named: list[int] = []
    out = []
    for row in shown:
        chosen = row.chosen
        person = chosen.person if chosen else None
        named += [c.person_id for c in row.candidates if c.person is not None]
        out.append(
            [
                *(list(row.row.cells) + [""] * width)[:width],
                row.row.line,
                row.row.get_band_display(),
                row.row.get_decision_display() if row.row.decision else "",
                chosen.person_id if chosen else "",
                person.full_name if person else "",
                person.date_of_birth_display if person else "",
                person.unit if person else "",
                person.get_current_status_display() if person else "",
                chosen.percent if chosen else "",
                "; ".join(f"{line['label']}: {line['text']}" for line in chosen.lines)
                if chosen
                else "",
                "; ".join(_other(c) for c in row.others),
                row.problems,
            ]
        )
    write = sheets.rows_to_csv if kind == "csv" else sheets.rows_to_xlsx
    content = write(header, out)
    if named:
        person_reads_audit(user=user, persons=named, purpose="list_download", list=listed.pk)
    audit_record(
        actor=user,
        action=Action.LIST_DOWNLOAD,
        obj=listed,
        detail={"rows": len(out), "format": kind, "band": band},
    )
    return f"lifeline-list-{listed.pk}.{kind}", content


def _other(candidate: ShownCandidate) -> str:
    person = candidate.person
    if person is None:
        return f"#{candidate.person_id} ({candidate.percent} %)"
    status = person.get_current_status_display()
    return f"#{person.pk} {person.full_name}, {status} ({candidate.percent} %)"


def list_confirmed_rows(listed: ListMatch) -> list[ListMatchRow]:
    """The rows a person confirmed, by line, with their persons (for a step built on a list,
    such as an exchange batch's; the caller checks who may take it)."""
    return list(
        listed.rows.filter(decision=Decision.CONFIRMED).select_related("person").order_by("line")
    )
