"""Reading an inbound e-mail: sender, subject, text body and files, whatever its charset."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import cast

from lifeline.core.receipts import normalise_reference
from lifeline.intake.text import clean_text

# A reference as people write it in a subject: "[LF-7K3Q-9D2M]", "lf 7k3q 9d2m".
_REFERENCE_IN_TEXT = re.compile(r"\bLF[\s-]?[0-9A-Z]{4}[\s-]?[0-9A-Z]{4}\b", re.IGNORECASE)
# A receipt secret quoted back from our acknowledgement is not kept in the message.
_SECRET_IN_TEXT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
_HIDDEN_CODE = "••••-••••-••••-••••"
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
# Where a top-posted reply's quoted history begins (Outlook, Thunderbird, Mail.ru, Yandex).
_HISTORY_START = re.compile(
    r"^\s*-{2,}\s*(original message|forwarded message|исходное сообщение|"
    r"пересылаемое сообщение|оригінальне повідомлення|початкове повідомлення)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(r"(@|wrote|писал|пише|написа)", re.IGNORECASE)
# Parts nested deeper than this, or more of them, are a malformed or hostile message.
_MAX_DEPTH = 20
_MAX_PARTS = 200
_FALLBACK_CHARSETS = ("utf-8", "windows-1251")


@dataclass
class MailFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    sender: str  # the From address, lower-cased; empty if there is none
    subject: str
    text: str
    message_id: str  # "<...@...>", or empty
    references: list[str] = field(default_factory=list)  # In-Reply-To, then References
    files: list[MailFile] = field(default_factory=list)
    automatic: bool = False  # a bounce, an auto-reply or a list: it gets no auto-reply


def parse_mail(raw: bytes) -> ParsedMail:
    """Read a raw RFC 5322 message. Never raises on malformed input: it reads what it can."""
    # policy.default makes EmailMessage objects, with decoded headers and get_body().
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    body = _body_part(message)
    return ParsedMail(
        sender=_sender(message),
        subject=clean_text(_header(message, "subject"), multiline=False),
        text=_body_text(message, body),
        message_id=next(iter(_message_ids(_header(message, "message-id"))), ""),
        references=_message_ids(_header(message, "in-reply-to"))
        + _message_ids(_header(message, "references")),
        files=list(_files(message, body)),
        automatic=_is_automatic(message),
    )


def message_key(raw: bytes) -> str:
    """What identifies a delivery, so that a relay's retry is recognised: the Message-ID.

    Hashed, because a Message-ID often names the sender's machine or domain and the inbox
    key is not encrypted. A message without one is known by the hash of its bytes.
    """
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    ids = _message_ids(_header(headers, "message-id"))
    if ids:
        return "mid-" + hashlib.sha256(ids[0].encode()).hexdigest()
    return "raw-" + hashlib.sha256(raw).hexdigest()


def references_in(text: str) -> list[str]:
    """Case references named in `text` (a subject), normalised, in order, without repeats."""
    found: list[str] = []
    for match in _REFERENCE_IN_TEXT.finditer(text):
        reference = normalise_reference(match.group())
        if reference and reference not in found:
            found.append(reference)
    return found


def guess_language(text: str) -> str:
    """uk for Cyrillic with a letter only Ukrainian has, ru for other Cyrillic, else en."""
    if re.search("[іїєґІЇЄҐ]", text):
        return "uk"
    if re.search("[а-яА-ЯёЁ]", text):
        return "ru"
    return "en"


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: no tags, no scripts or styles, lines kept."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.chunks).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """Drop the quoted history a reply carries below the new text, and mask any secret."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _HISTORY_START.match(line):
            lines = lines[:index]
            break
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    if end < len(lines) and any(line.lstrip().startswith(">") for line in lines[end:]):
        # "On Monday, X <x@example.org> wrote:" above the quote goes with it.
        if end and lines[end - 1].rstrip().endswith(":") and _ATTRIBUTION.search(lines[end - 1]):
            end -= 1
        lines = lines[:end]
    return _SECRET_IN_TEXT.sub(_HIDDEN_CODE, "\n".join(lines)).strip()


# --- Headers -------------------------------------------------------------------------------


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header so malformed the policy cannot parse it
        return ""
    return str(value) if value is not None else ""


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)[:50]


def _sender(message: EmailMessage) -> str:
    try:
        header = message.get("from")
        addresses: tuple[Address, ...] = header.addresses if header is not None else ()
        address = addresses[0].addr_spec if addresses else ""
    except Exception:  # an unparseable From: fall back to the plain parser
        address = parseaddr(_header(message, "from"))[1]
    address = clean_text(address, multiline=False)
    return address.lower() if "@" in address and " " not in address else ""


def _is_automatic(message: EmailMessage) -> bool:
    # RFC 3834: never answer automatically what was sent automatically.
    auto = _header(message, "auto-submitted").strip().lower()
    precedence = _header(message, "precedence").strip().lower()
    return (
        (auto not in ("", "no"))
        or precedence in ("bulk", "junk", "list")
        or bool(_header(message, "list-id"))
        or message.get_content_type() == "multipart/report"
    )


# --- Body and files ------------------------------------------------------------------------


def _leaves(part: EmailMessage, depth: int = 0) -> Iterator[EmailMessage]:
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        if depth >= _MAX_DEPTH:
            return
        for sub in part.iter_parts():
            yield from _leaves(cast(EmailMessage, sub), depth + 1)
    else:
        yield part


def _body_part(message: EmailMessage) -> EmailMessage | None:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None
    return part if isinstance(part, EmailMessage) else None


def _body_text(message: EmailMessage, body: EmailMessage | None) -> str:
    if body is None:
        return ""
    text = _decoded(body)
    if body.get_content_subtype() == "html":
        return strip_quoted(clean_text(html_to_text(text)))
    text = strip_quoted(clean_text(text))
    if text:
        return text
    # Some clients send an empty plain part beside the real HTML one.
    try:
        html = message.get_body(preferencelist=("html",))
    except Exception:
        html = None
    if isinstance(html, EmailMessage) and html is not body:
        return strip_quoted(clean_text(html_to_text(_decoded(html))))
    return ""


def _decoded(part: EmailMessage) -> str:
    """A text part's content in its declared charset, else UTF-8, else Windows-1251."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    declared = part.get_content_charset()
    for charset in (declared, *_FALLBACK_CHARSETS):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode(_FALLBACK_CHARSETS[-1], errors="replace")


def _files(message: EmailMessage, body: EmailMessage | None) -> Iterator[MailFile]:
    alternatives = _alternatives_of(message, body)
    for count, part in enumerate(_leaves(message)):
        if count >= _MAX_PARTS:
            return
        if part is body or any(part is alt for alt in alternatives):
            continue
        filename = _filename(part)
        inline_text = part.get_content_maintype() == "text" and not part.is_attachment()
        if inline_text and not filename:
            continue
        data = _part_bytes(part)
        if data is None:
            continue
        yield MailFile(
            filename=filename or _default_name(part),
            content_type=part.get_content_type(),
            data=data,
        )


def _alternatives_of(message: EmailMessage, body: EmailMessage | None) -> list[EmailMessage]:
    # The HTML twin of the plain body we showed is the same message, not a file.
    if body is None:
        return []
    try:
        twins = [message.get_body(preferencelist=(kind,)) for kind in ("plain", "html")]
    except Exception:
        return []
    return [twin for twin in twins if isinstance(twin, EmailMessage)]


def _part_bytes(part: EmailMessage) -> bytes | None:
    if part.get_content_type() == "message/rfc822":
        # A forwarded message is kept whole, as the .eml file it was.
        inner = part.get_payload(0) if part.is_multipart() else None
        return inner.as_bytes() if isinstance(inner, Message) else None
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else None


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    # A name, never a path: "../../x" or "C:\\x" from a hostile or odd client.
    name = re.split(r"[/\\]", clean_text(str(name), multiline=False))[-1]
    return name.strip(". ")[:200]


def _default_name(part: EmailMessage) -> str:
    if part.get_content_type() == "message/rfc822":
        return "message.eml"
    return "attachment"


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML document; what browsers do not show is dropped."""

    _HIDDEN = frozenset({"script", "style", "title", "template", "noscript", "svg"})
    _BREAKS = frozenset(
        {"br", "p", "div", "tr", "li", "ul", "ol", "table", "blockquote", "pre", "hr"}
        | {"h1", "h2", "h3", "h4", "h5", "h6"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        if tag == "pre":
            self._pre_depth += 1
        elif tag in self._BREAKS:
            self.chunks.append("\n")
        if tag == "li":
            self.chunks.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre_depth = max(self._pre_depth - 1, 0)
        if tag in self._HIDDEN:
            self._hidden_depth = max(self._hidden_depth - 1, 0)
        elif tag in self._BREAKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        # Outside <pre>, a line break in the source is just a space, as a browser shows it.
        self.chunks.append(data if self._pre_depth else re.sub(r"\s+", " ", data))
