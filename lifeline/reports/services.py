"""Writes of lifeline.reports: the audit record of an export (what was exported, never data)."""

from __future__ import annotations

from django.db import transaction

from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.actors import Actor
from lifeline.core.audit import audit_record


@transaction.atomic
def report_export_record(*, actor: Actor, table: str, fmt: str, weeks: int) -> None:
    """Record that `actor` downloaded a dashboard table: its name, format and period."""
    require_perm(actor, Perm.REPORTS_VIEW)
    audit_record(
        actor=actor,
        action=Action.REPORT_EXPORT,
        detail={"table": table, "format": fmt, "weeks": weeks},
    )
