"""Background tasks of tracing, run by `lifeline worker` through the database task backend."""

from __future__ import annotations

import logging

from django_tasks import task

from lifeline.core.audit import SYSTEM
from lifeline.tracing import engine
from lifeline.tracing.services import enquiries_rematch_person

logger = logging.getLogger(__name__)


@task()
def enquiries_rematch(person_id: int) -> list[int]:
    """Re-match open enquiries after a registry person changed; returns the flagged ones.

    Registry services enqueue it once their change has committed. Without the matching engine
    there is nothing to do.
    """
    if not engine.available():
        logger.warning("matching engine missing: person %s not re-matched", person_id)
        return []
    return enquiries_rematch_person(actor=SYSTEM, person_id=person_id)
