"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from lifeline.core.actions import Action
from lifeline.core.actors import PUBLIC, SYSTEM, Actor, staff_of
from lifeline.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        [
            prev_hash,
            event.at.isoformat(),
            event.actor_id,
            event.actor_kind,
            event.action,
            event.object_type,
            event.object_id,
            event.detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _actor_kind(actor: Actor) -> str:
    if actor is SYSTEM:
        return AuditEvent.ActorKind.SYSTEM
    if actor is PUBLIC:
        return AuditEvent.ActorKind.PUBLIC
    if getattr(actor, "pk", None) is None:  # None, a string, an unsaved or anonymous user
        raise TypeError(f"{actor!r} is no actor: pass a staff user, SYSTEM or PUBLIC")
    return AuditEvent.ActorKind.STAFF


def audit_record(
    *,
    actor: Actor,
    action: Action,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event; call it inside the transaction of the change it records.

    `actor` is a staff user, PUBLIC for an anonymous visitor, or SYSTEM for the system itself
    (lifeline.core.actors). `detail` must hold only non-sensitive facts (field names, statuses,
    ids).
    """
    [event] = audit_record_many(actor=actor, action=action, objs=[obj], detail=detail)
    return event


def audit_record_many(
    *,
    actor: Actor,
    action: Action,
    objs: Sequence[models.Model | None],
    detail: dict[str, Any] | None = None,
) -> list[AuditEvent]:
    """One event per object, chained in order, written with one lock and one insert.

    For a page that shows many records (candidates, duplicate pairs): each read stays its own
    event, findable by object, without three queries per record.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction it records")
    action = Action(action)  # ValueError for an action that is not in the list
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS}
    )
    kind = _actor_kind(actor)
    now = timezone.now()
    events = []
    for obj in objs:
        event = AuditEvent(
            at=now,
            actor=staff_of(actor),
            actor_kind=kind,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            detail=detail or {},
            prev_hash=head.last_hash,
        )
        event.hash = _digest(head.last_hash, event)
        head.last_hash = event.hash
        events.append(event)
    if not events:
        return []
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.bulk_create(events)
    head.count += len(events)
    head.save(update_fields=["last_hash", "count"])
    return events


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def audit_verify() -> ChainReport:
    """Walk the whole chain and report the first event whose hash does not follow.

    The head is read first and the walk stops at its count: events written meanwhile (the log
    grows while a large one is walked) come after it and are left for the next walk.
    """
    head = AuditHead.objects.filter(id=1).first()
    prev = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if head is not None and checked == head.count:
            break
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return ChainReport(checked=checked, first_broken_id=event.id)
        prev = event.hash
        checked += 1
    if head is not None and (head.last_hash != prev or head.count != checked):
        return ChainReport(checked=checked, first_broken_id=-1)
    return ChainReport(checked=checked, first_broken_id=None)
