"""Writes of the public site: a visitor's message from the web form, his follow-ups, his reads.

Each service runs in one transaction, writes its audit event there, and enqueues background
work only once that transaction has committed. Audit details never hold message content.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_open_for_conversation, receipt_draw
from lifeline.core.actions import Action
from lifeline.core.actors import PUBLIC
from lifeline.core.audit import audit_record
from lifeline.core.receipts import Receipt
from lifeline.intake.inbox import PROCESS_TASK, enqueue_after_commit
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import clean_text
from lifeline.public import selectors
from lifeline.public.form_tokens import form_external_id, form_secret, new_form_token

logger = logging.getLogger(__name__)

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


def _inbound_create(
    *,
    conversation: Conversation,
    case: Case,
    language: str,
    body: str,
    fields: dict[str, Any],
    external_id: str = "",
) -> Contact:
    now = timezone.now()
    contact = Contact.objects.create(
        channel=conversation.channel,
        external_id=external_id or uuid.uuid4().hex,
        direction=Contact.Direction.IN,
        conversation=conversation,
        case=case,
        received_at=now,
        language=language,
        body=body,
        fields=fields,
        state=Contact.State.PENDING,
        next_attempt_at=now,
    )
    # The message is committed with the request; if queueing fails the sweep finds it, so the
    # visitor's receipt never turns into an error page.
    enqueue_after_commit(PROCESS_TASK, contact.pk)
    return contact


def web_submission_receive(
    *,
    kind: str,
    language: str,
    body: str,
    fields: dict[str, Any],
    form_token: str = "",
) -> tuple[Case, Receipt | None]:
    """Take a message from the public web form: open its case and hand back the receipt.

    The case, its web conversation, the contact and the audit events are written together or
    not at all. The receipt's secret exists only in the returned value: it is stored as a
    keyed hash and must be shown to the visitor once, then forgotten.

    `form_token` is the form's idempotency token (lifeline.public.form_tokens): a form sent
    again with it (a reload, a second click) opens nothing and gets the first case back, with
    the same receipt while it may still be shown and None after that.
    """
    if kind not in PUBLIC_KINDS:
        raise ValueError(f"the public cannot open a case of kind {kind!r}")
    text = _checked_body(body)
    language = _checked_language(language)
    answers = {key: value for key, value in fields.items() if value not in ("", None)}
    token = form_token or new_form_token()
    earlier = selectors.web_submission_for_token(form_token=token)
    if earlier is not None:
        return earlier.case, earlier.receipt
    try:
        return _web_submission_open(
            kind=kind, language=language, text=text, answers=answers, token=token
        )
    except IntegrityError:
        # The same form, sent twice at once, lost the race: the unique (channel, external id)
        # key let the other request open the case. Anything else is a real error.
        earlier = selectors.web_submission_for_token(form_token=token)
        if earlier is None:
            raise
        return earlier.case, earlier.receipt


def _web_submission_open(
    *, kind: str, language: str, text: str, answers: dict[str, Any], token: str
) -> tuple[Case, Receipt]:
    receipt = dataclasses.replace(receipt_draw(), secret=form_secret(token))
    with transaction.atomic(durable=True):
        conversation = Conversation.objects.create(channel=Channel.WEB, created_at=timezone.now())
        case = case_open_for_conversation(
            actor=PUBLIC, conversation=conversation, kind=kind, language=language, receipt=receipt
        )
        contact = _inbound_create(
            conversation=conversation,
            case=case,
            language=language,
            body=text,
            fields=answers,
            external_id=form_external_id(token),
        )
        audit_record(
            actor=PUBLIC,
            action=Action.CONTACT_RECEIVE,
            obj=contact,
            detail={"channel": Channel.WEB, "case": case.pk, "fields": sorted(answers)},
        )
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
            actor=PUBLIC,
            action=Action.CONTACT_RECEIVE,
            obj=contact,
            detail={"channel": Channel.WEB, "case": case.pk, "followup": True},
        )
    return contact


def case_public_view_record(*, case: Case) -> None:
    """Audit that a visitor read `case` on the status page with his receipt."""
    with transaction.atomic():
        audit_record(actor=PUBLIC, action=Action.CASE_PUBLIC_VIEW, obj=case)
