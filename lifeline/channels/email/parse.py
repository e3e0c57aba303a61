"""Reading an inbound e-mail: sender, subject, text body and files, whatever its charset."""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import errors, policy
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
# Not "Forwarded message": what someone forwards (a letter from the one sought) is content.
_HISTORY_START = re.compile(
    r"^\s*-{2,}\s*(original message|исходное сообщение|"
    r"оригінальне повідомлення|початкове повідомлення)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(r"(@|wrote|писал|пише|написа)", re.IGNORECASE)
# More parts than this is a malformed or hostile message: the rest is kept in the original.
_MAX_PARTS = 200
# Past this many multiparts the parser's recursion is slow or fails (at about a thousand
# deep), so such a message is read flat, one boundary after another.
_MAX_CONTAINERS = 100
_FALLBACK_CHARSETS = ("utf-8", "windows-1251")
_BODY_TYPES = frozenset({"text/plain", "text/html"})
_BASE64_DEFECTS = (
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64LengthDefect,
)
_BOUNDARY = re.compile(rb'boundary\s*=\s*("[^"\r\n]{1,200}"|[^\s;"]{1,200})', re.IGNORECASE)
_MULTIPART_HEADER = re.compile(rb"^content-type:\s*multipart/", re.IGNORECASE | re.MULTILINE)

# Why part of a message could not be read; the adapter then keeps the original beside it.
CHARSET = "charset"  # an unknown or wrong character set: some letters are guessed
ENCODING = "encoding"  # damaged base64: some bytes are lost
STRUCTURE = "structure"  # nesting too deep, too many parts, or parts that do not parse

# The header fields an author writes (RFC 5322 3.6, and MIME's). A relay adds trace fields
# (Received, Return-Path, Delivered-To) and filters add their own (X-Spam-Status,
# Authentication-Results); those differ between two copies of one message, so they are not
# part of its identity.
_IDENTITY_FIELDS = frozenset(
    {
        b"from", b"sender", b"reply-to", b"to", b"cc", b"subject", b"date", b"message-id",
        b"in-reply-to", b"references", b"mime-version", b"content-type",
        b"content-transfer-encoding", b"content-disposition",
    }
)  # fmt: skip


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
    # What could not be read (CHARSET, ENCODING, STRUCTURE): the original must be kept.
    problems: list[str] = field(default_factory=list)


def parse_mail(raw: bytes) -> ParsedMail:
    """Read a raw RFC 5322 message. Never raises on malformed input: it reads what it can.

    The body is the text of every text part, in order; every other part is a file. What
    cannot be read is listed in `problems`, so the caller can keep the original.
    """
    reader = _Reader()
    boundaries = {match.strip(b'"') for match in _BOUNDARY.findall(raw)}
    try:
        if len(boundaries) > _MAX_CONTAINERS:
            raise RecursionError("too many multiparts to parse as a tree")
        # policy.default makes EmailMessage objects, with decoded headers.
        message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
        reader.read(message)
    except Exception:  # nested too deep for the parser (RecursionError), or worse
        message = cast(EmailMessage, BytesHeaderParser(policy=policy.default).parsebytes(raw))
        reader = _Reader()
        reader.read_flat(raw, boundaries)
    subject = clean_text(_header(message, "subject"), multiline=False)
    sender = _sender(message)
    if "\ufffd" in subject + _header(message, "from"):
        reader.problem(CHARSET)  # raw 8-bit header bytes that are not UTF-8
    return ParsedMail(
        sender=sender,
        subject=subject,
        text="\n\n".join(reader.texts),
        message_id=next(iter(_message_ids(_header(message, "message-id"))), ""),
        references=_message_ids(_header(message, "in-reply-to"))
        + _message_ids(_header(message, "references")),
        files=reader.files,
        automatic=_is_automatic(message),
        problems=reader.problems,
    )


def message_key(raw: bytes) -> str:
    """The inbox key of a message: one key per message, whichever way and however often
    it is delivered.

    Not the Message-ID alone: mail software reuses Message-IDs (a template, a broken
    client) and some mail has none, so two different messages could share a key and the
    second would be dropped after we said 250. Instead it is a digest of what the author
    wrote: the author's header fields, Message-ID included (_IDENTITY_FIELDS), and the
    body. A relay retrying after a lost "250" sends the same bytes; a second copy by another
    route differs only in trace fields and line endings, which are left out or normalised.
    So both are one item, while two messages that differ in a word, a date or a Message-ID
    are two. A mail without a Message-ID is known by the same digest, so it too is kept once.
    Hashed, also because a Message-ID often names the sender's machine and the key is stored
    in clear. Read from bytes, without the MIME parser, so it cannot fail on any input.
    """
    head, _, body = _split_head(raw)
    digest = hashlib.sha256()
    for name, value in _header_fields(head):
        if name in _IDENTITY_FIELDS:
            digest.update(name + b":" + b" ".join(value.split()) + b"\n")
    digest.update(b"\n")
    # Trailing blanks and blank lines are what transports change; the words are not.
    for line in body.rstrip().splitlines():
        digest.update(line.rstrip() + b"\n")
    return "mail-" + digest.hexdigest()


def _split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """The header block, the separator and the body, as a mail parser cuts them."""
    match = re.search(rb"\r?\n\r?\n", raw)
    if match is None:
        return raw, b"", b""
    return raw[: match.start()], match.group(), raw[match.end() :]


def _header_fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """(lower-cased name, unfolded value) of each field, in order."""
    fields: list[tuple[bytes, bytes]] = []
    for line in head.splitlines():
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b" " + line.strip())
        elif b":" in line:
            name, _, value = line.partition(b":")
            fields.append((name.strip().lower(), value.strip()))
    return fields


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
    # Read from the header's own bytes as UTF-8: RFC 6532 mail (SMTPUTF8) may have
    # андрей@пример.рф in From, which the library's parse of raw bytes would mangle.
    value = next((v for k, v in message.raw_items() if k.lower() == "from"), "")
    value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    value = re.sub(r"\r?\n", "", value)  # unfolded
    try:
        addresses: tuple[Address, ...] = policy.default.header_factory("from", value).addresses
        address = addresses[0].addr_spec if addresses else ""
    except Exception:  # an unparseable From: fall back to the plain parser
        address = parseaddr(value)[1]
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


class _Reader:
    """Walks a parsed message: body text in order, every other part a file, problems noted."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.files: list[MailFile] = []
        self.problems: list[str] = []
        self._parts = 0

    def problem(self, code: str) -> None:
        if code not in self.problems:
            self.problems.append(code)

    def read(self, root: EmailMessage) -> None:
        # An explicit stack, not recursion: a message the parser took may nest hundreds deep.
        # Each entry: a part, and whether it is a twin (an alternative to a body already read,
        # whose text would only repeat it).
        stack: list[tuple[EmailMessage, bool]] = [(root, False)]
        while stack:
            part, twin = stack.pop()
            self._parts += 1
            if self._parts > _MAX_PARTS:
                self.problem(STRUCTURE)
                return
            try:
                children = self._children(part, twin)
                if children is None:
                    self._leaf(part, twin)
                else:
                    stack.extend(reversed(children))
            except Exception:  # a part the library cannot take apart; the rest is still read
                self.problem(STRUCTURE)

    def read_flat(self, raw: bytes, boundaries: set[bytes]) -> None:
        """Read the parts of a message nested too deep to parse, one boundary after another.

        Every declared boundary is a cut, whatever its depth, and each piece between two cuts
        that is not itself a multipart is read as a leaf. A twin that a structured reading
        would skip (the HTML beside a plain text) may be read too: twice is better than never.
        """
        self.problem(STRUCTURE)
        cuts = {b"--" + boundary for boundary in boundaries}
        pieces: list[list[bytes]] = [[]]
        for line in raw.splitlines(keepends=True):
            cut = line.rstrip()
            if cut in cuts or (cut.endswith(b"--") and cut[:-2] in cuts):
                pieces.append([])
            else:
                pieces[-1].append(line)
        leaves = 0
        for lines in pieces[1:]:  # the first is the message's own headers
            data = b"".join(lines)
            if not data.strip() or _MULTIPART_HEADER.search(_split_head(data)[0]):
                continue  # a container's headers: its parts are the pieces that follow
            leaves += 1
            if leaves > _MAX_PARTS:
                return
            try:
                piece = BytesParser(policy=policy.default).parsebytes(data)
                self._leaf(cast(EmailMessage, piece), False)
            except Exception:  # a piece that does not parse: the original keeps it
                self.problem(STRUCTURE)

    def _children(self, part: EmailMessage, twin: bool) -> list[tuple[EmailMessage, bool]] | None:
        """The parts inside `part` in reading order, or None for a leaf."""
        if part.get_content_maintype() == "multipart":
            if not part.is_multipart():
                self.problem(STRUCTURE)  # no boundary: its content is read as text
                return None
            subs = [cast(EmailMessage, sub) for sub in part.iter_parts()]
            if part.get_content_subtype() == "alternative" and not twin and subs:
                shown = _shown_alternative(subs)
                return [(sub, index != shown) for index, sub in enumerate(subs)]
            return [(sub, twin) for sub in subs]
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            # A letter forwarded as an attachment: readable in the body, its files cleaned
            # like any other (kept whole as .eml, its pictures would keep where they were taken).
            inner = cast(EmailMessage, part.get_payload(0))
            if not twin:
                self.texts.append(_forward_heading(inner))
            return [(inner, twin)]
        return None

    def _leaf(self, part: EmailMessage, twin: bool) -> None:
        filename = _filename(part)
        content_type = part.get_content_type()
        malformed_multipart = part.get_content_maintype() == "multipart"
        if (content_type in _BODY_TYPES or malformed_multipart) and not (
            filename or part.is_attachment()
        ):
            if not twin:
                text = self._decoded(part)
                if content_type == "text/html":
                    text = html_to_text(text)
                text = strip_quoted(clean_text(text))
                if text:
                    self.texts.append(text)
            return
        data = self._bytes(part)
        if data:  # an empty part holds nothing to keep
            self.files.append(
                MailFile(
                    filename=filename or _default_name(part),
                    content_type=content_type,
                    data=data,
                )
            )

    def _payload(self, part: EmailMessage) -> bytes | None:
        data = part.get_payload(decode=True)
        # The library decodes what it can of broken base64 and notes the damage as a defect.
        if any(isinstance(defect, _BASE64_DEFECTS) for defect in part.defects):
            self.problem(ENCODING)
        return data if isinstance(data, bytes) else None

    def _decoded(self, part: EmailMessage) -> str:
        """A text part's content in its declared charset, else UTF-8, else Windows-1251."""
        data = self._payload(part)
        if data is None:
            return ""
        try:
            declared = part.get_content_charset()
        except Exception:  # a charset parameter too malformed to read
            declared = None
        if declared:
            try:
                codecs.lookup(declared)
            except LookupError:
                self.problem(CHARSET)
                declared = None
        for charset in (declared, *_FALLBACK_CHARSETS):
            if not charset:
                continue
            try:
                return data.decode(charset)
            except UnicodeDecodeError:
                continue
        self.problem(CHARSET)
        return data.decode(_FALLBACK_CHARSETS[-1], errors="replace")

    def _bytes(self, part: EmailMessage) -> bytes | None:
        if part.is_multipart():
            # A delivery status (message/delivery-status) is a list of header blocks.
            blocks = part.get_payload()
            return b"\n".join(b.as_bytes() for b in blocks if isinstance(b, Message))
        return self._payload(part)


def _shown_alternative(subs: list[EmailMessage]) -> int:
    """Which alternative is read as the body: plain text with words in it, else HTML, else
    a richer structure (HTML with its pictures), else the first."""
    preference = (
        lambda p: p.get_content_type() == "text/plain" and _has_content(p),
        lambda p: p.get_content_type() == "text/html",
        lambda p: p.get_content_maintype() == "multipart",
    )
    for wanted in preference:
        for index, sub in enumerate(subs):
            if wanted(sub):
                return index
    return 0


def _has_content(part: EmailMessage) -> bool:
    data = part.get_payload(decode=True)
    return isinstance(data, bytes) and bool(data.strip())


def _forward_heading(inner: EmailMessage) -> str:
    lines = ["----------"]
    for name in ("from", "date", "subject"):
        value = clean_text(_header(inner, name), multiline=False)
        if value:
            lines.append(f"{name.capitalize()}: {value}")
    return "\n".join(lines)


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    # A name, never a path: "../../x" or "C:\\x" from a hostile or odd client.
    name = re.split(r"[/\\]", clean_text(str(name), multiline=False))[-1]
    return name.strip(". ")[:200]


def _default_name(part: EmailMessage) -> str:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        return "message.eml"
    if part.get_content_maintype() in ("text", "message"):
        return "attachment.txt"
    return "attachment" + (mimetypes.guess_extension(content_type) or "")


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
