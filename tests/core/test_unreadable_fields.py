"""A value the keys cannot open reads as a notice, never a 500; each value is bound to its row."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from lifeline.core import crypto
from lifeline.core.crypto import generate_key_spec
from lifeline.core.fields import rows_bind
from lifeline.intake import inbox
from lifeline.intake.models import Attachment, Contact
from lifeline.registry.models import Person
from tests.cases.helpers import create_case
from tests.factories import login_staff

pytestmark = pytest.mark.django_db

NOTICE = "cannot be read with the current keys"


@pytest.fixture(autouse=True)
def _english() -> Any:
    # The notice follows the active language; these tests read it in English.
    with translation.override("en"):
        yield


def _under_another_key(settings: Any, make: Any) -> Any:
    """Run `make` with a key the installation does not have (a wrong key, since restored)."""
    right = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [generate_key_spec("k1")]
    try:
        return make()
    finally:
        settings.FIELD_ENCRYPTION_KEYS = right


def _raw(model: Any, pk: int, column: str) -> Any:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def _set_raw(model: Any, pk: int, column: str, value: Any) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


def test_the_case_page_shows_a_message_sealed_under_another_key(
    client: Client, alice: Any, settings: Any
) -> None:
    case = _under_another_key(settings, lambda: create_case(inbound="Иван Петров, 3-я рота"))
    login_staff(client, alice)
    response = client.get(reverse("cases:detail", kwargs={"key": case.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    assert NOTICE in body
    assert "Иван Петров" not in body


def test_the_person_page_shows_notes_sealed_under_another_key(
    client: Client, dave: Any, settings: Any
) -> None:
    person = _under_another_key(
        settings, lambda: Person.objects.create(surname="Тестов", notes="ранен", health="ok")
    )
    login_staff(client, dave)
    response = client.get(reverse("registry:person", kwargs={"pk": person.pk}))
    assert response.status_code == 200
    assert NOTICE in response.content.decode()


def test_saving_a_row_keeps_what_it_could_not_read(settings: Any) -> None:
    other = [generate_key_spec("k1")]
    right = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = other
    person = Person.objects.create(surname="Тестов", notes="ранен")
    settings.FIELD_ENCRYPTION_KEYS = right
    loaded = Person.objects.get(pk=person.pk)
    assert loaded.notes == NOTICE
    loaded.surname = "Тестова"
    loaded.save()
    settings.FIELD_ENCRYPTION_KEYS = other
    assert Person.objects.get(pk=person.pk).notes == "ранен"


def test_an_item_sealed_under_another_key_fails_at_once_with_a_clear_reason(
    settings: Any,
) -> None:
    contact = _under_another_key(
        settings,
        lambda: inbox.inbox_receive(
            channel="telegram", external_id="9", payload={"message": {"text": "hello"}}
        ),
    )
    assert contact is not None
    inbox.contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    assert contact.state == Contact.State.FAILED
    assert contact.attempts == 1
    assert contact.last_error == "UndecryptableField"


def test_swapping_two_rows_values_is_detected_on_read() -> None:
    ivanov = Person.objects.create(surname="Иванов", notes="Иванов: ранен")
    petrov = Person.objects.create(surname="Петров", notes="Петров: здоров")
    a, b = _raw(Person, ivanov.pk, "notes"), _raw(Person, petrov.pk, "notes")
    _set_raw(Person, ivanov.pk, "notes", b)
    _set_raw(Person, petrov.pk, "notes", a)
    assert Person.objects.get(pk=ivanov.pk).notes == NOTICE
    assert Person.objects.get(pk=petrov.pk).notes == NOTICE


def test_swapping_two_attachments_bytes_is_detected_on_read() -> None:
    case = create_case(inbound="see the photo")
    contact = Contact.objects.get(case=case)
    common = {"contact": contact, "content_type": "text/plain", "size": 5, "cleaning": "none"}
    now = timezone.now()
    one = Attachment.objects.create(filename="a.txt", data=b"first", created_at=now, **common)
    two = Attachment.objects.create(filename="b.txt", data=b"secnd", created_at=now, **common)
    a, b = bytes(_raw(Attachment, one.pk, "data")), bytes(_raw(Attachment, two.pk, "data"))
    _set_raw(Attachment, one.pk, "data", b)
    _set_raw(Attachment, two.pk, "data", a)
    assert Attachment.objects.get(pk=one.pk).data == b""
    assert Attachment.objects.get(pk=two.pk).data == b""


def test_a_value_written_before_row_binding_reads_and_is_rebound_by_the_migration() -> None:
    person = Person.objects.create(surname="Старов", notes="placeholder")
    legacy = crypto.encrypt("старая запись", context="registry.person.notes")
    _set_raw(Person, person.pk, "notes", legacy)
    assert Person.objects.get(pk=person.pk).notes == "старая запись"

    rows_bind("registry", "Person")(apps, None)
    token = _raw(Person, person.pk, "notes")
    assert token.startswith("r:") and token != legacy
    assert Person.objects.get(pk=person.pk).notes == "старая запись"
