"""Verifying the enquirer, and the answer to him: drafted, then approved by a second person."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.cases.models import Case
from lifeline.cases.services import case_reply_approved_send, case_transition
from lifeline.cases.workflows import ANSWERED, workflow_for
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.core.locks import row_lock
from lifeline.tracing.models import Disclosure, Enquiry
from lifeline.tracing.services.common import TEXT_MAX_CHARS, TracingRefused


@transaction.atomic
def enquirer_verify(*, actor: User, enquiry: Enquiry, how: str, note: str = "") -> Enquiry:
    """Record that the enquirer is who he says and kin of the sought person, and how we know."""
    require_perm(actor, Perm.ENQUIRY_WORK)
    if how not in Enquiry.Verification.values:
        raise TracingRefused(gettext("Say how the enquirer was verified."))
    if how == Enquiry.Verification.OTHER and not note.strip():
        raise TracingRefused(gettext("Describe in the note how the enquirer was verified."))
    enquiry = row_lock(enquiry)
    now = timezone.now()
    enquiry.enquirer_verified = True
    enquiry.verified_by = actor
    enquiry.verified_at = now
    enquiry.verified_how = how
    enquiry.verification_note = note.strip()
    enquiry.updated_at = now
    enquiry.save(
        update_fields=[
            "enquirer_verified",
            "verified_by",
            "verified_at",
            "verified_how",
            "verification_note",
            "updated_at",
        ]
    )
    audit_record(actor=actor, action=Action.ENQUIRY_VERIFY, obj=enquiry, detail={"how": how})
    return enquiry


def _recipient(enquiry: Enquiry) -> str:
    # Stored as written then, in no one's language: "Ольга (mother)".
    return f"{enquiry.enquirer_name or '?'} ({enquiry.relationship or '?'})"


@transaction.atomic
def disclosure_draft(*, actor: User, enquiry: Enquiry, text: str) -> Disclosure:
    """Draft the answer to the enquirer; it goes out only once a supervisor approves it."""
    require_perm(actor, Perm.ENQUIRY_WORK)
    text = text.strip()
    if not text:
        raise TracingRefused(gettext("The answer is empty."))
    if len(text) > TEXT_MAX_CHARS:
        raise TracingRefused(gettext("The answer is too long."))
    enquiry = row_lock(enquiry)
    if not enquiry.enquirer_verified:
        raise TracingRefused(gettext("Verify the enquirer before drafting an answer."))
    if enquiry.disclosures.filter(state=Disclosure.State.DRAFT).exists():
        raise TracingRefused(gettext("An answer already awaits approval."))
    disclosure = Disclosure.objects.create(
        enquiry=enquiry,
        person_id=enquiry.person_id,
        text=text,
        recipient=_recipient(enquiry),
        drafted_by=actor,
        drafted_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=Action.DISCLOSURE_DRAFT,
        obj=disclosure,
        detail={"enquiry": enquiry.pk, "person": enquiry.person_id},
    )
    return disclosure


def _decidable(*, actor: User, disclosure: Disclosure) -> Disclosure:
    require_perm(actor, Perm.DISCLOSURE_APPROVE)
    disclosure = row_lock(disclosure)
    if disclosure.state != Disclosure.State.DRAFT:
        raise TracingRefused(gettext("This answer has been decided already."))
    if disclosure.drafted_by_id == actor.pk:
        raise TracingRefused(gettext("A second person must approve: you drafted this answer."))
    return disclosure


# The steps by which an enquiry's case reaches "answered", as an officer would move it by hand.
_TO_ANSWERED = ("tracing", ANSWERED)


def _case_answered(*, actor: User, case: Case) -> None:
    """Move the case on once its answer has gone out, so the queue and the family see it so."""
    for step in _TO_ANSWERED:
        if case.status == ANSWERED:
            return
        if workflow_for(case.kind).allows(case.status, step):
            case_transition(actor=actor, case=case, to_status=step, by_owner=True)


@transaction.atomic
def disclosure_approve(*, actor: User, disclosure: Disclosure) -> Disclosure:
    """Approve the answer as the second person and send it on the enquiry's case."""
    disclosure = _decidable(actor=actor, disclosure=disclosure)
    enquiry = row_lock(disclosure.enquiry)
    if not enquiry.enquirer_verified:
        raise TracingRefused(gettext("The enquirer is not verified."))
    try:
        contact = case_reply_approved_send(
            actor=actor, case=enquiry.case, body=disclosure.text, drafted_by=disclosure.drafted_by
        )
    except ActionRefused as refused:
        raise TracingRefused(refused.message) from refused
    now = timezone.now()
    disclosure.state = Disclosure.State.SENT
    disclosure.decided_by = actor
    disclosure.decided_at = now
    disclosure.contact = contact
    disclosure.save(update_fields=["state", "decided_by", "decided_at", "contact"])
    enquiry.status = Enquiry.Status.ANSWERED
    enquiry.updated_at = now
    enquiry.save(update_fields=["status", "updated_at"])
    _case_answered(actor=actor, case=enquiry.case)
    audit_record(
        actor=actor,
        action=Action.DISCLOSURE_APPROVE,
        obj=disclosure,
        detail={
            "enquiry": enquiry.pk,
            "person": disclosure.person_id,
            "drafted_by": disclosure.drafted_by_id,
            "contact": contact.pk,
        },
    )
    return disclosure


@transaction.atomic
def disclosure_reject(*, actor: User, disclosure: Disclosure, note: str) -> Disclosure:
    """Send the draft back to the officer with a note saying why."""
    note = note.strip()
    if not note:
        raise TracingRefused(gettext("Say in the note why the answer is rejected."))
    disclosure = _decidable(actor=actor, disclosure=disclosure)
    disclosure.state = Disclosure.State.REJECTED
    disclosure.decided_by = actor
    disclosure.decided_at = timezone.now()
    disclosure.decision_note = note
    disclosure.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action=Action.DISCLOSURE_REJECT,
        obj=disclosure,
        detail={"enquiry": disclosure.enquiry_id},
    )
    return disclosure
