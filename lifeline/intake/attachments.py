"""Files that come with messages: size-checked, stripped of metadata, stored encrypted."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from lifeline.core.access import Perm, require_perm
from lifeline.core.audit import audit_record
from lifeline.intake.cleaning import CleaningRefused, clean_file
from lifeline.intake.models import Attachment, Contact

if TYPE_CHECKING:
    from lifeline.accounts.models import User

# An office document may unpack to this many times the upload limit before it is refused.
UNPACK_FACTOR = 5
FILENAME_MAX = 255


class AttachmentRefused(ValueError):
    """The file is empty, too large, or not what it claims (an image that does not decode),
    or it unpacks too large; nothing was stored."""


def attachment_store(
    *, contact: Contact, filename: str, content_type: str, data: bytes
) -> Attachment:
    """Clean `data` of metadata and store it encrypted under `contact`.

    Call inside the transaction that files the contact. The type is read from the bytes:
    the sender's `content_type` and the filename's extension are not trusted. Raises
    AttachmentRefused for an empty, oversized or undecodable file; the caller records that
    on the contact instead.
    """
    _check_size(data)
    limit = settings.ATTACHMENT_MAX_BYTES
    try:
        cleaned = clean_file(data, filename, max_unpacked_bytes=UNPACK_FACTOR * limit)
    except CleaningRefused as exc:
        raise AttachmentRefused(str(exc)) from exc
    _check_size(cleaned.data)  # a re-encoded picture can come out larger than it went in
    return Attachment.objects.create(
        contact=contact,
        filename=safe_filename(filename),
        content_type=cleaned.content_type[:100],
        size=len(cleaned.data),
        data=cleaned.data,
        cleaning=cleaned.cleaning,
        created_at=timezone.now(),
    )


def _check_size(data: bytes) -> None:
    if not data:
        raise AttachmentRefused("the file is empty")
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused("the file is too large")


def safe_filename(filename: str) -> str:
    """The base name only: no folders, no control or bidi characters, at most 255 characters.

    Bidi overrides would let "photo‮gpj.exe" pass for a picture on the case page.
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    kept = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    kept = kept.replace("\u2028", "").replace("\u2029", "").strip(" .")
    return kept[:FILENAME_MAX] or "attachment"


def attachment_get_for(*, user: User, pk: int) -> Attachment:
    """The attachment with this id, for a user who may read cases (and so their messages).

    Raises PermissionDenied before looking, so a refused user learns nothing about existence.
    """
    require_perm(user, Perm.CASE_VIEW)
    attachment = Attachment.objects.select_related("contact").filter(pk=pk).first()
    if attachment is None:
        raise Http404("no such attachment")
    return attachment


@transaction.atomic
def attachment_view_record(*, actor: User, attachment: Attachment) -> None:
    """Audit that `actor` downloaded the file; the filename stays out of the audit trail."""
    require_perm(actor, Perm.CASE_VIEW)
    audit_record(
        actor=actor,
        action="attachment.view",
        obj=attachment,
        detail={"contact": attachment.contact_id, "case": attachment.contact.case_id},
    )
