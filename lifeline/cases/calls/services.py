"""Log a call: the write behind the console screen where an operator records a phone call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseKind, Priority
from lifeline.cases.services import case_note_add, case_open_for_conversation, case_priority_set
from lifeline.cases.workflows import workflow_for
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.core.hooks import hook_run
from lifeline.core.locks import row_lock
from lifeline.core.numbers import number_normalise
from lifeline.intake.inbox import conversation_for
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import clean_text

SUMMARY_MAX_CHARS = 10_000
FOLLOW_UP_NOTE_MAX_CHARS = 200
HEADLINE_MAX_CHARS = 200
# What a caller may be about; handover and assistance cases grow out of these later.
PHONE_KINDS = (CaseKind.SURRENDER, CaseKind.FAMILY_ENQUIRY, CaseKind.OTHER)


class FollowUp(models.TextChoices):
    NONE = "none", gettext_lazy("none")
    CALL_BACK = "call_back", gettext_lazy("call back")
    AWAIT_CALL = "await_call", gettext_lazy("they will call again")
    HAND_OVER = "hand_over", gettext_lazy("hand over to a caseworker")


# Follow-ups that leave work for us: the case waits in the queue until someone does it.
FOLLOW_UPS_FOR_US = frozenset({FollowUp.CALL_BACK, FollowUp.HAND_OVER})


class CallRefused(ActionRefused):
    """The call cannot be logged as given; `message` tells the operator why."""


@dataclass(frozen=True)
class LoggedCall:
    contact: Contact
    case: Case
    reused: bool  # filed on the caller's open case rather than a new one


def _headline(text: str) -> str:
    return text.split("\n", 1)[0].strip()[:HEADLINE_MAX_CHARS]


def _checked(
    *, number: str, language: str, kind: str, summary: str, follow_up: str, priority: int
) -> tuple[str, str]:
    try:
        number = number_normalise(number)
    except ValueError as error:
        raise CallRefused(gettext("That is not a phone number.")) from error
    if kind not in PHONE_KINDS:
        raise CallRefused(gettext("Unknown kind of call."))
    if language and language not in dict(settings.LANGUAGES):
        raise CallRefused(gettext("Unknown language."))
    if follow_up not in FollowUp.values:
        raise CallRefused(gettext("Unknown follow-up."))
    if priority not in Priority.values:
        raise CallRefused(gettext("Unknown priority."))
    if follow_up == FollowUp.CALL_BACK and not number:
        raise CallRefused(gettext("A withheld number cannot be called back."))
    text = clean_text(summary)
    if not text:
        raise CallRefused(gettext("Say in a few words what the call was about."))
    if len(text) > SUMMARY_MAX_CHARS:
        raise CallRefused(gettext("The summary is too long."))
    return number, text


def _caller_conversation(*, number: str, language: str) -> Conversation:
    if number:
        found = conversation_for(channel=Channel.PHONE, identity=number, language=language)
        # Locked so that a provider's call event for the same number cannot open a second case.
        conversation = row_lock(found)
        if language and not conversation.language:
            conversation.language = language
            conversation.save(update_fields=["language"])
        return conversation
    # A withheld number: nothing ties this caller to an earlier one.
    return Conversation.objects.create(
        channel=Channel.PHONE, language=language, created_at=timezone.now()
    )


def _open_case_of(conversation: Conversation, kind: str) -> Case | None:
    if conversation.case_id is None:
        return None
    case = Case.objects.select_for_update().get(pk=conversation.case_id)
    if case.kind != kind or case.status in workflow_for(case.kind).terminal:
        return None
    return case


def call_log_record(
    *,
    actor: User,
    number: str,
    language: str,
    kind: str,
    summary: str,
    follow_up: str = FollowUp.NONE,
    follow_up_note: str = "",
    priority: int = Priority.NORMAL,
) -> LoggedCall:
    """Record a call an operator took: the caller's case, the call on it, the follow-up.

    `number` may be empty (withheld). A caller whose number has an open case of this kind gets
    the call filed there; otherwise a case is opened and becomes his conversation's case. The
    follow-up becomes a case note, and a call back or hand-over keeps the case waiting.
    Raises CallRefused for input the rules do not allow, and writes nothing then.
    """
    require_perm(actor, Perm.CASE_CREATE)
    number, text = _checked(
        number=number,
        language=language,
        kind=kind,
        summary=summary,
        follow_up=follow_up,
        priority=priority,
    )
    note = clean_text(follow_up_note, multiline=False)[:FOLLOW_UP_NOTE_MAX_CHARS]
    needs_us = follow_up in FOLLOW_UPS_FOR_US
    with transaction.atomic(durable=True):
        now = timezone.now()
        conversation = _caller_conversation(number=number, language=language)
        case = _open_case_of(conversation, kind)
        reused = case is not None
        if case is None:
            case = case_open_for_conversation(
                actor=actor,
                conversation=conversation,
                kind=kind,
                language=language,
                summary=_headline(text),
                waiting=needs_us,
            )
            # The provider's events of this call (answered, completed) wait on the
            # conversation for the case the operator opens now.
            Contact.objects.filter(conversation=conversation, case__isnull=True).update(case=case)
        else:
            case.updated_at, case.updated_by = now, actor
            if needs_us and case.waiting_since is None:
                case.waiting_since = now
            case.save(update_fields=["updated_at", "updated_by", "waiting_since"])
        fields = {"follow_up": follow_up, **({"follow_up_note": note} if note else {})}
        contact = Contact.objects.create(
            channel=Channel.PHONE,
            external_id=uuid.uuid4().hex,
            direction=Contact.Direction.IN,
            conversation=conversation,
            case=case,
            received_at=now,
            language=language,
            body=text,
            fields=fields,
            author=actor,
            state=Contact.State.PROCESSED,
            processed_at=now,
        )
        if follow_up != FollowUp.NONE:
            label = FollowUp(follow_up).label
            line = gettext("Follow-up: %(what)s.") % {"what": label}
            case_note_add(actor=actor, case=case, text=f"{line} {note}".strip())
        if priority == Priority.URGENT and case.priority != Priority.URGENT:
            case_priority_set(actor=actor, case=case, priority=priority)
        audit_record(
            actor=actor,
            action=Action.CALL_LOG,
            obj=contact,
            detail={
                "case": case.pk,
                "kind": kind,
                "reused": reused,
                "withheld": not number,
                "follow_up": follow_up,
                "priority": priority,
            },
        )
        hook_run("call_logged", contact=contact)  # a family's call opens its enquiry
    return LoggedCall(contact=contact, case=case, reused=reused)
