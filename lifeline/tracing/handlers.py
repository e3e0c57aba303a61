"""What tracing does when an app below it reports something (settings.LIFELINE_HOOKS).

A family's message or call opens its enquiry (opening it is part of intake, not of an
officer's tracing work, so the system does it); a registry change re-matches open enquiries; a
merge moves tracing's own rows to the record kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from lifeline.core.actors import SYSTEM, Actor
from lifeline.intake.models import Contact
from lifeline.registry.models import Person
from lifeline.tracing.models import Disclosure, DuplicatePair, Enquiry, MatchCandidate
from lifeline.tracing.services.enquiries import enquiry_open_from_contact
from lifeline.tracing.tasks import (
    duplicates_check,
    duplicates_check_many,
    enquiries_rematch,
    enquiries_rematch_many,
)

_STATE_WEIGHT = {
    MatchCandidate.State.PROPOSED: 0,
    MatchCandidate.State.REJECTED: 1,
    MatchCandidate.State.CONFIRMED: 2,
}


def contact_filed(*, contact: Contact, awaits_reply: bool) -> None:
    """A message, not a button press, may describe the one sought: open its enquiry."""
    if awaits_reply:
        enquiry_open_from_contact(actor=SYSTEM, contact_id=contact.pk)


def call_logged(*, contact: Contact) -> None:
    """A family's call opens its enquiry as a message on any other channel does."""
    enquiry_open_from_contact(actor=SYSTEM, contact_id=contact.pk)


def registry_changed(*, person_id: int | None = None, person_ids: Sequence[int] = ()) -> None:
    """Once the change has committed: re-match open enquiries against the changed person, and
    look for persons already in the registry who may be him.

    A change to many persons at once (an import applied) gives their ids in `person_ids`: one
    task of each kind goes for them all, which re-matches every open enquiry once against them.
    """
    if person_id is not None:
        transaction.on_commit(partial(enquiries_rematch.enqueue, person_id), robust=True)
        transaction.on_commit(partial(duplicates_check.enqueue, person_id), robust=True)
    if person_ids:
        ids = sorted(set(person_ids))
        transaction.on_commit(partial(enquiries_rematch_many.enqueue, ids), robust=True)
        transaction.on_commit(partial(duplicates_check_many.enqueue, ids), robust=True)


def person_merged(
    *, actor: Actor, keep: Person, merge: Person, merged_at: datetime, detail: dict[str, Any]
) -> None:
    """Move enquiry links, disclosures and candidates to `keep`; settle the pair's duplicates.

    Adds the enquiries moved and the candidate rows folded to the merge's audit `detail`.
    """
    enquiries = list(Enquiry.objects.filter(person=merge).values_list("pk", flat=True))
    Enquiry.objects.filter(pk__in=enquiries).update(person=keep)
    Disclosure.objects.filter(person=merge).update(person=keep)
    folded = _candidates_move(keep=keep, merge=merge)
    DuplicatePair.objects.filter(Q(left=keep, right=merge) | Q(left=merge, right=keep)).update(
        state=DuplicatePair.State.MERGED, decided_by=actor, decided_at=merged_at
    )
    DuplicatePair.objects.filter(
        Q(left=merge) | Q(right=merge), state=DuplicatePair.State.OPEN
    ).delete()
    detail.update(enquiries=enquiries, candidates_folded=folded)


def _candidates_move(*, keep: Person, merge: Person) -> int:
    """Give `keep` the merged person's candidate rows; where he has one, keep the stronger."""
    folded = 0
    for row in MatchCandidate.objects.select_for_update().filter(person=merge):
        twin = MatchCandidate.objects.filter(enquiry_id=row.enquiry_id, person=keep).first()
        if twin is None:
            row.person = keep
            row.save(update_fields=["person"])
            continue
        if (
            _STATE_WEIGHT[MatchCandidate.State(row.state)]
            > _STATE_WEIGHT[MatchCandidate.State(twin.state)]
        ):
            twin.state, twin.reviewed_by_id, twin.reviewed_at = (
                row.state,
                row.reviewed_by_id,
                row.reviewed_at,
            )
        twin.score = max(twin.score, row.score)
        twin.save(update_fields=["state", "reviewed_by", "reviewed_at", "score"])
        row.delete()
        folded += 1
    return folded


def persons_linked(*, person_ids: list[int], links: dict[int, list[str]]) -> None:
    """Add to `links` what tracing officers linked to these persons: an enquiry that names
    him, a candidate they reviewed, a disclosure, a duplicate pair they decided."""
    found: list[tuple[Any, str]] = [
        (
            Enquiry.objects.filter(person__in=person_ids).values_list("person", flat=True),
            gettext("an enquiry names the person"),
        ),
        (
            MatchCandidate.objects.filter(person__in=person_ids)
            .exclude(state=MatchCandidate.State.PROPOSED)
            .values_list("person", flat=True),
            gettext("a tracing officer reviewed the person as a candidate"),
        ),
        (
            Disclosure.objects.filter(person__in=person_ids).values_list("person", flat=True),
            gettext("a disclosure names the person"),
        ),
    ]
    decided = DuplicatePair.objects.exclude(state=DuplicatePair.State.OPEN)
    for side in ("left", "right"):
        found.append(
            (
                decided.filter(**{f"{side}__in": person_ids}).values_list(side, flat=True),
                gettext("a registrar decided on the person as a possible duplicate"),
            )
        )
    for ids, reason in found:
        for person_id in set(ids):
            links.setdefault(person_id, []).append(reason)


def persons_removing(*, actor: Actor, person_ids: list[int], detail: dict[str, Any]) -> None:
    """Before these persons are deleted (an import undone): remove the candidates matching
    proposed for them and the open duplicate pairs found for them, and say how many."""
    proposed = MatchCandidate.objects.filter(
        person__in=person_ids, state=MatchCandidate.State.PROPOSED
    )
    detail["candidates_removed"] = proposed.delete()[0]
    pairs = DuplicatePair.objects.filter(
        Q(left__in=person_ids) | Q(right__in=person_ids), state=DuplicatePair.State.OPEN
    )
    detail["duplicate_pairs_removed"] = pairs.delete()[0]
