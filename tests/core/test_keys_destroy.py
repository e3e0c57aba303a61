"""`lifeline keys destroy` end to end on SQLite: keys gone, data unreadable, the site closed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lifeline.core import closure
from lifeline.core.models import AuditEvent, FieldKeyCanary, ServiceClosed

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
print("NOTES:", Person.objects.get(surname="Petrenko").notes)
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
    assert f"NOTES: {CANARY}" in before.stdout and "PAGE: 200" in before.stdout

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
    assert "NOTES: cannot be read with the current keys" in after.stdout
    assert CANARY not in after.stdout
    assert "PAGE: 503" in after.stdout and "This service is closed" in after.stdout
    assert not (tmp_path / "field_keys").exists()  # no new dev key was made in its place
    check = _run(tmp_path, "keys", "check")
    assert check.returncode == 0 and "closed" in check.stdout  # `serve` starts, to say so
    worker = _run(tmp_path, "worker", "--batch")
    assert worker.returncode != 0 and "closed" in worker.stderr


@pytest.mark.django_db
def test_destroy_audits_first_drops_canaries_and_closes_every_page(
    settings: Any, tmp_path: Path, client: Client
) -> None:
    settings.DATA_DIR = tmp_path
    key_file = tmp_path / "field_keys"
    key_file.write_text("k1:secret\n")
    assert FieldKeyCanary.objects.exists()
    with pytest.raises(CommandError, match="does not match"):
        call_command("keys_destroy", confirm="yes")
    assert key_file.exists() and not AuditEvent.objects.filter(action="keys.destroy").exists()

    call_command("keys_destroy", confirm=closure.confirmation_phrase())
    assert not key_file.exists()
    assert not FieldKeyCanary.objects.exists() and ServiceClosed.objects.exists()
    event = AuditEvent.objects.get(action="keys.destroy")
    assert event.detail == {"key_files": 1, "canaries": 1}
    for path in ("/", "/healthz", "/console/"):
        page = client.get(path)
        assert page.status_code == 503 and "Эта служба закрыта" in page.content.decode()
