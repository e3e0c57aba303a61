"""Real mail that nobody here wrote, through the SMTP listener and the worker.

The corpus is CPython's own e-mail test messages (Lib/test/test_email/data/msg_*.txt):
decades of real and deliberately odd mail (bounces, digests, signed and forwarded mail,
broken boundaries, old charsets) that ships with the interpreter's test package. It needs no
network; where the test package is missing (Debian splits it into libpython3.X-testsuite)
the test fails, it does not skip, so the proof cannot silently vanish.

For each message: it becomes exactly one item; every word of every text part is in the filed
body; every other part is stored as a cleaned attachment. The expectations are read with the
standard library's own walk, not with the code under test.
"""

from __future__ import annotations

import html
import importlib.util
import re
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import cast

import pytest

from lifeline.channels.email.server import HotlineController
from lifeline.intake.attachments.cleaning import NOT_CLEANED
from lifeline.intake.inbox import contact_process
from lifeline.intake.models import Attachment, Contact
from tests.channels.email.conftest import HOTLINE, smtp_client

pytestmark = pytest.mark.django_db(transaction=True)
Start = Callable[..., HotlineController]
KEPT_BY_US = {"original-message.eml", "whole-message.txt"}
_WORD = re.compile(r"[^\W\d_]{2,}")
_HIDDEN_HTML = re.compile(r"<(script|style|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def corpus() -> list[Path]:
    """CPython's test messages; an assertion, not a skip, if they are not installed.

    The running interpreter's test package, else Debian's (scripts/ensure-mail-corpus).
    """
    spec = importlib.util.find_spec("test")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    folders = [Path(location) / "test_email" / "data" for location in locations]
    folders += sorted(Path("/usr/lib").glob("python3*/test/test_email/data"))
    for folder in folders:
        messages = sorted(folder.glob("msg_*.txt"))
        if messages:
            assert len(messages) >= 40, f"only {len(messages)} messages in {folder}"
            return messages
    pytest.fail("no mail corpus: run scripts/ensure-mail-corpus (CPython's test package)")


def expected_parts(raw: bytes) -> tuple[list[str], list[EmailMessage]]:
    """(the text of each body part, every other leaf), as the standard library reads them."""
    root = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    texts: list[str] = []
    files: list[EmailMessage] = []

    def walk(part: EmailMessage, parent: EmailMessage | None) -> None:
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            walk(cast(EmailMessage, part.get_payload(0)), part)
        elif part.get_content_maintype() == "multipart" and part.is_multipart():
            for sub in part.iter_parts():
                walk(cast(EmailMessage, sub), part)
        elif _is_body_text(part):
            if not _is_twin(part, parent):
                texts.append(_text_of(part))
        elif part.is_multipart() or part.get_payload(decode=True):
            files.append(part)  # a part with nothing in it holds nothing to keep

    walk(root, None)
    return texts, files


def _is_body_text(part: EmailMessage) -> bool:
    if part.is_attachment() or part.get_filename():
        return False
    return part.get_content_type() in ("text/plain", "text/html") or (
        part.get_content_maintype() == "multipart"  # a multipart without a boundary
    )


def _is_twin(part: EmailMessage, parent: EmailMessage | None) -> bool:
    """The HTML beside a plain text in a multipart/alternative says the same again."""
    if parent is None or parent.get_content_type() != "multipart/alternative":
        return False
    plain = [
        p
        for p in parent.iter_parts()
        if p.get_content_type() == "text/plain" and (p.get_payload(decode=True) or b"").strip()
    ]
    return bool(plain) and part is not plain[0]


def _text_of(part: EmailMessage) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    try:
        text = data.decode(part.get_content_charset() or "utf-8")
    except (LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(re.sub(r"<[^>]*>", " ", _HIDDEN_HTML.sub(" ", text)))
    return text


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def filed_text(contact: Contact) -> str:
    """The body, and the whole text where the body had to be cut."""
    whole = [
        bytes(a.data).decode()
        for a in contact.attachments.all()
        if a.filename == "whole-message.txt"
    ]
    return "\n".join([contact.body, *whole])


def check(path: Path, contact: Contact) -> list[str]:
    """What is wrong with how `contact` filed the message at `path`; empty if nothing."""
    raw = path.read_bytes()
    problems = []
    if contact.state != Contact.State.PROCESSED:
        return [f"{contact.state} ({contact.last_error})"]
    texts, files = expected_parts(raw)
    missing = set().union(*(words(text) for text in texts)) - words(filed_text(contact))
    if missing:
        problems.append(f"words not in the body: {sorted(missing)[:10]}")
    # A file refused (empty, or over the size limit) is not stored, but it is not lost
    # either: the whole message is then kept as it came (checked below).
    refused = [r["filename"] for r in contact.fields.get("attachments_refused", [])]
    if refused and "attachment" not in contact.fields.get("unreadable", []):
        problems.append(f"attachments refused without the original kept: {refused}")
    stored = [a for a in contact.attachments.all() if a.filename not in KEPT_BY_US]
    if len(stored) + len(refused) != len(files):
        names = [a.filename for a in stored]
        problems.append(f"{len(files)} attachments expected, {len(stored)} stored: {names}")
    named = sorted(n for n in (f.get_filename() for f in files) if n)
    if named and not set(named) <= {a.filename for a in stored} | set(refused):
        problems.append(f"attachments {named} not all stored")
    for attachment in stored:
        # Every file went through the cleaning: a picture is re-encoded without metadata.
        if not attachment.cleaning:
            problems.append(f"{attachment.filename}: not through the cleaning")
        # or, where it cannot be (msg_22's pictures are cut short), kept as it came and flagged.
        cleaned = attachment.cleaning == "stripped" or attachment.cleaning in NOT_CLEANED
        if attachment.content_type.startswith("image/") and not cleaned:
            problems.append(f"{attachment.filename}: a picture neither stripped nor flagged")
    if "unreadable" in contact.fields:
        originals = [a for a in contact.attachments.all() if a.filename == "original-message.eml"]
        if len(originals) != 1 or _lines(bytes(originals[0].data)) != _lines(raw):
            problems.append("unreadable, but the original is not kept")
    return problems


def _lines(raw: bytes) -> list[bytes]:
    # SMTP carries lines, ended by CRLF, and a last line always ends: compare the lines.
    return raw.rstrip(b"\r\n").splitlines()


def test_real_mail_from_a_public_corpus_is_filed_whole(smtp_server: Start) -> None:
    port = smtp_server(addresses=[HOTLINE]).port
    failures: dict[str, list[str]] = {}
    messages = corpus()
    for path in messages:
        before = set(Contact.objects.values_list("pk", flat=True))
        with smtp_client(port) as smtp:
            smtp.ehlo()
            smtp.mail("corpus@example.org")
            smtp.rcpt(HOTLINE)
            code, _ = smtp.data(path.read_bytes())
        new = list(Contact.objects.exclude(pk__in=before).filter(direction=Contact.Direction.IN))
        if code != 250 or len(new) != 1:
            failures[path.name] = [f"SMTP {code}, {len(new)} items"]
            continue
        contact = contact_process(contact_id=new[0].pk)
        assert contact is not None
        found = check(path, Contact.objects.get(pk=contact.pk))
        if found:
            failures[path.name] = found
    assert not failures, "\n".join(f"{name}: {found}" for name, found in failures.items())
    assert Contact.objects.filter(direction=Contact.Direction.IN).count() == len(messages)
    assert Attachment.objects.exists()
