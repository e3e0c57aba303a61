"""The console's import in steps: a file uploaded, read as the registrar says, then matched.

A file is kept encrypted (`ImportUpload`) from its upload to its preview batch, so that the
registrar can set how it is read (encoding, delimiter, sheet) and map its columns without
sending it again. Matching and everything after are `registry.imports`' services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record
from lifeline.registry import imports
from lifeline.registry.models import ImportBatch, ImportMapping, ImportUpload
from lifeline.registry.sheets import Sheet, sheet_read

FILENAME_MAX = 255


@dataclass(frozen=True)
class Reading:
    """How the registrar asks a file to be read: "" is what is detected (or the first sheet)."""

    sheet: str = ""
    encoding: str = ""
    delimiter: str = ""


def upload_sheet(upload: ImportUpload, reading: Reading) -> Sheet:
    """The uploaded file read as asked; SheetError says why it cannot be."""
    return sheet_read(
        bytes(upload.content),
        filename=str(upload.filename),
        sheet=reading.sheet,
        encoding=reading.encoding,
        delimiter=reading.delimiter,
    )


@transaction.atomic
def import_upload_store(
    *, actor: User, filename: str, data: bytes, reading: Reading = Reading()
) -> ImportUpload:
    """Keep an uploaded file for the import's next steps, once it reads as a list.

    SheetError says why it does not (empty, too large, not a spreadsheet...). The uploads of
    any registrar left behind for IMPORT_UPLOAD_HOURS are deleted.
    """
    require_perm(actor, Perm.REGISTRY_EDIT)
    sheet = sheet_read(
        data,
        filename=filename,
        sheet=reading.sheet,
        encoding=reading.encoding,
        delimiter=reading.delimiter,
    )
    stale = timezone.now() - timedelta(hours=settings.IMPORT_UPLOAD_HOURS)
    dropped, _ = ImportUpload.objects.filter(uploaded_at__lt=stale).delete()
    upload = ImportUpload.objects.create(
        filename=filename[:FILENAME_MAX],
        content=data,
        size=len(data),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=Action.IMPORT_UPLOAD,
        obj=upload,
        detail={
            "format": sheet.format,
            "bytes": len(data),
            "rows": len(sheet.rows),
            "stale_dropped": dropped,
        },
    )
    return upload


@transaction.atomic
def import_upload_discard(*, actor: User, upload: ImportUpload) -> None:
    """Drop an uploaded file that is not to be imported."""
    require_perm(actor, Perm.REGISTRY_EDIT)
    audit_record(actor=actor, action=Action.IMPORT_UPLOAD_DISCARD, obj=upload)
    upload.delete()


@transaction.atomic
def import_upload_match(
    *,
    actor: User,
    upload: ImportUpload,
    reading: Reading,
    mapping: ImportMapping | None = None,
    columns: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> ImportBatch:
    """Read and match the uploaded file into a preview batch (`imports.import_batch_preview`);
    the file itself then goes: the batch holds what was read of each row."""
    batch = imports.import_batch_preview(
        actor=actor,
        data=bytes(upload.content),
        filename=str(upload.filename),
        mapping=mapping,
        columns=columns,
        options=options,
        sheet=reading.sheet,
        encoding=reading.encoding,
        delimiter=reading.delimiter,
    )
    upload.delete()
    return batch
