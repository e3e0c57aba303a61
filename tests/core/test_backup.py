"""Backups: the envelope opens only with its identity and only whole; no field key is inside;
a backup of the demo restores into a fresh database with the same rows, audit head and messages;
a restore refuses a database with tables, a schema not this code's, and says when keys differ."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lifeline.core import backup as backups
from lifeline.core import crypto
from lifeline.core.actions import Action
from lifeline.core.models import AuditEvent, AuditHead
from tests.processes import ROOT, shared_database_url


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "backup.key", tmp_path / "backup.pub"
    call_command("backup_keygen", private=private, public=public, stdout=io.StringIO())
    return private, public


def _seal(plaintext: bytes, public: Path) -> bytes:
    out = io.BytesIO()
    writer = backups._EncryptingWriter(out, backups.load_recipient(public))
    writer.write(plaintext)
    writer.close()
    return out.getvalue()


def _open(sealed: bytes, private: Path) -> bytes:
    identity = backups.load_identity(private)
    return io.BufferedReader(backups._DecryptingReader(io.BytesIO(sealed), identity)).read()


# --- The envelope -----------------------------------------------------------------------------


def test_keygen_writes_the_private_key_for_its_owner_alone_and_never_overwrites(
    keypair: tuple[Path, Path],
) -> None:
    private, public = keypair
    assert private.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in private.read_bytes() and b"PUBLIC KEY" in public.read_bytes()
    before = private.read_bytes()
    with pytest.raises(CommandError, match="exists; not overwriting"):
        call_command("backup_keygen", private=private, public=public.with_suffix(".2"))
    assert private.read_bytes() == before


@pytest.mark.parametrize("size", [0, 1, backups.CHUNK - 1, backups.CHUNK, 3 * backups.CHUNK + 7])
def test_the_envelope_gives_back_exactly_what_went_in_across_chunk_edges(
    keypair: tuple[Path, Path], size: int
) -> None:
    private, public = keypair
    plaintext = os.urandom(size)
    sealed = _seal(plaintext, public)
    assert size < 64 or plaintext[:64] not in sealed
    assert _open(sealed, private) == plaintext


def test_a_cut_short_reordered_or_altered_backup_does_not_open(
    keypair: tuple[Path, Path],
) -> None:
    private, public = keypair
    sealed = _seal(os.urandom(3 * backups.CHUNK), public)
    step = backups.CHUNK + backups._TAG
    body_at = len(sealed) - 3 * step  # where the first chunk starts
    cut = sealed[: body_at + 2 * step]  # two whole chunks, the last one dropped
    with pytest.raises(backups.BackupError, match="damaged or truncated"):
        _open(cut, private)
    swapped = (
        sealed[:body_at]
        + sealed[body_at + step : body_at + 2 * step]
        + sealed[body_at : body_at + step]
        + sealed[body_at + 2 * step :]
    )
    with pytest.raises(backups.BackupError, match="damaged or truncated at chunk 0"):
        _open(swapped, private)
    flipped = bytearray(sealed)
    flipped[-5] ^= 1
    with pytest.raises(backups.BackupError, match="damaged or truncated"):
        _open(bytes(flipped), private)
    header = sealed.replace(b'"version": 1', b'"version":  1', 1)
    with pytest.raises(backups.BackupError, match="does not open the backup"):
        _open(header, private)


def test_another_identity_is_refused_naming_both_recipients(
    keypair: tuple[Path, Path], tmp_path: Path
) -> None:
    _, public = keypair
    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    backups.recipient_keygen(other_private, other_public)
    mine = backups.recipient_fingerprint(backups.load_recipient(public))
    theirs = backups.recipient_fingerprint(backups.load_recipient(other_public))
    with pytest.raises(backups.BackupError, match=f"encrypted to recipient {mine}.*is {theirs}"):
        _open(_seal(b"x", public), other_private)


def test_a_recipient_file_that_is_not_an_x25519_public_key_is_refused(tmp_path: Path) -> None:
    private = tmp_path / "id.key"
    private.write_text("not a key")
    with pytest.raises(backups.BackupError, match="cannot read the recipient public key"):
        backups.load_recipient(private)


# --- Backup and restore on the test database --------------------------------------------------


def _plaintext(path: Path, private: Path) -> bytes:
    with backups.open_backup(path, backups.load_identity(private)) as plain:
        return plain.read()


def _members(plaintext: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(plaintext), mode="r:") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_the_data_and_its_manifest_but_no_field_key(
    keypair: tuple[Path, Path], tmp_path: Path
) -> None:
    from lifeline.intake.models import Contact

    private, public = keypair
    call_command("demo", persons=5, cases=8, stdout=io.StringIO())
    out = tmp_path / "lifeline.backup"
    call_command("backup", recipient=public, out=out, stdout=io.StringIO())

    members = _members(_plaintext(out, private))
    manifest = json.loads(members["manifest.json"])
    database = members[manifest["database"]]
    if manifest["database"].endswith(".gz"):
        database = gzip.decompress(database)
    assert manifest["database_bytes"] == len(database)
    if manifest["database"].endswith(".pgdump"):  # compressed: search its SQL text
        dump = tmp_path / "dump"
        dump.write_bytes(database)
        unpack = ["pg_restore", "--file=-", str(dump)]
        database = subprocess.run(unpack, capture_output=True, check=True).stdout  # noqa: S603,S607
    # Searched in what the backup holds once opened and unpacked: the manifest and the database.
    plaintext = members["manifest.json"] + database
    assert b"CREATE TABLE" in plaintext
    body = next(c for c in Contact.objects.order_by("pk") if c.body).body
    assert body.encode() not in plaintext  # message bodies are in it sealed, not readable
    for item in settings.FIELD_ENCRYPTION_KEYS:
        key_id, _, encoded = item.partition(":")
        raw = crypto._b64decode(encoded)
        for form in (raw, raw.hex().encode(), encoded.encode(), base64.b64encode(raw)[:40]):
            assert form not in plaintext
    assert manifest["engine"] == connection.vendor
    assert set(manifest["field_keys"]) == set(crypto.key_ids())
    # The backup's own audit event comes after the snapshot: the manifest's head is the one before.
    own = AuditEvent.objects.order_by("-id").first()
    assert own is not None and own.action == Action.BACKUP_CREATE
    chains = [[h.id, h.count, h.last_hash] for h in AuditHead.objects.order_by("id")]
    for chain in chains:
        if chain[0] == own.shard:
            chain[1:] = [chain[1] - 1, own.prev_hash]
    assert manifest["audit_head"] == {"count": sum(c[1] for c in chains), "chains": chains}
    assert manifest["row_counts"]["registry_person"] == 5
    assert manifest["migrations"] == backups.code_migrations()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_holds_tables_and_writes_nothing(
    keypair: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = keypair
    out = tmp_path / "lifeline.backup"
    call_command("backup", recipient=public, out=out, stdout=io.StringIO())
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="Nothing restored: the target database is not empty"):
        call_command("restore", out, identity=private)
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_backup_whose_schema_is_not_this_codes(
    keypair: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private, public = keypair
    out = tmp_path / "lifeline.backup"
    call_command("backup", recipient=public, out=out, stdout=io.StringIO())
    newer = backups.code_migrations()
    newer["registry"] = [*newer["registry"], "9999_from_the_future"]
    monkeypatch.setattr(backups, "code_migrations", lambda: newer)
    with pytest.raises(
        CommandError,
        match=r"schema is not this code's \(the backup lacks registry.9999_from_the_future\)"
        r": restore it with Lifeline 0.1.0",
    ):
        call_command("restore", out, identity=private)


def test_backup_refuses_to_overwrite_a_file(keypair: tuple[Path, Path], tmp_path: Path) -> None:
    _, public = keypair
    out = tmp_path / "there"
    out.write_text("keep me")
    with pytest.raises(CommandError, match="exists; not overwriting"):
        call_command("backup", recipient=public, out=out)
    assert out.read_text() == "keep me"
    with pytest.raises(CommandError, match="No backup written: the folder .*/no/such does not"):
        call_command("backup", recipient=public, out=tmp_path / "no" / "such" / "folder")


# --- End to end: restore into a fresh database, in another process ----------------------------


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL for a new, empty database of the engine the tests run on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"lifeline_restore_test_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield shared_database_url().rsplit("/", 1)[0] + "/" + name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _lifeline(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "lifeline.cli", *args],
        env={**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "ERROR", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


READ_BACK = """
import json
from django.db import connection
from lifeline.core.backup import _describe, _tables
from lifeline.intake.models import Contact
with connection.cursor() as cursor:
    described = _describe(cursor, _tables(cursor), connection.ops.quote_name)
first = next(c for c in Contact.objects.order_by("pk") if c.body)
print(json.dumps({**described, "body": first.body, "pk": first.pk}))
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_demo_backed_up_restores_into_a_fresh_database_with_the_same_data(
    keypair: tuple[Path, Path], tmp_path: Path, fresh_database: str
) -> None:
    from lifeline.intake.models import Contact

    private, public = keypair
    call_command("demo", persons=30, cases=8, stdout=io.StringIO())
    out = tmp_path / "demo.backup"
    call_command("backup", recipient=public, out=out, stdout=io.StringIO())
    manifest = json.loads(_members(_plaintext(out, private))["manifest.json"])

    restored = _lifeline(
        "restore", str(out), "--identity", str(private), database_url=fresh_database
    )
    assert restored.returncode == 0, restored.stderr
    assert "match the manifest; audit chain intact" in restored.stdout

    read = _lifeline("shell", "-c", READ_BACK, database_url=fresh_database)
    assert read.returncode == 0, read.stderr
    there = json.loads(read.stdout.strip().splitlines()[-1])
    # The restore recorded itself: one audit event more than the backup held, and nothing else.
    assert there["row_counts"] == {
        **manifest["row_counts"],
        "core_auditevent": manifest["row_counts"]["core_auditevent"] + 1,
    }
    assert there["migrations"] == manifest["migrations"]
    assert there["audit_head"]["count"] == manifest["audit_head"]["count"] + 1
    assert AuditEvent.objects.count() == manifest["audit_head"]["count"] + 1  # the backup's own
    original = Contact.objects.get(pk=there["pk"])
    assert there["body"] == original.body and original.body

    # The audit head the backup recorded is the restored chain's, just before the restore event.
    if connection.vendor == "sqlite":
        db = sqlite3.connect(fresh_database.removeprefix("sqlite:///"))
        shard, prev = db.execute(
            "SELECT shard, prev_hash FROM core_auditevent ORDER BY id DESC LIMIT 1"
        ).fetchone()
        db.close()
        assert [shard, prev] in [[c[0], c[2]] for c in manifest["audit_head"]["chains"]]

    again = _lifeline("restore", str(out), "--identity", str(private), database_url=fresh_database)
    assert again.returncode != 0
    assert "the target database is not empty" in again.stderr


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_restore_with_other_field_keys_names_both_sets_of_fingerprints(
    keypair: tuple[Path, Path], tmp_path: Path, fresh_database: str
) -> None:
    private, public = keypair
    call_command("demo", persons=5, cases=8, stdout=io.StringIO())
    out = tmp_path / "demo.backup"
    call_command("backup", recipient=public, out=out, stdout=io.StringIO())
    made_with = backups.field_key_fingerprints()
    other = crypto.generate_key_spec("k1")

    restored = _lifeline(
        "restore", str(out), "--identity", str(private),
        database_url=fresh_database, LIFELINE_FIELD_KEYS=other,
    )  # fmt: skip
    assert restored.returncode != 0
    assert "the configured field keys cannot read this data" in restored.stderr
    assert f"made with field keys k1={made_with['k1']}; the configured keys are k1=" in (
        restored.stderr
    )
    assert made_with["k1"] not in restored.stderr.rsplit("configured keys are", 1)[1]


def test_lifeline_backup_keygen_is_the_backup_keygen_command(tmp_path: Path) -> None:
    from lifeline import cli

    private, public = tmp_path / "k", tmp_path / "p"
    cli.main(["backup", "keygen", "--private", str(private), "--public", str(public)])
    assert backups.load_identity(private).public_key().public_bytes_raw() == (
        backups.load_recipient(public).public_bytes_raw()
    )
