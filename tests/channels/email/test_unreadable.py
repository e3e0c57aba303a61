"""Mail that cannot be read whole is filed with what can be read, and kept as it came."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from lifeline.intake.models import Attachment, Contact
from tests.channels.email.conftest import deep_mail, raw_mail, receive

pytestmark = pytest.mark.django_db
TEXT = "Ищу отца, Сергея Кузьминова, 1971 года рождения."
NOTE = "Part of this e-mail could not be read"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"  # the note is written in the organisation's language


def original_of(contact: Contact) -> Attachment:
    [original] = [a for a in contact.attachments.all() if a.filename == "original-message.eml"]
    return original


def test_an_unknown_charset_is_filed_once_with_the_original_kept() -> None:
    raw = raw_mail(TEXT.encode(), content_type="text/plain; charset=x-mac-nonesuch")
    contact = receive(raw)  # processed at the first attempt, not retried
    assert contact.attempts == 1
    assert TEXT in contact.body
    assert NOTE in contact.body and "character set" in contact.body
    assert "original-message.eml" in contact.body
    original = original_of(contact)
    assert bytes(original.data) == raw
    assert (original.content_type, original.cleaning) == ("message/rfc822", "unchecked")
    assert contact.fields["unreadable"] == ["charset"]
    assert contact.case is not None


def test_broken_base64_is_filed_with_the_original_kept() -> None:
    encoded = base64.encodebytes(TEXT.encode()).decode()
    raw = raw_mail(encoded[:-8] + "*!\r\n", encoding="base64")
    contact = receive(raw)
    assert NOTE in contact.body and "damaged encoding" in contact.body
    assert bytes(original_of(contact).data) == raw


def test_a_mail_nested_3000_deep_is_filed_with_what_can_be_read() -> None:
    raw = deep_mail(3_000)
    contact = receive(raw)
    assert contact.attempts == 1
    assert "Это письмо вложено очень глубоко." in contact.body
    assert NOTE in contact.body and "nested too deep" in contact.body
    assert contact.conversation is not None
    assert contact.conversation.identity == "ivan@example.org"
    assert bytes(original_of(contact).data) == raw


def test_a_readable_mail_keeps_no_original() -> None:
    contact = receive(raw_mail(TEXT))
    assert contact.body == TEXT
    assert not Attachment.objects.filter(contact=contact).exists()
    assert "unreadable" not in contact.fields
