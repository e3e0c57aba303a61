"""Enquiries: opening one (from a form or a message), changing it, matching it to the registry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.cases.models import Case, CaseKind
from lifeline.core.access import Perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.intake.models import Contact
from lifeline.matching import Candidate, PersonRecord
from lifeline.registry.models import Person
from lifeline.tracing import engine
from lifeline.tracing.models import Enquiry, MatchCandidate
from lifeline.tracing.services.common import TracingRefused

TOP_CANDIDATES = 10
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


def _check_keys(data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(ENQUIRY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


@dataclass(frozen=True)
class MatchSummary:
    shown: int  # candidates now proposed or confirmed
    new_above_threshold: int  # not proposed above the threshold before this run


@transaction.atomic
def enquiry_open(
    *, actor: Actor, case: Case, data: Mapping[str, Any], source_contact: Contact | None = None
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
        created_by=staff_of(actor),
        created_at=now,
        updated_at=now,
        **{k: v for k, v in data.items() if v not in ("", None)},
    )
    audit_record(
        actor=actor,
        action=Action.ENQUIRY_OPEN,
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
def enquiry_open_from_contact(*, actor: Actor, contact_id: int) -> Enquiry | None:
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
def enquiry_update(*, actor: Actor, enquiry: Enquiry, data: Mapping[str, Any]) -> list[str]:
    """Change what the enquiry says; a changed description is matched again."""
    require_perm_or_system(actor, Perm.ENQUIRY_WORK)
    _check_keys(data)
    enquiry = row_lock(enquiry)
    changed = [f for f in data if getattr(enquiry, f) != data[f]]
    if not changed:
        return []
    for field in changed:
        setattr(enquiry, field, data[field])
    enquiry.updated_at = timezone.now()
    enquiry.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, action=Action.ENQUIRY_UPDATE, obj=enquiry, detail={"fields": changed})
    if set(changed) & set(SOUGHT_FIELDS):
        _match(actor=actor, enquiry=enquiry)
    return changed


@transaction.atomic
def enquiry_match(*, actor: Actor, enquiry: Enquiry) -> MatchSummary:
    """Match the enquiry against the registry: the top candidates, rejections left out."""
    require_perm_or_system(actor, Perm.ENQUIRY_WORK)
    return _match(actor=actor, enquiry=row_lock(enquiry))


def _match(*, actor: Actor, enquiry: Enquiry) -> MatchSummary:
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
        action=Action.ENQUIRY_MATCH,
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
def enquiries_rematch_person(*, actor: Actor, person_id: int) -> list[int]:
    """Score a changed registry person against every open enquiry (`enquiries_rematch`)."""
    return enquiries_rematch(actor=actor, person_ids=[person_id])


@transaction.atomic
def enquiries_rematch(*, actor: Actor, person_ids: Iterable[int]) -> list[int]:
    """Score changed registry persons against every open enquiry.

    An enquiry for which one of them is a new candidate above the threshold goes back to the
    officer's queue (`needs_review`). Rejected and confirmed candidates are left as decided.
    Returns those enquiries' ids. The reads are a few queries whatever the number of open
    enquiries; only the candidates written and the enquiries flagged cost one each.
    """
    records = engine.records(person_ids)  # a merged person is left out: his keeper re-matches
    if not records:
        return []
    enquiries = list(
        Enquiry.objects.select_for_update().filter(status=Enquiry.Status.OPEN).order_by("pk")
    )
    rows = {
        (row.enquiry_id, row.person_id): row
        for row in MatchCandidate.objects.filter(
            enquiry__status=Enquiry.Status.OPEN, person_id__in=[r.id for r in records]
        )
    }
    threshold = engine.THRESHOLD
    now = timezone.now()
    flagged: list[int] = []
    for enquiry in enquiries:
        query = engine.enquiry_query(enquiry)
        for record in records:
            row = rows.get((enquiry.pk, record.id))
            if row is not None and row.state != MatchCandidate.State.PROPOSED:
                continue
            candidate = engine.score(query, record)
            if candidate.score < threshold and row is None:
                continue
            is_new = candidate.score >= threshold and (row is None or row.score < threshold)
            row = _candidate_store(enquiry=enquiry, row=row, candidate=candidate, now=now)
            if not is_new:
                continue
            if not enquiry.needs_review:
                enquiry.needs_review = True
                enquiry.save(update_fields=["needs_review"])
            audit_record(
                actor=actor,
                action=Action.ENQUIRY_REMATCH,
                obj=enquiry,
                detail={"person": record.id, "candidate": row.pk, "score": round(row.score, 3)},
            )
            if enquiry.pk not in flagged:
                flagged.append(enquiry.pk)
    return flagged
