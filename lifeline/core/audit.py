"""Writing and verifying the hash-chained audit log.

Each event's hash is an HMAC-SHA256, under settings.AUDIT_KEY (a secret the database does not
hold), of the previous hash and the event's fields: someone with only database access can edit
or delete events but cannot re-hash the chain to hide it. The first `AuditHead.keyed_from` events
predate the key and carry plain SHA-256 digests; they are verified as such. Signed checkpoints
(lifeline/core/checkpoints.py) anchor the head outside the database, so a chain cut short, or
re-hashed by someone who has the key, is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from lifeline.core.actions import Action
from lifeline.core.actors import PUBLIC, SYSTEM, Actor, staff_of
from lifeline.core.checkpoints import Checkpoint, CheckpointError, checkpoints_read
from lifeline.core.models import AUDIT_GENESIS, AuditEvent, AuditHead

GENESIS = AUDIT_GENESIS


def _digest(prev_hash: str, event: AuditEvent, *, keyed: bool = True) -> str:
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
    if not keyed:  # an event written before the chain was keyed
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
    key = settings.AUDIT_KEY.encode("utf-8")
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


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
        id=1, defaults={"last_hash": GENESIS, "keyed_from": 0}
    )
    kind = _actor_kind(actor)
    now = timezone.now()
    events: list[AuditEvent] = []
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
        position = head.count + len(events) + 1
        event.hash = _digest(head.last_hash, event, keyed=position > head.keyed_from)
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
    first_broken_id: int | None  # -1: the break is not at one event (head row, checkpoints)
    problem: str | None = None  # what is wrong, in a sentence, when not intact
    checkpoints: int = 0  # checkpoints whose signature and head were verified
    latest: Checkpoint | None = None
    newer: int = 0  # with `restored`: checkpoints signed after this chain's end (not in it)

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def _broken(checked: int, event_id: int, problem: str) -> ChainReport:
    return ChainReport(checked=checked, first_broken_id=event_id, problem=problem)


def audit_verify(*, restored: bool = False) -> ChainReport:
    """Walk the whole chain, then hold it against every signed checkpoint.

    `restored`: the chain comes from a backup, so checkpoints signed after the backup was made
    (a count beyond the chain's end) are counted in `newer` instead of reported as truncation.
    The chain must still hold every checkpoint it reaches, with the same keyed_from.

    Reports the first event whose hash does not follow (an edit, a deletion, or a re-hash
    without the audit key), then a checkpoint that does not verify (a forged or edited line), a
    checkpoint count the chain no longer reaches (its newest events deleted), or a checkpoint
    head the chain no longer has at that count (rewritten and re-hashed after the checkpoint).

    The checkpoints are read first and the head next, so every checkpoint read was taken from
    a head no newer than this one. The walk stops at the head's count: events written meanwhile
    (the log grows while a large one is walked) come after it and are left for the next walk.
    """
    try:
        marks = checkpoints_read()
    except CheckpointError as error:
        return _broken(0, -1, f"Checkpoint forged: {error}.")
    head = AuditHead.objects.filter(id=1).first()
    keyed_from = head.keyed_from if head is not None else 0
    wanted = {mark.count for mark in marks}
    at_count: dict[int, str] = {0: GENESIS}
    prev = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if head is not None and checked == head.count:
            break
        keyed = checked + 1 > keyed_from
        if event.prev_hash != prev or _digest(prev, event, keyed=keyed) != event.hash:
            return _broken(
                checked,
                event.id,
                f"Event {event.id} does not follow from the one before it: an event was edited "
                "or deleted, or the chain was re-hashed without the audit key.",
            )
        prev = event.hash
        checked += 1
        if checked in wanted:
            at_count[checked] = prev
    if head is not None and (head.last_hash != prev or head.count != checked):
        return _broken(
            checked,
            -1,
            f"The head row ({head.count} events) does not match the chain's {checked} events.",
        )
    for mark in marks:
        if mark.keyed_from != keyed_from:
            return _broken(
                checked,
                -1,
                f"The chain says its first {keyed_from} events are unkeyed, but the "
                f"{mark.describe()} signed {mark.keyed_from}: the head row was edited.",
            )
        if mark.count > checked and restored:
            continue
        if mark.count > checked:
            return _broken(
                checked,
                -1,
                f"Truncated: the chain holds {checked} events, but the {mark.describe()} "
                f"signed {mark.count}: its newest events were deleted.",
            )
        if at_count[mark.count] != mark.head:
            return _broken(
                checked,
                -1,
                f"Rewritten: event {mark.count} no longer has the hash the {mark.describe()} "
                "signed: the chain was rewritten and re-hashed.",
            )
    held = [mark for mark in marks if mark.count <= checked]
    return ChainReport(
        checked=checked,
        first_broken_id=None,
        checkpoints=len(held),
        latest=held[-1] if held else None,
        newer=len(marks) - len(held),
    )
