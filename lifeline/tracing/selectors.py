"""Reads of tracing for a staff user: each checks access; each person shown is audited.

The enquiry page shows registry persons (the candidates): every one shown counts as a read
of that person's record, audited as "person.view" with the purpose "candidate".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.audit import audit_record
from lifeline.registry.models import Person, StatusEvent, Verification
from lifeline.registry.selectors import person_reads_audit
from lifeline.tracing import answers, engine
from lifeline.tracing.models import Disclosure, DuplicatePair, Enquiry, MatchCandidate

MINE = "mine"
UNASSIGNED = "unassigned"
SHOWN_CANDIDATES = 10
SHOWN_DUPLICATES = 50


def enquiry_queue_for(*, user: User, who: str = "") -> QuerySet[Enquiry]:
    """Open enquiries: those back for review first, then the oldest. `who`: mine, unassigned."""
    require_perm(user, Perm.ENQUIRY_VIEW)
    enquiries = Enquiry.objects.filter(
        status__in=[Enquiry.Status.OPEN, Enquiry.Status.MATCHED]
    ).select_related("case", "case__assignee")
    if who == MINE:
        enquiries = enquiries.filter(case__assignee=user)
    elif who == UNASSIGNED:
        enquiries = enquiries.filter(case__assignee__isnull=True)
    # "Candidates to review": the engine keeps the top ten, but proposes for review only those
    # at or above its threshold; the enquiry page shows the rest as "below threshold".
    to_review = Q(
        candidates__state=MatchCandidate.State.PROPOSED,
        candidates__score__gte=engine.THRESHOLD,
    )
    return enquiries.annotate(
        proposed=Count("candidates", filter=to_review),
        awaiting_approval=Count("disclosures", filter=Q(disclosures__state=Disclosure.State.DRAFT)),
    ).order_by("-needs_review", "created_at", "id")


def enquiry_age(enquiry: Enquiry) -> timedelta:
    return timezone.now() - enquiry.created_at


@transaction.atomic
def enquiry_get_for(*, user: User, pk: int, purpose: str = "view") -> Enquiry:
    """The enquiry (raises Http404); reading it is audited, since it holds what a family said."""
    require_perm(user, Perm.ENQUIRY_VIEW)
    enquiry = get_object_or_404(
        Enquiry.objects.select_related("case", "person", "verified_by"), pk=pk
    )
    audit_record(actor=user, action=Action.ENQUIRY_VIEW, obj=enquiry, detail={"purpose": purpose})
    return enquiry


@dataclass(frozen=True)
class CandidateRows:
    shown: list[MatchCandidate]  # confirmed first, then proposed by score; at most ten
    rejected: list[MatchCandidate]


@transaction.atomic
def candidate_list_for(*, user: User, enquiry: Enquiry) -> CandidateRows:
    """The candidates to show on the enquiry page; each person shown is an audited read."""
    require_perm(user, Perm.ENQUIRY_VIEW)
    rows = list(enquiry.candidates.select_related("person", "reviewed_by"))
    confirmed = [r for r in rows if r.state == MatchCandidate.State.CONFIRMED]
    proposed = [r for r in rows if r.state == MatchCandidate.State.PROPOSED]
    shown = (confirmed + proposed)[:SHOWN_CANDIDATES]
    rejected = [r for r in rows if r.state == MatchCandidate.State.REJECTED]
    person_reads_audit(
        user=user,
        persons=[r.person_id for r in shown + rejected],
        purpose="candidate",
        enquiry=enquiry.pk,
    )
    return CandidateRows(shown=shown, rejected=rejected)


def candidate_get_for(*, user: User, pk: int) -> MatchCandidate:
    require_perm(user, Perm.ENQUIRY_VIEW)
    return get_object_or_404(MatchCandidate.objects.select_related("enquiry"), pk=pk)


def disclosure_list_for(*, user: User, enquiry: Enquiry) -> QuerySet[Disclosure]:
    require_perm(user, Perm.ENQUIRY_VIEW)
    return enquiry.disclosures.select_related("drafted_by", "decided_by", "contact")


def disclosure_get_for(*, user: User, pk: int) -> Disclosure:
    require_perm(user, Perm.ENQUIRY_VIEW)
    return get_object_or_404(Disclosure.objects.select_related("enquiry"), pk=pk)


@dataclass(frozen=True)
class AnswerStart:
    text: str  # what the answer box starts from
    language: str  # the enquirer's: the enquiry's case's
    withheld: bool  # the person asked that his family not be informed


@transaction.atomic
def answer_start_for(*, user: User, enquiry: Enquiry) -> AnswerStart:
    """The answer's first text, from the confirmed person's status (an audited read of him)."""
    require_perm(user, Perm.ENQUIRY_WORK)
    language = answers.answer_language(enquiry.case.language)
    person = enquiry.person
    if person is None:
        return AnswerStart(answers.answer_start(None, language), language, withheld=False)
    person_reads_audit(user=user, persons=[person.pk], purpose="answer", enquiry=enquiry.pk)
    known = _known(person)
    return AnswerStart(answers.answer_start(known, language), language, known.withheld)


def _known(person: Person) -> answers.Known:
    events = StatusEvent.objects.filter(person=person).only(
        "id", "status", "occurred_on", "recorded_at", "verification"
    )
    latest = max(events, key=lambda event: event.sort_key, default=None)
    # The status follows the newest event; should they ever disagree, no date is told.
    current = latest if latest is not None and latest.status == person.current_status else None
    return answers.Known(
        name=person.full_name,
        status=answers.UNKNOWN if latest is None else person.current_status,
        on=current.occurred_on if current else None,
        confirmed=current is not None and current.verification == Verification.CONFIRMED,
        female=person.sex == Person.Sex.FEMALE,
        withheld=person.inform_family == Person.InformFamily.NO,
    )


def disclosure_pending_for(*, user: User) -> QuerySet[Disclosure]:
    """Answers awaiting a second person's approval, oldest first, for those who may approve.

    Only ids, the case's reference and who drafted when: no text, no name, so listing them
    reads no one's record.
    """
    require_perm(user, Perm.DISCLOSURE_APPROVE)
    return (
        Disclosure.objects.filter(state=Disclosure.State.DRAFT)
        .select_related("enquiry__case", "drafted_by")
        .only(
            "id",
            "enquiry_id",
            "drafted_at",
            "drafted_by_id",
            "drafted_by__username",
            "enquiry__case_id",
            "enquiry__case__reference",
        )
        .order_by("drafted_at", "id")
    )


def disclosure_pending_count_for(*, user: User) -> int:
    """How many answers await this user's approval: drafted by someone else. One COUNT."""
    require_perm(user, Perm.DISCLOSURE_APPROVE)
    return Disclosure.objects.filter(state=Disclosure.State.DRAFT).exclude(drafted_by=user).count()


@transaction.atomic
def duplicate_list_for(*, user: User) -> list[DuplicatePair]:
    """Open duplicate pairs, most likely first; each person shown is an audited read."""
    require_perm(user, Perm.REGISTRY_MERGE)
    pairs = list(
        DuplicatePair.objects.filter(
            state=DuplicatePair.State.OPEN,
            left__merged_into__isnull=True,
            right__merged_into__isnull=True,
        ).select_related("left", "right")[:SHOWN_DUPLICATES]
    )
    persons = dict.fromkeys(p for pair in pairs for p in (pair.left_id, pair.right_id))
    person_reads_audit(user=user, persons=persons, purpose="duplicate")
    return pairs


def duplicate_get_for(*, user: User, pk: int) -> DuplicatePair:
    require_perm(user, Perm.REGISTRY_MERGE)
    return get_object_or_404(DuplicatePair.objects.select_related("left", "right"), pk=pk)
