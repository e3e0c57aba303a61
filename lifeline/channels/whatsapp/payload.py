"""The Cloud API's webhook JSON: split into one inbox item per message, and read back.

A POST carries `{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {...}}]}]}`; a value holds `messages` (what people wrote, each with its own
`id`, the wamid) and `statuses` (what became of messages we sent). Meta may batch several
messages in one POST, so each is committed on its own, under its wamid, in the shape of a
value that holds only it: `{"metadata": ..., "contacts": [...], "messages": [message]}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ID_CHARS = 128


class NotAWebhook(ValueError):
    """The body is not a Cloud API webhook notification."""


@dataclass(frozen=True)
class Delivery:
    wamid: str
    sender: str  # the person's WhatsApp id (wa_id), his number without the +
    item: dict[str, Any]  # what the inbox keeps until the worker has filed it


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise NotAWebhook(f"{what} is not a list")
    return value


def _id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        raise NotAWebhook("a message without a usable id")
    return value


def deliveries(data: Any) -> list[Delivery]:
    """Every message in a webhook notification; statuses and other fields are not messages.

    Raises NotAWebhook for anything that is not the documented envelope, or for a message
    without an id or sender (which could never be de-duplicated or answered).
    """
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise NotAWebhook("not a WhatsApp Business Account notification")
    found: list[Delivery] = []
    for entry in _list(data.get("entry"), "entry"):
        if not isinstance(entry, dict):
            raise NotAWebhook("an entry is not an object")
        for change in _list(entry.get("changes"), "changes"):
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise NotAWebhook("a change without a value")
            if change.get("field") != "messages":
                continue  # account and template updates: nothing a person wrote
            value = change["value"]
            contacts = [c for c in _list(value.get("contacts"), "contacts") if isinstance(c, dict)]
            for message in _list(value.get("messages"), "messages"):
                if not isinstance(message, dict):
                    raise NotAWebhook("a message is not an object")
                wamid, sender = _id(message.get("id")), _id(message.get("from"))
                profile = [c for c in contacts if c.get("wa_id") == sender][:1]
                item = {
                    "metadata": value.get("metadata"),
                    "contacts": profile,
                    "messages": [message],
                }
                found.append(Delivery(wamid=wamid, sender=sender, item=item))
    return found


@dataclass(frozen=True)
class Failure:
    wamid: str  # of a message we sent
    code: int  # the Cloud API's error code (131047: outside the 24-hour window)


def failures(data: dict[str, Any]) -> list[Failure]:
    """The `failed` statuses of a notification already read by `deliveries`.

    Sent, delivered and read statuses are not kept: nothing tracks delivery on any channel.
    A status that is not in the documented shape is ignored, not refused: it is no message.
    """
    found = []
    for entry in data.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field") != "messages":
                continue
            statuses = change["value"].get("statuses")
            for status in statuses if isinstance(statuses, list) else []:
                if not isinstance(status, dict) or status.get("status") != "failed":
                    continue
                wamid = status.get("id")
                errors = status.get("errors")
                first = errors[0] if isinstance(errors, list) and errors else {}
                code = first.get("code") if isinstance(first, dict) else None
                if isinstance(wamid, str) and wamid and len(wamid) <= MAX_ID_CHARS:
                    found.append(Failure(wamid, code if type(code) is int else 0))
    return found


def message_of(item: dict[str, Any]) -> dict[str, Any]:
    """The one message of a stored item."""
    messages = item.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        raise NotAWebhook("the stored item holds no message")
    return messages[0]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def button_id(message: dict[str, Any]) -> str | None:
    """The id of the reply button or list row pressed, or a template quick reply's payload."""
    kind = message.get("type")
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        chosen = _dict(interactive.get(_text(interactive.get("type"))))
        return _text(chosen.get("id"))
    if kind == "button":
        return _text(_dict(message.get("button")).get("payload"))
    return None


@dataclass(frozen=True)
class Media:
    media_id: str
    filename: str
    content_type: str
    voice: bool = False


MEDIA_KINDS = {
    "image": ("image.jpg", "image/jpeg"),
    "document": ("document", "application/octet-stream"),
    "audio": ("audio.ogg", "audio/ogg"),
    "video": ("video.mp4", "video/mp4"),
}


def media_of(message: dict[str, Any]) -> Media | None:
    """The file a message carries (image, document, audio or voice note, video), if any."""
    kind = _text(message.get("type"))
    if kind not in MEDIA_KINDS:
        return None
    part = _dict(message.get(kind))
    media_id = _text(part.get("id"))
    if not media_id:
        return None
    filename, content_type = MEDIA_KINDS[kind]
    voice = kind == "audio" and part.get("voice") is True
    if voice:
        filename = "voice-note.ogg"
    return Media(
        media_id=media_id,
        filename=_text(part.get("filename")) or filename,
        content_type=_text(part.get("mime_type")).split(";")[0].strip() or content_type,
        voice=voice,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def body_of(message: dict[str, Any]) -> str:
    """What an operator reads: the text or caption, else a marker of what the message was."""
    kind = _text(message.get("type"))
    part = _dict(message.get(kind))
    if kind == "text":
        return _text(part.get("body"))
    if kind in ("image", "document", "video"):
        return _text(part.get("caption")) or f"[{kind}]"
    if kind == "audio":
        return "[voice note]" if part.get("voice") is True else "[audio]"
    if kind == "location":
        latitude, longitude = _number(part.get("latitude")), _number(part.get("longitude"))
        if latitude is None or longitude is None:
            return "[location]"
        place = ", ".join(x for x in (_text(part.get("name")), _text(part.get("address"))) if x)
        return f"[location: {latitude:.5f}, {longitude:.5f}]" + (f" {place}" if place else "")
    if kind == "interactive":
        chosen = _dict(part.get(_text(part.get("type"))))
        return f"[button: {_text(chosen.get('title'))}]"
    if kind == "button":
        return f"[button: {_text(part.get('text'))}]"
    if kind in ("sticker", "reaction", "contacts"):
        return f"[{kind}]"
    return "[unsupported message]"


def sent_at(message: dict[str, Any]) -> int | None:
    """When the person sent it (Unix seconds, as the Cloud API gives it as a string)."""
    value = message.get("timestamp")
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    return None
