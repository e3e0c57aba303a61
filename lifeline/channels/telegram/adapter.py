"""The Telegram channel: reads Bot API updates, files them under the chat's case, and sends.

An update reaches us through the webhook (`views.webhook`), which commits it to the inbox as
it came. Here `fetch` downloads the files it names and `interpret` files it: a menu choice
opens the chat's case and sends the receipt, and every message afterwards lands on that case.
Only private chats are served: a receipt's secret must never be shown to a group.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from telegram import CallbackQuery, Message, Update

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_open_for_conversation, receipt_draw
from lifeline.channels.telegram import api, texts
from lifeline.core.actors import SYSTEM
from lifeline.core.locks import row_lock
from lifeline.intake.adapters import ChannelAdapter, SendLater, SendRefused
from lifeline.intake.attachments.store import Download, Fetched, fetched_store
from lifeline.intake.inbox import conversation_for, message_queue
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import clean_text

logger = logging.getLogger(__name__)

MENU_COMMANDS = frozenset({"/start", "/menu", "/help"})
EDITED = "(edited) "


@dataclass(frozen=True)
class _Wanted:
    file_id: str
    filename: str
    content_type: str


def _wanted_files(message: Message, max_bytes: int) -> tuple[list[_Wanted], int]:
    """The files of `message` worth downloading, and how many are too large by their own word."""
    if message.photo:
        # Telegram sends each photo in several sizes: take the largest that fits.
        fitting = [p for p in message.photo if p.file_size is None or p.file_size <= max_bytes]
        if not fitting:
            return [], 1
        best = max(fitting, key=lambda p: (p.width * p.height, p.file_size or 0))
        return [_Wanted(best.file_id, "photo.jpg", "image/jpeg")], 0
    candidates: list[tuple[Any, str, str]] = [
        (message.document, "document", "application/octet-stream"),
        (message.audio, "audio", "audio/mpeg"),
        (message.voice, "voice.ogg", "audio/ogg"),
        (message.video, "video.mp4", "video/mp4"),
        (message.video_note, "video-note.mp4", "video/mp4"),
    ]
    for item, filename, content_type in candidates:
        if item is None:
            continue
        if item.file_size is not None and item.file_size > max_bytes:
            return [], 1
        name = getattr(item, "file_name", None) or filename
        mime = getattr(item, "mime_type", None) or content_type
        return [_Wanted(item.file_id, name, mime)], 0
    return [], 0


def _download(wanted: _Wanted, max_bytes: int) -> Download | None:
    """The file, or None if Telegram will not hand it over or it is too large after all."""
    try:
        found = api.call("getFile", {"file_id": wanted.file_id})
    except api.BotApiError as error:
        if 400 <= error.status < 500 and error.status != 429:
            return None  # "file is too big" (over the Bot API's 20 MB) or gone
        raise
    if not isinstance(found, dict) or not found.get("file_path"):
        return None
    if (found.get("file_size") or 0) > max_bytes:
        return None
    data = api.file_download(str(found["file_path"]), max_bytes=max_bytes)
    if data is None:
        return None
    return Download(wanted.filename, wanted.content_type, data)


def _command(message: Message) -> str:
    """The bot command a message starts with ("/start"), or ""."""
    text = (message.text or "").strip()
    if not text.startswith("/"):
        return ""
    return text.split()[0].split("@")[0].lower()


def _body(message: Message) -> str:
    """The text an operator reads: the message, the caption, or a marker of what it was."""
    text = clean_text(message.text or message.caption or "")
    if text:
        return text
    if message.location:
        place = message.location
        return f"[location: {place.latitude:.5f}, {place.longitude:.5f}]"
    for kind in ("photo", "document", "audio", "voice", "video", "video_note", "sticker"):
        if getattr(message, kind):
            return f"[{kind.replace('_', ' ')}]"
    return "[message]"


def _has_content(message: Message, fetched: Fetched) -> bool:
    """Whether a message says something an operator should read (not a sticker or a poll)."""
    return bool(
        clean_text(message.text or message.caption or "")
        or message.location
        or fetched.files
        or fetched.refused
    )


class TelegramAdapter(ChannelAdapter):
    channel = Channel.TELEGRAM
    # The Bot API allows about one message a second per chat.
    send_interval_seconds = 1.0

    # --- Inbound ---------------------------------------------------------------------------

    def fetch(self, contact: Contact) -> Fetched:
        update = Update.de_json(contact.payload, None)
        query = update.callback_query
        if query is not None and contact.attempts == 1:  # counted as it started: the first
            _answer_callback(query)
        message = update.message or update.edited_message
        if message is None or message.chat.type != "private":
            return Fetched()
        max_bytes = settings.ATTACHMENT_MAX_BYTES
        wanted, refused = _wanted_files(message, max_bytes)
        fetched = Fetched(refused=refused)
        for item in wanted:
            download = _download(item, max_bytes)
            if download is None:
                fetched.refused += 1
            else:
                fetched.files.append(download)
        return fetched

    def interpret(self, contact: Contact, fetched: Any) -> None:
        update = Update.de_json(contact.payload, None)
        if update.callback_query is not None:
            self._callback(contact, update.callback_query)
            return
        message = update.message or update.edited_message
        if message is not None:
            edited = update.message is None
            self._message(contact, message, edited=edited, fetched=fetched or Fetched())
            return
        # Not asked for in allowed_updates; kept, but there is nothing to file it under.
        _file(contact, conversation=None, body="[unsupported update]")

    def _message(
        self, contact: Contact, message: Message, *, edited: bool, fetched: Fetched
    ) -> None:
        conversation = _conversation(contact, chat_id=message.chat.id, chat_type=message.chat.type)
        if conversation is None:
            _file(contact, conversation=None, body="[not a private chat]")
            return
        language = texts.bot_language(conversation.language)
        case = conversation.case
        if not edited and _command(message) in MENU_COMMANDS:
            _file(contact, conversation=conversation, body=_command(message))
            _menu(conversation, case, language)
            return
        body = (EDITED if edited else "") + _body(message)
        if case is None:
            if not _has_content(message, fetched):
                _file(contact, conversation=conversation, body=body)
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
        _file(contact, conversation=conversation, body=body)
        _attach(contact, conversation, fetched, language)

    def _callback(self, contact: Contact, query: CallbackQuery) -> None:
        chat = query.message.chat if query.message is not None else None
        # A button pressed in a private chat: its chat id is the user's id.
        chat_id = chat.id if chat is not None else query.from_user.id
        chat_type = chat.type if chat is not None else "private"
        conversation = _conversation(contact, chat_id=chat_id, chat_type=chat_type)
        if conversation is None:
            _file(contact, conversation=None, body="[not a private chat]")
            return
        action, _, value = (query.data or "").partition(":")
        if action == "lang" and texts.language_of(value) == value:
            conversation.language = value
            conversation.save(update_fields=["language"])
            _file(contact, conversation=conversation, body=f"[language: {value}]")
            _menu(conversation, conversation.case, value)
            return
        language = texts.bot_language(conversation.language)
        if action != "kind" or value not in texts.KINDS:
            _file(contact, conversation=conversation, body="[menu: unknown button]")
            return
        case = conversation.case
        if case is not None:
            _file(contact, conversation=conversation, body=f"[menu: {value}]")
            _say(conversation, case, language, texts.case_exists(language, case.reference))
            return
        receipt = receipt_draw()
        case = case_open_for_conversation(
            actor=SYSTEM, conversation=conversation, kind=value, language=language, receipt=receipt
        )
        _file(contact, conversation=conversation, body=f"[menu: {value}]")
        receipt_text = texts.receipt(language, case.reference)
        _say(conversation, case, language, receipt_text, secret=receipt.secret)
        _say(conversation, case, language, texts.prompt(language, value))

    def awaits_reply(self, contact: Contact) -> bool:
        # A button or /start is answered by the bot itself; only what the person writes waits.
        update = Update.de_json(contact.payload, None)
        if update.callback_query is not None:
            return False
        return update.message is None or _command(update.message) not in MENU_COMMANDS

    # --- Outbound --------------------------------------------------------------------------

    def send(self, contact: Contact, text: str) -> str:
        conversation = contact.conversation
        chat_id = conversation.identity if conversation is not None else ""
        if not chat_id.lstrip("-").isdigit():
            raise SendRefused("the conversation has no Telegram chat")
        if not settings.TELEGRAM_BOT_TOKEN:
            # Shown at once on the case page and in Failed intake, rather than retried for
            # hours; once the bot is configured, the retry button sends it.
            raise SendRefused("the Telegram bot is not configured")
        params: dict[str, Any] = {"chat_id": int(chat_id), "text": text}
        markup = (contact.fields or {}).get("reply_markup")
        if markup:
            params["reply_markup"] = markup
        try:
            result = api.call("sendMessage", params)
        except api.BotApiError as error:
            if error.status == httpx.codes.TOO_MANY_REQUESTS:
                raise SendLater(error.retry_after or 1.0, "rate limited by Telegram") from None
            # 403: the person blocked the bot; 400: chat not found, or a message Telegram will
            # never take. Neither gets better by trying again.
            if error.status in (httpx.codes.BAD_REQUEST, httpx.codes.FORBIDDEN):
                raise SendRefused(error.description) from None
            raise
        return str(result.get("message_id", "")) if isinstance(result, dict) else ""


def _answer_callback(query: CallbackQuery) -> None:
    """Stop the button's spinner. Best effort: the choice itself is handled either way."""
    try:
        api.call("answerCallbackQuery", {"callback_query_id": query.id}, timeout=5.0)
    except Exception as error:
        logger.info("could not answer a Telegram callback query: %s", type(error).__name__)


def _conversation(contact: Contact, *, chat_id: int, chat_type: str) -> Conversation | None:
    """The chat's conversation, locked so two first messages cannot open two cases."""
    if chat_type != "private":
        return None
    conversation = conversation_for(
        channel=Channel.TELEGRAM,
        identity=str(chat_id),
        language=texts.bot_language(contact.language),
    )
    return row_lock(conversation)


def _file(contact: Contact, *, conversation: Conversation | None, body: str) -> None:
    contact.conversation = conversation
    contact.case = conversation.case if conversation is not None else None
    contact.body = body
    if conversation is not None:
        contact.language = texts.bot_language(conversation.language, contact.language)
    contact.save(update_fields=["conversation", "case", "body", "language"])


def _attach(contact: Contact, conversation: Conversation, fetched: Fetched, language: str) -> None:
    if fetched_store(contact, fetched):
        _say(conversation, conversation.case, language, texts.files_refused(language))


def _menu(conversation: Conversation, case: Case | None, language: str) -> None:
    text, markup = texts.menu(language)
    _say(conversation, case, language, text, markup=markup)


def _say(
    conversation: Conversation,
    case: Case | None,
    language: str,
    body: str,
    *,
    secret: str = "",
    markup: dict[str, Any] | None = None,
) -> None:
    message_queue(
        actor=SYSTEM,
        conversation=conversation,
        case=case,
        body=body,
        language=language,
        secret=secret,
        fields={"reply_markup": markup} if markup else None,
    )
