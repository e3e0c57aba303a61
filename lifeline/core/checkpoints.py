"""Signed audit checkpoints: the chain's head, anchored outside the database.

A checkpoint is one JSON line: the chain's length (`count`), the hash of its newest event
(`head`), how many of its first events predate the keyed chain (`keyed_from`), the time, and an
Ed25519 signature over those fields with settings.AUDIT_SIGNING_KEY. Lines are appended to
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

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from lifeline.core.models import AUDIT_GENESIS, AuditHead

logger = logging.getLogger("lifeline.audit.checkpoint")
VERSION = 1


class CheckpointError(Exception):
    """A line of the checkpoint file that is not a checkpoint signed with our key."""


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head: str
    keyed_from: int
    at: str  # ISO 8601, UTC
    line: int = 0  # its line in the file, from 1; 0 for one not read from a file

    def body(self) -> bytes:
        """The signed bytes: every field but the signature and the line number."""
        fields = {
            "v": VERSION,
            "count": self.count,
            "head": self.head,
            "keyed_from": self.keyed_from,
            "at": self.at,
        }
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
    """Sign the chain's current head and append it to the file and the log.

    The head row is read without a lock: it is one committed row, so its count and hash agree.
    """
    head = AuditHead.objects.filter(id=1).first()
    mark = Checkpoint(
        count=head.count if head else 0,
        head=head.last_hash if head else AUDIT_GENESIS,
        keyed_from=head.keyed_from if head else 0,
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


def _parse(number: int, text: str, key: Ed25519PublicKey) -> Checkpoint:
    try:
        record = json.loads(text)
        mark = Checkpoint(
            count=int(record["count"]),
            head=str(record["head"]),
            keyed_from=int(record["keyed_from"]),
            at=str(record["at"]),
            line=number,
        )
        signature = _b64decode(str(record["sig"]))
        if record.get("v") != VERSION:
            raise ValueError("unknown version")
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
