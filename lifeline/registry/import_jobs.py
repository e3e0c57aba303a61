"""List work too long for a web request: the worker reads and matches an import's file,
applies or undoes its batch, or matches a whole list, and the officer's page follows it
(models.ImportJob).

A list of more than IMPORT_INLINE_ROWS rows would outlast the request (gunicorn gives one 30 s):
the console hands it to `lifeline worker` instead. The work itself is the same services the
console and `lifeline import persons` call, each one transaction, so a job that fails wrote
nothing and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.registry import imports, lists, uploads
from lifeline.registry.models import ImportBatch, ImportJob, ImportMapping, ImportUpload, ListMatch
from lifeline.registry.sheets import sheet_read

logger = logging.getLogger(__name__)


def _queue(actor: User, job: ImportJob) -> ImportJob:
    audit_record(
        actor=actor,
        action=Action.IMPORT_JOB,
        obj=job,
        detail={"kind": job.kind, "rows": job.total},
    )
    transaction.on_commit(partial(import_job_task.enqueue, job.pk), robust=True)
    return job


@transaction.atomic
def import_job_match(
    *,
    actor: User,
    upload: ImportUpload,
    reading: uploads.Reading,
    mapping: ImportMapping | None,
    columns: Mapping[str, Any],
    options: Mapping[str, Any],
    rows: int,
) -> ImportJob:
    """Have the worker read and match an uploaded file of `rows` rows into a preview batch."""
    require_perm(actor, Perm.REGISTRY_EDIT)
    params = {
        "reading": {
            "sheet": reading.sheet,
            "encoding": reading.encoding,
            "delimiter": reading.delimiter,
        },
        "mapping": mapping.pk if mapping else None,
        "columns": dict(columns),
        "options": dict(options),
    }
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.MATCH,
        upload=upload,
        params=params,
        total=rows,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    return _queue(actor, job)


@transaction.atomic
def import_job_apply(*, actor: User, batch: ImportBatch, hold_undecided: bool) -> ImportJob:
    """Have the worker apply a preview batch (holding its undecided rows if asked)."""
    require_perm(actor, Perm.REGISTRY_EDIT)
    if batch.state != ImportBatch.State.PREVIEW:
        raise ActionRefused(gettext("Only an import not yet applied can be applied."))
    if _busy(batch):
        raise ActionRefused(gettext("This import is already being applied."))
    return _batch_job(actor, batch, ImportJob.Kind.APPLY, {"hold_undecided": hold_undecided})


@transaction.atomic
def import_job_undo(*, actor: User, batch: ImportBatch) -> ImportJob:
    """Have the worker undo an applied batch."""
    require_perm(actor, Perm.REGISTRY_EDIT)
    if batch.state != ImportBatch.State.APPLIED:
        raise ActionRefused(gettext("Only an applied import can be undone."))
    if _busy(batch):
        raise ActionRefused(gettext("This import is already being undone."))
    return _batch_job(actor, batch, ImportJob.Kind.UNDO, {})


def _busy(batch: ImportBatch) -> bool:
    """Whether a job on the batch waits for the worker or runs."""
    return ImportJob.objects.filter(batch=batch, state__in=_ACTIVE).exists()


def _batch_job(actor: User, batch: ImportBatch, kind: str, params: dict[str, Any]) -> ImportJob:
    job = ImportJob.objects.create(
        kind=kind,
        batch=batch,
        params=params,
        total=int(batch.counts.get("rows", 0)),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    return _queue(actor, job)


@transaction.atomic
def list_match_start(
    *,
    actor: User,
    data: bytes,
    kind: str,
    filename: str,
    mapping: ImportMapping | None,
    columns: Mapping[str, Any] | None,
    sheet: str = "",
) -> ListMatch | ImportJob:
    """Match a list now (`lists.list_match_create`) or, when it has more than
    IMPORT_INLINE_ROWS rows, have the worker match it: the file is kept encrypted until then.

    SheetError or MappingRefused say what is wrong with the file or the mapping.
    """
    require_perm(actor, Perm.REGISTRY_VIEW)
    if mapping is not None and columns is None:
        columns = mapping.columns  # kept with the job: the mapping may change while it waits
    read = sheet_read(data, filename=filename, sheet=sheet)
    rows = len(read.rows)
    if rows <= settings.IMPORT_INLINE_ROWS:
        return lists.list_match_create(
            actor=actor,
            data=data,
            kind=kind,
            filename=filename,
            mapping=mapping,
            columns=columns,
            sheet=sheet,
            read=read,
        )
    upload = ImportUpload.objects.create(
        filename=filename[: uploads.FILENAME_MAX],
        content=data,
        size=len(data),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.LIST,
        upload=upload,
        params={
            "kind": kind,
            "mapping": mapping.pk if mapping else None,
            "columns": dict(columns or {}),
            "sheet": sheet,
        },
        total=rows,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    return _queue(actor, job)


_ACTIVE = (ImportJob.State.QUEUED, ImportJob.State.RUNNING)


def _claim(job_id: int) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != ImportJob.State.QUEUED:
            return None  # run already, or by another worker
        job.state, job.started_at = ImportJob.State.RUNNING, timezone.now()
        job.save(update_fields=["state", "started_at"])
    return job


def _finish(job: ImportJob, state: str, message: str = "") -> str:
    job.state, job.message, job.finished_at = state, message, timezone.now()
    job.save(
        update_fields=["state", "message", "finished_at", "batch", "upload", "list_match", "params"]
    )
    return state


def import_job_run(job_id: int) -> str:
    """Do a queued job as the registrar who asked, in his console language; its new state."""
    job = _claim(job_id)
    if job is None:
        return ""
    actor = job.requested_by
    with translation.override(actor.console_language or settings.LANGUAGE_CODE):
        try:
            _RUN[job.kind](job, actor)
        except ActionRefused as refused:
            return _finish(job, ImportJob.State.FAILED, str(refused.message))
        except Exception:
            logger.exception("import job %s failed", job.pk)
            reason = gettext(
                "The worker could not finish, and nothing was written. Try again; if it fails "
                "again, the administrator will find why in the worker's log."
            )
            return _finish(job, ImportJob.State.FAILED, reason)
    return _finish(job, ImportJob.State.DONE)


def _run_match(job: ImportJob, actor: User) -> None:
    if job.upload is None:
        raise ActionRefused(gettext("The uploaded file is gone: upload it again."))
    params = job.params
    mapping = ImportMapping.objects.filter(pk=params.get("mapping")).first()
    job.batch = uploads.import_upload_match(
        actor=actor,
        upload=job.upload,
        reading=uploads.Reading(**params["reading"]),
        mapping=mapping,
        columns=params["columns"],
        options=params["options"],
    )
    job.upload = None  # the match deletes the file once the batch holds its rows


def _run_apply(job: ImportJob, actor: User) -> None:
    if job.batch is None:
        raise ActionRefused(gettext("The import is gone."))
    applied = imports.import_batch_apply(
        actor=actor, batch=job.batch, hold_undecided=bool(job.params.get("hold_undecided"))
    )
    if applied.held is not None:
        job.params = {**job.params, "held_batch": applied.held.pk}


def _run_undo(job: ImportJob, actor: User) -> None:
    if job.batch is None:
        raise ActionRefused(gettext("The import is gone."))
    imports.import_batch_undo(actor=actor, batch=job.batch)


@transaction.atomic
def _run_list(job: ImportJob, actor: User) -> None:
    upload = job.upload
    if upload is None:
        raise ActionRefused(gettext("The uploaded file is gone: upload it again."))
    params = job.params
    job.list_match = lists.list_match_create(
        actor=actor,
        data=bytes(upload.content),
        kind=params["kind"],
        filename=str(upload.filename),
        mapping=ImportMapping.objects.filter(pk=params.get("mapping")).first(),
        columns=params.get("columns"),
        sheet=params.get("sheet", ""),
    )
    upload.delete()  # the list's rows hold what it said now
    job.upload = None


_RUN: dict[str, Callable[[ImportJob, User], None]] = {
    ImportJob.Kind.MATCH: _run_match,
    ImportJob.Kind.APPLY: _run_apply,
    ImportJob.Kind.UNDO: _run_undo,
    ImportJob.Kind.LIST: _run_list,
}


@task()
def import_job_task(job_id: int) -> str:
    """Run an import job (see import_job_run)."""
    return import_job_run(job_id)
