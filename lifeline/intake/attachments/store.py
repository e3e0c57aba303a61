"""Files that come with messages: size-checked, stripped of metadata, stored encrypted."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record
from lifeline.intake.attachments.cleaning import (
    TOO_LARGE,
    UNDECODABLE,
    CleanedFile,
    CleaningRefused,
    TooLarge,
    is_dangerous,
    sniff,
)
from lifeline.intake.attachments.sandbox import CleaningAborted, Limits, clean_bounded
from lifeline.intake.models import Attachment, Contact

if TYPE_CHECKING:
    from lifeline.accounts.models import User

logger = logging.getLogger(__name__)

# An office document may unpack to this many times the upload limit before it is kept uncleaned.
UNPACK_FACTOR = 5
FILENAME_MAX = 255


class AttachmentRefused(ValueError):
    """The file is empty or over the size limit; nothing was stored."""


@dataclass(frozen=True)
class Download:
    """A file a channel's `fetch` downloaded for a message."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Fetched:
    """What a channel's `fetch` got from the network for `interpret`: files, and how many were
    refused already (too large by their own word, or gone at the provider)."""

    files: list[Download] = field(default_factory=list)
    refused: int = 0


def fetched_store(contact: Contact, fetched: Fetched) -> int:
    """Store each file `fetched` holds for `contact` (`attachment_store`); how many were refused,
    here or by the fetch, which the contact's fields record for the case page."""
    refused = fetched.refused
    for download in fetched.files:
        try:
            attachment_store(
                contact=contact,
                filename=download.filename,
                content_type=download.content_type,
                data=download.data,
            )
        except AttachmentRefused:
            refused += 1
    if refused:
        contact.fields = {**(contact.fields or {}), "attachments_refused": refused}
        contact.save(update_fields=["fields"])
    return refused


def attachment_store(
    *, contact: Contact, filename: str, content_type: str, data: bytes
) -> Attachment:
    """Clean `data` of metadata and store it encrypted under `contact`.

    Call inside the transaction that files the contact. The type is read from the bytes:
    the sender's `content_type` and the filename's extension are not trusted. Raises
    AttachmentRefused for an empty or oversized file; the caller records that on the contact
    instead. A file that cannot be cleaned (a picture that does not decode, a decompression
    bomb, a decoder out of memory or time) is kept as it came, marked with the reason, so
    nothing that was accepted is lost and the item still completes.
    """
    _check_size(data)
    try:
        cleaned = clean_bounded(data, filename, limits=_limits())
    except TooLarge:
        cleaned = _kept_uncleaned(data, TOO_LARGE)
    except CleaningAborted as exc:
        cleaned = _kept_uncleaned(data, exc.reason)
    except CleaningRefused:
        # A damaged photo may be all a family has; a fake one is flagged for what it is.
        cleaned = _kept_uncleaned(data, UNDECODABLE)
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


def _limits() -> Limits:
    return Limits(
        max_unpacked_bytes=UNPACK_FACTOR * settings.ATTACHMENT_MAX_BYTES,
        max_pixels=settings.ATTACHMENT_MAX_PIXELS,
        memory_bytes=settings.ATTACHMENT_CLEANING_MEMORY_BYTES,
        seconds=settings.ATTACHMENT_CLEANING_SECONDS,
    )


def _kept_uncleaned(data: bytes, reason: str) -> CleanedFile:
    logger.warning("an attachment is kept uncleaned: %s", reason)
    return CleanedFile(data, sniff(data), reason)


def attachment_is_dangerous(attachment: Attachment) -> bool:
    """Whether opening the file can run code: a script, a program, markup a browser renders."""
    return is_dangerous(attachment.filename or "", attachment.content_type)


def attachment_download_name(attachment: Attachment) -> str:
    """The name a download is saved under: a dangerous file gets a neutral extension added,
    so a double click opens it in a text editor (".txt") or nothing at all (".bin")."""
    name = attachment.filename or "attachment"
    if not attachment_is_dangerous(attachment):
        return name
    name = name[: FILENAME_MAX - 4]
    textual = attachment.content_type.startswith("text/") or attachment.content_type in (
        "image/svg+xml",
        "application/xml",
        "application/xhtml+xml",
    )
    return f"{name}.txt" if textual else f"{name}.bin"


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
        action=Action.ATTACHMENT_VIEW,
        obj=attachment,
        detail={"contact": attachment.contact_id, "case": attachment.contact.case_id},
    )
