"""Background tasks of tracing, run by `lifeline worker` through the database task backend."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from lifeline.core.actors import SYSTEM, Actor
from lifeline.tracing.services.duplicates import duplicates_check_person, duplicates_find
from lifeline.tracing.services.enquiries import enquiries_rematch as enquiries_rematch_persons
from lifeline.tracing.services.enquiries import enquiries_rematch_person


@task()
def enquiries_rematch(person_id: int) -> list[int]:
    """Re-match open enquiries after a registry person changed; returns the flagged ones.

    Registry services enqueue it once their change has committed.
    """
    return enquiries_rematch_person(actor=SYSTEM, person_id=person_id)


@task()
def duplicates_check(person_id: int) -> int:
    """Look for likely duplicates of a person just added or changed; returns the new pairs."""
    return duplicates_check_person(actor=SYSTEM, person_id=person_id)


# Persons re-matched per transaction by `enquiries_rematch_many`: the open enquiries are locked
# while they are scored, so a large import does not hold them for minutes.
REMATCH_CHUNK = 500


@task()
def enquiries_rematch_many(person_ids: list[int]) -> list[int]:
    """`enquiries_rematch` of many persons changed at once (an import), a few hundred at a
    time; returns the flagged enquiries."""
    flagged: list[int] = []
    for start in range(0, len(person_ids), REMATCH_CHUNK):
        chunk = person_ids[start : start + REMATCH_CHUNK]
        for pk in enquiries_rematch_persons(actor=SYSTEM, person_ids=chunk):
            if pk not in flagged:
                flagged.append(pk)
    return flagged


@task()
def duplicates_check_many(person_ids: list[int]) -> int:
    """`duplicates_check` of many persons added or changed at once (an import); new pairs."""
    return sum(duplicates_check_person(actor=SYSTEM, person_id=pk) for pk in person_ids)


@task()
def duplicates_find_task(user_id: int | None) -> int:
    """The whole-registry linkage for the user who asked (the system if none); pairs found.

    A million persons take minutes and about 2.6 GB (docs/matching.md): no web request's work.
    """
    actor: Actor = SYSTEM
    if user_id is not None:
        actor = get_user_model().objects.get(pk=user_id)  # type: ignore[assignment]
    return duplicates_find(actor=actor).pairs
