"""Writes to cases. Each service runs in one transaction and writes its audit event there."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lifeline.cases.models import Case, CaseEvent
from lifeline.core.audit import audit_record
from lifeline.core.receipts import new_reference


def _unique_reference() -> str:
    for _ in range(20):
        reference = new_reference()
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise IntegrityError("could not draw a free case reference")


@transaction.atomic
def case_open(
    *,
    actor: Any,
    kind: str,
    language: str = "",
    summary: str = "",
    secret_hash: str = "",
    reference: str | None = None,
    waiting: bool = False,
) -> Case:
    """Open a case. `actor` is a staff user, "public" (web form) or None (a channel task).

    `waiting` marks that a visitor's message awaits a reply (the queue's oldest-waiting order).
    """
    now = timezone.now()
    case = Case.objects.create(
        reference=reference or _unique_reference(),
        secret_hash=secret_hash,
        kind=kind,
        language=language,
        summary=summary,
        created_at=now,
        updated_at=now,
        waiting_since=now if waiting else None,
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.CREATED,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        to_value=case.status,
    )
    audit_record(actor=actor, action="case.open", obj=case, detail={"kind": kind})
    return case
