"""Changing the retention policy, and the purge that applies it (daily, from the worker)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.core.access import Perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM, Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.retention.kinds import KINDS, MAX_DAYS
from lifeline.retention.models import PurgeRun, RetentionRule
from lifeline.retention.purge import BATCH_SIZE, STEPS, Step
from lifeline.retention.selectors import policy_days

logger = logging.getLogger(__name__)

# The worker's sweep runs often; the purge runs when this long has passed since the last one.
PURGE_INTERVAL = timedelta(days=1)


class RetentionRefused(ActionRefused):
    """A figure of the policy breaks its rule; `message` says which and why."""


@transaction.atomic
def retention_policy_update(*, actor: Actor, days: Mapping[str, int]) -> list[str]:
    """Set the days kept for the kinds given; returns the kinds whose figure changed.

    The audit event names each changed kind with its old and new figure (no data).
    """
    require_perm_or_system(actor, Perm.RETENTION_EDIT)
    unknown = set(days) - set(KINDS)
    if unknown:
        raise ValueError(f"no such kind of data: {sorted(unknown)}")
    for key, value in days.items():
        if not 1 <= value <= MAX_DAYS:
            raise RetentionRefused(
                gettext("Between 1 and %(max)d days, please: %(kind)s.")
                % {"max": MAX_DAYS, "kind": KINDS[key].label}
            )
    current = policy_days()
    changed = {key: (current[key], value) for key, value in days.items() if current[key] != value}
    now = timezone.now()
    for key, (_old, new) in changed.items():
        RetentionRule.objects.update_or_create(
            kind=key, defaults={"days": new, "updated_at": now, "updated_by": staff_of(actor)}
        )
    if changed:
        audit_record(
            actor=actor,
            action=Action.RETENTION_POLICY,
            detail={key: {"from": old, "to": new} for key, (old, new) in changed.items()},
        )
    return sorted(changed)


def _purge_step(step: Step, *, cutoff: datetime) -> Counter[str]:
    """Delete what `step` finds due, a batch per transaction, each batch audited with counts."""
    total: Counter[str] = Counter()
    pk_name = step.due(cutoff).model._meta.pk.name  # type: ignore[union-attr]
    while True:
        with transaction.atomic():
            ids = list(
                step.due(cutoff)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by(pk_name)
                .values_list(pk_name, flat=True)[:BATCH_SIZE]
            )
            if not ids:
                return total
            counts = step.remove(ids)
            audit_record(
                actor=SYSTEM,
                action=Action.RETENTION_PURGE,
                detail={"kind": step.kind, "cutoff": cutoff.isoformat(), "deleted": dict(counts)},
            )
        total.update(counts)
        if len(ids) < BATCH_SIZE:
            return total


def purge_run(*, now: datetime | None = None) -> PurgeRun:
    """Apply the policy: delete everything older than its kind's days. Returns the run's record.

    Each batch commits on its own, so a purge stopped midway has lost nothing it had not
    finished deleting and simply continues at the next run.
    """
    now = now or timezone.now()
    run = PurgeRun.objects.create(started_at=now)
    days = policy_days()
    totals: Counter[str] = Counter()
    for step in STEPS:
        totals.update(
            step_counts := _purge_step(step, cutoff=now - timedelta(days=days[step.kind]))
        )
        if step_counts:
            logger.info("purge %s: %s", step.kind, dict(step_counts))
    run.finished_at = timezone.now()
    run.counts = dict(totals)
    run.save(update_fields=["finished_at", "counts"])
    return run


def purge_if_due() -> PurgeRun | None:
    """The worker's daily purge: run it when a day has passed since the last run started."""
    last = PurgeRun.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    if last is not None and timezone.now() - last < PURGE_INTERVAL:
        return None
    return purge_run()
