"""Encrypted backups that say what they hold, and a restore that proves them.

A backup is a tar stream of two members, encrypted to the administrator's public key:
- `manifest.json`: engine, time, Lifeline version, the applied migrations per app, the row
  count of every table, the audit heads, and a fingerprint of each field key (never the key);
- the database: SQLite's online backup API copy, or `pg_dump --format=custom` taken in the
  same snapshot the manifest was counted in.

The field keys are not in it: the database holds only ciphertext sealed with them, and they are
kept apart (docs/operations.md, "Backups"). Whoever steals a backup needs both the backup
recipient's private key and the field keys to read anyone's message.

The envelope (version 1) is HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
AES-256-GCM, base mode, from `cryptography`) wrapping a random 32-byte file key, and the payload
in age's STREAM construction: 64 KiB chunks, each AES-256-GCM sealed under the file key with the
nonce "11-byte big-endian chunk counter || last-chunk flag", so a multi-gigabyte dump streams
through in constant memory and a truncated, reordered or spliced file does not open:

    b"LIFELINE-BACKUP\\n" <header JSON> b"\\n"   (the HPKE `info`: any edit breaks the file key)
    <2-byte length> <HPKE enc || sealed file key>
    <chunk>*                                    (65,536 + 16 bytes each; the last one shorter)
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from lifeline.core import crypto
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import audit_record, audit_verify
from lifeline.core.checkpoints import checkpoint_file, checkpoint_write
from lifeline.core.fields import Unreadable, _Sealed
from lifeline.core.fields import logger as fields_logger
from lifeline.core.keys import field_keys_problem

MAGIC = b"LIFELINE-BACKUP\n"
FORMAT_VERSION = 1
CHUNK = 64 * 1024
_TAG = 16
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_SUITE_NAME = "HPKE base DHKEM(X25519,HKDF-SHA256) HKDF-SHA256 AES-256-GCM"
_STREAM_NAME = "STREAM AES-256-GCM 64KiB"
MANIFEST = "manifest.json"
SAMPLE_ROWS = 3  # first and last rows of each model with encrypted fields


class BackupError(Exception):
    """A backup that cannot be made, opened or restored; the message says why, without secrets."""


# --- Keys -------------------------------------------------------------------------------------


def recipient_keygen(private_path: Path, public_path: Path) -> str:
    """Write a new recipient key pair; the private key file is 0600. Returns its fingerprint."""
    for path in (private_path, public_path):
        if path.exists():
            raise BackupError(f"{path} exists; not overwriting a key")
    private = X25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return recipient_fingerprint(private.public_key())


def recipient_fingerprint(public: X25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_recipient(path: Path) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise BackupError(f"cannot read the recipient public key {path}: {error}") from None
    if not isinstance(key, X25519PublicKey):
        raise BackupError(f"{path} is not an X25519 public key (make one with `backup keygen`)")
    return key


def load_identity(path: Path) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise BackupError(f"cannot read the identity (private key) {path}: {error}") from None
    if not isinstance(key, X25519PrivateKey):
        raise BackupError(f"{path} is not an X25519 private key")
    return key


def field_key_fingerprints() -> dict[str, str]:
    """Each configured field key id with a one-way fingerprint of its id and bytes."""
    crypto.key_ids()  # a malformed ring fails here, with its own message
    prints = {}
    for item in settings.FIELD_ENCRYPTION_KEYS:
        key_id, _, encoded = item.partition(":")
        raw = crypto._b64decode(encoded)
        digest = hashlib.sha256(b"lifeline field key fingerprint\0" + key_id.encode() + b"\0" + raw)
        prints[key_id] = digest.hexdigest()[:16]
    return prints


def _fingerprints_text(prints: dict[str, str]) -> str:
    return ", ".join(f"{key_id}={fp}" for key_id, fp in prints.items()) or "(none)"


# --- The envelope -----------------------------------------------------------------------------


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class _EncryptingWriter(io.RawIOBase):
    """A write-only stream that seals what it is given, chunk by chunk, into `out`."""

    def __init__(self, out: IO[bytes], recipient: X25519PublicKey) -> None:
        header = {
            "format": "lifeline-backup",
            "version": FORMAT_VERSION,
            "kem": _SUITE_NAME,
            "payload": _STREAM_NAME,
            "recipient": recipient_fingerprint(recipient),
        }
        head = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
        file_key = os.urandom(32)
        wrapped = _SUITE.encrypt(file_key, recipient, info=head)
        out.write(head + len(wrapped).to_bytes(2, "big") + wrapped)
        self._out, self._aead, self._buffer, self._counter = out, AESGCM(file_key), bytearray(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is flagged
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._counter, last), chunk, None))
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


class _DecryptingReader(io.RawIOBase):
    """A read-only stream of the plaintext of an envelope; a bad chunk raises BackupError."""

    def __init__(self, source: IO[bytes], identity: X25519PrivateKey) -> None:
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupError("this is not a Lifeline backup")
        header_line = source.readline()  # type: ignore[attr-defined]
        try:
            header = json.loads(header_line)
        except ValueError:
            raise BackupError("the backup's header is damaged") from None
        if header.get("version") != FORMAT_VERSION:
            raise BackupError(f"backup format version {header.get('version')} is not known here")
        wrapped = source.read(int.from_bytes(source.read(2), "big"))
        try:
            file_key = _SUITE.decrypt(wrapped, identity, info=MAGIC + header_line)
        except (InvalidTag, ValueError):
            mine = recipient_fingerprint(identity.public_key())
            raise BackupError(
                f"this identity does not open the backup: it was encrypted to recipient "
                f"{header.get('recipient')}, the identity given is {mine} (or the header was "
                "altered)"
            ) from None
        self._source, self._aead, self._counter = source, AESGCM(file_key), 0
        self._plain, self._done = b"", False
        self._next = source.read(CHUNK + _TAG)

    def readable(self) -> bool:
        return True

    def _advance(self) -> None:
        sealed, self._next = self._next, self._source.read(CHUNK + _TAG)
        last = not self._next
        try:
            self._plain = self._aead.decrypt(_nonce(self._counter, last), sealed, None)
        except InvalidTag:
            raise BackupError(
                f"the backup is damaged or truncated at chunk {self._counter}"
            ) from None
        self._counter += 1
        self._done = last

    def readinto(self, buffer: Any) -> int:
        while not self._plain and not self._done:
            self._advance()
        n = min(len(buffer), len(self._plain))
        buffer[:n] = self._plain[:n]
        self._plain = self._plain[n:]
        return n


def open_backup(path: Path, identity: X25519PrivateKey) -> io.BufferedReader:
    """The decrypted tar stream of a backup file (for restore, and tests that look inside)."""
    source = path.open("rb")
    try:
        return io.BufferedReader(_DecryptingReader(source, identity), CHUNK)
    except BaseException:
        source.close()
        raise


# --- What a database holds --------------------------------------------------------------------


def code_migrations() -> dict[str, list[str]]:
    """The migrations this code has, per app: what a restored database must have applied."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    found: dict[str, list[str]] = {}
    for app, name in loader.disk_migrations:
        found.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(found.items())}


def _describe(cursor: Any, tables: list[str], quote: Any) -> dict[str, Any]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (introspected names)
        counts[table] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    head: dict[str, Any] = {"count": 0, "chains": []}
    if "core_audithead" in tables:
        cursor.execute("SELECT id, count, last_hash FROM core_audithead ORDER BY id")
        chains = [list(row) for row in cursor.fetchall()]
        head = {"count": sum(count for _, count, _ in chains), "chains": chains}
    return {
        "row_counts": counts,
        "migrations": {app: sorted(names) for app, names in sorted(migrations.items())},
        "audit_head": head,
    }


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [name for (name,) in rows if not name.startswith("sqlite_")]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(command: list[str], **kwargs: Any) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


# --- Backup -----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict[str, Any]


def _lifeline_version() -> str:
    try:
        return metadata.version("lifeline")
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def _scratch() -> Iterator[Path]:
    """A private folder for the plaintext dump, on the data volume, removed afterwards."""
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backup-", dir=settings.DATA_DIR) as folder:
        os.chmod(folder, 0o700)
        yield Path(folder)


def _dump_sqlite(target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        described = _describe(copy.cursor(), _sqlite_tables(copy), _quote)
    finally:
        copy.close()
    return described


def _dump_postgresql(target: Path) -> dict[str, Any]:
    # The manifest is counted in the very snapshot pg_dump dumps: consistent while the site runs.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        described = _describe(cursor, _tables(cursor), connection.ops.quote_name)
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(target)],
            env=_pg_env(),
        )
    return described


def backup_create(*, recipient: Path, out: Path) -> BackupResult:
    """Write an encrypted backup of the database to `out` (refusing to overwrite a file)."""
    public = load_recipient(recipient)
    if out.exists():
        raise BackupError(f"{out} exists; not overwriting it")
    if not out.parent.is_dir():  # said before a long dump, not after it
        raise BackupError(f"the folder {out.parent} does not exist")
    engine = connection.vendor
    if engine not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of a {engine} database are not supported")
    # pg_dump's custom format is compressed already; a SQLite file is gzipped (level 1: fast).
    member = "database.sqlite3.gz" if engine == "sqlite" else "database.pgdump"
    with _scratch() as folder:
        dump = folder / "database"
        described = _dump_sqlite(dump) if engine == "sqlite" else _dump_postgresql(dump)
        stored = dump
        if engine == "sqlite":
            stored = folder / member
            with dump.open("rb") as raw, gzip.open(stored, "wb", compresslevel=1) as packed:
                shutil.copyfileobj(raw, packed, CHUNK)
        manifest = {
            "format": "lifeline-backup-manifest",
            "version": FORMAT_VERSION,
            "engine": engine,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "lifeline_version": _lifeline_version(),
            "database": member,
            "database_bytes": dump.stat().st_size,
            "field_keys": field_key_fingerprints(),
            **described,
        }
        partial = out.with_name(out.name + ".partial")
        try:
            with partial.open("xb") as sink:
                writer = _EncryptingWriter(sink, public)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(body)
                    tar.addfile(info, io.BytesIO(body))
                    tar.add(stored, arcname=member, recursive=False)
                writer.close()
                sink.flush()
                os.fsync(sink.fileno())
            partial.rename(out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    size = out.stat().st_size
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=Action.BACKUP_CREATE,
            detail={
                "bytes": size,
                "engine": engine,
                "recipient": recipient_fingerprint(public),
                "audit_count": manifest["audit_head"]["count"],
            },
        )
    return BackupResult(path=out, size=size, manifest=manifest)


# --- Restore ----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    audit_checked: int = 0
    sampled: int = 0
    notes: list[str] = field(default_factory=list)  # what the operator should know; no problem

    @property
    def ok(self) -> bool:
        return not self.problems


def _schema_difference(have: dict[str, list[str]], want: dict[str, list[str]]) -> str | None:
    have_set = {(a, n) for a, names in have.items() for n in names}
    want_set = {(a, n) for a, names in want.items() for n in names}
    if have_set == want_set:
        return None
    parts = []
    if missing := sorted(want_set - have_set):
        parts.append(f"the backup lacks {', '.join(f'{a}.{n}' for a, n in missing[:8])}")
    if extra := sorted(have_set - want_set):
        parts.append(f"this code lacks {', '.join(f'{a}.{n}' for a, n in extra[:8])}")
    return "; ".join(parts)


def _tables(cursor: Any) -> list[str]:
    names = connection.introspection.table_names(cursor)
    return [name for name in names if not name.startswith("sqlite_")]


def _database_tables() -> list[str]:
    with connection.cursor() as cursor:
        return _tables(cursor)


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()  # the next query sees the restored file afresh


def _restore_postgresql(dump: Path) -> None:
    connection.close()
    _run(
        ["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
         "--dbname", connection.settings_dict["NAME"], str(dump)],
        env=_pg_env(),
    )  # fmt: skip


def _sample_encrypted() -> tuple[int, list[str]]:
    """Open the first and last rows' encrypted values of every model that has them."""
    sampled, unreadable = 0, list[str]()
    quiet = fields_logger.level
    fields_logger.setLevel(logging.ERROR)  # counted here, not one warning per value
    try:
        for model in apps.get_models():
            sampled += _sample_model(model, unreadable)
    finally:
        fields_logger.setLevel(quiet)
    return sampled, unreadable


def _sample_model(model: Any, unreadable: list[str]) -> int:
    sealed = [f for f in model._meta.concrete_fields if isinstance(f, _Sealed)]
    if not sealed:
        return 0
    manager = model._base_manager
    rows = list(manager.order_by("pk")[:SAMPLE_ROWS]) + list(manager.order_by("-pk")[:SAMPLE_ROWS])
    sampled = bad = 0
    for row in {r.pk: r for r in rows}.values():
        for f in sealed:
            value = getattr(row, f.attname)
            if value is None or value in ("", b""):
                continue
            sampled += 1
            bad += isinstance(value, Unreadable)
    if bad:
        unreadable.append(f"{model._meta.label} ({bad} value(s))")
    return sampled


def backup_restore(*, path: Path, identity: Path) -> RestoreReport:
    """Restore a backup into the configured, empty database, then prove what was restored.

    Refused before anything is written: a database that holds any table, a backup this identity
    does not open, a backup whose schema is not this code's migrations. After restoring, the
    returned report lists every check that failed (row counts, audit chain and head, field keys);
    the data stays restored either way, for the administrator to look at.
    """
    private = load_identity(path=identity)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with _scratch() as folder, open_backup(path, private) as plain:
        with tarfile.open(fileobj=plain, mode="r|") as tar:
            manifest = _read_manifest(tar)
            tables = _database_tables()
            if tables:
                raise BackupError(
                    f"the target database is not empty ({len(tables)} tables); restore only into "
                    "a new, empty database"
                )
            member = tar.next()
            source = None if member is None else tar.extractfile(member)
            if member is None or source is None or member.name != manifest["database"]:
                raise BackupError("the backup holds no database")
            dump = folder / "database"
            with dump.open("wb") as sink:
                if member.name.endswith(".gz"):
                    source = gzip.GzipFile(fileobj=source, mode="rb")  # type: ignore[assignment]
                shutil.copyfileobj(source, sink, CHUNK)
            # Read to the end: the last chunk's flag proves the file was not cut short.
            while tar.next() is not None:
                pass
        if dump.stat().st_size != manifest["database_bytes"]:
            raise BackupError("the backup's database is not the size its manifest gives")
        if connection.vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
    return _restore_check(manifest)


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    """The manifest, checked against this code and database before anything is written."""
    first = tar.next()
    extracted = None if first is None else tar.extractfile(first)
    if first is None or extracted is None or first.name != MANIFEST:
        raise BackupError("the backup holds no manifest")
    manifest: dict[str, Any] = json.loads(extracted.read())
    if manifest.get("engine") != connection.vendor:
        raise BackupError(
            f"this is a {manifest.get('engine')} backup; the configured database is "
            f"{connection.vendor}"
        )
    difference = _schema_difference(manifest["migrations"], code_migrations())
    if difference is not None:
        raise BackupError(
            f"this backup's schema is not this code's ({difference}): restore it with Lifeline "
            f"{manifest.get('lifeline_version')}, the version that made it, then upgrade"
        )
    return manifest


def _checkpoints_restart(newer: int) -> str:
    """Keep the checkpoints of the lost events apart, and start a new file from the restored head.

    Every later `audit verify` would otherwise report the restored chain as truncated. The old
    file is renamed, never deleted: it is the record of what the backup does not hold.
    """
    path = checkpoint_file()
    kept = path.with_name(f"{path.name}.before-restore-{timezone.now():%Y%m%dT%H%M%S}")
    lost = (
        f"{newer} signed audit checkpoint(s) are newer than this backup: the events after it "
        "are not in the restored database."
    )
    try:
        path.rename(kept)
    except OSError as error:
        return (
            f"{lost} Move {path} aside by hand ({error.strerror}) and run "
            "`lifeline audit checkpoint`, or every `audit verify` will report a truncation."
        )
    checkpoint_write()
    return f"{lost} Their file was kept as {kept}; a new one starts from the restored chain."


def _restore_check(manifest: dict[str, Any]) -> RestoreReport:
    report = RestoreReport(manifest=manifest)
    with connection.cursor() as cursor:
        now = _describe(cursor, _tables(cursor), connection.ops.quote_name)
    if now["row_counts"] != manifest["row_counts"]:
        differ = sorted(
            t
            for t in set(now["row_counts"]) | set(manifest["row_counts"])
            if now["row_counts"].get(t) != manifest["row_counts"].get(t)
        )
        report.problems.append(f"row counts differ from the manifest in: {', '.join(differ)}")
    if now["audit_head"] != manifest["audit_head"]:
        report.problems.append("the audit heads differ from the manifest's")
    chain = audit_verify(restored=True)
    report.audit_checked = chain.checked
    if chain.intact and chain.newer:
        report.notes.append(_checkpoints_restart(chain.newer))
    if not chain.intact:
        report.problems.append(
            f"the audit chain is broken at event {chain.first_broken_id} after "
            f"{chain.checked} intact events"
        )
    key_problem = field_keys_problem()
    unreadable: list[str] = []
    if key_problem is None:  # the canaries already tell when the keys are wrong
        report.sampled, unreadable = _sample_encrypted()
    if key_problem is not None or unreadable:
        configured: dict[str, str] | str
        try:
            configured = _fingerprints_text(field_key_fingerprints())
        except Exception as error:  # a malformed ring: say so rather than fail the report
            configured = str(error)
        why = key_problem or f"unreadable values in {', '.join(unreadable)}"
        report.problems.append(
            f"the configured field keys cannot read this data ({why}): this backup was made "
            f"with field keys {_fingerprints_text(manifest['field_keys'])}; the configured "
            f"keys are {configured}"
        )
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=Action.BACKUP_RESTORE,
            detail={
                "created": manifest["created"],
                "audit_count": manifest["audit_head"]["count"],
                "problems": len(report.problems),
            },
        )
    return report
