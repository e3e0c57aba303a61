"""The SMTP listener over real loopback SMTP: 250 only once the mail is committed."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError

from lifeline.channels.email import server
from lifeline.channels.email.server import HotlineController
from lifeline.intake.inbox import contact_process
from lifeline.intake.models import Contact
from tests.channels.email.conftest import HOTLINE, deep_mail, raw_mail, smtp_client

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


def delivered(port: int, raw: bytes, *, mail_from: bytes = b"<ivan@example.org>") -> int:
    """Deliver with a raw MAIL FROM argument; the answer to DATA (0 if it was not reached)."""
    with smtp_client(port) as smtp:
        smtp.ehlo()
        smtp.send(b"MAIL FROM:" + mail_from + b"\r\n")  # smtplib would encode it as ASCII
        code, _ = smtp.getreply()
        if code != 250:
            return 0
        smtp.rcpt(HOTLINE)
        return smtp.data(raw)[0]


def processed(contact: Contact) -> Contact:
    result = contact_process(contact_id=contact.pk)
    assert result is not None
    assert result.state == Contact.State.PROCESSED, result.last_error
    return result


# --- Identity: one message, one item ------------------------------------------------------


def test_a_different_mail_reusing_a_message_id_is_a_second_item(smtp_server: Start) -> None:
    port = smtp_server().port
    assert deliver(port, raw_mail("Первое письмо.", message_id="<x@example.org>")) == (250, 250)
    assert deliver(port, raw_mail("Второе письмо.", message_id="<x@example.org>")) == (250, 250)
    bodies = sorted(processed(c).body for c in Contact.objects.all())
    assert bodies == ["Второе письмо.", "Первое письмо."]


def test_a_second_copy_by_another_route_is_one_item(smtp_server: Start) -> None:
    port = smtp_server().port
    raw = raw_mail(message_id="<route@example.org>")
    via_backup_mx = (
        b"Received: from mx2.example.net (mx2.example.net [192.0.2.7])\r\n"
        b"\tby relay.lifeline.test; Mon, 6 Jan 2025 10:00:07 +0000\r\n"
        b"Return-Path: <ivan@example.org>\r\nDelivered-To: hotline@lifeline.test\r\n" + raw
    )
    assert deliver(port, raw) == (250, 250)
    assert deliver(port, via_backup_mx) == (250, 250)
    assert Contact.objects.count() == 1


def test_a_mail_without_message_id_is_kept_once(smtp_server: Start) -> None:
    port = smtp_server().port
    raw = b"From: ivan@example.org\r\nTo: hotline@lifeline.test\r\nSubject: no id\r\n\r\nHelp.\r\n"
    assert deliver(port, raw) == (250, 250)
    assert deliver(port, raw) == (250, 250)  # the relay never heard our first 250
    assert deliver(port, raw.replace(b"Help.", b"Help me.")) == (250, 250)
    assert sorted(processed(c).body for c in Contact.objects.all()) == ["Help me.", "Help."]


# --- What real mail servers send --------------------------------------------------------


def test_an_smtputf8_sender_is_accepted(smtp_server: Start) -> None:
    port = smtp_server().port
    with smtp_client(port) as smtp:
        smtp.ehlo()
        assert smtp.mail("андрей@пример.рф", ["SMTPUTF8"])[0] == 250
        smtp.rcpt(HOTLINE)
        # An SMTPUTF8 message may carry UTF-8 in its headers too (RFC 6532).
        raw = raw_mail(sender="Andrey <sender@placeholder>")
        raw = raw.replace(b"sender@placeholder", "андрей@пример.рф".encode())
        assert smtp.data(raw)[0] == 250
    contact = processed(Contact.objects.get())
    assert contact.conversation is not None
    assert contact.conversation.identity == "андрей@пример.рф"


def test_an_8bit_sender_without_smtputf8_is_accepted(smtp_server: Start) -> None:
    port = smtp_server().port
    # "андрей" in Windows-1251, as an old mail server passes it on.
    sender = "<андрей@example.org>".encode("windows-1251")
    assert delivered(port, raw_mail(), mail_from=sender) == 250
    contact = processed(Contact.objects.get())
    assert contact.body == "Добрый день, помогите найти брата."


@pytest.mark.parametrize("length", [1_500, 2_048, 15_000])
def test_long_lines_are_accepted(smtp_server: Start, length: int) -> None:
    port = smtp_server().port
    line = ("Длинная строка без переносов. " * 2_000).encode()[:length]
    line = line.decode(errors="ignore").encode()
    assert deliver(port, raw_mail(line + b"\r\n")) == (250, 250)
    assert processed(Contact.objects.get()).body == line.decode().strip()


def test_a_line_beyond_the_limit_is_still_refused(smtp_server: Start, settings: Any) -> None:
    settings.SMTPD_MAX_LINE_BYTES = 4_096
    port = smtp_server().port
    _, answer = deliver(port, raw_mail(b"x" * 5_000 + b"\r\n"))
    assert answer == 500
    assert not Contact.objects.exists()


def test_a_mail_nested_3000_deep_is_accepted_and_filed(smtp_server: Start) -> None:
    port = smtp_server().port
    raw = deep_mail(3_000)
    assert deliver(port, raw) == (250, 250)
    contact = processed(Contact.objects.get())
    assert "Это письмо вложено очень глубоко." in contact.body
    assert contact.attempts == 1
    names = [a.filename for a in contact.attachments.all()]
    assert names == ["original-message.eml"]
