"""The SMTP listener a mail server relays the hotline's address to (`lifeline smtpd`).

A message is acknowledged ("250") only once its inbox row is committed, so a mail is never
lost between the relay and us: if the database cannot take it, the relay hears "451" and
keeps the mail to try again later.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

from lifeline.channels.email.parse import message_key
from lifeline.intake.inbox import inbox_receive
from lifeline.intake.models import Channel, Contact
from lifeline.intake.text import clean_text

logger = logging.getLogger(__name__)

# Recipients of one message; a relay delivering the hotline's mail needs a handful.
MAX_RECIPIENTS = 100


def max_message_bytes() -> int:
    """The largest message taken: room for a full-size attachment once base64-encoded."""
    return int(settings.ATTACHMENT_MAX_BYTES * 2)


def mail_receive(*, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> Contact | None:
    """Commit one delivered message to the inbox (None for a message delivered before).

    Synchronous, for a worker thread: it closes its database connection when done, since
    the SMTP server's threads live long and a connection left open would go stale.
    """
    close_old_connections()
    try:
        return inbox_receive(
            channel=Channel.EMAIL,
            external_id=message_key(raw),
            payload={
                "raw": base64.b64encode(raw).decode("ascii"),
                "mail_from": mail_from,
                "rcpt_tos": rcpt_tos,
            },
        )
    finally:
        connection.close()


def envelope_text(address: str) -> str:
    """An envelope address as text that can be stored.

    aiosmtpd keeps the bytes of an address it cannot decode as UTF-8 (an 8-bit MAIL FROM
    without SMTPUTF8, in a legacy charset) as lone surrogates, which no database or JSON
    takes: refusing the mail for that (451) would have the relay retry it for days. The
    address only names a sender we may answer; the message itself is kept as it came.
    """
    text = address.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return clean_text(text, multiline=False)


class HotlineHandler:
    """aiosmtpd handler: refuses other recipients, then stores each message in the inbox."""

    def __init__(self, *, addresses: list[str] | None = None, max_bytes: int | None = None):
        # Read once; None means "from settings" (empty accepts whatever the relay hands over).
        hotline = settings.HOTLINE_EMAIL_ADDRESSES if addresses is None else addresses
        self.addresses = frozenset(a.strip().lower() for a in hotline)
        self.max_bytes = max_message_bytes() if max_bytes is None else max_bytes

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.addresses and address.strip().lower() not in self.addresses:
            return "550 5.1.1 No such recipient here"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > self.max_bytes:
            return "552 5.3.4 Message too big"
        try:
            await sync_to_async(mail_receive, thread_sensitive=False)(
                raw=raw,
                mail_from=envelope_text(envelope.mail_from or ""),
                rcpt_tos=[envelope_text(address) for address in envelope.rcpt_tos],
            )
        except Exception as error:
            # Only the error's type: its text may quote the message.
            logger.warning("could not store an inbound mail: %s", type(error).__name__)
            return "451 4.3.0 try again later"
        return "250 OK"


class HotlineSMTP(SMTP):
    """aiosmtpd's SMTP session, taking lines up to `line_length_limit` bytes long."""

    def __init__(self, handler: Any, *, line_length_limit: int, **options: Any):
        # Read by SMTP.__init__ to size its line buffer, so it is set first.
        self.line_length_limit = line_length_limit
        super().__init__(handler, **options)


class HotlineController(Controller):
    """aiosmtpd's threaded controller; port 0 takes a free port, then found in `port`.

    `max_line_bytes` raises aiosmtpd's RFC limit of 1,000 bytes a line (None keeps it).
    """

    def __init__(self, handler: Any, *, max_line_bytes: int | None = None, **options: Any):
        super().__init__(handler, **options)
        self.max_line_bytes = max_line_bytes

    def factory(self) -> SMTP:
        if self.max_line_bytes is None:
            return super().factory()
        # The line plus its CRLF and a dot-stuffing dot, as aiosmtpd counts it.
        limit = self.max_line_bytes + 3
        return HotlineSMTP(self.handler, line_length_limit=limit, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def smtpd_controller(*, host: str, port: int, **handler_options: Any) -> HotlineController:
    """A controller for the hotline's SMTP listener; call start() and stop() on it."""
    # aiosmtpd logs every sender and recipient at INFO; addresses are not for our logs.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = HotlineHandler(**handler_options)
    return HotlineController(
        handler,
        hostname=host,
        port=port,
        # Its own name in the greeting, not the host's (a slow lookup that says where we run).
        server_hostname="lifeline",
        data_size_limit=handler.max_bytes,
        enable_SMTPUTF8=True,
        max_line_bytes=settings.SMTPD_MAX_LINE_BYTES,
    )
