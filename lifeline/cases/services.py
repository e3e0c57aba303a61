"""Writes to cases. Each service runs in one transaction and writes its audit event there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.cases.exceptions import CaseActionRefused, CaseChanged
from lifeline.cases.fixed_replies import fixed_reply_get, is_fixed_text
from lifeline.cases.models import (
    REOPENED_TEXT,
    CallBackOutcome,
    Case,
    CaseEvent,
    CasePresence,
    Priority,
    QueueVisit,
    ReplyDraft,
    ReplyTemplate,
)
from lifeline.cases.selectors import PRESENCE_TTL, case_reply_conversation
from lifeline.cases.workflows import (
    TransitionNotAllowed,
    state_label,
    transition_check,
    workflow_for,
)
from lifeline.core.access import Perm, has_perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM, Actor, staff_of
from lifeline.core.audit import audit_record, audit_record_many
from lifeline.core.locks import row_lock
from lifeline.core.models import AuditEvent
from lifeline.core.receipts import Receipt, hash_secret, new_receipt
from lifeline.intake.adapters import ApprovedTemplate, adapter_for
from lifeline.intake.inbox import message_queue
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import clean_text

if TYPE_CHECKING:
    from lifeline.accounts.models import User


@transaction.atomic
def case_open(
    *,
    actor: Actor,
    kind: str,
    language: str = "",
    summary: str = "",
    secret_hash: str = "",
    reference: str | None = None,
    waiting: bool = False,
) -> Case:
    """Open a case on no conversation yet: the step `case_open_for_conversation` builds on.

    `waiting` marks that a visitor's message awaits a reply (the queue's oldest-waiting order).
    """
    now = timezone.now()
    case = Case.objects.create(
        reference=reference or receipt_draw().reference,
        secret_hash=secret_hash,
        kind=kind,
        language=language,
        summary=summary,
        created_at=now,
        updated_at=now,
        updated_by=staff_of(actor),
        waiting_since=now if waiting else None,
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.CREATED,
        at=now,
        actor=staff_of(actor),
        to_value=case.status,
    )
    audit_record(actor=actor, action=Action.CASE_OPEN, obj=case, detail={"kind": kind})
    return case


def receipt_draw() -> Receipt:
    """A receipt (reference and secret) whose reference no case has yet."""
    # A clash in 32^8 references is very unlikely, but a retry is cheaper than an error.
    for _ in range(20):
        receipt = new_receipt()
        if not Case.objects.filter(reference=receipt.reference).exists():
            return receipt
    raise IntegrityError("could not draw a free case reference")


@transaction.atomic
def queue_visit_record(*, actor: User) -> datetime | None:
    """Note that `actor` opens the queue page now; return when he last did (None: never).

    Not audited: it is the user's own place in the queue, like a bookmark, and says nothing
    about a case. Reading the previews on the page is audited (case_preview_record).
    """
    require_perm(actor, Perm.CASE_VIEW)
    now = timezone.now()
    visit = QueueVisit.objects.select_for_update().filter(user=actor).first()
    if visit is None:
        QueueVisit.objects.create(user=actor, seen_at=now)
        return None
    previous = visit.seen_at
    visit.seen_at = now
    visit.save(update_fields=["seen_at"])
    return previous


@transaction.atomic
def case_preview_record(*, actor: User, cases: Sequence[Case]) -> None:
    """Audit that `actor` read the previews of `cases` on the queue: one event per case.

    A case whose preview he was already recorded reading since it last changed is not
    recorded again, so the queue refreshing itself every few seconds adds nothing.
    """
    require_perm(actor, Perm.CASE_VIEW)
    if not cases:
        return
    earliest = min(case.updated_at for case in cases)
    recorded = AuditEvent.objects.filter(
        action=Action.CASE_PREVIEW,
        actor=actor,
        object_type=Case._meta.label_lower,
        object_id__in=[str(case.pk) for case in cases],
        at__gte=earliest,
    ).values_list("object_id", "at")
    last_read: dict[str, datetime] = {}
    for object_id, at in recorded:
        last_read[object_id] = max(at, last_read.get(object_id, at))
    unread = [
        case
        for case in cases
        if str(case.pk) not in last_read or last_read[str(case.pk)] < case.updated_at
    ]
    audit_record_many(actor=actor, action=Action.CASE_PREVIEW, objs=unread)


@transaction.atomic
def case_open_for_conversation(
    *,
    actor: Actor,
    conversation: Conversation,
    kind: str,
    language: str,
    summary: str = "",
    waiting: bool = True,
    receipt: Receipt | None = None,
) -> Case:
    """Open a case for what arrived on `conversation`, and make it the conversation's case.

    The one way a case opens for a person: the web form, a channel's adapter, a logged call.
    With `receipt` (from
    `receipt_draw`), the case takes the receipt's reference and keeps only a keyed hash of its
    secret: the caller shows or sends the secret once. A case opened by a phone call has none,
    since nobody can be handed a receipt by a missed call.
    """
    case = case_open(
        actor=actor,
        kind=kind,
        language=language,
        summary=summary,
        secret_hash=hash_secret(receipt.secret) if receipt else "",
        reference=receipt.reference if receipt else None,
        waiting=waiting,
    )
    conversation.case = case
    conversation.save(update_fields=["case"])
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


def _lock(case: Case, *, seen: datetime | None = None) -> None:
    """Lock the case's row and reload the caller's copy of what the services change.

    `seen` is the case's `updated_at` on the page the action came from. If the case changed
    since (a reply, a status, an assignment, a message from the person), the action is refused
    with CaseChanged, so that nobody acts on a page that no longer says what is true.
    """
    row_lock(case)
    case.refresh_from_db(fields=_MUTABLE_FIELDS)
    if seen is not None and seen != case.updated_at:
        raise CaseChanged(
            gettext(
                "This case changed after you opened it. Nothing was done: "
                "read what changed, then try again."
            )
        )


def _event(*, case: Case, actor: Actor, kind: str, at: datetime, **values: str) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, at=at, actor=staff_of(actor), **values)


@transaction.atomic
def case_transition(
    *,
    actor: User,
    case: Case,
    to_status: str,
    note: str = "",
    by_owner: bool = False,
    seen: datetime | None = None,
) -> Case:
    """Move the case to `to_status` if its kind's workflow allows it from the current status.

    A state the workflow marks as owned (a handover's stages) is entered only with
    `by_owner=True`, by the service that keeps its record. Raises TransitionNotAllowed (with a
    message for the officer) and changes nothing otherwise; CaseChanged if `seen` is stale.
    """
    require_perm(actor, Perm.CASE_WORK)
    _lock(case, seen=seen)
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
    case.updated_at, case.updated_by = now, staff_of(actor)
    if to_status in terminal:
        case.closed_at = now
    elif from_status in terminal:
        case.closed_at = None
    case.save(update_fields=["status", "closed_at", "updated_at", "updated_by"])
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
        action=Action.CASE_TRANSITION,
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
    case.updated_by = None  # the person who wrote again
    case.save(update_fields=["status", "closed_at", "updated_at", "updated_by"])
    event = _event(
        case=case,
        actor=SYSTEM,
        kind=CaseEvent.Kind.STATUS,
        at=now,
        from_value=from_status,
        to_value=to_status,
        text=REOPENED_TEXT,  # in English, worded for each reader when shown
    )
    audit_record(
        actor=SYSTEM,
        action=Action.CASE_REOPEN,
        obj=case,
        detail={"from": from_status, "to": to_status, "event": event.pk},
    )
    return True


@transaction.atomic
def case_assign(
    *, actor: User, case: Case, assignee: User | None, seen: datetime | None = None
) -> Case:
    """Assign the case to `assignee`, or release it when `assignee` is None.

    Anyone who works cases may take an unassigned case or release his own; assigning it to
    someone else, or taking it from someone else, needs CASE_ASSIGN.
    """
    require_perm(actor, Perm.CASE_WORK)
    _lock(case, seen=seen)
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
    case.updated_at, case.updated_by = now, staff_of(actor)
    case.save(update_fields=["assignee", "updated_at", "updated_by"])
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
        action=Action.CASE_ASSIGN,
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
    case.updated_at, case.updated_by = now, staff_of(actor)
    case.save(update_fields=["updated_at", "updated_by"])
    event = _event(case=case, actor=actor, kind=CaseEvent.Kind.NOTE, at=now, text=text)
    audit_record(actor=actor, action=Action.CASE_NOTE, obj=case, detail={"event": event.pk})
    return event


def _checked_reply(body: str) -> str:
    body = body.strip()
    if not body:
        raise CaseActionRefused(gettext("The reply is empty."))
    if len(body) > REPLY_MAX_CHARS:
        raise CaseActionRefused(
            gettext("The reply is too long (at most %(max)d characters).")
            % {"max": REPLY_MAX_CHARS}
        )
    return body


def _check_can_reply(case: Case) -> None:
    if case.status in workflow_for(case.kind).terminal:
        raise CaseActionRefused(gettext("The case is closed. Reopen it before replying."))
    if not case.conversations.exists():
        raise CaseActionRefused(
            gettext("This case has no conversation to reply on: nobody wrote in on a channel.")
        )


def reply_release_check(*, actor: User, case: Case, body: str, drafted_by: User | None) -> None:
    """Refuse to let `body` go out on `case` now, unless the rules allow it.

    On a case whose replies need approval, only a fixed catalogue text goes out at once; any
    other text goes out only when `actor` may approve disclosures and someone else,
    `drafted_by`, wrote it. `_send`, the one path a staff reply takes, asks this before it
    queues anything, so no path past the reply form reaches the family either.
    """
    if not case.replies_need_approval or is_fixed_text(body):
        return
    if drafted_by is None:
        raise CaseActionRefused(
            gettext("A reply on a family enquiry goes out only once a second person approves it.")
        )
    require_perm(actor, Perm.DISCLOSURE_APPROVE)
    if drafted_by.pk == actor.pk:
        raise CaseActionRefused(gettext("A second person must approve: you wrote this reply."))


@dataclass(frozen=True)
class ReplyWindow:
    """Until when staff may write freely on a case's channel, and the templates it takes after.

    Only WhatsApp has one: free text within 24 hours of the person's last message, after that
    only a template the organisation had approved at Meta.
    """

    channel: str
    free_text_until: datetime
    templates: list[ApprovedTemplate]

    @property
    def is_open(self) -> bool:
        return self.free_text_until > timezone.now()


def case_reply_window(
    *, case: Case, conversation: Conversation | None = None
) -> ReplyWindow | None:
    """The window of the conversation a reply on `case` would go out on (`conversation`, when
    the caller has looked it up already); None if it has none."""
    conversation = conversation or case_reply_conversation(case=case)
    if conversation is None:
        return None
    adapter = adapter_for(conversation.channel)
    until = adapter.free_text_until(conversation)
    if until is None:
        return None
    return ReplyWindow(
        channel=conversation.get_channel_display(),
        free_text_until=until,
        templates=adapter.approved_templates(case.language),
    )


def _check_free_text(case: Case, conversation: Conversation | None = None) -> None:
    """Refuse free text where the channel's window has closed, saying what to do instead."""
    window = case_reply_window(case=case, conversation=conversation)
    if window is not None and not window.is_open:
        raise CaseActionRefused(
            gettext(
                "More than 24 hours have passed since the person's last message: %(channel)s "
                "now delivers only an approved template. Send one of the templates; once the "
                "person writes back, you can reply freely again."
            )
            % {"channel": window.channel}
        )


def _send(
    *,
    actor: User,
    case: Case,
    body: str,
    drafted_by: User | None = None,
    fixed: str = "",
    template: ApprovedTemplate | None = None,
) -> Contact:
    """Queue `body` to the person (the case row is locked already); the case stops waiting.

    The one path by which staff text reaches a person: it goes out on the case's most recent
    conversation that can carry a reply (a case reached only by phone is answered by calling
    back), through the inbox's outbound queue once the transaction commits.
    """
    require_perm(actor, Perm.CASE_WORK)
    if template is None:
        reply_release_check(actor=actor, case=case, body=body, drafted_by=drafted_by)
    # else: a template the organisation had approved says nothing about anyone, as a fixed
    # reply does, and goes out at once.
    _check_can_reply(case)
    text = clean_text(body)
    if not text:
        raise CaseActionRefused(gettext("The reply is empty."))
    conversation = case_reply_conversation(case=case)
    if conversation is None:
        raise CaseActionRefused(gettext("The person can only be reached by phone: call back."))
    extra: dict[str, Any] = {}
    if template is None:
        _check_free_text(case, conversation)
    else:
        extra["fields"] = {"template": template.key}  # what the adapter sends it by
    contact = message_queue(
        actor=actor,
        conversation=conversation,
        case=case,
        body=text,
        language=case.language,
        **extra,
    )
    now = timezone.now()
    case.waiting_since = None
    if case.first_response_at is None:
        case.first_response_at = now
    case.updated_at, case.updated_by = now, staff_of(actor)
    case.save(update_fields=["waiting_since", "first_response_at", "updated_at", "updated_by"])
    detail: dict[str, Any] = {"contact": contact.pk, "channel": contact.channel}
    if drafted_by is not None:
        detail["drafted_by"] = drafted_by.pk
    if fixed:
        detail["fixed"] = fixed
    if template is not None:
        detail["template"] = template.key
    audit_record(actor=actor, action=Action.CASE_REPLY, obj=case, detail=detail)
    return contact


@transaction.atomic
def case_reply(*, actor: User, case: Case, body: str, seen: datetime | None = None) -> Contact:
    """Answer the person on the case's channel; the outbound Contact is the timeline entry.

    The message goes out through intake (sent after commit); the case stops waiting. On a
    case whose replies need approval this refuses: the text is drafted with
    `case_reply_draft` and sent by `case_reply_approve`.
    """
    require_perm(actor, Perm.CASE_WORK)
    body = _checked_reply(body)
    _lock(case, seen=seen)
    reply_release_check(actor=actor, case=case, body=body, drafted_by=None)
    return _send(actor=actor, case=case, body=body)


@transaction.atomic
def case_reply_fixed(*, actor: User, case: Case, key: str, seen: datetime | None = None) -> Contact:
    """Send a text of the reviewed catalogue at once, in the case's language."""
    require_perm(actor, Perm.CASE_WORK)
    reply = fixed_reply_get(key)
    if reply is None:
        raise CaseActionRefused(gettext("Choose one of the fixed replies."))
    _lock(case, seen=seen)
    return _send(actor=actor, case=case, body=reply.text(case.language), fixed=key)


@transaction.atomic
def case_reply_template(
    *, actor: User, case: Case, key: str, seen: datetime | None = None
) -> Contact:
    """Send one of the channel's approved templates at once (WhatsApp, its window closed)."""
    require_perm(actor, Perm.CASE_WORK)
    _lock(case, seen=seen)
    window = case_reply_window(case=case)
    found = [t for t in window.templates if t.key == key] if window is not None else []
    if not found:
        raise CaseActionRefused(gettext("Choose one of the approved templates."))
    return _send(actor=actor, case=case, body=found[0].text, template=found[0])


@transaction.atomic
def case_reply_draft(
    *, actor: User, case: Case, body: str, seen: datetime | None = None
) -> ReplyDraft:
    """Hold a reply until a second person approves it; nothing goes out yet."""
    require_perm(actor, Perm.CASE_WORK)
    body = _checked_reply(body)
    _lock(case, seen=seen)
    if not case.replies_need_approval:
        raise CaseActionRefused(gettext("Replies on this case go out at once; send it."))
    # Refused now, not only when a supervisor approves it: the author can still act on it.
    _check_can_reply(case)
    _check_free_text(case)
    now = timezone.now()
    draft = ReplyDraft.objects.create(case=case, body=body, drafted_by=actor, drafted_at=now)
    case.updated_at, case.updated_by = now, actor
    case.save(update_fields=["updated_at", "updated_by"])
    audit_record(actor=actor, action=Action.CASE_REPLY_DRAFT, obj=case, detail={"draft": draft.pk})
    return draft


def _decidable(*, actor: User, draft: ReplyDraft) -> ReplyDraft:
    require_perm(actor, Perm.DISCLOSURE_APPROVE)
    # The case's row first, then the draft's: the order every reply takes, so none deadlock.
    _lock(draft.case)
    locked = row_lock(draft)
    if locked.state != ReplyDraft.State.DRAFT:
        raise CaseActionRefused(gettext("This reply has been decided already."))
    if locked.drafted_by_id == actor.pk:
        raise CaseActionRefused(gettext("A second person must approve: you wrote this reply."))
    locked.case = draft.case
    return locked


@transaction.atomic
def case_reply_approve(*, actor: User, draft: ReplyDraft) -> ReplyDraft:
    """Approve a held reply as the second person, and send it."""
    draft = _decidable(actor=actor, draft=draft)
    contact = _send(actor=actor, case=draft.case, body=draft.body, drafted_by=draft.drafted_by)
    draft.state = ReplyDraft.State.SENT
    draft.decided_by = actor
    draft.decided_at = timezone.now()
    draft.contact = contact
    draft.save(update_fields=["state", "decided_by", "decided_at", "contact"])
    audit_record(
        actor=actor,
        action=Action.CASE_REPLY_APPROVE,
        obj=draft.case,
        detail={"draft": draft.pk, "drafted_by": draft.drafted_by_id, "contact": contact.pk},
    )
    return draft


@transaction.atomic
def case_reply_reject(*, actor: User, draft: ReplyDraft, note: str) -> ReplyDraft:
    """Send a held reply back to its author with a note saying why; it never goes out."""
    note = note.strip()
    if not note:
        raise CaseActionRefused(gettext("Say in the note why the reply is rejected."))
    if len(note) > NOTE_MAX_CHARS:
        raise CaseActionRefused(gettext("The note is too long."))
    draft = _decidable(actor=actor, draft=draft)
    draft.state = ReplyDraft.State.REJECTED
    draft.decided_by = actor
    draft.decided_at = timezone.now()
    draft.decision_note = note
    draft.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action=Action.CASE_REPLY_REJECT,
        obj=draft.case,
        detail={"draft": draft.pk, "drafted_by": draft.drafted_by_id},
    )
    return draft


@transaction.atomic
def case_reply_approved_send(*, actor: User, case: Case, body: str, drafted_by: User) -> Contact:
    """Send a text that `actor`, as the second person, approved elsewhere (a disclosure).

    The same rule as a held reply: `actor` may approve disclosures and did not write it.
    """
    require_perm(actor, Perm.DISCLOSURE_APPROVE)
    body = _checked_reply(body)
    _lock(case)
    reply_release_check(actor=actor, case=case, body=body, drafted_by=drafted_by)
    return _send(actor=actor, case=case, body=body, drafted_by=drafted_by)


@transaction.atomic
def case_priority_set(
    *, actor: User, case: Case, priority: int, seen: datetime | None = None
) -> Case:
    require_perm(actor, Perm.CASE_WORK)
    if priority not in Priority.values:
        raise CaseActionRefused(gettext("Unknown priority."))
    _lock(case, seen=seen)
    if case.priority == priority:
        raise CaseActionRefused(
            gettext("The priority is already %(priority)s.")
            % {"priority": Priority(priority).label}
        )
    previous = case.priority
    now = timezone.now()
    case.priority = priority
    case.updated_at, case.updated_by = now, staff_of(actor)
    case.save(update_fields=["priority", "updated_at", "updated_by"])
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
        action=Action.CASE_PRIORITY,
        obj=case,
        detail={"from": previous, "to": priority},
    )
    return case


@transaction.atomic
def case_view_record(*, actor: User, case: Case) -> None:
    """Audit that `actor` opened the case page (and so read its messages)."""
    require_perm(actor, Perm.CASE_VIEW)
    audit_record(actor=actor, action=Action.CASE_VIEW, obj=case)


CALL_BACK_NOTE_MAX_CHARS = 2_000


@transaction.atomic
def case_call_back_log(
    *, actor: User, case: Case, outcome: str, note: str = "", seen: datetime | None = None
) -> CaseEvent:
    """Record that `actor` called the person of `case` back, and how it went.

    The event on the timeline says who called back, when, and the outcome; the note is
    stored encrypted. Reaching the person answers him: the case stops waiting.
    """
    require_perm(actor, Perm.CASE_WORK)
    if outcome not in CallBackOutcome.values:
        raise CaseActionRefused(gettext("Say how the call went."))
    note = clean_text(note)
    if len(note) > CALL_BACK_NOTE_MAX_CHARS:
        raise CaseActionRefused(gettext("The note is too long."))
    _lock(case, seen=seen)
    calls = case.conversations.filter(channel=Channel.PHONE).exclude(identity_hash="")
    if not calls.exists():
        raise CaseActionRefused(
            gettext("Nobody called in on this case from a number: there is no one to call back.")
        )
    now = timezone.now()
    changed = ["updated_at", "updated_by"]
    case.updated_at, case.updated_by = now, actor
    if outcome == CallBackOutcome.REACHED:
        case.waiting_since = None
        case.first_response_at = case.first_response_at or now
        changed += ["waiting_since", "first_response_at"]
    case.save(update_fields=changed)
    event = _event(
        case=case, actor=actor, kind=CaseEvent.Kind.CALL_BACK, at=now, to_value=outcome, text=note
    )
    audit_record(
        actor=actor,
        action=Action.CASE_CALL_BACK,
        obj=case,
        detail={"outcome": outcome, "event": event.pk},
    )
    return event


@transaction.atomic
def case_caller_numbers_read(*, actor: User, case: Case) -> list[str]:
    """The numbers the person of `case` called from, for `actor` to call back; audited."""
    require_perm(actor, Perm.CALLER_NUMBER_VIEW)
    conversations = case.conversations.filter(channel=Channel.PHONE).exclude(identity_hash="")
    numbers = sorted({c.identity for c in conversations if c.identity})
    audit_record(
        actor=actor,
        action=Action.CASE_CALLER_NUMBER_READ,
        obj=case,
        detail={"numbers": len(numbers)},
    )
    return numbers


def case_presence_mark(*, actor: User, case: Case, replying: bool) -> None:
    """Note that `actor` has `case` open now (and whether he is typing a reply).

    Not audited: it records nothing about the case, only for a minute or two who looks at it,
    and the page view itself is audited by `case_view_record`.
    """
    require_perm(actor, Perm.CASE_VIEW)
    now = timezone.now()
    CasePresence.objects.update_or_create(
        case=case, user=actor, defaults={"seen_at": now, "replying": replying}
    )
    # What he had open before and left is no one's business once it has expired: each user
    # keeps only the rows that still say something.
    CasePresence.objects.filter(user=actor, seen_at__lt=now - PRESENCE_TTL).delete()


REPLY_TEMPLATE_TITLE_MAX_CHARS = 100


def _checked_template(*, language: str, title: str, body: str) -> tuple[str, str, str]:
    if language not in dict(settings.LANGUAGES):
        raise CaseActionRefused(gettext("Unknown language."))
    title = clean_text(title, multiline=False)
    if not title:
        raise CaseActionRefused(gettext("Give the template a title."))
    if len(title) > REPLY_TEMPLATE_TITLE_MAX_CHARS:
        raise CaseActionRefused(gettext("The title is too long."))
    return language, title, _checked_reply(body)


@transaction.atomic
def reply_template_save(
    *,
    actor: User,
    template: ReplyTemplate | None,
    language: str,
    title: str,
    body: str,
) -> ReplyTemplate:
    """Create a reply template (`template` None) or change one; a supervisor keeps them."""
    require_perm(actor, Perm.REPLY_TEMPLATES_EDIT)
    language, title, body = _checked_template(language=language, title=title, body=body)
    now = timezone.now()
    if template is None:
        template = ReplyTemplate.objects.create(
            language=language, title=title, body=body, updated_at=now, updated_by=actor
        )
        action = Action.REPLY_TEMPLATE_CREATE
    else:
        template = row_lock(template)
        template.language, template.title, template.body = language, title, body
        template.updated_at, template.updated_by = now, actor
        template.save(update_fields=["language", "title", "body", "updated_at", "updated_by"])
        action = Action.REPLY_TEMPLATE_UPDATE
    audit_record(actor=actor, action=action, obj=template, detail={"language": language})
    return template


@transaction.atomic
def reply_template_delete(*, actor: User, template: ReplyTemplate) -> None:
    require_perm(actor, Perm.REPLY_TEMPLATES_EDIT)
    audit_record(
        actor=actor,
        action=Action.REPLY_TEMPLATE_DELETE,
        obj=template,
        detail={"language": template.language},
    )
    template.delete()
