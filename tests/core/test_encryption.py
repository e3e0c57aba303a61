"""The encrypted field type: round trips, tamper and key handling, and no plaintext at rest."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from lifeline.core import crypto
from lifeline.core.crypto import generate_key_spec
from lifeline.core.fields import EncryptedBinaryField, EncryptedTextField, sealed_for_bulk_update
from lifeline.registry.models import Person
from tests.factories import create_person, fill_every_encrypted_field

CANARY = "CANARY-Кузьминов-7f3a"


def test_round_trip_is_bound_to_its_column() -> None:
    token = crypto.encrypt("здоровье: ранение", context="registry.person.health")
    assert "ранение" not in token
    assert crypto.decrypt(token, context="registry.person.health") == "здоровье: ранение"
    with pytest.raises(crypto.UndecryptableField, match=r"field key 'k1' does not open this value"):
        crypto.decrypt(token, context="registry.person.notes")


def test_tampered_ciphertext_is_refused() -> None:
    token = crypto.encrypt("secret", context="c")
    key_id, _, payload = token.partition("$")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(crypto.UndecryptableField, match=r"field key 'k1' does not open this value"):
        crypto.decrypt(f"{key_id}${flipped}", context="c")


def test_rotation_reads_old_keys_and_writes_with_the_first(settings) -> None:  # type: ignore[no-untyped-def]
    old = generate_key_spec("old")
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("kept", context="c")
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_spec("new"), old]
    assert crypto.decrypt(token, context="c") == "kept"
    assert crypto.encrypt("fresh", context="c").startswith("new$")
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_spec("other")]
    with pytest.raises(crypto.UndecryptableField, match=r"field key has the id 'old'"):
        crypto.decrypt(token, context="c")


def test_malformed_key_is_a_configuration_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FIELD_ENCRYPTION_KEYS = ["k1:tooshort"]
    with pytest.raises(ImproperlyConfigured, match=r"LIFELINE_FIELD_KEYS entry 1 is not 'id:"):
        crypto.encrypt("x", context="c")


@pytest.mark.django_db
def test_encrypted_columns_cannot_be_searched() -> None:
    with pytest.raises(TypeError, match=r"Encrypted fields cannot be queried with 'icontains'"):
        list(Person.objects.filter(health__icontains="x"))


def _encrypted_fields() -> list[tuple[type, EncryptedTextField | EncryptedBinaryField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField | EncryptedBinaryField)
    ]


@pytest.mark.django_db(transaction=True)
def test_no_canary_plaintext_in_any_table_or_the_database_file() -> None:
    """Write a canary into every encrypted column, then look for it in the raw storage."""
    with transaction.atomic():
        written = fill_every_encrypted_field(CANARY)
    assert {(m, f.name) for m, f in _encrypted_fields()} <= written

    with connection.cursor() as cursor:
        for model in apps.get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            for row in cursor.fetchall():
                assert CANARY not in repr(row), model._meta.label

    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "copy.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(copy)])
            raw = copy.read_bytes()
        assert CANARY.encode("utf-8") not in raw
        assert "Кузьминов".encode() not in raw

    # ...while the application reads every value back.
    for model, field in _encrypted_fields():
        # Through instances: a value is opened with its row's key, which values_list lacks.
        values = [getattr(row, field.attname) for row in model._default_manager.all()]
        texts = [v.decode() if isinstance(v, bytes) else str(v) for v in values]
        assert any(CANARY in text for text in texts), f"{model._meta.label}.{field.name}"


@pytest.mark.django_db
def test_bulk_update_keeps_each_value_bound_to_its_row() -> None:
    first, second = create_person("Кузьминов"), create_person("Петренко")
    first.health, second.health = "ранение ноги", "контузия"
    with sealed_for_bulk_update([first, second], ["health"]):
        Person.objects.bulk_update([first, second], ["health"])
    assert (first.health, second.health) == ("ранение ноги", "контузия")  # given back
    plain = create_person("Сидоров")
    plain.health = "ожог"
    Person.objects.bulk_update([plain], ["health"])  # what the block is for: no row binding
    with connection.cursor() as cursor:
        cursor.execute("SELECT health FROM registry_person WHERE id = %s", [plain.pk])
        assert not cursor.fetchone()[0].startswith("r:")
    with connection.cursor() as cursor:
        cursor.execute("SELECT health FROM registry_person WHERE id = %s", [first.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("r:")  # sealed for its row, not only its column
    assert Person.objects.get(pk=first.pk).health == "ранение ноги"
    # Moved to the other row, it no longer opens there.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET health = %s WHERE id = %s", [stored, second.pk])
    assert Person.objects.get(pk=second.pk).health != "ранение ноги"
