"""`lifeline keys destroy`: keys gone, the local data erased, the site closed in its visitor's
language. The full destruction and recovery drill is tests/core/test_destruction.py."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lifeline.accounts.models import User
from lifeline.core import closure, erasure
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent, FieldKeyCanary, ServiceClosed
from lifeline.registry.models import NameForm, Person
from lifeline.registry.services import person_create

ROOT = Path(__file__).resolve().parents[2]
CANARY = "Kanarejka-7731 held at the old mill"

CREATE = f"""
from django.db import transaction
from lifeline.core.actors import SYSTEM
from lifeline.registry.services import person_create
with transaction.atomic():
    person_create(actor=SYSTEM, data={{"surname": "Petrenko", "notes": {CANARY!r}}})
"""
READ = """
from django.test import Client
from django.utils import translation
translation.activate("en")
from lifeline.registry.models import Person
print("NOTES:", [p.notes for p in Person.objects.filter(surname="Petrenko")])
page = Client(HTTP_HOST="localhost").get("/", HTTP_ACCEPT_LANGUAGE="en")
print("PAGE:", page.status_code, page.content.decode())
"""


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "LIFELINE_"))}
    env.update(
        LIFELINE_DEV_KEYS="1", LIFELINE_TESTING="1", LIFELINE_DATA_DIR=str(data_dir),
        LOG_LEVEL="ERROR",
    )  # fmt: skip
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "lifeline.cli", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_marker_check() -> Any:
    closure.forget_cached_state()
    yield
    closure.forget_cached_state()


@pytest.mark.slow
def test_destroy_leaves_no_key_and_a_fresh_process_says_closed(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate", "-v0").returncode == 0
    made = _run(tmp_path, "shell", "-c", CREATE)
    assert made.returncode == 0, made.stderr
    before = _run(tmp_path, "shell", "-c", READ)
    assert f"NOTES: [{CANARY!r}]" in before.stdout and "PAGE: 200" in before.stdout

    dry = _run(tmp_path, "keys", "destroy", "--dry-run")
    assert f"would overwrite and remove {tmp_path / 'field_keys'}" in dry.stdout
    assert (tmp_path / "field_keys").exists()  # a dry run destroys nothing
    assert f"would overwrite and remove {tmp_path / 'lookup_keys'}" in dry.stdout
    phrase = re.search(r"--confirm (destroy-[0-9a-f]{8})", dry.stdout)
    assert phrase is not None
    assert _run(tmp_path, "keys", "destroy", "--confirm", "destroy-00000000").returncode != 0
    assert (tmp_path / "field_keys").exists()

    done = _run(tmp_path, "keys", "destroy", "--confirm", phrase.group(1))
    assert done.returncode == 0, done.stderr
    assert not any(
        (tmp_path / name).exists() for name in ("field_keys", "secret_key", "lookup_keys")
    )
    assert (tmp_path / "closed").exists()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("lifeline.sqlite3*"))
    assert CANARY.encode() not in raw and b"lifeline field key canary" not in raw

    after = _run(tmp_path, "shell", "-c", READ)
    assert after.returncode == 0, after.stderr
    assert "NOTES: []" in after.stdout  # the row is gone, not only its key
    assert "PAGE: 503" in after.stdout and "This service is closed" in after.stdout
    assert not (tmp_path / "field_keys").exists()  # no new dev key was made in its place
    check = _run(tmp_path, "keys", "check")
    assert check.returncode == 0 and "closed" in check.stdout  # `serve` starts, to say so
    worker = _run(tmp_path, "worker", "--batch")
    assert worker.returncode != 0 and "closed" in worker.stderr


@pytest.mark.django_db(transaction=True)
def test_destroy_audits_the_plan_first_then_erases_tables_accounts_and_files(
    settings: Any, tmp_path: Path, client: Client, alice: User
) -> None:
    settings.DATA_DIR = tmp_path
    key_file = tmp_path / "field_keys"
    key_file.write_text("k1:secret\n")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "registry.csv").write_text("Petrenko;1991\n")
    (tmp_path / "audit-checkpoints.jsonl").write_text("{}\n")
    person_create(actor=SYSTEM, data={"surname": "Petrenko", "notes": CANARY})
    assert FieldKeyCanary.objects.exists()
    with pytest.raises(CommandError, match="does not match"):
        call_command("keys_destroy", confirm="yes", stdout=io.StringIO())
    assert key_file.exists() and not AuditEvent.objects.filter(action="keys.destroy").exists()

    call_command("keys_destroy", confirm=closure.confirmation_phrase(), stdout=io.StringIO())
    assert not key_file.exists() and not (tmp_path / "exports").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit-checkpoints.jsonl", "closed"]
    assert not FieldKeyCanary.objects.exists() and ServiceClosed.objects.exists()
    assert not Person.objects.exists() and not NameForm.objects.exists()
    account = User.objects.get(pk=alice.pk)
    assert (account.username, account.email, account.is_active) == (f"erased-{alice.pk}", "", False)
    assert not account.has_usable_password()
    event = AuditEvent.objects.get(action="keys.destroy")  # the log stays, and says what went
    assert event.detail["key_files"] == 1 and event.detail["canaries"] == 1
    assert event.detail["tables"]["registry_person"] == 1 and event.detail["files"] == 1
    assert event.detail["users_anonymised"] == 1 and event.detail["rows"] >= 2
    for path in ("/", "/healthz", "/console/"):
        page = client.get(path)
        assert page.status_code == 503 and "Эта служба закрыта" in page.content.decode()


@pytest.mark.parametrize(
    ("headers", "path", "language", "says"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}, "/", "en", "cannot be read"),
        ({"HTTP_ACCEPT_LANGUAGE": "uk"}, "/", "uk", "прочитати їх неможливо"),
        ({"HTTP_ACCEPT_LANGUAGE": "de"}, "/", "ru", "прочитать их невозможно"),
        ({"HTTP_COOKIE": "django_language=uk", "HTTP_ACCEPT_LANGUAGE": "en"}, "/", "uk", "знищено"),
        ({"HTTP_ACCEPT_LANGUAGE": "ru"}, "/en/status/", "en", "destroyed here"),
    ],
)
def test_the_closed_page_speaks_the_visitors_language_without_the_database(
    settings: Any, tmp_path: Path, headers: dict[str, str], path: str, language: str, says: str
) -> None:
    settings.DATA_DIR = tmp_path
    (tmp_path / "closed").write_text("closed\n")
    page = Client(**headers).get(path)  # no database: a test without django_db would fail
    body = page.content.decode()
    assert page.status_code == 503 and page["Content-Language"] == language
    assert f'lang="{language}"' in body and says in body
    assert "backups held elsewhere" not in body


def test_console_pages_tell_staff_the_data_is_recovered_from_backups_held_elsewhere(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    (tmp_path / "closed").write_text("closed\n")
    page = Client().get("/console/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 503 and "encrypted backups held elsewhere" in page.content.decode()


def test_a_read_only_file_is_still_removed_and_emptied_folders_go_with_their_files(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    locked = tmp_path / "outbox" / "2026" / "message.eml"
    locked.parent.mkdir(parents=True)
    locked.write_text("Kanarejka\n")
    locked.chmod(0o400)
    kept = tmp_path / "audit-checkpoints.jsonl"
    kept.write_text("{}\n")

    assert erasure.data_folder_files(kept=set()) == [locked]
    assert erasure.files_shred([locked]) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit-checkpoints.jsonl"]
