"""Core tables: the hash-chained audit log, throttle counters and the field-key canaries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class DetailText(models.Func):
    """A top-level key of an audit event's detail as text, e.g. "person" -> "42".

    Written out per database rather than with Django's key transforms, whose SQLite form
    varies between processes and so would not match the index it is meant to use.
    """

    output_field = models.TextField()

    def __init__(self, key: str, **extra: Any) -> None:
        if not key.isidentifier():
            raise ValueError(f"not a detail key: {key!r}")
        self.key = key
        super().__init__(models.F("detail"), **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = f"CAST(JSON_EXTRACT(%(expressions)s, '$.{self.key}') AS TEXT)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = f"(%(expressions)s ->> '{self.key}')"
        return self.as_sql(compiler, connection, template=template, **extra)


class AuditEvent(models.Model):
    """Who did what to which object, and when. Never holds the sensitive content itself.

    Each row carries the hash of the previous row, so a deleted or edited row breaks the chain
    that `lifeline audit verify` walks.
    """

    class ActorKind(models.TextChoices):
        STAFF = "staff", "staff"
        PUBLIC = "public", "public visitor"
        SYSTEM = "system", "system"

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which chain it belongs to: one of AUDIT_SHARDS, each with its own AuditHead row.
    shard = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # Verification walks each chain in order.
            models.Index(fields=["shard", "id"], name="core_audit_shard_id"),
            # The audit viewer's search by person: events whose detail names him (a candidate
            # reviewed, a disclosure, an exchange entry), without reading every row's JSON.
            models.Index(DetailText("person"), name="core_audit_detail_person"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"


# The hash an empty chain starts from: the first event's prev_hash.
AUDIT_GENESIS = "0" * 64
# How many chains the log is sharded into (heads 1..AUDIT_SHARDS, made by migration 0006).
AUDIT_SHARDS = 16


class AuditHead(models.Model):
    """The newest hash of one audit chain (shard `id`); locking it serialises that chain's writes.

    The log is AUDIT_SHARDS chains, so that sixteen transactions can record events at once
    (lifeline/core/audit.py). The first `keyed_from` events of a chain were written before the
    chain was keyed and carry plain SHA-256 digests; every later one carries an HMAC under
    settings.AUDIT_KEY. Signed checkpoints record `keyed_from` too, so moving it is caught
    (lifeline/core/checkpoints.py).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)
    keyed_from = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain {self.id} at {self.count} events"


class ThrottleBucket(models.Model):
    """A fixed-window counter for login and receipt attempts, keyed by a hash (never an IP)."""

    key = models.CharField(max_length=64, primary_key=True)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.hits} hits since {self.window_start:%H:%M}"


class FieldKeyCanary(models.Model):
    """A known text sealed under one field key, written when the key is first configured.

    At start, and in `check --deploy` and `/healthz`, each canary must open with the key of the
    same id: a wrong or missing key is refused before it seals, or fails to open, anyone's data.
    """

    key_id = models.CharField(max_length=64, unique=True)
    token = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"canary of field key {self.key_id}"


class KeyRotation(models.Model):
    """How far `lifeline keys rotate --reencrypt` got: per model, the last primary key re-sealed.

    One row per (target key, model). Each batch commits with its progress, so a rotation that
    was stopped or crashed resumes after the last batch it committed.
    """

    key_id = models.CharField(max_length=64)
    model = models.CharField(max_length=100)
    last_pk = models.BigIntegerField(default=0)
    resealed = models.BigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "model"], name="one_rotation_per_key_model")
        ]

    def __str__(self) -> str:
        return f"rotation to {self.key_id}: {self.model} after {self.last_pk}"


class ServiceClosed(models.Model):
    """Written by `lifeline keys destroy`: the keys were destroyed and the service is closed."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"closed at {self.at:%Y-%m-%d %H:%M}"
