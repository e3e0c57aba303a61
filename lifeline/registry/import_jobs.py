"""Imports too long for a web request: the worker reads and matches the file, or applies the
batch, and the registrar's page follows it (models.ImportJob).

A list of more than IMPORT_INLINE_ROWS rows would outlast the request (gunicorn gives one 30 s):
the console hands it to `lifeline worker` instead. The work itself is the same services the
console and `lifeline import persons` call, each one transaction, so a job that fails wrote
nothing and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
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
from lifeline.registry import imports, uploads
from lifeline.registry.models import ImportBatch, ImportJob, ImportMapping, ImportUpload

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
    if ImportJob.objects.filter(batch=batch, state__in=_ACTIVE).exists():
        raise ActionRefused(gettext("This import is already being applied."))
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.APPLY,
        batch=batch,
        params={"hold_undecided": hold_undecided},
        total=int(batch.counts.get("rows", 0)),
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
    job.save(update_fields=["state", "message", "finished_at", "batch", "upload", "params"])
    return state


def import_job_run(job_id: int) -> str:
    """Do a queued job as the registrar who asked, in his console language; its new state."""
    job = _claim(job_id)
    if job is None:
        return ""
    actor = job.requested_by
    with translation.override(actor.console_language or settings.LANGUAGE_CODE):
        try:
            if job.kind == ImportJob.Kind.MATCH:
                _run_match(job, actor)
            else:
                _run_apply(job, actor)
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


@task()
def import_job_task(job_id: int) -> str:
    """Run an import job (see import_job_run)."""
    return import_job_run(job_id)
