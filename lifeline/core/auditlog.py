"""Reading the audit log: search it, export a search, verify its chain; each read is audited.

For the data-protection officer's console screen (`core/audit_views.py`). Filters are by person
(his registry record, or an event whose detail names him), actor, action, object and dates;
events come newest first. Every search, export and verification is itself an audit event.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from lifeline.core.access import Anyone, Perm, require_perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor
from lifeline.core.audit import ChainReport, audit_record, audit_verify
from lifeline.core.models import AuditEvent, DetailText
from lifeline.core.spreadsheets import safe_cell

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000  # rows in one CSV; a wider search is cut, and the file says so
PERSON_TYPE = "registry.person"  # a registry person's label, named here so core imports nothing
# An event names a person in its detail under this key (a candidate reviewed, a disclosure,
# an exchange entry); AuditEvent has an index on it.
PERSON_KEY = "person"
ACTOR_KINDS = (AuditEvent.ActorKind.SYSTEM, AuditEvent.ActorKind.PUBLIC)


@dataclass(frozen=True)
class AuditSearch:
    """What to look for; empty fields do not filter. `until` is the last day included."""

    person: int | None = None
    actor: str = ""  # a staff username, or "system" / "public"
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None

    def used(self) -> dict[str, Any]:
        """The filters given, as the audit detail of the search records them."""
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in asdict(self).items()
            if value not in (None, "")
        }


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_matching(search: AuditSearch) -> QuerySet[AuditEvent]:
    """The events the search finds, newest first (no access check: callers have done it)."""
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if search.person is not None:
        pid = str(search.person)
        events = events.alias(named=DetailText(PERSON_KEY)).filter(
            Q(object_type=PERSON_TYPE, object_id=pid) | Q(named=pid)
        )
    if search.actor in ACTOR_KINDS:
        events = events.filter(actor_kind=search.actor)
    elif search.actor:
        staff = get_user_model().objects.filter(username=search.actor).values("pk")
        events = events.filter(actor__in=staff)
    if search.action:
        events = events.filter(action=search.action)
    if search.object_type:
        events = events.filter(object_type=search.object_type)
    if search.object_id:
        events = events.filter(object_id=search.object_id)
    if search.since is not None:
        events = events.filter(at__gte=_day_start(search.since))
    if search.until is not None:
        events = events.filter(at__lt=_day_start(search.until + timedelta(days=1)))
    return events


@transaction.atomic
def audit_search_for(*, user: Actor, search: AuditSearch, page: Any = 1) -> Page[AuditEvent]:
    """One page of the events found; the search itself is recorded (one event per page read)."""
    require_perm(user, Perm.AUDIT_VIEW)
    result = Paginator(audit_events_matching(search), PAGE_SIZE).get_page(page)
    audit_record(
        actor=user,
        action=Action.AUDIT_SEARCH,
        detail={"filters": search.used(), "page": result.number},
    )
    return result


EXPORT_HEADER = ["id", "at", "actor", "action", "object_type", "object_id", "detail", "hash"]


def actor_label(event: AuditEvent) -> str:
    """The staff username, or "system" / "public"."""
    if event.actor_kind == AuditEvent.ActorKind.STAFF and event.actor is not None:
        return event.actor.get_username()
    return event.actor_kind


@dataclass(frozen=True)
class AuditExport:
    content: bytes
    rows: int
    truncated: bool


@transaction.atomic
def audit_export_for(*, user: Actor, search: AuditSearch) -> AuditExport:
    """The search's events as CSV, newest first, at most EXPORT_LIMIT rows; audited."""
    require_perm(user, Perm.AUDIT_VIEW)
    events = list(audit_events_matching(search)[: EXPORT_LIMIT + 1])
    truncated = len(events) > EXPORT_LIMIT
    events = events[:EXPORT_LIMIT]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for event in events:
        detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True)
        row = [event.pk, event.at.isoformat(), actor_label(event), event.action]
        row += [event.object_type, event.object_id, detail, event.hash]
        writer.writerow([safe_cell(value) for value in row])
    if truncated:
        writer.writerow([safe_cell(f"# cut at {EXPORT_LIMIT} rows: narrow the search")])
    audit_record(
        actor=user,
        action=Action.AUDIT_EXPORT,
        detail={"filters": search.used(), "rows": len(events), "truncated": truncated},
    )
    return AuditExport(out.getvalue().encode("utf-8-sig"), len(events), truncated)


def audit_chain_verify(*, actor: Actor, full: bool = True) -> ChainReport:
    """Walk the chains and record the result (`lifeline audit verify`, the console's task).

    `full=False` walks each chain from the latest signed checkpoint only (audit_verify). The
    walk runs outside any transaction: on a large log it takes a while, and SQLite would hold
    its write lock all that time.
    """
    require_perm_or_system(actor, Perm.AUDIT_VIEW)
    report = audit_verify(full=full)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.AUDIT_VERIFY,
            detail={
                "checked": report.checked,
                "hashed": report.hashed,
                "full": full,
                "broken_at": report.first_broken_id,
                "problem": report.problem,
                "checkpoints": report.checkpoints,
            },
        )
    return report


def audit_last_verification(*, user: Anyone) -> AuditEvent | None:
    """The newest recorded verification of the chain, by anyone."""
    require_perm(user, Perm.AUDIT_VIEW)
    return AuditEvent.objects.filter(action=Action.AUDIT_VERIFY).order_by("-id").first()
