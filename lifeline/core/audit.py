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
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from lifeline.core.actions import Action
from lifeline.core.actors import PUBLIC, SYSTEM, Actor, staff_of
from lifeline.core.checkpoints import ChainMark, Checkpoint, CheckpointError, checkpoints_read
from lifeline.core.models import AUDIT_GENESIS, AUDIT_SHARDS, AuditEvent, AuditHead

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


class _ShardHeld:
    """Which chain this transaction writes to, registered as a no-op on_commit callback.

    Django drops a transaction's callbacks when it commits or rolls back (and a savepoint's
    when that is rolled back, which releases the head's lock taken inside it too), so the
    record lives exactly as long as the lock it stands for.
    """

    def __init__(self, shard: int) -> None:
        self.shard = shard

    def __call__(self) -> None:
        pass


def _shard_head(connection: Any) -> AuditHead:
    """This transaction's chain head, locked: the one it already holds, or a free one.

    A transaction writes to one chain only, so two transactions never wait on each other's
    heads in opposite orders. The first event of a transaction takes any head no other
    transaction holds (SKIP LOCKED, in random order so the chains grow alike); only when all
    are held does it wait, on a random one. SQLite has no row locks (its write lock serialises
    writers), so there the first free head is a random one.
    """
    held = [f for _, f, _ in connection.run_on_commit if isinstance(f, _ShardHeld)]
    if held:
        shard = held[0].shard
    else:
        free = _free_head()
        if free is None:  # every head is held (or, in a flushed test database, none exists)
            AuditHead.objects.bulk_create(
                [AuditHead(id=i, last_hash=GENESIS) for i in range(1, AUDIT_SHARDS + 1)],
                ignore_conflicts=True,
            )
            free = _free_head()
        shard = free.id if free is not None else random.randint(1, AUDIT_SHARDS)  # noqa: S311
        transaction.on_commit(_ShardHeld(shard))
        if free is not None:
            return free
    return AuditHead.objects.select_for_update().get(id=shard)


def _free_head() -> AuditHead | None:
    """A head no other transaction holds, locked; a random one, so the chains grow alike."""
    return AuditHead.objects.select_for_update(skip_locked=True).order_by("?").first()


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
    return audit_record_batch(
        actor=actor, entries=[AuditEntry(action, obj, detail) for obj in objs]
    )


@dataclass(frozen=True)
class AuditEntry:
    """One event of `audit_record_batch`: what was done, to which object, with which facts."""

    action: Action
    obj: models.Model | None = None
    detail: dict[str, Any] | None = None


# Events inserted per statement by `audit_record_batch`.
AUDIT_INSERT_BATCH = 1000


def audit_record_batch(*, actor: Actor, entries: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Many events by one actor, each with its own action, object and detail, chained in the
    order given with one lock of the chain's head and a few inserts.

    For a bulk write (an import applied) that audits each person as the services would, one
    event per change, without three queries per event. The events are exactly those that
    `audit_record` called once per entry, in this order, would write: the same chain, hashes
    and timestamps taken once.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction it records")
    actions = [Action(entry.action) for entry in entries]  # ValueError: not in the list
    kind = _actor_kind(actor)
    if not entries:
        return []
    head = _shard_head(connection)
    now = timezone.now()
    staff = staff_of(actor)
    events: list[AuditEvent] = []
    for entry, action in zip(entries, actions, strict=True):
        obj = entry.obj
        event = AuditEvent(
            at=now,
            actor=staff,
            actor_kind=kind,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            detail=entry.detail or {},
            prev_hash=head.last_hash,
            shard=head.id,
        )
        position = head.count + len(events) + 1
        event.hash = _digest(head.last_hash, event, keyed=position > head.keyed_from)
        head.last_hash = event.hash
        events.append(event)
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.bulk_create(events, batch_size=AUDIT_INSERT_BATCH)
    head.count += len(events)
    head.save(update_fields=["last_hash", "count"])
    return events


@dataclass(frozen=True)
class ChainReport:
    checked: int  # events the chains hold up to their heads, as far as they are intact
    first_broken_id: int | None  # -1: the break is not at one event (head row, checkpoints)
    problem: str | None = None  # what is wrong, in a sentence, when not intact
    checkpoints: int = 0  # checkpoints whose signature and heads were verified
    latest: Checkpoint | None = None
    newer: int = 0  # with `restored`: checkpoints signed after this chain's end (not in it)
    hashed: int = 0  # events whose hash was recomputed: all of them, or those after the anchor

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def _broken(checked: int, event_id: int, problem: str) -> ChainReport:
    return ChainReport(checked=checked, first_broken_id=event_id, problem=problem)


class _Broken(Exception):
    def __init__(self, event_id: int, problem: str) -> None:
        super().__init__(problem)
        self.event_id = event_id
        self.problem = problem


@dataclass
class _Walk:
    """One chain walked: how far, and the hash at each count a checkpoint names."""

    count: int
    hashed: int
    at_count: dict[int, str]


def _walk(head: AuditHead, wanted: set[int], anchor: ChainMark | None) -> _Walk:
    """Recompute one chain's hashes from its start, or from a signed anchor, up to its head.

    The walk stops at the head's count: events written meanwhile (the log grows while a large
    one is walked) come after it and are left for the next walk.
    """
    events = AuditEvent.objects.filter(shard=head.id).order_by("id")
    prev, count = GENESIS, 0
    if anchor is not None and anchor.count:
        start = events.filter(hash=anchor.head).values_list("id", flat=True).first()
        if start is None:
            raise _Broken(
                -1,
                f"Rewritten: chain {head.id} no longer holds the event {anchor.count} that the "
                "latest checkpoint signed: the chain was cut short, or rewritten and re-hashed.",
            )
        events, prev, count = events.filter(id__gt=start), anchor.head, anchor.count
    at_count = {count: prev}
    hashed = 0
    for event in events.iterator(chunk_size=2000):
        if count >= head.count:
            break
        keyed = count + 1 > head.keyed_from
        if event.prev_hash != prev or _digest(prev, event, keyed=keyed) != event.hash:
            raise _Broken(
                event.id,
                f"Event {event.id} does not follow from the one before it in chain {head.id}: an "
                "event was edited or deleted, or the chain was re-hashed without the audit key.",
            )
        prev = event.hash
        count += 1
        hashed += 1
        if count in wanted:
            at_count[count] = prev
    if head.last_hash != prev or head.count != count:
        raise _Broken(
            -1,
            f"The head row of chain {head.id} ({head.count} events) does not match the "
            f"chain's {count} events.",
        )
    return _Walk(count, hashed, at_count)


def _anchored(marks: Sequence[Checkpoint]) -> dict[tuple[int, str], int]:
    """The id of each event a checkpoint signed, looked up by its (unique) hash."""
    wanted = {(c.shard, c.head) for mark in marks for c in mark.chains if c.count}
    found: dict[tuple[int, str], int] = {}
    hashes = sorted({head for _, head in wanted})
    for start in range(0, len(hashes), 1000):
        rows = AuditEvent.objects.filter(hash__in=hashes[start : start + 1000])
        for shard, digest, event_id in rows.values_list("shard", "hash", "id"):
            found[(shard, digest)] = event_id
    return found


def audit_verify(*, restored: bool = False, full: bool = True) -> ChainReport:
    """Walk every chain of the log, then hold them against every signed checkpoint.

    `full=False` (incremental) recomputes each chain only from the event the latest checkpoint
    signed, and checks every older checkpoint by looking up the event it signed: it catches a
    log cut short, rewritten or forged, and any change after the latest checkpoint, in a time
    that grows with the events since then. An edited event older than the latest checkpoint
    that leaves the signed events alone is caught only by a full walk, which operations run
    weekly and the console's "Verify now" runs (docs/deployment.md).

    `restored`: the log comes from a backup, so checkpoints signed after the backup was made (a
    count beyond a chain's end) are counted in `newer` instead of reported as truncation. The
    log must still hold every checkpoint it reaches, with the same keyed_from.

    The checkpoints are read first and the heads next, so every checkpoint read was taken from
    heads no newer than these.
    """
    try:
        marks = checkpoints_read()
    except CheckpointError as error:
        return _broken(0, -1, f"Checkpoint forged: {error}.")
    heads = {head.id: head for head in AuditHead.objects.order_by("id")}
    stray = AuditEvent.objects.exclude(shard__in=list(heads)).order_by("id").first()
    if stray is not None:
        return _broken(
            0, stray.id, f"Event {stray.id} is in chain {stray.shard}, which has no head row."
        )
    anchors = {} if full or restored or not marks else {c.shard: c for c in marks[-1].chains}
    wanted: dict[int, set[int]] = {}
    for mark in marks:
        for chain in mark.chains:
            wanted.setdefault(chain.shard, set()).add(chain.count)
    walks: dict[int, _Walk] = {}
    try:
        for shard, head in heads.items():
            walks[shard] = _walk(head, wanted.get(shard, set()), anchors.get(shard))
        newer = _hold_checkpoints(marks, heads, walks, restored=restored, looked_up=bool(anchors))
    except _Broken as broken:
        checked = sum(walk.count for walk in walks.values())
        return _broken(checked, broken.event_id, broken.problem)
    held = [mark for mark in marks if mark not in newer]
    return ChainReport(
        checked=sum(walk.count for walk in walks.values()),
        first_broken_id=None,
        checkpoints=len(held),
        latest=held[-1] if held else None,
        newer=len(newer),
        hashed=sum(walk.hashed for walk in walks.values()),
    )


def _hold_checkpoints(
    marks: Sequence[Checkpoint],
    heads: dict[int, AuditHead],
    walks: dict[int, _Walk],
    *,
    restored: bool,
    looked_up: bool,
) -> list[Checkpoint]:
    """Check each checkpoint against the walked chains; returns those newer than a restored log.

    `looked_up`: the walks began at the latest checkpoint, so an older checkpoint's event is
    looked up by its hash instead of read from the walk.
    """
    found = _anchored(marks) if looked_up else {}
    last_id: dict[int, int] = {}
    newer = []
    for mark in marks:
        beyond = False
        for chain in mark.chains:
            head, walk = heads.get(chain.shard), walks.get(chain.shard)
            if head is None or walk is None:
                raise _Broken(
                    -1, f"Chain {chain.shard} is gone, but the {mark.describe()} signed it."
                )
            if chain.keyed_from != head.keyed_from:
                raise _Broken(
                    -1,
                    f"Chain {chain.shard} says its first {head.keyed_from} events are "
                    f"unkeyed, but the {mark.describe()} signed {chain.keyed_from}: the head "
                    "row was edited.",
                )
            if chain.count > walk.count:
                if restored:
                    beyond = True
                    continue
                raise _Broken(
                    -1,
                    f"Truncated: chain {chain.shard} holds {walk.count} events, but the "
                    f"{mark.describe()} signed {chain.count}: its newest events were deleted.",
                )
            if chain.count == 0:
                intact = chain.head == GENESIS
            elif chain.count in walk.at_count:
                intact = walk.at_count[chain.count] == chain.head
            else:  # before the walk's anchor: the signed event must still be there, in order
                event_id = found.get((chain.shard, chain.head))
                intact = event_id is not None and event_id >= last_id.get(chain.shard, 0)
                last_id[chain.shard] = event_id or 0
            if not intact:
                raise _Broken(
                    -1,
                    f"Rewritten: event {chain.count} of chain {chain.shard} no longer has the "
                    f"hash the {mark.describe()} signed: the chain was rewritten and re-hashed.",
                )
        if beyond:
            newer.append(mark)
    return newer
