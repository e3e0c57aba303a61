"""Purged content is gone from the database itself: its file after VACUUM, a dump, the data folder.

Encrypted columns never hold the plaintext, so the canary is the ciphertext: the exact bytes
the database held for the purged message and file, read before the purge.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from lifeline.intake.models import Attachment, Contact
from lifeline.retention.services import purge_run
from tests.retention.helpers import closed_case, raw_column


def _dump() -> bytes:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump()).encode()
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    command += ["-U", db["USER"], db["NAME"]]
    return subprocess.run(command, env=env, capture_output=True, check=True).stdout  # noqa: S603


def _forms(value: bytes) -> list[bytes]:
    """The value as stored, and as a dump writes bytes: hex (X'..' in SQLite, \\x.. in pg_dump)."""
    return [value, value.hex().encode(), value.hex().upper().encode()]


def _vacuum() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            for model in (Contact, Attachment):
                cursor.execute(f"VACUUM FULL {connection.ops.quote_name(model._meta.db_table)}")


def _data_folder_bytes() -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in Path(settings.DATA_DIR).rglob("*") if p.is_file()]


@pytest.mark.django_db(transaction=True)
def test_purged_messages_leave_no_ciphertext_in_the_file_the_dump_or_the_data_folder() -> None:
    case = closed_case(days_ago=400, body="канарейка " * 50, file=b"canary file " * 200)
    contact = case.contacts.get()
    sealed = [raw_column(contact, "body"), raw_column(contact.attachments.get(), "data")]
    # Each sealed value is unique (a random nonce); a 40-byte piece of it cannot occur by chance.
    canaries = [value[-40:] for value in sealed]
    kept = closed_case(days_ago=1, body="kept").contacts.get()
    kept_canary = raw_column(kept, "body")[-40:]
    _vacuum()
    before = _dump()  # the search finds values that are there: the text and the file
    assert kept_canary in before
    assert any(form in before for form in _forms(canaries[1]))

    purge_run()
    _vacuum()

    assert not Contact.objects.filter(pk=contact.pk).exists()
    dump = _dump()
    assert kept_canary in dump
    for canary in canaries:
        assert not [form for form in _forms(canary) if form in dump]
        for path, data in _data_folder_bytes():
            assert canary not in data, path
    if connection.vendor == "sqlite":
        db_file = Path(connection.settings_dict["NAME"])
        assert any(path == db_file for path, _ in _data_folder_bytes())
        assert kept_canary in db_file.read_bytes()
