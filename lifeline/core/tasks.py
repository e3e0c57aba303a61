"""Background tasks of core, run by `lifeline worker`: verifying the audit chain on request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from lifeline.core.actors import SYSTEM, Actor
from lifeline.core.auditlog import audit_chain_verify


@task()
def audit_chain_verify_task(user_id: int | None) -> bool:
    """Walk the audit chain for the user who asked (the system if none); True when intact."""
    actor: Actor = SYSTEM
    if user_id is not None:
        actor = get_user_model().objects.get(pk=user_id)  # type: ignore[assignment]
    return audit_chain_verify(actor=actor).intact
