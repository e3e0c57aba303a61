"""Which case a mail is filed on, and the receipt a new case is acknowledged with."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from lifeline.cases.models import Case
from lifeline.core.receipts import verify_secret
from lifeline.intake.inbox import SECRET_PLACEHOLDER, contact_deliver
from lifeline.intake.models import Contact
from tests.channels.email.conftest import raw_mail, receive

pytestmark = pytest.mark.django_db
SECRET_RE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
STRANGER = "Maria <Maria@Example.NET>"


@pytest.fixture(autouse=True)
def _locmem(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def acknowledgements(case: Case) -> list[Contact]:
    return list(Contact.objects.filter(case=case, direction=Contact.Direction.OUT))


def test_a_first_mail_opens_a_case_and_gets_its_receipt_by_mail(settings: Any) -> None:
    contact = receive(raw_mail(subject="Help"))
    case = contact.case
    assert case is not None and case.kind == "other"
    assert contact.conversation is not None
    assert contact.conversation.identity == "ivan@example.org"
    assert (contact.language, contact.fields["subject"]) == ("ru", "Help")
    assert contact.payload == {}

    [ack] = acknowledgements(case)
    assert SECRET_PLACEHOLDER in ack.body
    assert ack.fields["secret"] not in ack.body
    assert ack.language == "ru"

    delivered = contact_deliver(contact_id=ack.pk)
    assert delivered is not None and delivered.state == Contact.State.SENT
    [sent] = mail.outbox
    assert sent.to == ["ivan@example.org"]
    assert f"[{case.reference}]" in sent.subject
    assert case.reference in sent.body
    assert settings.PUBLIC_BASE_URL + "/status/" in sent.body
    secret = SECRET_RE.search(sent.body)
    assert secret is not None and verify_secret(case.secret_hash, secret.group())
    assert sent.extra_headers["Message-ID"] == delivered.provider_id
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    # Once sent, the secret is gone from what we keep.
    ack.refresh_from_db()
    assert "secret" not in ack.fields and secret.group() not in ack.body


def test_a_reply_naming_the_reference_from_the_same_address_joins_the_case() -> None:
    case = receive(raw_mail()).case
    assert case is not None
    reply = receive(raw_mail("Ещё вопрос", subject=f"Re: Your message [{case.reference}]"))
    assert reply.case == case
    assert "claims_reference" not in reply.fields
    assert len(acknowledgements(case)) == 1  # no second receipt


def test_a_second_mail_without_reference_joins_the_senders_open_case() -> None:
    case = receive(raw_mail()).case
    assert receive(raw_mail("И ещё", sender="ivan@EXAMPLE.org")).case == case


def test_a_stranger_naming_a_reference_gets_a_case_of_his_own() -> None:
    case = receive(raw_mail()).case
    assert case is not None
    other = receive(raw_mail("Это мой брат", sender=STRANGER, subject=f"[{case.reference}]"))
    assert other.case is not None and other.case != case
    assert other.fields["claims_reference"] == case.reference
    assert other.conversation is not None
    assert other.conversation.identity == "maria@example.net"
    assert len(acknowledgements(other.case)) == 1
    assert Contact.objects.filter(case=case, direction="in").count() == 1


def test_a_stranger_replying_to_our_message_id_is_not_threaded() -> None:
    case = receive(raw_mail()).case
    assert case is not None
    [ack] = acknowledgements(case)
    sent = contact_deliver(contact_id=ack.pk)
    assert sent is not None
    forwarded = raw_mail(sender=STRANGER, headers={"In-Reply-To": sent.provider_id})
    other = receive(forwarded)
    assert other.case != case
    assert other.fields["claims_reference"] == case.reference


def test_an_unknown_reference_is_noted_like_any_claim() -> None:
    contact = receive(raw_mail(subject="Re: [LF-0000-0000]"))
    assert contact.fields["claims_reference"] == "LF-0000-0000"
    assert contact.case is not None and contact.case.reference != "LF-0000-0000"


def test_a_reply_on_a_closed_case_opens_a_new_one() -> None:
    case = receive(raw_mail()).case
    assert case is not None
    Case.objects.filter(pk=case.pk).update(status="closed")
    reply = receive(raw_mail(subject=f"Re: [{case.reference}]"))
    assert reply.case is not None and reply.case != case
    assert reply.fields["closed_reference"] == case.reference
    assert len(acknowledgements(reply.case)) == 1


@pytest.mark.parametrize(
    ("headers", "mail_from"),
    [({"Auto-Submitted": "auto-replied"}, "ivan@example.org"), ({}, "<>")],
)
def test_automatic_mail_and_bounces_get_no_receipt(headers: dict[str, str], mail_from: str) -> None:
    contact = receive(raw_mail(headers=headers), mail_from=mail_from)
    assert contact.case is not None
    assert acknowledgements(contact.case) == []


def test_the_receipt_is_in_the_language_of_the_mail() -> None:
    contact = receive(raw_mail("Шукаю батька, він був у Харкові."))
    assert contact.case is not None
    assert (contact.language, contact.case.language) == ("uk", "uk")
    [ack] = acknowledgements(contact.case)
    assert ack.language == "uk"


def test_a_long_letter_is_kept_whole_beside_its_beginning(settings: Any) -> None:
    paragraph = "Мы ищем сына, вот всё, что мы знаем о нём и о его части. " * 20
    letter = paragraph * 20  # well over the thread's limit
    contact = receive(raw_mail(letter))
    assert len(contact.body) == settings.PUBLIC_MESSAGE_MAX_CHARS
    assert contact.fields["truncated"] is True
    [whole] = contact.attachments.all()
    assert whole.data.decode("utf-8").strip() == letter.strip()
