"""An officer's review of an enquiry's candidates: confirm, reject, or take the decision back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.tracing.models import Enquiry, MatchCandidate
from lifeline.tracing.services.common import TracingRefused


def _candidate_move(*, actor: User, candidate: MatchCandidate, to_state: str) -> MatchCandidate:
    require_perm(actor, Perm.ENQUIRY_WORK)
    enquiry = row_lock(candidate.enquiry)
    candidate = row_lock(candidate)
    if not enquiry.is_open:
        raise TracingRefused(gettext("The enquiry is answered or closed."))
    if not candidate.allows(to_state):
        raise TracingRefused(
            gettext("A %(from)s candidate cannot become %(to)s.")
            % {"from": candidate.get_state_display(), "to": MatchCandidate.State(to_state).label}
        )
    from_state = candidate.state
    now = timezone.now()
    if to_state == MatchCandidate.State.CONFIRMED:
        if enquiry.person_id is not None and enquiry.person_id != candidate.person_id:
            raise TracingRefused(
                gettext("Another person is confirmed for this enquiry; undo that first.")
            )
        enquiry.person_id = candidate.person_id
        enquiry.status = Enquiry.Status.MATCHED
    elif from_state == MatchCandidate.State.CONFIRMED:
        enquiry.person_id = None
        enquiry.status = Enquiry.Status.OPEN
    candidate.state = to_state
    candidate.reviewed_by = actor
    candidate.reviewed_at = now
    candidate.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    enquiry.needs_review = False
    enquiry.updated_at = now
    enquiry.save(update_fields=["person", "status", "needs_review", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CANDIDATE_REVIEW,
        obj=enquiry,
        detail={
            "candidate": candidate.pk,
            "person": candidate.person_id,
            "from": from_state,
            "to": to_state,
        },
    )
    return candidate


@transaction.atomic
def candidate_confirm(*, actor: User, candidate: MatchCandidate) -> MatchCandidate:
    """The candidate is the sought person: link him to the enquiry."""
    return _candidate_move(
        actor=actor, candidate=candidate, to_state=MatchCandidate.State.CONFIRMED
    )


@transaction.atomic
def candidate_reject(*, actor: User, candidate: MatchCandidate) -> MatchCandidate:
    """The candidate is not the sought person: never propose him again for this enquiry."""
    return _candidate_move(actor=actor, candidate=candidate, to_state=MatchCandidate.State.REJECTED)


@transaction.atomic
def candidate_reopen(*, actor: User, candidate: MatchCandidate) -> MatchCandidate:
    """Take back a confirmation or a rejection: the candidate is proposed again."""
    return _candidate_move(actor=actor, candidate=candidate, to_state=MatchCandidate.State.PROPOSED)
