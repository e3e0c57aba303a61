"""Reads of the retention policy, and what the next purge would remove (counts only)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm
from lifeline.retention.kinds import KINDS, Kind, defaults
from lifeline.retention.models import PurgeRun, RetentionRule
from lifeline.retention.purge import STEPS


@dataclass(frozen=True)
class Rule:
    kind: Kind
    days: int
    default: int
    updated_at: datetime | None = None
    updated_by: str = ""


def policy_days() -> dict[str, int]:
    """Days kept per kind: the administrator's figure, or the default where he set none."""
    days = dict(defaults())
    days.update(RetentionRule.objects.filter(kind__in=KINDS).values_list("kind", "days"))
    return days


def policy_get_for(*, user: User) -> list[Rule]:
    """The policy as the console shows it, one rule per kind, in the kinds' order."""
    require_perm(user, Perm.RETENTION_EDIT)
    rows = {r.kind: r for r in RetentionRule.objects.select_related("updated_by")}
    rules = []
    for key, kind in KINDS.items():
        row = rows.get(key)
        rules.append(
            Rule(
                kind=kind,
                days=row.days if row else defaults()[key],
                default=defaults()[key],
                updated_at=row.updated_at if row else None,
                updated_by=row.updated_by.get_username() if row and row.updated_by else "",
            )
        )
    return rules


def purge_preview(*, now: datetime | None = None) -> dict[str, Counter[str]]:
    """Per kind, how many rows of each table the purge would remove now: counts, never content."""
    now = now or timezone.now()
    days = policy_days()
    preview: dict[str, Counter[str]] = {key: Counter() for key in KINDS}
    for step in STEPS:
        due = step.due(now - timedelta(days=days[step.kind]))
        preview[step.kind][step.table] += due.count()
        preview[step.kind].update(step.preview(due))
    return preview


def purge_preview_for(*, user: User) -> dict[str, Counter[str]]:
    require_perm(user, Perm.RETENTION_EDIT)
    return purge_preview()


def purge_runs_recent(*, user: User, limit: int = 10) -> list[PurgeRun]:
    require_perm(user, Perm.RETENTION_EDIT)
    return list(PurgeRun.objects.all()[:limit])
