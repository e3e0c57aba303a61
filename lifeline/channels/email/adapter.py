"""The e-mail channel: file inbound mail under its case, send replies over SMTP.

Mail reaches us through `lifeline smtpd` (see `server.py`), which commits the raw message
to the inbox. `interpret` reads it and decides its case:

- a reply to one of our messages, or a subject naming a case's reference, goes to that case,
  but only if the sender already writes on it: a reference is not a secret, so a stranger
  naming one gets a case of his own, which notes the reference he claims;
- anything else goes to the sender's open case, or opens a new one and answers with its
  receipt (reference and secret), unless the mail was itself sent automatically.
"""

from __future__ import annotations

import base64
import logging
import re
import smtplib
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import pgettext

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_open_for_conversation, receipt_draw
from lifeline.cases.workflows import workflow_for
from lifeline.channels.email.parse import (
    CHARSET,
    ENCODING,
    STRUCTURE,
    ParsedMail,
    guess_language,
    parse_mail,
    references_in,
)
from lifeline.core.actors import SYSTEM
from lifeline.core.receipts import Receipt
from lifeline.intake.adapters import ChannelAdapter, SendRefused
from lifeline.intake.attachments.cleaning import UNCHECKED
from lifeline.intake.attachments.store import AttachmentRefused, attachment_store
from lifeline.intake.inbox import (
    SECRET_PLACEHOLDER,
    conversation_for,
    message_queue,
)
from lifeline.intake.models import Attachment, Channel, Contact, Conversation

logger = logging.getLogger(__name__)

# An SMTP server that neither answers nor hangs up must not hold a worker for ever.
SEND_TIMEOUT_SECONDS = 60
_MESSAGE_ID = re.compile(r"^<[^<>\s]{1,250}>$")
# The message as it came, kept when part of it could not be read.
ORIGINAL_FILENAME = "original-message.eml"


class EmailAdapter(ChannelAdapter):
    channel = Channel.EMAIL

    def interpret(self, contact: Contact, fetched: Any) -> None:
        raw = base64.b64decode(contact.payload.get("raw", ""))
        mail = parse_mail(raw)
        envelope_sender = str(contact.payload.get("mail_from") or "")
        sender = mail.sender or _plain_address(envelope_sender)
        language = guess_language(f"{mail.subject}\n{mail.text}")
        contact.fields = _fields(mail)
        if sender:
            conversation = conversation_for(
                channel=Channel.EMAIL, identity=sender, language=language
            )
        else:
            # Nobody to answer; the message is still kept, on a conversation of its own.
            conversation = Conversation.objects.create(
                channel=Channel.EMAIL, language=language, created_at=timezone.now()
            )
        case = _case_for(mail=mail, conversation=conversation, contact=contact)
        receipt = None
        if case is None:
            receipt = receipt_draw()
            case = case_open_for_conversation(
                actor=SYSTEM,
                conversation=conversation,
                kind=CaseKind.OTHER,
                language=language,
                receipt=receipt,
            )
        elif conversation.case_id != case.pk:
            # Replies from the case page go to the conversation last heard on that case.
            conversation.case = case
            conversation.save(update_fields=["case"])
        contact.conversation = conversation
        contact.case = case
        contact.language = language
        refused = _store_files(contact, mail)
        text = mail.text
        if mail.problems or refused:
            # What we could not read or clean is still the person's: keep the message as it
            # came, and say so where the operator reads it. Not an error to retry: it would
            # never read better.
            text = f"{_unreadable_note(mail.problems, refused)}\n\n{text}".strip()
            contact.fields["unreadable"] = [*mail.problems, *(["attachment"] if refused else [])]
            _keep_original(contact, raw)
        contact.body = text[: settings.PUBLIC_MESSAGE_MAX_CHARS]
        if len(text) > settings.PUBLIC_MESSAGE_MAX_CHARS:
            # The thread shows the beginning; the whole letter is kept beside it, not lost.
            _keep_whole_text(contact, text)
        contact.save(update_fields=["conversation", "case", "language", "body", "fields"])
        # An empty envelope sender ("MAIL FROM:<>") marks a bounce: answering it could loop.
        bounce = "mail_from" in contact.payload and not envelope_sender.strip("<> ")
        if receipt is not None and sender and not (mail.automatic or bounce):
            _acknowledge(conversation=conversation, case=case, receipt=receipt, language=language)

    def send(self, contact: Contact, text: str) -> str:
        conversation = contact.conversation
        address = conversation.identity if conversation is not None else ""
        if conversation is None or not address:
            raise SendRefused("the conversation has no address to write to")
        case = contact.case or conversation.case
        language = contact.language or conversation.language or settings.LANGUAGE_CODE
        with translation.override(language):
            title = pgettext("email", "Your message to the hotline")
        subject = f"Re: [{case.reference}] {title}" if case else title
        message_id = make_msgid(domain=_our_domain())
        headers = {"Message-ID": message_id}
        replied_to = _last_inbound_message_id(conversation)
        if replied_to:
            headers["In-Reply-To"] = replied_to
            headers["References"] = replied_to
        if contact.fields.get("acknowledgement"):
            headers["Auto-Submitted"] = "auto-replied"
        connection = get_connection(
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT_SECONDS
        )
        message = EmailMessage(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
            connection=connection,
        )
        try:
            sent = message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise SendRefused("the mail server refused the address") from error
        except ValueError as error:  # Django refuses an address it cannot write
            raise SendRefused("the address cannot be written to") from error
        if not sent:
            raise RuntimeError("the mail backend sent nothing")
        return message_id


# --- Inbound -------------------------------------------------------------------------------


def _plain_address(envelope_sender: str) -> str:
    address = parseaddr(envelope_sender)[1].strip().lower()
    return address if "@" in address and " " not in address else ""


def _fields(mail: ParsedMail) -> dict[str, Any]:
    fields: dict[str, Any] = {"subject": mail.subject[:500]}
    if mail.message_id:
        fields["message_id"] = mail.message_id
    return fields


def _case_for(*, mail: ParsedMail, conversation: Conversation, contact: Contact) -> Case | None:
    """The open case this mail belongs to, or None to open one. Notes claims on `contact`."""
    threaded = _threaded_cases(mail)
    claimed = []
    for case in threaded:
        if not _writes_on(conversation, case):
            claimed.append(case.reference)
        elif _is_open(case):
            return case
        else:
            # A reply on a closed case would sit there unseen: it goes to an open case.
            contact.fields.setdefault("closed_reference", case.reference)
    # A reference that names no case is noted like any other: the sender learns nothing.
    existing = {case.reference for case in threaded}
    claimed += [ref for ref in references_in(mail.subject) if ref not in existing]
    if claimed:
        contact.fields["claims_reference"] = claimed[0]
    current = conversation.case
    return current if current is not None and _is_open(current) else None


def _threaded_cases(mail: ParsedMail) -> list[Case]:
    """Cases named by the reply headers (our Message-IDs) and by the subject, in that order."""
    cases: list[Case] = []
    if mail.references:
        sent = (
            Contact.objects.filter(
                channel=Channel.EMAIL,
                direction=Contact.Direction.OUT,
                provider_id__in=mail.references,
            )
            .exclude(case=None)
            .select_related("case")
            .order_by("-id")
        )
        cases += [c.case for c in sent if c.case is not None]
    references = references_in(mail.subject)
    if references:
        by_reference = {c.reference: c for c in Case.objects.filter(reference__in=references)}
        cases += [by_reference[r] for r in references if r in by_reference]
    unique: dict[int, Case] = {}
    for case in cases:
        unique.setdefault(case.pk, case)
    return list(unique.values())


def _writes_on(conversation: Conversation, case: Case) -> bool:
    """Whether this address already writes on `case`: its conversation, now or before."""
    if conversation.pk is None or not conversation.identity_hash:
        return False
    if conversation.case_id == case.pk:
        return True
    return Contact.objects.filter(case=case, conversation=conversation).exists()


def _is_open(case: Case) -> bool:
    return case.status not in workflow_for(case.kind).terminal


def _store_files(contact: Contact, mail: ParsedMail) -> list[str]:
    """Clean and store the mail's files; the names of those the cleaning refused."""
    refused = []
    for file in mail.files:
        try:
            attachment_store(
                contact=contact,
                filename=file.filename,
                content_type=file.content_type,
                data=file.data,
            )
        except AttachmentRefused as error:
            refused.append({"filename": file.filename, "reason": str(error)})
    if refused:
        contact.fields["attachments_refused"] = refused
    return [item["filename"] for item in refused]


def _keep_whole_text(contact: Contact, text: str) -> None:
    contact.fields["truncated"] = True
    try:
        attachment_store(
            contact=contact,
            filename="whole-message.txt",
            content_type="text/plain",
            data=text.encode("utf-8"),
        )
    except AttachmentRefused as error:
        refused = contact.fields.setdefault("attachments_refused", [])
        refused.append({"filename": "whole-message.txt", "reason": str(error)})


def _unreadable_note(problems: list[str], refused: list[str]) -> str:
    """The line above a message we could not read whole, in the organisation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        reasons = {
            CHARSET: pgettext("email", "an unknown or wrong character set"),
            ENCODING: pgettext("email", "a damaged encoding"),
            STRUCTURE: pgettext("email", "parts nested too deep or too many to read"),
        }
        why = [reasons.get(problem, problem) for problem in problems]
        if refused:
            why.append(
                pgettext("email", "files that could not be checked and cleaned: %(names)s")
                % {"names": ", ".join(refused)}
            )
        note = pgettext(
            "email",
            "Part of this e-mail could not be read (%(reasons)s). The original message is "
            "kept as the attachment %(filename)s.",
        ) % {"reasons": "; ".join(why), "filename": ORIGINAL_FILENAME}
    return f"[{note}]"


def _keep_original(contact: Contact, raw: bytes) -> None:
    """Keep the message as it came, encrypted like every file, beside what could be read.

    Not through the cleaning: a message is no type it knows, and it may be larger than one
    file may be (it holds all of them). Marked unchecked, so staff are warned before opening.
    """
    Attachment.objects.create(
        contact=contact,
        filename=ORIGINAL_FILENAME,
        content_type="message/rfc822",
        size=len(raw),
        data=raw,
        cleaning=UNCHECKED,
        created_at=timezone.now(),
    )


def _acknowledge(
    *, conversation: Conversation, case: Case, receipt: Receipt, language: str
) -> None:
    """Queue the receipt of a new case; its secret is filled in only when it is sent."""
    with translation.override(language):
        paragraphs = [
            pgettext("email", "Your message has been received. This is your receipt:"),
            "\n".join(
                [
                    pgettext("email", "Reference: %(reference)s")
                    % {"reference": receipt.reference},
                    pgettext("email", "Secret code: %(secret)s") % {"secret": SECRET_PLACEHOLDER},
                ]
            ),
            pgettext(
                "email",
                "Keep them safe: write the reference and the code down on paper, keep the "
                "paper somewhere safe, then delete this e-mail. Anyone who has them can read "
                "our replies. We cannot recover a lost code: we do not keep it.",
            ),
            pgettext("email", "With them you can read our reply on the status page: %(url)s")
            % {"url": settings.PUBLIC_BASE_URL + "/status/"},
            pgettext(
                "email",
                "But you do not need them to write to us: simply reply to this e-mail, and we "
                "will answer by e-mail.",
            ),
        ]
    message_queue(
        actor=SYSTEM,
        conversation=conversation,
        case=case,
        body="\n\n".join(paragraphs),
        language=language,
        secret=receipt.secret,
        fields={"acknowledgement": True},
    )


# --- Outbound ------------------------------------------------------------------------------


def _our_domain() -> str:
    # Not the host's name (socket.getfqdn): it may be slow to look up and says where we run.
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "lifeline.invalid"


def _last_inbound_message_id(conversation: Conversation) -> str:
    last = (
        Contact.objects.filter(conversation=conversation, direction=Contact.Direction.IN)
        .order_by("-received_at", "-id")
        .first()
    )
    message_id = str(last.fields.get("message_id", "")) if last is not None else ""
    return message_id if _MESSAGE_ID.match(message_id) else ""
