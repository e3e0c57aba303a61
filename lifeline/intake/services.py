"""Writes to the inbox: web submissions and follow-ups, replies, and processing of contacts.

Each service runs in one transaction, writes its audit event there, and enqueues background
work only once that transaction has committed. Audit details never hold message content.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_open
from lifeline.core.access import Perm, require_perm
from lifeline.core.audit import audit_record
from lifeline.core.receipts import Receipt, hash_secret, new_receipt
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import clean_text

logger = logging.getLogger(__name__)

PUBLIC_ACTOR = "public"
# The kinds a visitor may open from the web; handover and assistance cases are opened by staff.
PUBLIC_KINDS = frozenset({CaseKind.SURRENDER, CaseKind.FAMILY_ENQUIRY, CaseKind.OTHER})


def _checked_body(body: str) -> str:
    text = clean_text(body)
    if not text:
        raise ValueError("the message is empty")
    if len(text) > settings.PUBLIC_MESSAGE_MAX_CHARS:
        raise ValueError("the message is too long")
    return text


def _checked_language(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    return language


def _free_receipt() -> Receipt:
    # A clash in 32^8 references is very unlikely, but a retry is cheaper than an error page.
    for _ in range(20):
        receipt = new_receipt()
        if not Case.objects.filter(reference=receipt.reference).exists():
            return receipt
    raise RuntimeError("could not draw a free case reference")


def _enqueue_processing(contact_id: int) -> None:
    # Imported here because the task module imports this one.
    from lifeline.intake.tasks import contact_process

    contact_process.enqueue(contact_id)


def _after_commit_process(contact: Contact) -> None:
    contact_id = contact.pk

    def enqueue_processing() -> None:
        _enqueue_processing(contact_id)

    # robust: the message is already committed, so a failing queue must not turn the visitor's
    # receipt into an error page; the contact stays PENDING and visible until it is processed.
    transaction.on_commit(enqueue_processing, robust=True)


def _inbound_create(
    *, conversation: Conversation, case: Case, language: str, body: str, fields: dict[str, Any]
) -> Contact:
    return Contact.objects.create(
        channel=conversation.channel,
        external_id=uuid.uuid4().hex,
        direction=Contact.Direction.IN,
        conversation=conversation,
        case=case,
        received_at=timezone.now(),
        language=language,
        body=body,
        fields=fields,
        state=Contact.State.PENDING,
    )


def web_submission_receive(
    *, kind: str, language: str, body: str, fields: dict[str, Any]
) -> tuple[Case, Receipt]:
    """Take a message from the public web form: open its case and hand back the receipt.

    The case, its web conversation, the contact and the audit events are written together or
    not at all. The receipt's secret exists only in the returned value: it is stored as an
    argon2 hash and must be shown to the visitor once, then forgotten.
    """
    if kind not in PUBLIC_KINDS:
        raise ValueError(f"the public cannot open a case of kind {kind!r}")
    text = _checked_body(body)
    language = _checked_language(language)
    answers = {key: value for key, value in fields.items() if value not in ("", None)}
    receipt = _free_receipt()
    # Hashing is deliberately slow; doing it before the transaction keeps the write lock short.
    secret_hash = hash_secret(receipt.secret)
    with transaction.atomic(durable=True):
        case = case_open(
            actor=PUBLIC_ACTOR,
            kind=kind,
            language=language,
            secret_hash=secret_hash,
            reference=receipt.reference,
            waiting=True,
        )
        conversation = Conversation.objects.create(
            channel=Channel.WEB, case=case, created_at=case.created_at
        )
        contact = _inbound_create(
            conversation=conversation, case=case, language=language, body=text, fields=answers
        )
        audit_record(
            actor=PUBLIC_ACTOR,
            action="contact.receive",
            obj=contact,
            detail={"channel": Channel.WEB, "case": case.pk, "fields": sorted(answers)},
        )
        _after_commit_process(contact)
    return case, receipt


def web_followup_receive(*, case: Case, language: str, body: str) -> Contact:
    """Take another message from a visitor who has unlocked `case` with his receipt."""
    text = _checked_body(body)
    language = _checked_language(language)
    with transaction.atomic(durable=True):
        conversation = (
            case.conversations.filter(channel=Channel.WEB).order_by("-created_at", "-id").first()
        )
        if conversation is None:
            conversation = Conversation.objects.create(
                channel=Channel.WEB, case=case, created_at=timezone.now()
            )
        contact = _inbound_create(
            conversation=conversation, case=case, language=language, body=text, fields={}
        )
        audit_record(
            actor=PUBLIC_ACTOR,
            action="contact.receive",
            obj=contact,
            detail={"channel": Channel.WEB, "case": case.pk, "followup": True},
        )
        _after_commit_process(contact)
    return contact


@transaction.atomic
def message_send(*, actor: Any, case: Case, body: str) -> Contact:
    """Reply to the visitor on the channel of the case's most recent conversation.

    A web reply is SENT at once, since the status page shows it; other channels' replies are
    QUEUED for their adapters. Raises ValueError for an empty body or a case with no
    conversation to answer on, PermissionDenied if `actor` may not work on cases. The case's
    own state (waiting, first response) is the caller's: `cases.services.case_reply`.
    """
    require_perm(actor, Perm.CASE_WORK)
    text = clean_text(body)
    if not text:
        raise ValueError("the reply is empty")
    conversation = case.conversations.order_by("-created_at", "-id").first()
    if conversation is None:
        raise ValueError("the case has no conversation to reply on")
    now = timezone.now()
    web = conversation.channel == Channel.WEB
    contact = Contact.objects.create(
        channel=conversation.channel,
        external_id=uuid.uuid4().hex,
        direction=Contact.Direction.OUT,
        conversation=conversation,
        case=case,
        received_at=now,
        language=case.language,
        body=text,
        author=actor,
        state=Contact.State.SENT if web else Contact.State.QUEUED,
        processed_at=now if web else None,
    )
    audit_record(
        actor=actor,
        action="contact.send",
        obj=contact,
        detail={"channel": conversation.channel, "case": case.pk},
    )
    return contact


@transaction.atomic
def contact_mark_processed(*, actor: Any, contact_id: int) -> Contact:
    """Mark an inbound contact processed and let its case know; doing it twice changes nothing."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if contact.state == Contact.State.PROCESSED or contact.direction != Contact.Direction.IN:
        return contact
    now = timezone.now()
    if contact.case_id is None:
        contact.case_id = (
            Conversation.objects.filter(pk=contact.conversation_id)
            .values_list("case_id", flat=True)
            .first()
        )
    contact.state = Contact.State.PROCESSED
    contact.attempts += 1
    contact.processed_at = now
    contact.last_error = ""
    contact.save(update_fields=["case", "state", "attempts", "processed_at", "last_error"])
    if contact.case_id is not None:
        case = Case.objects.select_for_update().get(pk=contact.case_id)
        case.updated_at = now
        update = ["updated_at"]
        if case.waiting_since is None:
            case.waiting_since = contact.received_at
            update.append("waiting_since")
        case.save(update_fields=update)
    audit_record(
        actor=actor,
        action="contact.process",
        obj=contact,
        detail={"attempts": contact.attempts, "case": contact.case_id},
    )
    return contact


def contact_mark_failed(*, actor: Any, contact_id: int, error: BaseException) -> None:
    """Record that processing failed, naming only the error's type: its text may hold content."""
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .filter(pk=contact_id)
            .exclude(state=Contact.State.PROCESSED)
            .first()
        )
        if contact is None:
            return
        contact.state = Contact.State.FAILED
        contact.attempts += 1
        contact.last_error = type(error).__name__[:500]
        contact.save(update_fields=["state", "attempts", "last_error"])
        audit_record(
            actor=actor,
            action="contact.fail",
            obj=contact,
            detail={"error": type(error).__name__},
        )


def case_public_view_record(*, case: Case) -> None:
    """Audit that a visitor read `case` on the status page with his receipt."""
    with transaction.atomic():
        audit_record(actor=PUBLIC_ACTOR, action="case.public_view", obj=case)
