"""The WhatsApp channel: reads Cloud API messages, files them under the number's case, sends.

A message reaches us through the webhook (`views.webhook`), which commits it to the inbox as
it came. Here `fetch` downloads the file it names (media id -> URL -> download) and
`interpret` files it, as the Telegram bot does: a menu button opens the number's case and sends
the receipt, a first message opens one at once, and every message afterwards lands on it.

WhatsApp lets a business write freely only within 24 hours of the person's last message;
after that only a template the organisation had approved goes out (`free_text_until`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_open_for_conversation, receipt_draw
from lifeline.channels.whatsapp import api, payload, texts
from lifeline.channels.whatsapp.templates import templates_for
from lifeline.core.actors import SYSTEM
from lifeline.core.locks import row_lock
from lifeline.intake.adapters import ApprovedTemplate, ChannelAdapter, SendLater, SendRefused
from lifeline.intake.attachments.store import Download, Fetched, fetched_store
from lifeline.intake.inbox import conversation_for, message_queue
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import clean_text

logger = logging.getLogger(__name__)

# The customer-service window, closed a little early: a reply queued at 23:59 is paced and may
# wait for a retry, and WhatsApp refuses it (131047) once the window has closed.
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=10)
# Graph error codes: rate limits (wait), and refusals no retry can change.
RATE_LIMITED = frozenset({4, 80007, 130429, 131048, 131056, 133016})
PAIR_RATE_SECONDS = 6.0  # "one message every 6 seconds" to one number, after a burst
REFUSED = frozenset({100, 131008, 131009, 131026, 131047, 131051, 132000, 132001, 132005, 132007})
# Set on an inbound contact the bot answered itself (a menu word, a button): nobody waits.
ANSWERED_BY_BOT = "answered_by_bot"


class WhatsAppAdapter(ChannelAdapter):
    channel = Channel.WHATSAPP
    # Bursts to one number are allowed; a pair rate limit (131056) puts the rest off.
    send_interval_seconds = 1.0

    # --- Inbound ---------------------------------------------------------------------------

    def fetch(self, contact: Contact) -> Fetched:
        media = payload.media_of(payload.message_of(contact.payload))
        if media is None:
            return Fetched()
        try:
            got = api.media_download(media.media_id, max_bytes=settings.ATTACHMENT_MAX_BYTES)
        except api.GraphApiError as error:
            if error.status in (httpx.codes.BAD_REQUEST, httpx.codes.NOT_FOUND):
                return Fetched(refused=1)  # gone (media lives 30 days) or not ours to fetch
            raise  # an outage, a rate limit, an expired token: worth another attempt
        if got is None:
            return Fetched(refused=1)
        data, mime = got
        return Fetched(files=[Download(media.filename, mime or media.content_type, data)])

    def interpret(self, contact: Contact, fetched: Any) -> None:
        fetched = fetched or Fetched()
        message = payload.message_of(contact.payload)
        conversation = row_lock(
            conversation_for(
                channel=Channel.WHATSAPP,
                identity=str(message["from"]),
                language=texts.bot_language(contact.language),
            )
        )
        info = _info(message)
        language = texts.bot_language(conversation.language)
        case = conversation.case
        chosen = payload.button_id(message) or ""
        action, _, value = chosen.partition(":")
        if (action == "lang" and texts.language_of(value) == value) or (
            action == "kind" and value in texts.KINDS
        ):
            self._choice(contact, conversation, action, value, info)
            return
        # Anything else, a template's quick reply or a button we no longer offer included, is
        # something the person said: filed like a message.
        body = clean_text(payload.body_of(message)) or "[message]"
        if case is None and message.get("type") == "text" and texts.is_menu_word(body):
            _file(contact, conversation, body, {**info, ANSWERED_BY_BOT: True})
            _menu(conversation, None, language)
            return
        if case is None:
            says_something = message.get("type") not in ("sticker", "reaction")
            if not (says_something or fetched.files):
                _file(contact, conversation, body, {**info, ANSWERED_BY_BOT: True})
                _menu(conversation, None, language)
                return
            # Never make a person choose before he is heard: the message opens a case now.
            receipt = receipt_draw()
            case = case_open_for_conversation(
                actor=SYSTEM,
                conversation=conversation,
                kind=CaseKind.OTHER,
                language=language,
                receipt=receipt,
            )
            receipt_text = texts.receipt(language, case.reference)
            _say(conversation, case, language, receipt_text, secret=receipt.secret)
            _say(conversation, case, language, texts.passed_on(language))
        _file(contact, conversation, body, info)
        _attach(contact, conversation, fetched, language)

    def _choice(
        self,
        contact: Contact,
        conversation: Conversation,
        action: str,
        value: str,
        info: dict[str, Any],
    ) -> None:
        """A menu button: a language (`lang`), or a kind of case (`kind`)."""
        info = {**info, ANSWERED_BY_BOT: True}
        if action == "lang":
            conversation.language = value
            conversation.save(update_fields=["language"])
            _file(contact, conversation, f"[language: {value}]", info)
            _menu(conversation, conversation.case, value)
            return
        language = texts.bot_language(conversation.language)
        case = conversation.case
        if case is not None:
            _file(contact, conversation, f"[menu: {value}]", info)
            _say(conversation, case, language, texts.case_exists(language, case.reference))
            return
        receipt = receipt_draw()
        case = case_open_for_conversation(
            actor=SYSTEM, conversation=conversation, kind=value, language=language, receipt=receipt
        )
        _file(contact, conversation, f"[menu: {value}]", info)
        _say(conversation, case, language, texts.receipt(language, case.reference),
             secret=receipt.secret)  # fmt: skip
        _say(conversation, case, language, texts.prompt(language, value))

    def awaits_reply(self, contact: Contact) -> bool:
        fields = contact.fields if isinstance(contact.fields, dict) else {}
        return not fields.get(ANSWERED_BY_BOT)

    # --- The customer-service window -------------------------------------------------------

    def free_text_until(self, conversation: Conversation) -> datetime | None:
        last = (
            Contact.objects.filter(conversation=conversation, direction=Contact.Direction.IN)
            .order_by("-received_at", "-id")
            .first()
        )
        if last is None:
            return timezone.now() - WINDOW_MARGIN  # he never wrote: the window never opened
        opened = last.received_at
        fields = last.fields if isinstance(last.fields, dict) else {}
        sent = fields.get("sent_at")
        if isinstance(sent, int):
            opened = min(opened, datetime.fromtimestamp(sent, tz=UTC))
        return opened + WINDOW - WINDOW_MARGIN

    def approved_templates(self, language: str) -> list[ApprovedTemplate]:
        return [ApprovedTemplate(t.key, t.language, t.text) for t in templates_for(language)]

    # --- Outbound --------------------------------------------------------------------------

    def send(self, contact: Contact, text: str) -> str:
        conversation = contact.conversation
        wa_id = str(conversation.identity) if conversation is not None else ""
        if not wa_id.isdigit():
            raise SendRefused("the conversation has no WhatsApp number")
        if not (settings.WHATSAPP_ACCESS_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID):
            # Shown at once on the case page and in Failed intake, rather than retried for
            # hours; once WhatsApp is configured, the retry button sends it.
            raise SendRefused("WhatsApp is not configured")
        try:
            return api.message_send({"to": wa_id, **_message(contact, text)})
        except api.GraphApiError as error:
            if error.code in RATE_LIMITED or error.status == httpx.codes.TOO_MANY_REQUESTS:
                raise SendLater(PAIR_RATE_SECONDS, "rate limited by WhatsApp") from None
            if error.code in REFUSED:
                # 131047: the 24-hour window closed while the message waited; 131026: the
                # number cannot receive it. Neither gets better by trying again.
                logger.warning("WhatsApp refused contact %s: code %s", contact.pk, error.code)
                raise SendRefused(f"WhatsApp error {error.code}: {error.title}") from None
            raise


def _message(contact: Contact, text: str) -> dict[str, Any]:
    """The messages endpoint's body for an outbound contact: a template, buttons, or text."""
    fields = contact.fields if isinstance(contact.fields, dict) else {}
    template = fields.get("template")
    if isinstance(template, str) and ":" in template:
        name, _, language = template.rpartition(":")
        return {"type": "template", "template": {"name": name, "language": {"code": language}}}
    interactive = fields.get("interactive")
    if isinstance(interactive, dict):
        return {"type": "interactive", "interactive": interactive}
    return {"type": "text", "text": {"body": text, "preview_url": False}}


def _info(message: dict[str, Any]) -> dict[str, Any]:
    """What the contact keeps of the message besides its body (in its encrypted fields)."""
    info: dict[str, Any] = {}
    if (sent := payload.sent_at(message)) is not None:
        info["sent_at"] = sent
    media = payload.media_of(message)
    if media is not None and media.voice:
        info["voice_note"] = True
    return info


def _file(contact: Contact, conversation: Conversation, body: str, info: dict[str, Any]) -> None:
    contact.conversation = conversation
    contact.case = conversation.case
    contact.body = body
    contact.language = texts.bot_language(conversation.language, contact.language)
    contact.fields = {**(contact.fields or {}), **info}
    contact.save(update_fields=["conversation", "case", "body", "language", "fields"])


def _attach(contact: Contact, conversation: Conversation, fetched: Fetched, language: str) -> None:
    if fetched_store(contact, fetched):
        _say(conversation, conversation.case, language, texts.files_refused(language))


def _menu(conversation: Conversation, case: Case | None, language: str) -> None:
    text, buttons = texts.menu(language)
    _say(conversation, case, language, text, interactive=buttons)
    text, buttons = texts.language_menu(language)
    _say(conversation, case, language, text, interactive=buttons)


def _say(
    conversation: Conversation,
    case: Case | None,
    language: str,
    body: str,
    *,
    secret: str = "",
    interactive: dict[str, Any] | None = None,
) -> None:
    message_queue(
        actor=SYSTEM,
        conversation=conversation,
        case=case,
        body=body,
        language=language,
        secret=secret,
        fields={"interactive": interactive} if interactive else None,
    )
