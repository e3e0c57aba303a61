"""Emergency destruction end to end, on the engine the suite runs on, in real processes.

A registry, cases with messages and files, and enquiries carry canary strings in their plain
and encrypted fields; a backup is made and kept "elsewhere". After `lifeline keys destroy` no
canary is in the database's raw files, in a fresh dump, in the data folder or in the backup;
the backup does not open without its private key; a fresh process answers "closed" in the
visitor's language; and the backup restored with its private key and the field key joined
from its shares brings the registry back (the recovery drill, docs/operations.md).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import ROOT, shared_database_url

# One canary per field, so a failure names the field that leaked.
PLAIN = {
    "surname": "Kanarejkin",
    "given_name": "Zyablikovich",
    "patronymic": "Sinicevich",
    "place_of_birth": "Kanarejsk-na-Volge",
    "father_name": "Shchegloslav",
    "mother_maiden_name": "Kolibrieva",
    "rank": "Kanarejkomandir",
    "service_number": "KNR-771903",
    "unit": "Kanarejskij polk 4471",
    "name_form": "Канарейкин",
    "event_place": "Lager Kanarejka-5",
    "source_title": "Kanarejkin report",
    "username": "kanarejkina-staff",
    "email": "kanarejkina@example.org",
    "staff_name": "Kanarejkina",
}
SEALED = {
    "notes": "Kanarejka notes held at the old mill",
    "message": "Kanarejka message: my son is at the mill",
    "attachment": "Kanarejka attachment bytes",
    "enquirer": "Kanarejka Olga Petrovna",
    "event_note": "Kanarejka event note",
    "sought_surname": "Kanarejkova",
    "sought_unit": "Kanarejskaja brigada",
    "sought_place": "Kanarejkino selo",
}

SEED = f"""
import datetime, json
from django.db import connection, transaction
from lifeline.core.actors import SYSTEM
from lifeline.cases.services import case_open
from lifeline.intake.attachments.store import attachment_store
from lifeline.registry.services import name_form_add, person_create, status_event_add
from lifeline.tracing.services.enquiries import enquiry_open
from tests.cases.helpers import contact_create, create_case
from tests.factories import create_user
P, S = {PLAIN!r}, {SEALED!r}
with transaction.atomic():
    person = person_create(actor=SYSTEM, data={{
        k: P[k] for k in ("surname", "given_name", "patronymic", "place_of_birth", "father_name",
                          "mother_maiden_name", "rank", "service_number", "unit")
    }} | {{"notes": S["notes"], "birth_year": 1991, "birth_month": 7, "birth_day": 23}})
    name_form_add(actor=SYSTEM, person=person, surname=P["name_form"], script="cyrl")
    status_event_add(
        actor=SYSTEM, person=person, status="held", verification="reported",
        new_source={{"kind": "witness", "title": P["source_title"], "reliability": "low"}},
        place=P["event_place"], note=S["event_note"], occurred_on=datetime.date(2026, 3, 1),
    )
    case = create_case("family_enquiry", inbound=S["message"])
    attachment_store(contact=case.contacts.get(), filename="note.txt", content_type="text/plain",
                     data=S["attachment"].encode() * 20)
    enquiry_open(actor=SYSTEM, case=case, data={{
        "enquirer_name": S["enquirer"], "relationship": "mother",
        "sought_surname": S["sought_surname"], "sought_given_name": P["given_name"],
        "sought_birth_year": 1991, "sought_unit": S["sought_unit"],
        "sought_place": S["sought_place"],
    }})
    create_user(P["username"], roles=["operator"], email=P["email"], last_name=P["staff_name"])
# The exact bytes the database holds for a message: the canary of the encrypted columns.
contact = case.contacts.get()
with connection.cursor() as cursor:
    cursor.execute("SELECT body FROM intake_contact WHERE id = %s", [contact.pk])
    raw = cursor.fetchone()[0]
raw = bytes(raw) if isinstance(raw, (bytes, memoryview)) else str(raw).encode()
print("SEALED:" + raw[-40:].hex())
print("CASE:", case.pk)
"""  # noqa: S608

READ_BACK = """
from lifeline.intake.models import Contact
from lifeline.registry.models import Person
from lifeline.tracing.models import Enquiry
person = Person.objects.get(surname="Kanarejkin")
enquiry = Enquiry.objects.get(case_id=CASE)
print("NOTES:", person.notes)
print("MESSAGE:", Contact.objects.filter(case=enquiry.case).order_by("pk").first().body)
print("ENQUIRER:", enquiry.enquirer_name)
print("PERSONS:", Person.objects.count())
"""

AFTER = """
from lifeline.accounts.models import User
from lifeline.registry.models import Person
print("PERSONS:", Person.objects.count())
print("STAFF:", sorted(User.objects.values_list("username", "email", "is_active", "last_name")))
"""

CLOSED_PAGES = """
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="localhost")
with CaptureQueriesContext(connection) as queries:
    for language in ("en", "uk", "ru"):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
        print(f"PAGE {language}:", page.status_code, page["Content-Language"],
              page.content.decode().replace("\\n", " "))
    staff = client.get("/console/", HTTP_ACCEPT_LANGUAGE="en")
    print("STAFF:", staff.status_code, staff.content.decode().replace("\\n", " "))
print("QUERIES:", len(queries))
"""


@dataclass
class Site:
    """One installation: its data folder and database, reached by `lifeline` in a subprocess."""

    data_dir: Path
    database_url: str  # "" for the default SQLite file in the data folder

    def run(
        self, *args: str, stdin: str | None = None, **more: str
    ) -> subprocess.CompletedProcess[str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "LIFELINE_"))
        }
        env.update(
            LIFELINE_DEV_KEYS="1", LIFELINE_TESTING="1", LIFELINE_DATA_DIR=str(self.data_dir),
            LOG_LEVEL="ERROR",
        )  # fmt: skip
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(more)
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "lifeline.cli", *args],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
            input=stdin,
        )  # fmt: skip

    def ok(self, *args: str, stdin: str | None = None, **more: str) -> str:
        done = self.run(*args, stdin=stdin, **more)
        assert done.returncode == 0, f"lifeline {' '.join(args[:2])}: {done.stderr}"
        return done.stdout

    @property
    def database_name(self) -> str:
        return self.database_url.rsplit("/", 1)[1]


@pytest.fixture
def databases() -> Iterator[list[str]]:
    """Throw-away PostgreSQL databases named by the test (dropped afterwards); none on SQLite."""
    made: list[str] = []
    yield made
    with connection.cursor() as cursor:
        for name in made:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _site(data_dir: Path, databases: list[str]) -> Site:
    if connection.vendor == "sqlite":
        return Site(data_dir, "")
    name = f"lifeline_destroy_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    databases.append(name)
    return Site(data_dir, shared_database_url().rsplit("/", 1)[0] + "/" + name)


# --- Where the bytes could be ------------------------------------------------------------------


def _postgres(site: Site, sql: str) -> str:
    db = connection.settings_dict
    command = ["psql", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    command += ["-U", db["USER"] or "postgres", "-tAc", sql, site.database_name]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603


def raw_database_files(site: Site) -> dict[str, bytes]:
    """Every file of the database as it lies on disk, by path (and relation): SQLite's file,
    WAL and shared memory; PostgreSQL's whole database folder (tables, indexes, TOAST, the
    catalogs and their statistics), after a CHECKPOINT has written out what was in memory."""
    if not site.database_url:
        return {str(p): p.read_bytes() for p in site.data_dir.glob("lifeline.sqlite3*")}
    _postgres(site, "CHECKPOINT")
    folder = Path(_postgres(site, "SHOW data_directory"))
    names = dict(
        line.split("|", 1)
        for line in _postgres(
            site, "SELECT pg_relation_filepath(oid), relname FROM pg_class "
            "WHERE pg_relation_filepath(oid) IS NOT NULL"
        ).splitlines()
    )  # fmt: skip
    oid = _postgres(site, "SELECT oid FROM pg_database WHERE datname = current_database()")
    files = {}
    for path in (folder / "base" / oid).iterdir():
        if path.is_file():
            relative = str(path.relative_to(folder))
            files[f"{relative} ({names.get(relative.split('.')[0].split('_')[0], '?')})"] = (
                path.read_bytes()
            )
    return files


def fresh_dump(site: Site) -> bytes:
    if not site.database_url:
        db = sqlite3.connect(site.data_dir / "lifeline.sqlite3")
        try:
            return "\n".join(db.iterdump()).encode()
        finally:
            db.close()
    db = connection.settings_dict
    command = ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    command += ["-U", db["USER"] or "postgres", site.database_name]
    return subprocess.run(command, capture_output=True, check=True).stdout  # noqa: S603


def data_folder(site: Site) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in site.data_dir.rglob("*") if p.is_file()}


def canaries(sealed_hex: str) -> dict[str, list[bytes]]:
    """Each canary with the forms a database or a dump may write it in."""
    found = {name: [text.encode()] for name, text in {**PLAIN, **SEALED}.items()}
    sealed = bytes.fromhex(sealed_hex)
    found["ciphertext"] = [sealed, sealed.hex().encode(), sealed.hex().upper().encode()]
    return found


def leaks(places: dict[Path, bytes] | dict[str, bytes], forms: dict[str, list[bytes]]) -> list:
    """(canary, where) for every canary found in any of `places`."""
    return [
        (name, str(where))
        for name, variants in forms.items()
        for where, data in places.items()
        if any(v in data for v in variants)
    ]


# --- The test ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_destruction_leaves_nothing_readable_here_and_the_backup_restores_the_registry(
    tmp_path: Path, databases: list[str]
) -> None:
    offsite = tmp_path / "offsite"  # the backups and the keys' copies, held elsewhere
    offsite.mkdir()
    site = _site(tmp_path / "data", databases)
    site.ok("migrate", "-v0")
    site.ok("demo", "--persons", "12", "--cases", "6")
    seeded = site.ok("shell", "-c", SEED)
    forms = canaries(re.search(r"SEALED:([0-9a-f]+)", seeded).group(1))
    read_back = READ_BACK.replace("CASE", re.search(r"CASE: (\d+)", seeded).group(1))
    site.ok("audit", "checkpoint")  # signed checkpoints stay: they hold no content
    if site.database_url:
        _postgres(site, "ANALYZE")  # the planner's samples hold surnames too

    # Before: the search finds what is there.
    before_raw, before_dump = raw_database_files(site), fresh_dump(site)
    found = {name for name, _ in leaks(before_raw, forms)}
    assert {"surname", "service_number", "ciphertext"} <= found
    assert {"surname", "unit", "email", "ciphertext"} <= {
        n for n, _ in leaks({"dump": before_dump}, forms)
    }

    # A backup held elsewhere, its private key off the server; a careless copy left behind.
    site.ok("backup", "keygen", "--private", str(offsite / "backup.key"),
            "--public", str(offsite / "backup.pub"))  # fmt: skip
    site.ok("backup", "--recipient", str(offsite / "backup.pub"),
            "--out", str(offsite / "latest.backup"))  # fmt: skip
    site.ok("backup", "keygen", "--private", str(site.data_dir / "left-behind.key"),
            "--public", str(site.data_dir / "left-behind.pub"))  # fmt: skip
    # The field key as shares for three people; the other keys copied apart.
    shares = re.findall(
        r"share \d of 3 \(key k1\): (.+)",
        site.ok("keys", "split", "--shares", "3", "--threshold", "2"),
    )
    assert len(shares) == 3
    kept_keys = offsite / "keys"
    kept_keys.mkdir()
    for name in ("secret_key", "lookup_keys", "audit_key", "audit_signing_key"):
        shutil.copy(site.data_dir / name, kept_keys / name)

    dry = site.ok("keys", "destroy", "--dry-run")
    assert re.search(r"registry_person: (\d+)", dry) and "registry_person: 0" not in dry
    assert re.search(r"tracing_enquiry: [1-9]", dry) and "core_auditevent" not in dry
    assert f"would overwrite and remove {site.data_dir / 'left-behind.key'}" in dry
    assert site.ok("shell", "-c", read_back).count("Kanarejka") == 3  # a dry run destroys nothing
    phrase = re.search(r"--confirm (destroy-[0-9a-f]{8})", dry).group(1)

    done = site.run("keys", "destroy", "--confirm", phrase)
    assert done.returncode == 0, done.stderr
    assert "erased" in done.stdout and "Left to do by hand" not in done.stderr

    # Nothing readable here: raw files, a fresh dump, the data folder.
    assert leaks(raw_database_files(site), forms) == []
    assert leaks({"dump": fresh_dump(site)}, forms) == []
    left = data_folder(site)
    assert leaks(left, forms) == []
    assert sorted(p.name for p in left if not p.name.startswith("lifeline.sqlite3")) == [
        "audit-checkpoints.jsonl",
        "closed",
    ]
    after = site.ok("shell", "-c", AFTER)
    assert "PERSONS: 0" in after and "kanarejkina" not in after
    assert "('erased-" in after and "True" not in after
    # The audit log stays, and checks with the audit keys kept apart (those here are gone).
    assert "Audit chain intact" in site.ok(
        "audit", "verify",
        LIFELINE_AUDIT_KEY_FILE=str(kept_keys / "audit_key"),
        LIFELINE_AUDIT_SIGNING_KEY_FILE=str(kept_keys / "audit_signing_key"),
    )  # fmt: skip

    # The backup is ciphertext, and without its private key it does not open.
    backup = (offsite / "latest.backup").read_bytes()
    assert leaks({"backup": backup}, forms) == []
    stranger = Site(tmp_path / "stranger", "")
    stranger.ok("backup", "keygen", "--private", str(tmp_path / "other.key"),
                "--public", str(tmp_path / "other.pub"))  # fmt: skip
    refused = stranger.run("restore", str(offsite / "latest.backup"),
                           "--identity", str(tmp_path / "other.key"))  # fmt: skip
    assert refused.returncode != 0 and "this identity does not open the backup" in refused.stderr
    gone = stranger.run("restore", str(offsite / "latest.backup"),
                        "--identity", str(site.data_dir / "left-behind.key"))  # fmt: skip
    assert gone.returncode != 0 and "cannot read the identity" in gone.stderr

    # A fresh process says so, in the visitor's language, without reading the database.
    pages = site.ok("shell", "-c", CLOSED_PAGES)
    assert re.search(r"PAGE en: 503 en .*This service is closed.*cannot be read", pages)
    assert re.search(r"PAGE uk: 503 uk .*Цю службу закрито.*неможливо", pages)
    assert re.search(r"PAGE ru: 503 ru .*Эта служба закрыта.*невозможно", pages)
    assert "PAGE en" in pages and "encrypted backups held elsewhere" in pages.split("STAFF:")[1]
    assert "encrypted backups" not in pages.split("STAFF:")[0]
    assert "QUERIES: 0" in pages

    # The recovery drill: a new installation, the field key joined from two shares, the other
    # keys from their copies, the backup opened with its private key.
    recovered = _site(tmp_path / "recovered", databases)
    recovered.data_dir.mkdir()
    entry = site.ok("keys", "join", "k1", stdin="\n".join(shares[:2]) + "\n\n").strip()
    assert entry.startswith("k1:")
    (recovered.data_dir / "field_keys").write_text(entry + "\n")
    for copy in kept_keys.iterdir():
        shutil.copy(copy, recovered.data_dir / copy.name)
    restore = recovered.run("restore", str(offsite / "latest.backup"),
                            "--identity", str(offsite / "backup.key"))  # fmt: skip
    assert restore.returncode == 0, restore.stderr
    back = recovered.ok("shell", "-c", read_back)
    assert f"NOTES: {SEALED['notes']}" in back
    assert f"MESSAGE: {SEALED['message']}" in back
    assert f"ENQUIRER: {SEALED['enquirer']}" in back
