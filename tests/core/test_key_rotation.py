"""`lifeline keys rotate`: a new key, re-encryption that survives a crash, and retiring the old."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lifeline.core import crypto
from lifeline.core.fields import Unreadable, encrypted_fields
from lifeline.core.keys import field_keys_problem, field_keys_verify
from lifeline.core.models import AuditEvent, FieldKeyCanary, KeyRotation
from lifeline.core.rotation import key_uses, keys_reencrypt, sealed_models, stored_key_id
from lifeline.intake.models import Attachment, Contact

pytestmark = pytest.mark.django_db


class Crash(Exception):
    pass


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.DEV_KEYS = True
    call_command("demo", persons=40, cases=16, seed=3, stdout=io.StringIO())
    contact = Contact.objects.exclude(conversation=None).first()
    for n in range(3):  # files too: the demo has none
        Attachment.objects.create(
            contact=contact, filename=f"photo{n}.jpg", content_type="image/jpeg", size=3,
            data=b"\xff\xd8" + bytes([n]), cleaning="stripped", created_at=timezone.now(),
        )  # fmt: skip


def _unreadable_values() -> int:
    """Every encrypted field of every row, opened with the configured keys: how many fail."""
    failed = 0
    for model in sealed_models():
        for row in model._base_manager.all():
            for f in encrypted_fields(model):
                failed += isinstance(getattr(row, f.attname), Unreadable)
    return failed


def _values() -> int:
    return sum(
        1
        for model in sealed_models()
        for row in model._base_manager.all()
        for f in encrypted_fields(model)
        if row.__dict__.get(f.attname) not in (None, "")
    )


def test_a_rotation_killed_midway_resumes_and_the_new_key_alone_reads_everything(
    demo: None, settings: Any
) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    assert _values() > 100  # the demo seals persons, messages, enquiries, conversations...
    new = crypto.generate_key_spec("k2")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert field_keys_verify() is None  # the restart pins k2's canary

    batches = 0

    def crash_after_two(label: str, rows: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise Crash

    with pytest.raises(Crash):
        keys_reencrypt(batch_size=7, after_batch=crash_after_two)
    done = KeyRotation.objects.get(key_id="k2", last_pk__gt=0)
    assert done.resealed > 0 and done.finished_at is None  # stopped in the middle of a model
    assert key_uses("k1")  # much still sealed under the old key

    report = keys_reencrypt(batch_size=7)
    assert report.key_id == "k2" and sum(report.unreadable.values()) == 0
    assert key_uses("k1") == {}
    assert AuditEvent.objects.filter(action="keys.reencrypt").exists()

    call_command("keys_rotate", retire="k1", stdout=io.StringIO())
    assert list(FieldKeyCanary.objects.values_list("key_id", flat=True)) == ["k2"]

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert field_keys_problem() is None  # the canaries open with k2 alone
    assert _unreadable_values() == 0
    assert [a.data for a in Attachment.objects.order_by("pk")] == [
        b"\xff\xd8\x00",
        b"\xff\xd8\x01",
        b"\xff\xd8\x02",
    ]

    settings.FIELD_ENCRYPTION_KEYS = [old]
    assert _unreadable_values() == _values()  # the old key alone opens nothing any more


def _add_k2(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [
        crypto.generate_key_spec("k2"),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    field_keys_verify()


def test_a_second_run_skips_rows_already_under_the_new_key(demo: None, settings: Any) -> None:
    _add_k2(settings)
    first = keys_reencrypt(batch_size=50)
    assert sum(first.resealed.values()) > 0
    KeyRotation.objects.all().delete()  # forget the progress: every row is looked at again
    second = keys_reencrypt(batch_size=50)
    assert sum(second.resealed.values()) == 0


def test_retiring_a_key_still_in_use_or_primary_is_refused(demo: None, settings: Any) -> None:
    with pytest.raises(CommandError, match="primary"):
        call_command("keys_rotate", retire="k1")
    _add_k2(settings)
    with pytest.raises(CommandError, match="still sealed under k1"):
        call_command("keys_rotate", retire="k1")
    assert FieldKeyCanary.objects.filter(key_id="k1").exists()


def test_new_key_is_written_first_in_the_key_file(tmp_path: Path, settings: Any) -> None:
    key_file = tmp_path / "field_keys"
    key_file.write_text(settings.FIELD_ENCRYPTION_KEYS[0] + "\n")
    call_command("keys_rotate", new_key=True, key_file=key_file, stdout=io.StringIO())
    entries = key_file.read_text().strip().split(",")
    assert [e.partition(":")[0] for e in entries] == ["k2", "k1"]
    assert entries[1] == settings.FIELD_ENCRYPTION_KEYS[0]
    assert key_file.stat().st_mode & 0o077 == 0


def test_the_stored_header_names_the_key() -> None:
    assert stored_key_id("r:k2$abc") == ("k2", True)
    assert stored_key_id(b"k1$\x00\x01") == ("k1", False)
