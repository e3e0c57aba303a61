"""Operators' replies over real SMTP: threaded to the case, refusals and outages handled."""

from __future__ import annotations

import socket
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest

from lifeline.cases.services import case_reply
from lifeline.intake.inbox import contact_deliver
from lifeline.intake.models import Contact
from tests.channels.email.conftest import Sink, raw_mail, receive

pytestmark = pytest.mark.django_db
REPLY = "Мы получили ваше письмо. Оставайтесь на связи."


def _reply(alice: Any) -> Contact:
    case = receive(raw_mail(message_id="<first@example.org>")).case
    assert case is not None
    # The acknowledgement went out already: a reply waits behind an earlier queued message.
    Contact.objects.filter(direction="out", state="queued").update(state="sent")
    reply = case_reply(actor=alice, case=case, body=REPLY)
    delivered = contact_deliver(contact_id=reply.pk)
    assert delivered is not None
    return delivered


def test_a_reply_goes_out_over_smtp_threaded_to_the_case(alice: Any, smtp_sink: Sink) -> None:
    sent = _reply(alice)
    assert sent.state == Contact.State.SENT
    [envelope] = smtp_sink.messages
    assert envelope.rcpt_tos == ["ivan@example.org"]
    message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or b"")
    assert sent.case is not None
    assert str(message["Subject"]).strip().startswith(f"Re: [{sent.case.reference}] ")
    assert message["Message-ID"] == sent.provider_id
    assert message["In-Reply-To"] == "<first@example.org>"
    assert message.get_content().strip() == REPLY
    assert "Auto-Submitted" not in message


def test_a_refused_recipient_fails_the_reply(alice: Any, smtp_sink: Sink) -> None:
    smtp_sink.refuse.add("ivan@example.org")
    sent = _reply(alice)
    assert (sent.state, sent.last_error) == (Contact.State.FAILED, "SendRefused")
    assert smtp_sink.messages == []


def test_an_unreachable_mail_server_is_retried(alice: Any, settings: Any) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    sent = _reply(alice)
    assert (sent.state, sent.attempts) == (Contact.State.QUEUED, 1)
    assert sent.next_attempt_at is not None
