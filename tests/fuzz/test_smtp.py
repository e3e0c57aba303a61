"""Any mail through the SMTP handler: refused at once or kept, and then filed or failed visibly.

The handler's answer to a mail is 250 (kept) or a permanent refusal, never "451 try again" for
the mail itself: a relay would offer the same mail again for days. Whatever was kept is filed
by the worker or fails where a person sees it; none is left to retry for ever.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from aiosmtpd.smtp import Envelope
from hypothesis import given
from hypothesis import strategies as st

from lifeline.channels.email.server import HotlineHandler
from lifeline.intake.models import Contact
from tests.fuzz.invariants import (
    FUZZ,
    assert_every_item_can_finish,
    assert_nothing_half_written,
    process_everything,
)

pytestmark = pytest.mark.django_db(transaction=True)

charsets = st.sampled_from(["utf-8", "koi8-r", "windows-1251", "x-unknown", "utf-7", ""])
encodings = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-weird"])
types = st.sampled_from(
    ["text/plain", "text/html", "image/png", "application/pdf", "application/octet-stream"]
)
payloads = st.binary(max_size=200) | st.text(max_size=120).map(str.encode)


def _leaf(content_type: str, charset: str, encoding: str, data: bytes, name: str) -> bytes:
    if encoding == "base64" and data.isascii() is False:
        data = base64.b64encode(data)
    disposition = f'Content-Disposition: attachment; filename="{name}"\r\n' if name else ""
    return (
        f"Content-Type: {content_type}; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n{disposition}\r\n"
    ).encode() + data


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    boundary = f"b{len(parts)}x{abs(hash(tuple(parts))) % 10**8}"
    inner = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()
    return head + inner + b"--" + boundary.encode() + b"--\r\n"


leaves = st.builds(_leaf, types, charsets, encodings, payloads, st.sampled_from(["", "a.txt"]))
bodies = st.recursive(
    leaves,
    lambda inner: st.builds(
        _multipart,
        st.sampled_from(["mixed", "alternative", "related"]),
        st.lists(inner, max_size=3),
    ),
    max_leaves=6,
)
headers = st.lists(
    st.sampled_from(
        [b"From: Ivan <ivan@example.org>", b"Subject: =?utf-8?b?0J/RgNC40LLQtdGC?=",
         b"Subject: =?x-unknown?q?=FF?=", b"Message-ID: <same@example.org>", b"From: \xff\xfe",
         b"MIME-Version: 1.0", b"In-Reply-To: <LF-0000-0000@lifeline>", b"To: <>"]
    ),
    max_size=5,
)  # fmt: skip
mails = st.builds(lambda h, body: b"\r\n".join(h) + b"\r\n" + body, headers, bodies) | st.binary(
    max_size=300
)
# aiosmtpd decodes MAIL FROM as UTF-8, keeping other bytes as surrogates (surrogateescape).
senders = st.binary(max_size=40).map(lambda b: b.decode("utf-8", "surrogateescape")) | st.just(
    "ivan@example.org"
)


def test_any_mail_is_kept_or_refused_never_deferred_for_ever() -> None:
    handler = HotlineHandler(addresses=[])
    answers: list[str] = []

    @FUZZ
    @given(raw=mails, mail_from=senders)
    def deliver(raw: bytes, mail_from: str) -> None:
        envelope: Any = Envelope()
        envelope.original_content = raw
        envelope.mail_from = mail_from
        envelope.rcpt_tos = ["hotline@lifeline.test"]
        answer = asyncio.run(handler.handle_DATA(None, None, envelope))  # type: ignore[arg-type]
        answers.append(answer)
        assert answer.startswith(("250", "5")), answer
        assert_nothing_half_written()
        process_everything()
        assert_every_item_can_finish()

    deliver()
    assert Contact.objects.filter(channel="email").exists()
