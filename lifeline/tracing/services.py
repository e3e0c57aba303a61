"""Writes of tracing. Each service runs in one transaction and writes its audit event there.

Audit details hold ids, states, counts and scores: never a name, a place, the enquiry's text,
a disclosure's text or the engine's explanation (which quotes spellings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_reply_approved_send
from lifeline.core.access import Perm, require_perm, require_perm_or_system, user_or_none
from lifeline.core.audit import audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.intake.models import Contact
from lifeline.matching import Candidate, PersonRecord
from lifeline.registry.models import Person
from lifeline.tracing import engine
from lifeline.tracing.models import Disclosure, DuplicatePair, Enquiry, MatchCandidate

TOP_CANDIDATES = 10
TEXT_MAX_CHARS = 10_000
ENQUIRER_FIELDS = ("enquirer_name", "enquirer_contact", "relationship")
SOUGHT_FIELDS = (
    "sought_surname",
    "sought_given_name",
    "sought_patronymic",
    "sought_birth_year",
    "sought_birth_month",
    "sought_birth_day",
    "sought_unit",
    "sought_place",
    "sought_text",
)
ENQUIRY_FIELDS = (*ENQUIRER_FIELDS, *SOUGHT_FIELDS)


class TracingRefused(ActionRefused):
    """The rules forbid this tracing action."""


def _lock(enquiry: Enquiry) -> Enquiry:
    return Enquiry.objects.select_for_update().get(pk=enquiry.pk)


def _check_keys(data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(ENQUIRY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


# --- Enquiries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchSummary:
    shown: int  # candidates now proposed or confirmed
    new_above_threshold: int  # not proposed above the threshold before this run


@transaction.atomic
def enquiry_open(
    *, actor: Any, case: Case, data: Mapping[str, Any], source_contact: Contact | None = None
) -> Enquiry:
    """Open an enquiry on a family-enquiry case and match it."""
    require_perm_or_system(actor, Perm.ENQUIRY_WORK)
    _check_keys(data)
    if case.kind != CaseKind.FAMILY_ENQUIRY:
        raise TracingRefused(gettext("Enquiries belong to family-enquiry cases only."))
    now = timezone.now()
    enquiry = Enquiry.objects.create(
        case=case,
        source_contact=source_contact,
        created_by=user_or_none(actor),
        created_at=now,
        updated_at=now,
        **{k: v for k, v in data.items() if v not in ("", None)},
    )
    audit_record(
        actor=actor,
        action="enquiry.open",
        obj=enquiry,
        detail={"case": case.pk, "fields": sorted(k for k, v in data.items() if v)},
    )
    _match(actor=actor, enquiry=enquiry)
    return enquiry


def _contact_answers(contact: Contact) -> dict[str, Any]:
    answers = contact.fields or {}
    year, month, day = engine.parse_birth(str(answers.get("sought_birth", "")))
    data: dict[str, Any] = {
        name: str(answers.get(name, ""))
        for name in ENQUIRY_FIELDS
        if name in answers and not name.startswith("sought_birth")
    }
    data.update(
        sought_birth_year=year,
        sought_birth_month=month,
        sought_birth_day=day,
        sought_place=str(answers.get("sought_last_place", "")),
        sought_text=contact.body,
    )
    return data


@transaction.atomic
def enquiry_open_from_contact(*, actor: Any, contact_id: int) -> Enquiry | None:
    """Open the enquiry of a "looking for a relative" message on any channel; None for others.

    Idempotent: a case that has an enquiry already gets no second one.
    """
    contact = Contact.objects.get(pk=contact_id)
    if contact.case_id is None or contact.direction != Contact.Direction.IN:
        return None
    case = Case.objects.select_for_update().get(pk=contact.case_id)
    if case.kind != CaseKind.FAMILY_ENQUIRY:
        return None
    existing = Enquiry.objects.filter(case=case).order_by("id").first()
    if existing is not None:
        return existing
    return enquiry_open(
        actor=actor, case=case, data=_contact_answers(contact), source_contact=contact
    )


@transaction.atomic
def enquiry_update(*, actor: Any, enquiry: Enquiry, data: Mapping[str, Any]) -> list[str]:
    """Change what the enquiry says; a changed description is matched again."""
    require_perm_or_system(actor, Perm.ENQUIRY_WORK)
    _check_keys(data)
    enquiry = _lock(enquiry)
    changed = [f for f in data if getattr(enquiry, f) != data[f]]
    if not changed:
        return []
    for field in changed:
        setattr(enquiry, field, data[field])
    enquiry.updated_at = timezone.now()
    enquiry.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, action="enquiry.update", obj=enquiry, detail={"fields": changed})
    if set(changed) & set(SOUGHT_FIELDS):
        _match(actor=actor, enquiry=enquiry)
    return changed


@transaction.atomic
def enquiry_match(*, actor: Any, enquiry: Enquiry) -> MatchSummary:
    """Match the enquiry against the registry: the top candidates, rejections left out."""
    require_perm_or_system(actor, Perm.ENQUIRY_WORK)
    return _match(actor=actor, enquiry=_lock(enquiry))


def _match(*, actor: Any, enquiry: Enquiry) -> MatchSummary:
    query = engine.enquiry_query(enquiry)
    existing = {c.person_id: c for c in MatchCandidate.objects.filter(enquiry=enquiry)}
    rejected = {pid for pid, c in existing.items() if c.state == MatchCandidate.State.REJECTED}
    found = [
        c
        for c in engine.search(query, k=TOP_CANDIDATES + len(rejected))
        if c.record_id not in rejected
    ][:TOP_CANDIDATES]
    live = set(
        Person.objects.filter(
            pk__in=[c.record_id for c in found], merged_into__isnull=True
        ).values_list("pk", flat=True)
    )
    threshold = engine.THRESHOLD
    now = timezone.now()
    new_above = 0
    for candidate in (c for c in found if c.record_id in live):
        row = existing.get(candidate.record_id)
        if candidate.score >= threshold and (row is None or row.score < threshold):
            new_above += 1
        _candidate_store(enquiry=enquiry, row=row, candidate=candidate, now=now)
    # Candidates that left the top keep their row, with today's score.
    seen = {c.record_id for c in found}
    stale = [r for pid, r in existing.items() if pid not in seen and pid not in rejected]
    for row, record in zip(stale, _records_for(stale), strict=False):
        if record is not None:
            _candidate_store(
                enquiry=enquiry, row=row, candidate=engine.score(query, record), now=now
            )
    enquiry.last_matched_at = now
    update = ["last_matched_at"]
    if actor is not None:
        enquiry.needs_review = False  # an officer is looking at it now
        update.append("needs_review")
    enquiry.save(update_fields=update)
    shown = enquiry.candidates.exclude(state=MatchCandidate.State.REJECTED).count()
    audit_record(
        actor=actor,
        action="enquiry.match",
        obj=enquiry,
        detail={"candidates": shown, "new_above_threshold": new_above},
    )
    return MatchSummary(shown=shown, new_above_threshold=new_above)


def _records_for(rows: list[MatchCandidate]) -> list[PersonRecord | None]:
    by_id = {r.id: r for r in engine.records(row.person_id for row in rows)}
    return [by_id.get(row.person_id) for row in rows]


def _candidate_store(
    *, enquiry: Enquiry, row: MatchCandidate | None, candidate: Candidate, now: datetime
) -> MatchCandidate:
    if row is None:
        return MatchCandidate.objects.create(
            enquiry=enquiry,
            person_id=candidate.record_id,
            score=candidate.score,
            explanation=engine.explanation(candidate),
            proposed_at=now,
            scored_at=now,
        )
    row.score = candidate.score
    row.explanation = engine.explanation(candidate)
    row.scored_at = now
    row.save(update_fields=["score", "explanation", "scored_at"])
    return row


@transaction.atomic
def enquiries_rematch_person(*, actor: Any, person_id: int) -> list[int]:
    """Score a changed registry person against every open enquiry.

    An enquiry for which he is a new candidate above the threshold goes back to the officer's
    queue (`needs_review`). Rejected candidates stay rejected. Returns those enquiries' ids.
    """
    records = engine.records([person_id])
    if not records:
        return []  # gone, or merged into another person (whose own change re-matches)
    record = records[0]
    threshold = engine.THRESHOLD
    now = timezone.now()
    flagged: list[int] = []
    for enquiry in Enquiry.objects.select_for_update().filter(status=Enquiry.Status.OPEN):
        row = MatchCandidate.objects.filter(enquiry=enquiry, person_id=person_id).first()
        if row is not None and row.state != MatchCandidate.State.PROPOSED:
            continue
        candidate = engine.score(engine.enquiry_query(enquiry), record)
        if candidate.score < threshold and row is None:
            continue
        is_new = candidate.score >= threshold and (row is None or row.score < threshold)
        row = _candidate_store(enquiry=enquiry, row=row, candidate=candidate, now=now)
        if not is_new:
            continue
        enquiry.needs_review = True
        enquiry.save(update_fields=["needs_review"])
        audit_record(
            actor=actor,
            action="enquiry.rematch",
            obj=enquiry,
            detail={"person": person_id, "candidate": row.pk, "score": round(row.score, 3)},
        )
        flagged.append(enquiry.pk)
    return flagged


# --- Review --------------------------------------------------------------------------------


def _candidate_move(*, actor: Any, candidate: MatchCandidate, to_state: str) -> MatchCandidate:
    require_perm(actor, Perm.ENQUIRY_WORK)
    enquiry = _lock(candidate.enquiry)
    candidate = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
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
        action="candidate.review",
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
def candidate_confirm(*, actor: Any, candidate: MatchCandidate) -> MatchCandidate:
    """The candidate is the sought person: link him to the enquiry."""
    return _candidate_move(
        actor=actor, candidate=candidate, to_state=MatchCandidate.State.CONFIRMED
    )


@transaction.atomic
def candidate_reject(*, actor: Any, candidate: MatchCandidate) -> MatchCandidate:
    """The candidate is not the sought person: never propose him again for this enquiry."""
    return _candidate_move(actor=actor, candidate=candidate, to_state=MatchCandidate.State.REJECTED)


@transaction.atomic
def candidate_reopen(*, actor: Any, candidate: MatchCandidate) -> MatchCandidate:
    """Take back a confirmation or a rejection: the candidate is proposed again."""
    return _candidate_move(actor=actor, candidate=candidate, to_state=MatchCandidate.State.PROPOSED)


# --- Verification and disclosure -----------------------------------------------------------


@transaction.atomic
def enquirer_verify(*, actor: Any, enquiry: Enquiry, how: str, note: str = "") -> Enquiry:
    """Record that the enquirer is who he says and kin of the sought person, and how we know."""
    require_perm(actor, Perm.ENQUIRY_WORK)
    if how not in Enquiry.Verification.values:
        raise TracingRefused(gettext("Say how the enquirer was verified."))
    if how == Enquiry.Verification.OTHER and not note.strip():
        raise TracingRefused(gettext("Describe in the note how the enquirer was verified."))
    enquiry = _lock(enquiry)
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
    audit_record(actor=actor, action="enquiry.verify", obj=enquiry, detail={"how": how})
    return enquiry


def _recipient(enquiry: Enquiry) -> str:
    # Stored as written then, in no one's language: "Ольга (mother)".
    return f"{enquiry.enquirer_name or '?'} ({enquiry.relationship or '?'})"


@transaction.atomic
def disclosure_draft(*, actor: Any, enquiry: Enquiry, text: str) -> Disclosure:
    """Draft the answer to the enquirer; it goes out only once a supervisor approves it."""
    require_perm(actor, Perm.ENQUIRY_WORK)
    text = text.strip()
    if not text:
        raise TracingRefused(gettext("The answer is empty."))
    if len(text) > TEXT_MAX_CHARS:
        raise TracingRefused(gettext("The answer is too long."))
    enquiry = _lock(enquiry)
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
        action="disclosure.draft",
        obj=disclosure,
        detail={"enquiry": enquiry.pk, "person": enquiry.person_id},
    )
    return disclosure


def _decidable(*, actor: Any, disclosure: Disclosure) -> Disclosure:
    require_perm(actor, Perm.DISCLOSURE_APPROVE)
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if disclosure.state != Disclosure.State.DRAFT:
        raise TracingRefused(gettext("This answer has been decided already."))
    if disclosure.drafted_by_id == actor.pk:
        raise TracingRefused(gettext("A second person must approve: you drafted this answer."))
    return disclosure


@transaction.atomic
def disclosure_approve(*, actor: Any, disclosure: Disclosure) -> Disclosure:
    """Approve the answer as the second person and send it on the enquiry's case."""
    disclosure = _decidable(actor=actor, disclosure=disclosure)
    enquiry = _lock(disclosure.enquiry)
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
    audit_record(
        actor=actor,
        action="disclosure.approve",
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
def disclosure_reject(*, actor: Any, disclosure: Disclosure, note: str) -> Disclosure:
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
        action="disclosure.reject",
        obj=disclosure,
        detail={"enquiry": disclosure.enquiry_id},
    )
    return disclosure


# --- De-duplication ------------------------------------------------------------------------


@dataclass(frozen=True)
class DedupeRun:
    persons: int
    pairs: int
    new: int


def duplicates_find(*, actor: Any, threshold: float | None = None) -> DedupeRun:
    """Run the whole-registry linkage and store the likely duplicate pairs found.

    Pairs a registrar dismissed stay dismissed. The linkage runs outside any transaction: on
    a large registry it takes a while, and it only reads.
    """
    from lifeline.tracing import dedupe  # Splink is heavy to import; only this needs it

    require_perm_or_system(actor, Perm.REGISTRY_MERGE)
    records = engine.records()
    pairs = dedupe.find_duplicates(
        records, threshold=dedupe.DEFAULT_THRESHOLD if threshold is None else threshold
    )
    with transaction.atomic():
        now = timezone.now()
        new = 0
        for pair in pairs:
            row, created = DuplicatePair.objects.get_or_create(
                left_id=pair.left_id,
                right_id=pair.right_id,
                defaults={"probability": pair.probability, "found_at": now},
            )
            if created:
                new += 1
            elif row.state == DuplicatePair.State.OPEN:
                row.probability = pair.probability
                row.found_at = now
                row.save(update_fields=["probability", "found_at"])
        audit_record(
            actor=actor,
            action="person.dedupe",
            detail={"persons": len(records), "pairs": len(pairs), "new": new},
        )
    return DedupeRun(persons=len(records), pairs=len(pairs), new=new)


@transaction.atomic
def duplicate_dismiss(*, actor: Any, pair: DuplicatePair) -> DuplicatePair:
    """The two are different people: the pair is not listed again."""
    require_perm(actor, Perm.REGISTRY_MERGE)
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.state != DuplicatePair.State.OPEN:
        raise TracingRefused(gettext("This pair has been decided already."))
    pair.state = DuplicatePair.State.DISMISSED
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="person.duplicate_dismiss",
        obj=pair,
        detail={"left": pair.left_id, "right": pair.right_id},
    )
    return pair
