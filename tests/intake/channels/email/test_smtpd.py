"""The SMTP listener over real loopback SMTP: 250 only once the mail is committed."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import OperationalError

from lifeline.intake.channels.email import server
from lifeline.intake.channels.email.server import HotlineController
from lifeline.intake.models import Contact
from tests.intake.channels.email.conftest import HOTLINE, raw_mail, smtp_client

pytestmark = pytest.mark.django_db(transaction=True)
Start = Callable[..., HotlineController]


def deliver(port: int, raw: bytes, *, to: str = HOTLINE) -> tuple[int, int]:
    """The answers to RCPT and to DATA (0 if DATA was not reached)."""
    with smtp_client(port) as smtp:
        smtp.ehlo()
        smtp.mail("ivan@example.org")
        rcpt, _ = smtp.rcpt(to)
        if rcpt != 250:
            return rcpt, 0
        data, _ = smtp.data(raw)
        return rcpt, data


def test_a_message_is_committed_before_250(smtp_server: Start) -> None:
    port = smtp_server().port
    assert deliver(port, raw_mail()) == (250, 250)
    contact = Contact.objects.get()
    assert (contact.channel, contact.direction, contact.state) == ("email", "in", "pending")
    assert contact.payload["rcpt_tos"] == [HOTLINE]
    assert contact.payload["mail_from"] == "ivan@example.org"
    # The inbox key is a hash: a Message-ID may name the sender's machine.
    assert "example.org" not in contact.external_id


def test_the_same_message_id_twice_is_one_contact(smtp_server: Start) -> None:
    port = smtp_server().port
    raw = raw_mail(message_id="<once@example.org>")
    assert deliver(port, raw) == (250, 250)
    assert deliver(port, raw) == (250, 250)
    assert Contact.objects.count() == 1


def test_another_recipient_is_refused_and_nothing_written(smtp_server: Start) -> None:
    port = smtp_server().port
    assert deliver(port, raw_mail(), to="someone@elsewhere.test") == (550, 0)
    assert not Contact.objects.exists()


def test_a_database_failure_asks_the_relay_to_retry(
    smtp_server: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(server, "inbox_receive", broken)
    port = smtp_server().port
    assert deliver(port, raw_mail()) == (250, 451)


def test_a_message_over_the_limit_is_refused(smtp_server: Start) -> None:
    port = smtp_server(max_bytes=2_000).port
    assert deliver(port, raw_mail("xxxxxxxxx\r\n" * 300)) == (250, 552)
    assert not Contact.objects.exists()


def test_the_command_listens_until_it_is_stopped() -> None:
    original = signal.getsignal(signal.SIGTERM)

    def stop_when_listening() -> None:
        deadline = time.monotonic() + 10
        while signal.getsignal(signal.SIGTERM) is original and time.monotonic() < deadline:
            time.sleep(0.02)
        if signal.getsignal(signal.SIGTERM) is not original:
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_listening)
    stopper.start()
    call_command("smtpd", host="127.0.0.1", port=0)
    stopper.join()
    assert signal.getsignal(signal.SIGTERM) is original
