"""Signed audit checkpoints: the chain's head, anchored outside the database.

A checkpoint is one JSON line: for each of the log's chains (lifeline/core/audit.py shards the
log), its length, the hash of its newest event and how many of its first events predate the
keyed chain (`keyed_from`); then the time, and an Ed25519 signature over those fields with
settings.AUDIT_SIGNING_KEY. Lines of version 1, written before the log was sharded, hold chain 1
alone and still verify. Lines are appended to
settings.AUDIT_CHECKPOINT_FILE (which belongs on another volume, append-only, shipped off-host)
and logged to the `lifeline.audit.checkpoint` logger (which operations route to syslog).

`audit verify` (lifeline/core/audit.py) then checks that each line's signature holds (a forged or
edited line is refused) and that the chain still holds each checkpoint's head at its count: a
chain cut short, or rewritten and re-hashed after a checkpoint, no longer does. This is the
signed tree head of Certificate Transparency, for a hash chain.

Writing a checkpoint changes nothing in the database, so it records no audit event: the file
and the log are its record. The worker writes one every AUDIT_CHECKPOINT_SECONDS
(`checkpoint_sweep`, a `worker_sweep` hook); `lifeline audit checkpoint` writes one at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from lifeline.core.models import AuditHead

logger = logging.getLogger("lifeline.audit.checkpoint")
VERSION = 2  # 1: one chain (count, head, keyed_from); 2: every chain of the sharded log


class CheckpointError(Exception):
    """A line of the checkpoint file that is not a checkpoint signed with our key."""


@dataclass(frozen=True)
class ChainMark:
    """One chain's head as a checkpoint signed it."""

    shard: int
    count: int
    head: str
    keyed_from: int


@dataclass(frozen=True)
class Checkpoint:
    chains: tuple[ChainMark, ...]
    at: str  # ISO 8601, UTC
    line: int = 0  # its line in the file, from 1; 0 for one not read from a file
    version: int = VERSION

    @property
    def count(self) -> int:
        """Events in the whole log."""
        return sum(chain.count for chain in self.chains)

    def body(self) -> bytes:
        """The signed bytes: every field but the signature and the line number."""
        fields: dict[str, object]
        if self.version == 1:  # written before the log was sharded: chain 1 alone
            [chain] = self.chains
            fields = {"count": chain.count, "head": chain.head, "keyed_from": chain.keyed_from}
        else:
            fields = {"chains": [[c.shard, c.count, c.head, c.keyed_from] for c in self.chains]}
        fields |= {"v": self.version, "at": self.at}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")

    def describe(self) -> str:
        return f"checkpoint of {self.at} (line {self.line}, {self.count} events)"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key() -> Ed25519PrivateKey:
    try:
        seed = _b64decode(settings.AUDIT_SIGNING_KEY.strip())
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise ImproperlyConfigured(
            "LIFELINE_AUDIT_SIGNING_KEY must be 32 random bytes in urlsafe base64."
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def verify_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_text() -> str:
    """The key that verifies checkpoints (urlsafe base64 of the raw Ed25519 public key)."""
    raw = verify_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode("ascii")


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def checkpoint_write() -> Checkpoint:
    """Sign every chain's current head and append them to the file and the log.

    The head rows are read in one query without a lock: each is a committed row, so its count
    and hash agree, and on PostgreSQL the query sees one snapshot of them all.
    """
    heads = AuditHead.objects.order_by("id")
    mark = Checkpoint(
        chains=tuple(ChainMark(h.id, h.count, h.last_hash, h.keyed_from) for h in heads),
        at=timezone.now().isoformat(timespec="seconds"),
    )
    signature = signing_key().sign(mark.body())
    record = json.loads(mark.body())
    record["sig"] = base64.urlsafe_b64encode(signature).decode("ascii")
    line = json.dumps(record, sort_keys=True, separators=(",", ":"))
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.info("audit checkpoint %s", line)
    return mark


def _chains(record: Any) -> tuple[ChainMark, ...]:
    """The chains a parsed line signs; ValueError, KeyError or TypeError if it is no checkpoint."""
    if record["v"] == 1:
        rows = [[1, record["count"], record["head"], record["keyed_from"]]]
    elif record["v"] == VERSION:
        rows = record["chains"]
    else:
        raise ValueError("unknown version")
    return tuple(
        ChainMark(int(shard), int(count), str(head), int(keyed_from))
        for shard, count, head, keyed_from in rows
    )


def _parse(number: int, text: str, key: Ed25519PublicKey) -> Checkpoint:
    try:
        record = json.loads(text)
        mark = Checkpoint(
            chains=_chains(record),
            at=str(record["at"]),
            line=number,
            version=int(record["v"]),
        )
        signature = _b64decode(str(record["sig"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise CheckpointError(
            f"line {number} of the checkpoint file is not a checkpoint: the file was edited"
        ) from None
    try:
        key.verify(signature, mark.body())
    except InvalidSignature:
        raise CheckpointError(
            f"the {mark.describe()} does not verify with the signing key: "
            "the line was edited or forged"
        ) from None
    return mark


def checkpoints_read(path: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint in the file, signatures verified; none if there is no file yet."""
    path = path or checkpoint_file()
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise CheckpointError("the checkpoint file is not ASCII: the file was edited") from None
    key = verify_key()
    return [
        _parse(number, line, key)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def _last_time(path: Path) -> datetime | None:
    """The time of the file's newest line, read from its end; None if there is none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 4096))
            lines = handle.read().decode("ascii", "replace").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            return datetime.fromisoformat(json.loads(line)["at"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def checkpoint_sweep() -> None:
    """The worker's sweep: a checkpoint when AUDIT_CHECKPOINT_SECONDS have passed since the last."""
    last = _last_time(checkpoint_file())
    interval = timedelta(seconds=settings.AUDIT_CHECKPOINT_SECONDS)
    if last is None or timezone.now() - last >= interval:
        checkpoint_write()
