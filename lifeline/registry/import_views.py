"""Registry console: importing persons from a file, step by step (docs/import.md, "Screens").

Upload -> how the file is read and which column holds which field (with the first rows as
read) -> a preview batch: counts per band, the bad rows, the rows for a decision side by side
with their candidates -> apply (one POST) -> undo. Every step is a form posting to a service
of `registry.uploads` or `registry.imports`; nothing needs script.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.downloads import download_response
from lifeline.core.exceptions import ActionRefused
from lifeline.registry import import_jobs, imports, selectors, uploads
from lifeline.registry.explain import Line, explained
from lifeline.registry.import_forms import (
    MappingForm,
    ReadingForm,
    UploadForm,
    delimiter_choice,
    delimiter_value,
    sheet_columns,
)
from lifeline.registry.importing import ReadRow, RowData, error_text, rows_read
from lifeline.registry.models import (
    ImportBatch,
    ImportJob,
    ImportMapping,
    ImportRow,
    ImportUpload,
    Person,
    PersonStatus,
)
from lifeline.registry.sheets import Sheet, SheetError

Band = ImportRow.Band
Decision = ImportRow.Decision
# The first rows of a file shown as they will be read, under each column and in the preview.
SAMPLE_ROWS = 3
PREVIEW_ROWS = 10
# Bad rows listed on a batch's page; the rest are a click (or a download) away.
BAD_ROWS_SHOWN = 50
BANDS_SHOWN = (Band.REVIEW, Band.SAME, Band.NEW, Band.INVALID)
BAD_ROWS_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- The list, the upload -------------------------------------------------------------------


@staff_view(Perm.REGISTRY_EDIT)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    batches = selectors.import_batch_list_for(user=staff_user(request))
    page = Paginator(batches, 25).get_page(request.GET.get("page", 1))
    return render(request, "registry/imports/list.html", {"page": page})


@staff_view(Perm.REGISTRY_EDIT)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        file = form.cleaned_data["file"]
        reading = uploads.Reading(
            encoding=form.cleaned_data["encoding"],
            delimiter=delimiter_value(form.cleaned_data["delimiter"]),
        )
        try:
            upload = uploads.import_upload_store(
                actor=staff_user(request), filename=file.name, data=file.read(), reading=reading
            )
        except ActionRefused as refused:
            form.add_error("file", refused.message)
        else:
            query = {"encoding": reading.encoding, "delimiter": form.cleaned_data["delimiter"]}
            return redirect(_mapping_url(upload.pk, {k: v for k, v in query.items() if v}))
    status = 400 if form.is_bound else 200
    context = {"form": form, "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
    return render(request, "registry/imports/upload.html", context, status=status)


def _mapping_url(upload_id: int, query: dict[str, Any]) -> str:
    url = reverse("registry:import_mapping", args=[upload_id])
    return f"{url}?{urlencode(query)}" if query else url


# --- The mapping ----------------------------------------------------------------------------


@dataclass
class PreviewRow:
    """A row of the file as it will be read: its fields, or what is wrong with it."""

    line: int
    data: RowData
    birth: str
    status: str
    problems: list[str]


def _partial(year: int | None, month: int | None, day: int | None) -> str:
    if year is None:
        return ""
    if month is None:
        return str(year)
    return f"{month:02d}.{year}" if day is None else f"{day:02d}.{month:02d}.{year}"


def _status_label(status: str) -> str:
    return str(PersonStatus(status).label) if status in PersonStatus.values else status


def _preview_row(row: ReadRow) -> PreviewRow:
    data = row.data
    return PreviewRow(
        line=row.line,
        data=data,
        birth=_partial(data.birth_year, data.birth_month, data.birth_day),
        status=_status_label(data.status),
        problems=[error_text(e) for e in row.errors],
    )


def _reading(request: HttpRequest) -> uploads.Reading:
    return uploads.Reading(
        sheet=request.GET.get("sheet", ""),
        encoding=request.GET.get("encoding", ""),
        delimiter=delimiter_value(request.GET.get("delimiter", "")),
    )


def _chosen_mapping(request: HttpRequest, mappings: Any) -> ImportMapping | None:
    chosen = request.GET.get("mapping", "")
    if not chosen.isdigit():
        return None
    return next((m for m in mappings if m.pk == int(chosen)), None)


@staff_view(Perm.REGISTRY_EDIT)
def import_mapping(request: HttpRequest, upload_id: int) -> HttpResponse:
    """How the uploaded file is read, and which column holds which field; then match it."""
    user = staff_user(request)
    upload = selectors.import_upload_get_for(user=user, pk=upload_id)
    mappings = list(selectors.import_mapping_list_for(user=user))
    mapping = _chosen_mapping(request, mappings)
    reading = _reading(request)
    context: dict[str, Any] = {"upload": upload, "mappings": mappings, "mapping": mapping}
    try:
        sheet = uploads.upload_sheet(upload, reading)
    except SheetError as refused:
        reading_form = ReadingForm(request.GET or None, sheet_names=[])
        context.update(reading_form=reading_form, read_error=refused.message)
        return render(request, "registry/imports/mapping.html", context, status=400)
    reading_form = ReadingForm(
        initial={
            "sheet": sheet.sheet_name,
            "encoding": reading.encoding,
            "delimiter": delimiter_choice(reading.delimiter),
        },
        sheet_names=sheet.sheet_names,
    )
    form = MappingForm(
        request.POST or None,
        header=sheet.header,
        initial=MappingForm.initial_for(sheet.header, mapping),
    )
    context.update(
        sheet=sheet,
        reading_form=reading_form,
        form=form,
        columns=list(zip(form.column_fields(), sheet_columns(sheet, SAMPLE_ROWS), strict=True)),
    )
    if form.is_bound and form.is_valid():
        action = request.POST.get("action", "preview")
        if action == "match":
            return _match(request, upload, reading, form, context)
        if action == "save":
            return _mapping_save(request, upload, form, context)
        context["preview"] = _preview(sheet, form)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "registry/imports/mapping.html", context, status=status)


def _preview(sheet: Sheet, form: MappingForm) -> list[PreviewRow]:
    first = Sheet(format=sheet.format, header=sheet.header, rows=sheet.rows[:PREVIEW_ROWS])
    return [_preview_row(row) for row in rows_read(first, form.columns())]


def _mapping_save(
    request: HttpRequest, upload: ImportUpload, form: MappingForm, context: dict[str, Any]
) -> HttpResponse:
    name = form.cleaned_data["save_as"].strip()
    if not name:
        form.add_error("save_as", _("Give the mapping a name."))
        return render(request, "registry/imports/mapping.html", context, status=400)
    try:
        saved = _save(request, form)
    except ActionRefused as refused:
        form.add_error(None, refused.message)
        return render(request, "registry/imports/mapping.html", context, status=400)
    messages.success(request, _("Mapping “%(name)s” saved.") % {"name": saved.name})
    query = {k: v for k, v in request.GET.items() if k in ("sheet", "encoding", "delimiter")}
    return redirect(_mapping_url(upload.pk, {**query, "mapping": saved.pk}))


def _save(request: HttpRequest, form: MappingForm) -> ImportMapping:
    return imports.import_mapping_save(
        actor=staff_user(request),
        name=form.cleaned_data["save_as"],
        columns=form.columns(),
        options=form.options(),
    )


def _match(
    request: HttpRequest,
    upload: ImportUpload,
    reading: uploads.Reading,
    form: MappingForm,
    context: dict[str, Any],
) -> HttpResponse:
    """Match the file into a preview batch (saving the mapping first when it is named); a long
    file, by the worker."""
    try:
        saved = _save(request, form) if form.cleaned_data["save_as"].strip() else None
        rows = len(context["sheet"].rows)
        if rows > settings.IMPORT_INLINE_ROWS:
            job = import_jobs.import_job_match(
                actor=staff_user(request),
                upload=upload,
                reading=reading,
                mapping=saved or context["mapping"],
                columns=form.columns(),
                options=form.options(),
                rows=rows,
            )
            return redirect("registry:import_job", job_id=job.pk)
        batch = uploads.import_upload_match(
            actor=staff_user(request),
            upload=upload,
            reading=reading,
            mapping=saved or context["mapping"],
            columns=form.columns(),
            options=form.options(),
        )
    except ActionRefused as refused:
        form.add_error(None, refused.message)
        return render(request, "registry/imports/mapping.html", context, status=400)
    counts = batch.counts
    messages.success(
        request,
        _(
            "%(rows)s rows read and matched; nothing is in the registry yet. Check the rows "
            "below, then apply."
        )
        % {"rows": counts.get("rows", 0)},
    )
    return redirect("registry:import_batch", batch_id=batch.pk)


@staff_view(Perm.REGISTRY_EDIT)
@require_POST
def import_upload_discard(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = selectors.import_upload_get_for(user=staff_user(request), pk=upload_id)
    uploads.import_upload_discard(actor=staff_user(request), upload=upload)
    messages.success(request, _("The file was dropped; nothing was imported."))
    return redirect("registry:imports")


# --- A batch --------------------------------------------------------------------------------


@staff_view(Perm.REGISTRY_EDIT)
@require_GET
def import_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = staff_user(request)
    batch = selectors.import_batch_get_for(user=user, pk=batch_id)
    bad, _persons = selectors.import_rows_page_for(
        user=user, batch_id=batch.pk, band=Band.INVALID, per_page=BAD_ROWS_SHOWN
    )
    counts = batch.counts
    context = {
        "batch": batch,
        "bands": [(band, Band(band).label, counts.get(band, 0)) for band in BANDS_SHOWN],
        "twins": counts.get("twins", 0),
        "bad_rows": [(row.line, [error_text(e) for e in row.errors]) for row in bad],
        "bad_total": bad.paginator.count,
        "undecided": (
            selectors.import_batch_undecided_count(batch)
            if batch.state == ImportBatch.State.PREVIEW
            else 0
        ),
        "applied": [
            (ImportRow.Outcome(o).label, n) for o, n in counts.get("applied", {}).items() if n
        ],
        "held_batch": counts.get("held_batch"),
        "mapping_name": batch.mapping.name if batch.mapping else "",
    }
    return render(request, "registry/imports/batch.html", context)


@dataclass
class Candidate:
    """A registry person beside an imported row, with the engine's score and explanation."""

    person: Person | None
    person_id: int
    score: float
    lines: list[Line]
    chosen: bool


@dataclass
class ReviewRow:
    row: ImportRow
    shown: PreviewRow
    candidates: list[Candidate] = field(default_factory=list)


def _explanation(found: dict[str, Any]) -> list[Line]:
    return explained(
        {
            "field": f.get("field", ""),
            "contribution": f.get("weight", 0.0),
            "text": f.get("explanation", ""),
        }
        for f in found.get("fields", [])
    )


def _review_row(row: ImportRow, persons: dict[int, Person]) -> ReviewRow:
    read = ReadRow(row.line, list(row.cells), RowData.from_json(row.data), [])
    shown = _preview_row(read)
    shown.problems = [error_text(e) for e in row.errors]
    target = row.target_id if row.decision == Decision.SAME or not row.decision else None
    candidates = [
        Candidate(
            person=persons.get(found["person"]),
            person_id=found["person"],
            score=float(found.get("score", 0.0)),
            lines=_explanation(found),
            chosen=found["person"] == target,
        )
        for found in row.candidates
    ]
    return ReviewRow(row=row, shown=shown, candidates=candidates)


def _band(request: HttpRequest) -> str:
    band = request.GET.get("band", Band.REVIEW)
    return band if band in Band.values else Band.REVIEW


@staff_view(Perm.REGISTRY_EDIT)
@require_GET
def import_rows(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch's rows of one band, a page at a time, each beside its registry candidates, with
    the choices: the same person as one of them, a new person, or left out."""
    user = staff_user(request)
    batch = selectors.import_batch_get_for(user=user, pk=batch_id)
    band = _band(request)
    page, persons = selectors.import_rows_page_for(
        user=user, batch_id=batch.pk, band=band, page=request.GET.get("page", 1)
    )
    context = {
        "batch": batch,
        "band": band,
        "band_label": Band(band).label,
        "bands": [(b, Band(b).label, batch.counts.get(b, 0)) for b in BANDS_SHOWN],
        "page": page,
        "rows": [_review_row(row, persons) for row in page],
        "editable": batch.state == ImportBatch.State.PREVIEW,
    }
    return render(request, "registry/imports/rows.html", context)


@staff_view(Perm.REGISTRY_EDIT)
@require_POST
def import_row_decide(request: HttpRequest, batch_id: int, line: int) -> HttpResponse:
    user = staff_user(request)
    row = selectors.import_row_get_for(user=user, batch_id=batch_id, line=line)
    choice = request.POST.get("decision", "")
    decision, _sep, person = choice.partition(":")
    if decision not in (Decision.SAME, Decision.NEW, Decision.SKIP) or (
        decision == Decision.SAME and not person.isdigit()
    ):
        messages.error(request, _("Line %(line)s: choose what the row is.") % {"line": line})
    else:
        try:
            imports.import_row_decide(
                actor=user,
                row=row,
                decision=decision,
                target=int(person) if decision == Decision.SAME else None,
            )
        except ActionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("Line %(line)s: %(decision)s.")
                % {"line": line, "decision": Decision(decision).label},
            )
    band = request.POST.get("band", "")
    query = {"band": band if band in Band.values else row.band}
    if request.POST.get("page", "").isdigit():
        query["page"] = request.POST["page"]
    url = reverse("registry:import_rows", args=[batch_id])
    return redirect(f"{url}?{urlencode(query)}#line-{line}")


@staff_view(Perm.REGISTRY_EDIT)
@require_POST
def import_apply(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = staff_user(request)
    batch = selectors.import_batch_get_for(user=user, pk=batch_id)
    if batch.counts.get("rows", 0) > settings.IMPORT_INLINE_ROWS:
        hold = request.POST.get("hold") == "1"
        return _by_worker(request, batch, import_jobs.import_job_apply, hold_undecided=hold)
    try:
        applied = imports.import_batch_apply(
            actor=user, batch=batch, hold_undecided=request.POST.get("hold") == "1"
        )
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("registry:import_batch", batch_id=batch.pk)
    outcomes = applied.batch.counts.get("applied", {})
    messages.success(
        request,
        _(
            "Applied. Persons created: %(created)s; added to: %(added)s; with nothing new: "
            "%(unchanged)s; left out: %(skipped)s."
        )
        % {k: outcomes.get(k, 0) for k in ("created", "added", "unchanged", "skipped")},
    )
    if applied.held is not None:
        held = applied.held.counts.get("rows", 0)
        messages.success(
            request,
            ngettext(
                "%(count)s row waits for a decision in import %(batch)s.",
                "%(count)s rows wait for a decision in import %(batch)s.",
                held,
            )
            % {"count": held, "batch": applied.held.pk},
        )
    return redirect("registry:import_batch", batch_id=batch.pk)


def _by_worker(
    request: HttpRequest, batch: ImportBatch, queue: Callable[..., ImportJob], **options: Any
) -> HttpResponse:
    """Hand a long batch's apply or undo to the worker and follow it on the job's page."""
    try:
        job = queue(actor=staff_user(request), batch=batch, **options)
    except ActionRefused as refused:
        messages.error(request, refused.message)
        return redirect("registry:import_batch", batch_id=batch.pk)
    return redirect("registry:import_job", job_id=job.pk)


def _batch_action(request: HttpRequest, batch_id: int, action: Any, done: str) -> HttpResponse:
    user = staff_user(request)
    batch = selectors.import_batch_get_for(user=user, pk=batch_id)
    try:
        action(actor=user, batch=batch)
    except ActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("registry:import_batch", batch_id=batch.pk)


@staff_view(Perm.REGISTRY_EDIT)
@require_POST
def import_undo(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = staff_user(request)
    batch = selectors.import_batch_get_for(user=user, pk=batch_id)
    if batch.counts.get("rows", 0) > settings.IMPORT_INLINE_ROWS:
        return _by_worker(request, batch, import_jobs.import_job_undo)
    return _batch_action(
        request,
        batch_id,
        imports.import_batch_undo,
        _("The import was undone: what it wrote is out of the registry."),
    )


@staff_view(Perm.REGISTRY_EDIT)
@require_POST
def import_discard(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _batch_action(
        request, batch_id, imports.import_batch_discard, _("The import was dropped.")
    )


@staff_view(Perm.REGISTRY_EDIT)
@require_POST
def import_rematch(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _batch_action(
        request,
        batch_id,
        imports.import_batch_rematch,
        _("The rows were matched again against the registry as it is now."),
    )


@staff_view(Perm.REGISTRY_EDIT)
@require_GET
def import_bad_rows(request: HttpRequest, batch_id: int, kind: str) -> HttpResponse:
    if kind not in BAD_ROWS_TYPES:
        raise Http404(kind)
    filename, content = selectors.import_bad_rows_file_for(
        user=staff_user(request), batch_id=batch_id, kind=kind
    )
    return download_response(content, filename=filename, content_type=BAD_ROWS_TYPES[kind])


# --- A long list, done by the worker ---------------------------------------------------------

JOB_REFRESH_SECONDS = 5


@staff_view(Perm.REGISTRY_EDIT)
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """Where the worker is with a long list; the page reloads itself until it is done."""
    job = selectors.import_job_get_for(user=staff_user(request), pk=job_id)
    if job.state == ImportJob.State.DONE and job.batch_id:
        if job.kind == ImportJob.Kind.MATCH:
            messages.success(
                request, _("The file was read and matched; nothing is in the registry yet.")
            )
        elif job.kind == ImportJob.Kind.UNDO:
            messages.success(
                request, _("The import was undone: what it wrote is out of the registry.")
            )
        else:
            messages.success(request, _("The import was applied."))
            held = job.params.get("held_batch")
            if held:
                messages.success(
                    request, _("The undecided rows wait in import %(batch)s.") % {"batch": held}
                )
        return redirect("registry:import_batch", batch_id=job.batch_id)
    return job_page(request, job)


def job_page(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """A job not yet done: waiting, running (the page reloads itself) or failed."""
    context = {"job": job, "refresh": JOB_REFRESH_SECONDS if job.active else 0}
    return render(request, "registry/imports/job.html", context)
