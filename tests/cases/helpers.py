"""`create_*` helpers for case tests: cases opened through the service, with a channel."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.cases.services import case_open
from lifeline.core.actors import SYSTEM
from lifeline.intake.models import Channel, Contact, Conversation


def create_case(
    kind: str = "surrender",
    *,
    status: str | None = None,
    channel: str | None = Channel.WEB,
    inbound: str | None = None,
    **extra: Any,
) -> Case:
    """A case opened by the system, optionally with a conversation and one inbound message.

    `status` puts the case straight into a state (test set-up, not a transition); `extra`
    sets other columns directly, e.g. waiting_since or created_at.
    """
    case = case_open(actor=SYSTEM, kind=kind, language="ru", summary="summary text")
    if channel is not None:
        conversation = Conversation.objects.create(
            channel=channel, case=case, created_at=case.created_at
        )
        if inbound is not None:
            contact_create(case=case, conversation=conversation, body=inbound)
    changes = dict(extra)
    if status is not None:
        changes["status"] = status
    if changes:
        Case.objects.filter(pk=case.pk).update(**changes)
        case.refresh_from_db()
    return case


def contact_create(
    *, case: Case, conversation: Conversation | None = None, body: str, ago: timedelta | None = None
) -> Contact:
    """An inbound message on the case's (first) conversation."""
    conversation = conversation or case.conversations.order_by("id").first()
    assert conversation is not None
    return Contact.objects.create(
        channel=conversation.channel,
        external_id=uuid.uuid4().hex,
        direction=Contact.Direction.IN,
        conversation=conversation,
        case=case,
        received_at=timezone.now() - (ago or timedelta()),
        language="ru",
        body=body,
        state=Contact.State.PROCESSED,
    )
