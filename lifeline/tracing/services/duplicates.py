"""Likely duplicate persons in the registry: finding them (Splink) and dismissing a pair."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.tracing import dedupe, engine
from lifeline.tracing.models import DuplicatePair
from lifeline.tracing.services.common import TracingRefused


@dataclass(frozen=True)
class DedupeRun:
    persons: int
    pairs: int
    new: int


def duplicates_find(*, actor: Actor, threshold: float | None = None) -> DedupeRun:
    """Run the whole-registry linkage and store the likely duplicate pairs found.

    Pairs a registrar dismissed stay dismissed. The linkage runs outside any transaction: on
    a large registry it takes a while, and it only reads.
    """
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
            action=Action.PERSON_DEDUPE,
            detail={"persons": len(records), "pairs": len(pairs), "new": new},
        )
    return DedupeRun(persons=len(records), pairs=len(pairs), new=new)


@transaction.atomic
def duplicate_dismiss(*, actor: User, pair: DuplicatePair) -> DuplicatePair:
    """The two are different people: the pair is not listed again."""
    require_perm(actor, Perm.REGISTRY_MERGE)
    pair = row_lock(pair)
    if pair.state != DuplicatePair.State.OPEN:
        raise TracingRefused(gettext("This pair has been decided already."))
    pair.state = DuplicatePair.State.DISMISSED
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=Action.PERSON_DUPLICATE_DISMISS,
        obj=pair,
        detail={"left": pair.left_id, "right": pair.right_id},
    )
    return pair


# How many of the best candidates a person added or changed is compared with.
CHECKED_CANDIDATES = 5


def duplicates_check_person(*, actor: Actor, person_id: int) -> int:
    """Look for persons already in the registry who may be this one, just added or changed.

    The same candidate retrieval as an enquiry's (the match keys), with his record as the
    query. A pair above the linkage threshold joins the duplicates to review; a pair a
    registrar dismissed stays dismissed. Returns how many pairs are new.
    """
    records = engine.records([person_id])
    if not records:
        return 0  # gone, or merged into another
    query = engine.record_query(records[0])
    found = [
        c
        for c in engine.search(query, k=CHECKED_CANDIDATES + 1)
        if c.record_id != person_id and c.score >= dedupe.DEFAULT_THRESHOLD
    ]
    if not found:
        return 0
    with transaction.atomic():
        now = timezone.now()
        new = 0
        for candidate in found:
            left, right = sorted((person_id, candidate.record_id))
            _row, created = DuplicatePair.objects.get_or_create(
                left_id=left,
                right_id=right,
                defaults={"probability": candidate.score, "found_at": now},
            )
            new += created
        if new:
            audit_record(
                actor=actor,
                action=Action.PERSON_DEDUPE,
                detail={"person": person_id, "pairs": len(found), "new": new},
            )
    return new
