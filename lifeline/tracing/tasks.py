"""Background tasks of tracing, run by `lifeline worker` through the database task backend."""

from __future__ import annotations

from django_tasks import task

from lifeline.core.actors import SYSTEM
from lifeline.tracing.services.duplicates import duplicates_check_person
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
