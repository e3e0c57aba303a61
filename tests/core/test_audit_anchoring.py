"""The keyed audit chain and its signed checkpoints: what a database insider cannot hide.

Each test plays the insider: he can run any SQL, but holds neither the audit key nor the
checkpoint file (on another volume, shipped off-host).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import QuerySet

from lifeline.cli import main as lifeline
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import GENESIS, _digest, audit_record, audit_verify
from lifeline.core.checkpoints import checkpoint_write, checkpoints_read, public_key_text
from lifeline.core.hooks import hook_run
from lifeline.core.models import AUDIT_SHARDS, AuditEvent, AuditHead

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    with transaction.atomic():
        return [
            audit_record(actor=SYSTEM, action="contact.process", detail={"n": i}) for i in range(n)
        ]


def _rehash(*, keyed: bool, edit: bool = True) -> None:
    """The insider's rewrite: edit each chain's first event, re-hash every event after it, fix
    the heads."""
    for shard in AuditEvent.objects.values_list("shard", flat=True).distinct():
        prev = GENESIS
        for event in AuditEvent.objects.filter(shard=shard).order_by("id"):
            if edit and event.prev_hash == GENESIS:
                event.action = "person.export"
            event.prev_hash = prev
            event.hash = _digest(prev, event, keyed=keyed)
            AuditEvent.objects.filter(pk=event.pk).update(
                action=event.action, prev_hash=event.prev_hash, hash=event.hash
            )
            prev = event.hash
        AuditHead.objects.filter(id=shard).update(last_hash=prev)


def _head(event: AuditEvent) -> QuerySet[AuditHead]:
    """The head row of the chain an event is in."""
    return AuditHead.objects.filter(id=event.shard)


def _verify_fails(match: str) -> None:
    report = audit_verify()
    assert not report.intact
    assert report.problem is not None and match in report.problem, report.problem
    with pytest.raises(CommandError, match=match):
        call_command("audit_verify", full=True)
    # Starting from the latest checkpoint catches it too (in its own words).
    assert not audit_verify(full=False).intact


def test_the_chain_is_keyed_with_the_audit_key(settings) -> None:  # type: ignore[no-untyped-def]
    first, second = _events(2)
    plain = hashlib.sha256(
        json.dumps(
            [GENESIS, first.at.isoformat(), None, "system", "contact.process", "", "", {"n": 0}],
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert first.hash != plain  # not the unkeyed digest anyone could recompute
    assert audit_verify().intact
    settings.AUDIT_KEY = "some-other-key"
    report = audit_verify()
    assert report.first_broken_id == first.pk
    assert "re-hashed without the audit key" in (report.problem or "")


def test_events_from_before_the_key_are_verified_as_plain_sha256() -> None:
    from importlib import import_module

    migration = import_module("lifeline.core.migrations.0004_audit_keyed_from")
    # A chain written before the key, and before the log was sharded: one head, whose first 3
    # events are unkeyed.
    AuditHead.objects.all().delete()
    AuditHead.objects.create(id=1, last_hash=GENESIS, count=0, keyed_from=3)
    old = _events(3)
    assert old[1].hash == _digest(old[0].hash, old[1], keyed=False)
    # The migration marks the events that exist as unkeyed; the next ones are keyed.
    AuditHead.objects.filter(id=1).update(keyed_from=0)
    migration.existing_events_stay_unkeyed(apps, connection.schema_editor())
    assert AuditHead.objects.get(id=1).keyed_from == 3
    [new] = _events(1)
    assert new.hash == _digest(old[2].hash, new, keyed=True)
    report = audit_verify()
    assert report.intact and report.checked == 4
    call_command("audit_verify")


def test_truncation_is_detected_by_the_checkpoint() -> None:
    events = _events(5)
    checkpoint_write()
    assert audit_verify().intact
    # Delete the newest two and set the head back to the third: the chain itself is whole.
    AuditEvent.objects.filter(pk__in=[e.pk for e in events[3:]]).delete()
    _head(events[0]).update(last_hash=events[2].hash, count=3)
    _verify_fails(f"Truncated: chain {events[0].shard} holds 3 events, but the checkpoint of")
    # And if new events bury the cut, the chain no longer has the checkpoint's head at 5.
    _events(4)
    _verify_fails(f"Rewritten: event 5 of chain {events[0].shard} no longer has the hash")


def test_a_restored_older_chain_keeps_the_newer_checkpoints_apart_and_verifies() -> None:
    from lifeline.core.backup import _checkpoints_restart
    from lifeline.core.checkpoints import checkpoint_file

    events = _events(3)
    checkpoint_write()  # what the backup's chain reached
    _events(2)
    checkpoint_write()  # signed after the backup: its events are lost by the restore
    # The restored database: the backup's three events and its head.
    AuditEvent.objects.filter(pk__gt=events[2].pk).delete()
    _head(events[0]).update(last_hash=events[2].hash, count=3)
    assert not audit_verify().intact  # to a plain verify this is a truncation
    report = audit_verify(restored=True)
    assert (report.intact, report.checked, report.checkpoints, report.newer) == (True, 3, 1, 1)
    note = _checkpoints_restart(report.newer)
    assert "1 signed audit checkpoint(s) are newer than this backup" in note
    kept = list(checkpoint_file().parent.glob(f"{checkpoint_file().name}.before-restore-*"))
    assert len(kept) == 1 and len(kept[0].read_text().splitlines()) == 2
    assert [mark.count for mark in checkpoints_read()] == [3]
    assert audit_verify().intact


def test_a_restored_chain_must_still_hold_the_checkpoints_it_reaches() -> None:
    _events(4)
    checkpoint_write()
    _rehash(keyed=True)  # re-hashed with the key: the checkpoint at 4 no longer matches
    report = audit_verify(restored=True)
    assert not report.intact and "Rewritten" in (report.problem or "")


def test_a_chain_rehashed_with_plain_sha256_is_detected() -> None:
    first = _events(4)[0]
    _rehash(keyed=False)
    report = audit_verify()
    assert report.first_broken_id == first.pk
    _verify_fails("re-hashed without the audit key")


def test_a_downgrade_to_unkeyed_is_caught_by_the_checkpoint() -> None:
    events = _events(4)
    checkpoint_write()
    _rehash(keyed=False)
    _head(events[0]).update(keyed_from=4)  # "these were all written before keying"
    _verify_fails("the head row was edited")


def test_a_chain_rehashed_with_the_key_after_a_checkpoint_is_detected() -> None:
    _events(4)
    checkpoint_write()
    _events(2)
    _rehash(keyed=True)  # he has the key: every HMAC is right
    _verify_fails("Rewritten: event 4 of chain")


@pytest.mark.parametrize("edit", ["count", "head", "garbage"])
def test_a_forged_checkpoint_is_detected(edit: str) -> None:
    events = _events(5)
    checkpoint_write()
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    record = json.loads(path.read_text())
    [chain] = [c for c in record["chains"] if c[0] == events[0].shard]
    if edit == "count":  # the insider truncated and "fixes" the checkpoint to match
        chain[1], chain[2] = 3, events[2].hash
        line = json.dumps(record)
    elif edit == "head":
        chain[2] = "f" * 64
        line = json.dumps(record)
    else:
        line = "not a checkpoint"
    path.write_text(line + "\n")
    _verify_fails("Checkpoint forged:")


def test_a_checkpoint_signed_with_another_key_is_forged(settings) -> None:  # type: ignore[no-untyped-def]
    _events(2)
    checkpoint_write()
    settings.AUDIT_SIGNING_KEY = base64.urlsafe_b64encode(b"\x01" * 32).decode()
    _verify_fails("does not verify with the signing key")


def test_the_worker_sweep_writes_a_checkpoint_each_interval(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    events = _events(3)
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    with caplog.at_level(logging.INFO, logger="lifeline.audit.checkpoint"):
        hook_run("worker_sweep")
        hook_run("worker_sweep")  # the interval (an hour) has not passed: no second line
    [mark] = checkpoints_read()
    assert mark.count == 3
    # Every chain is signed, the empty ones too.
    assert {(c.shard, c.count, c.head) for c in mark.chains} == {
        (h.id, h.count, h.last_hash) for h in AuditHead.objects.all()
    }
    assert len(mark.chains) == AUDIT_SHARDS
    assert (events[0].shard, 3, events[2].hash) in {(c.shard, c.count, c.head) for c in mark.chains}
    assert len(path.read_text().splitlines()) == 1
    # The same signed line goes to the log, for syslog.
    assert [r.getMessage() for r in caplog.records] == ["audit checkpoint " + path.read_text()[:-1]]
    settings.AUDIT_CHECKPOINT_SECONDS = 0
    _events(1)
    hook_run("worker_sweep")
    assert [m.count for m in checkpoints_read()] == [3, 4]
    report = audit_verify()
    assert report.intact and report.checkpoints == 2 and report.latest.count == 4


def test_the_commands(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # `lifeline audit ...` as typed, run in this process (Django's runner would close the
    # test database's connection when it is done).
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: call_command(*argv[1:]),
    )
    _events(2)
    lifeline(["audit", "verify"])
    assert "No checkpoints yet" in capsys.readouterr().out
    lifeline(["audit", "checkpoint"])
    assert "Checkpoint at 3 events" in capsys.readouterr().out  # 2 + the verification's event
    lifeline(["audit", "verify"])
    out = capsys.readouterr().out
    assert "Audit chain intact: 3 events (0 hashed, from the latest checkpoint)." in out
    assert "1 signed checkpoints verified" in out
    lifeline(["audit", "verify", "--full"])
    assert "Audit chain intact: 4 events (4 hashed, every hash recomputed)." in (
        capsys.readouterr().out
    )
    lifeline(["audit", "checkpoint", "--public-key"])
    assert capsys.readouterr().out.strip() == public_key_text()
    # The file is appended to, never rewritten.
    lifeline(["audit", "checkpoint"])
    assert [m.count for m in checkpoints_read()] == [3, 5]  # each verification is an event


def test_a_malformed_signing_key_is_one_clear_error(settings) -> None:  # type: ignore[no-untyped-def]
    from lifeline.core.checks import check_audit_signing_key

    assert check_audit_signing_key() == []
    settings.AUDIT_SIGNING_KEY = "too-short"
    [error] = check_audit_signing_key()
    assert error.id == "core.E103" and "32 random bytes" in error.msg
