"""Writes to cases. Each service runs in one transaction and writes its audit event there."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from lifeline.cases.exceptions import CaseActionRefused
from lifeline.cases.models import Case, CaseEvent, Priority
from lifeline.cases.workflows import (
    TransitionNotAllowed,
    state_label,
    transition_check,
    workflow_for,
)
from lifeline.core.access import CONSOLE_LANGUAGE, Perm, has_perm, require_perm, user_or_none
from lifeline.core.audit import audit_record
from lifeline.core.receipts import new_reference

if TYPE_CHECKING:
    from lifeline.accounts.models import User
    from lifeline.intake.models import Contact


def _unique_reference() -> str:
    for _ in range(20):
        reference = new_reference()
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise IntegrityError("could not draw a free case reference")


@transaction.atomic
def case_open(
    *,
    actor: Any,
    kind: str,
    language: str = "",
    summary: str = "",
    secret_hash: str = "",
    reference: str | None = None,
    waiting: bool = False,
) -> Case:
    """Open a case. `actor` is a staff user, "public" (web form) or None (a channel task).

    `waiting` marks that a visitor's message awaits a reply (the queue's oldest-waiting order).
    """
    now = timezone.now()
    case = Case.objects.create(
        reference=reference or _unique_reference(),
        secret_hash=secret_hash,
        kind=kind,
        language=language,
        summary=summary,
        created_at=now,
        updated_at=now,
        waiting_since=now if waiting else None,
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.CREATED,
        at=now,
        actor=user_or_none(actor),
        to_value=case.status,
    )
    audit_record(actor=actor, action="case.open", obj=case, detail={"kind": kind})
    return case


# Fields a service may change; reloaded under the row lock so every change starts from the
# committed state, not from whatever the caller's copy of the case says.
_MUTABLE_FIELDS = [
    "status",
    "priority",
    "assignee",
    "waiting_since",
    "first_response_at",
    "closed_at",
    "updated_at",
]
NOTE_MAX_CHARS = 10_000
REPLY_MAX_CHARS = 4_000


def _lock(case: Case) -> None:
    list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
    case.refresh_from_db(fields=_MUTABLE_FIELDS)


def _event(*, case: Case, actor: User | None, kind: str, at: datetime, **values: str) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, at=at, actor=actor, **values)


@transaction.atomic
def case_transition(
    *, actor: User, case: Case, to_status: str, note: str = "", by_owner: bool = False
) -> Case:
    """Move the case to `to_status` if its kind's workflow allows it from the current status.

    A state the workflow marks as owned (a handover's stages) is entered only with
    `by_owner=True`, by the service that keeps its record. Raises TransitionNotAllowed (with a
    message for the officer) and changes nothing otherwise.
    """
    require_perm(actor, Perm.CASE_WORK)
    _lock(case)
    from_status = case.status
    note = note.strip()
    transition_check(kind=case.kind, from_status=from_status, to_status=to_status, note=note)
    if not by_owner and to_status not in workflow_for(case.kind).manual_from(from_status):
        raise TransitionNotAllowed(
            gettext("'%(to)s' is recorded on the case's own page, not with the status buttons.")
            % {"to": state_label(to_status)}
        )
    if len(note) > NOTE_MAX_CHARS:
        raise CaseActionRefused(gettext("The note is too long."))
    now = timezone.now()
    terminal = workflow_for(case.kind).terminal
    case.status = to_status
    case.updated_at = now
    if to_status in terminal:
        case.closed_at = now
    elif from_status in terminal:
        case.closed_at = None
    case.save(update_fields=["status", "closed_at", "updated_at"])
    event = _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.STATUS,
        at=now,
        from_value=from_status,
        to_value=to_status,
        text=note,
    )
    audit_record(
        actor=actor,
        action="case.transition",
        obj=case,
        detail={"from": from_status, "to": to_status, "event": event.pk},
    )
    return case


@transaction.atomic
def case_reopen_for_message(*, case: Case) -> bool:
    """Reopen a closed case because its person wrote again; the system does it, no one else.

    A closed case is out of the queue, so a new message on it would wait unseen. It goes back
    to the state the workflow reopens into. Returns whether the case was reopened.
    """
    _lock(case)
    if case.status not in workflow_for(case.kind).terminal:
        return False
    from_status = case.status
    to_status = workflow_for(case.kind).transitions[from_status][0]
    now = timezone.now()
    case.status, case.closed_at, case.updated_at = to_status, None, now
    case.save(update_fields=["status", "closed_at", "updated_at"])
    with translation.override(CONSOLE_LANGUAGE):  # the worker has no console user's language
        text = gettext("Reopened: the person wrote again.")
    event = _event(
        case=case,
        actor=None,
        kind=CaseEvent.Kind.STATUS,
        at=now,
        from_value=from_status,
        to_value=to_status,
        text=text,
    )
    audit_record(
        actor=None,
        action="case.reopen",
        obj=case,
        detail={"from": from_status, "to": to_status, "event": event.pk},
    )
    return True


@transaction.atomic
def case_assign(*, actor: User, case: Case, assignee: User | None) -> Case:
    """Assign the case to `assignee`, or release it when `assignee` is None.

    Anyone who works cases may take an unassigned case or release his own; assigning it to
    someone else, or taking it from someone else, needs CASE_ASSIGN.
    """
    require_perm(actor, Perm.CASE_WORK)
    _lock(case)
    current = case.assignee
    new_id = assignee.pk if assignee is not None else None
    if new_id == case.assignee_id:
        if assignee is None:
            raise CaseActionRefused(gettext("The case is not assigned to anyone."))
        raise CaseActionRefused(
            gettext("The case is already assigned to %(user)s.") % {"user": assignee.get_username()}
        )
    taking_free_case = new_id == actor.pk and current is None
    releasing_own_case = new_id is None and case.assignee_id == actor.pk
    if not (taking_free_case or releasing_own_case):
        require_perm(actor, Perm.CASE_ASSIGN)
    if assignee is not None and not has_perm(assignee, Perm.CASE_WORK):
        raise CaseActionRefused(
            gettext("%(user)s does not work on cases and cannot be assigned one.")
            % {"user": assignee.get_username()}
        )
    now = timezone.now()
    case.assignee = assignee
    case.updated_at = now
    case.save(update_fields=["assignee", "updated_at"])
    _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.ASSIGNED,
        at=now,
        from_value=current.get_username() if current is not None else "",
        to_value=assignee.get_username() if assignee is not None else "",
    )
    audit_record(
        actor=actor,
        action="case.assign",
        obj=case,
        detail={"from": current.pk if current is not None else None, "to": new_id},
    )
    return case


@transaction.atomic
def case_note_add(*, actor: User, case: Case, text: str) -> CaseEvent:
    """Add an internal note to the timeline (stored encrypted; never shown to the public)."""
    require_perm(actor, Perm.CASE_WORK)
    text = text.strip()
    if not text:
        raise CaseActionRefused(gettext("The note is empty."))
    if len(text) > NOTE_MAX_CHARS:
        raise CaseActionRefused(gettext("The note is too long."))
    _lock(case)
    now = timezone.now()
    case.updated_at = now
    case.save(update_fields=["updated_at"])
    event = _event(case=case, actor=actor, kind=CaseEvent.Kind.NOTE, at=now, text=text)
    audit_record(actor=actor, action="case.note", obj=case, detail={"event": event.pk})
    return event


@transaction.atomic
def case_reply(*, actor: User, case: Case, body: str) -> Contact:
    """Answer the person on the case's channel; the outbound Contact is the timeline entry.

    The message goes out through intake (sent after commit); the case stops waiting.
    """
    from lifeline.intake.services import message_send  # intake imports cases: import late

    require_perm(actor, Perm.CASE_WORK)
    body = body.strip()
    if not body:
        raise CaseActionRefused(gettext("The reply is empty."))
    if len(body) > REPLY_MAX_CHARS:
        raise CaseActionRefused(
            gettext("The reply is too long (at most %(max)d characters).")
            % {"max": REPLY_MAX_CHARS}
        )
    _lock(case)
    if case.status in workflow_for(case.kind).terminal:
        raise CaseActionRefused(gettext("The case is closed. Reopen it before replying."))
    if not case.conversations.exists():
        raise CaseActionRefused(
            gettext("This case has no conversation to reply on: nobody wrote in on a channel.")
        )
    try:
        contact = message_send(actor=actor, case=case, body=body)
    except ValueError as error:
        raise CaseActionRefused(str(error)) from error
    now = timezone.now()
    case.waiting_since = None
    if case.first_response_at is None:
        case.first_response_at = now
    case.updated_at = now
    case.save(update_fields=["waiting_since", "first_response_at", "updated_at"])
    audit_record(
        actor=actor,
        action="case.reply",
        obj=case,
        detail={"contact": contact.pk, "channel": contact.channel},
    )
    return contact


@transaction.atomic
def case_priority_set(*, actor: User, case: Case, priority: int) -> Case:
    require_perm(actor, Perm.CASE_WORK)
    if priority not in Priority.values:
        raise CaseActionRefused(gettext("Unknown priority."))
    _lock(case)
    if case.priority == priority:
        raise CaseActionRefused(
            gettext("The priority is already %(priority)s.")
            % {"priority": Priority(priority).label}
        )
    previous = case.priority
    now = timezone.now()
    case.priority = priority
    case.updated_at = now
    case.save(update_fields=["priority", "updated_at"])
    _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.PRIORITY,
        at=now,
        from_value=Priority(previous).name.lower(),
        to_value=Priority(priority).name.lower(),
    )
    audit_record(
        actor=actor,
        action="case.priority",
        obj=case,
        detail={"from": previous, "to": priority},
    )
    return case


@transaction.atomic
def case_view_record(*, actor: User, case: Case) -> None:
    """Audit that `actor` opened the case page (and so read its messages)."""
    require_perm(actor, Perm.CASE_VIEW)
    audit_record(actor=actor, action="case.view", obj=case)
