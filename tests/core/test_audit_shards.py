"""The sharded audit log: one chain per transaction, chains written at once, verified each alone.

And the incremental verification, which starts each chain at the latest signed checkpoint.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from lifeline.core.actors import SYSTEM
from lifeline.core.audit import GENESIS, _digest, audit_record, audit_verify
from lifeline.core.checkpoints import checkpoint_write, checkpoints_read, signing_key
from lifeline.core.models import AUDIT_SHARDS, AuditEvent, AuditHead


def _transaction(n: int = 1) -> list[AuditEvent]:
    with transaction.atomic():
        return [
            audit_record(actor=SYSTEM, action="contact.process", detail={"n": i}) for i in range(n)
        ]


@pytest.mark.django_db(transaction=True)
def test_a_transaction_writes_one_chain_and_transactions_spread_over_all() -> None:
    AuditHead.objects.all().delete()  # as a flushed database has none: they are made again
    shards = set()
    for _ in range(120):
        events = _transaction(3)
        assert len({e.shard for e in events}) == 1  # one chain, one lock, per transaction
        assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
        shards.add(events[0].shard)
    assert len(shards) > AUDIT_SHARDS // 2  # 120 random picks of 16 miss few
    heads = AuditHead.objects.all()
    assert sum(h.count for h in heads) == AuditEvent.objects.count() == 360
    report = audit_verify()
    assert report.intact and report.checked == report.hashed == 360


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_lets_go_of_its_chain_and_loses_nothing() -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                audit_record(actor=SYSTEM, action="contact.process")
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        kept = audit_record(actor=SYSTEM, action="contact.process")
    assert list(AuditEvent.objects.all()) == [kept]
    assert kept.prev_hash == GENESIS
    assert audit_verify().intact


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_does_not_wait_for_a_chain_held_by_the_first() -> None:
    """On PostgreSQL the second takes another chain at once; SQLite serialises whole writes, so
    there it waits for the first to commit. Either way both events are chained and verify."""
    held, done = threading.Event(), threading.Event()
    # PostgreSQL: wait long for the second (it must not need the first to commit); SQLite: the
    # second cannot write until the first commits, so holding longer only slows the test.
    hold = 60 if connection.vendor == "postgresql" else 1
    _transaction(
        1
    )  # the heads exist, as migration 0006 made them (a flushed test database has none)
    result: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                result["first"] = audit_record(actor=SYSTEM, action="contact.process")
                held.set()
                done.wait(timeout=hold)  # hold the chain's lock while the second writes
                result["second_done_while_held"] = done.is_set()
        finally:
            connection.close()

    def second() -> None:
        try:
            held.wait(timeout=10)
            with transaction.atomic():
                result["second"] = audit_record(actor=SYSTEM, action="contact.process")
            done.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    one, two = result["first"], result["second"]
    assert isinstance(one, AuditEvent) and isinstance(two, AuditEvent)
    if connection.vendor == "postgresql":
        assert result["second_done_while_held"] is True
        assert one.shard != two.shard
    else:
        assert result["second_done_while_held"] is False
    assert audit_verify().intact


@pytest.mark.django_db
def test_incremental_verify_starts_at_the_latest_checkpoint() -> None:
    before = _transaction(4)
    checkpoint_write()
    after = _transaction(3)
    full, quick = audit_verify(), audit_verify(full=False)
    assert full.intact and quick.intact and full.checked == quick.checked == 7
    assert (full.hashed, quick.hashed) == (7, 3)  # only the events since the checkpoint
    # A change after the checkpoint is caught by both.
    AuditEvent.objects.filter(pk=after[1].pk).update(action="person.export")
    assert not audit_verify(full=False).intact
    AuditEvent.objects.filter(pk=after[1].pk).update(action="contact.process")
    # An event edited before the checkpoint, the signed event left alone: only the full walk.
    AuditEvent.objects.filter(pk=before[1].pk).update(action="person.export")
    assert audit_verify(full=False).intact
    broken = audit_verify()
    assert broken.first_broken_id == before[1].pk


@pytest.mark.django_db
def test_incremental_verify_catches_a_rewrite_or_cut_before_the_latest_checkpoint() -> None:
    events = _transaction(4)
    checkpoint_write()
    _transaction(1)
    checkpoint_write()
    # Re-hashed with the key from event 2 on: the older checkpoint's event (4) has a new hash.
    prev = events[0].hash
    for event in events[1:]:
        event.prev_hash = prev
        event.detail = {"n": 99}
        event.hash = _digest(prev, event)
        AuditEvent.objects.filter(pk=event.pk).update(
            detail=event.detail, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash
    report = audit_verify(full=False)
    assert not report.intact
    assert f"Rewritten: event 4 of chain {events[0].shard}" in (report.problem or "")


@pytest.mark.django_db
def test_incremental_verify_catches_the_latest_checkpoints_event_deleted() -> None:
    events = _transaction(3)
    checkpoint_write()
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    AuditHead.objects.filter(id=events[0].shard).update(last_hash=events[1].hash, count=2)
    report = audit_verify(full=False)
    assert not report.intact and "no longer holds the event 3" in (report.problem or "")


@pytest.mark.django_db
def test_a_checkpoint_written_before_the_log_was_sharded_still_verifies() -> None:
    AuditHead.objects.exclude(id=1).delete()  # the log as it was: one chain
    events = _transaction(3)
    assert {e.shard for e in events} == {1}
    old = {"at": "2026-12-01T00:00:00+00:00", "count": 3, "head": events[2].hash}
    old |= {"keyed_from": 0, "v": 1}
    body = json.dumps(old, sort_keys=True, separators=(",", ":")).encode()
    old["sig"] = base64.urlsafe_b64encode(signing_key().sign(body)).decode()
    Path(settings.AUDIT_CHECKPOINT_FILE).write_text(json.dumps(old) + "\n")
    [mark] = checkpoints_read()
    assert (mark.version, mark.count) == (1, 3)
    assert audit_verify().intact and audit_verify(full=False).checkpoints == 1
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    AuditHead.objects.filter(id=1).update(last_hash=events[1].hash, count=2)
    assert "Truncated: chain 1 holds 2 events" in (audit_verify().problem or "")


@pytest.mark.django_db
def test_an_event_moved_to_a_chain_without_a_head_is_caught() -> None:
    [event] = _transaction(1)
    AuditEvent.objects.filter(pk=event.pk).update(shard=AUDIT_SHARDS + 1)
    report = audit_verify()
    assert report.first_broken_id == event.pk and "which has no head row" in (report.problem or "")
