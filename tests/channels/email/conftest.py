"""Helpers for the e-mail channel: raw messages, an SMTP listener on a free port, and a sink."""

from __future__ import annotations

import base64
import smtplib
from collections.abc import Callable, Iterator
from email.utils import make_msgid
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from lifeline.channels.email.server import HotlineController, smtpd_controller
from lifeline.intake.inbox import contact_process, inbox_receive
from lifeline.intake.models import Contact

HOTLINE = "hotline@lifeline.test"


def raw_mail(
    body: bytes | str = "Добрый день, помогите найти брата.",
    *,
    sender: str = "Ivan <ivan@example.org>",
    subject: str = "Help",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "text/plain; charset=utf-8",
    encoding: str = "8bit",
) -> bytes:
    """A message as it arrives on the wire; `subject` and `headers` must already be ASCII."""
    lines = [
        f"From: {sender}",
        f"To: {HOTLINE}",
        f"Subject: {subject}",
        f"Message-ID: {message_id or make_msgid(domain='example.org')}",
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
        f"Content-Transfer-Encoding: {encoding}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    data = body.encode() if isinstance(body, str) else body
    return "\r\n".join(lines).encode("ascii") + b"\r\n\r\n" + data


def deep_mail(depth: int) -> bytes:
    """A mail of multiparts nested `depth` deep, a line of text at the bottom."""
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'
        for level in range(1, depth)
    )
    leaf = "Content-Type: text/plain; charset=utf-8\r\n\r\nЭто письмо вложено очень глубоко.\r\n"
    closing = "".join(f"--b{level}--\r\n" for level in reversed(range(1, depth)))
    return raw_mail(
        f"--b0\r\n{opening}{leaf}{closing}--b0--\r\n",
        content_type='multipart/mixed; boundary="b0"',
    )


def receive(raw: bytes, *, mail_from: str = "ivan@example.org") -> Contact:
    """Take `raw` into the inbox as the SMTP listener does, and process it."""
    contact = inbox_receive(
        channel="email",
        external_id=make_msgid(),
        payload={"raw": _b64(raw), "mail_from": mail_from, "rcpt_tos": [HOTLINE]},
    )
    assert contact is not None
    processed = contact_process(contact_id=contact.pk)
    assert processed is not None
    assert processed.state == Contact.State.PROCESSED, processed.last_error
    return processed


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., HotlineController]]:
    """Start the hotline's listener on a free loopback port; stopped after the test."""
    started: list[HotlineController] = []

    def start(**options: Any) -> HotlineController:
        options.setdefault("addresses", [HOTLINE])
        controller = smtpd_controller(host="127.0.0.1", port=0, **options)
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


class Sink:
    """An SMTP server that keeps what it is sent, and refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Unknown user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[Sink]:
    """Django's SMTP backend pointed at a loopback sink."""
    sink = Sink()
    controller = HotlineController(sink, hostname="127.0.0.1", port=0, server_hostname="sink")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


def smtp_client(port: int) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10)
