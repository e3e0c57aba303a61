"""The one small interface every channel adapter implements, the errors it may raise, and the
lookup of a channel's adapter through settings.LIFELINE_CHANNELS.

The adapters themselves live in `lifeline/channels/<kind>/`, above the case files: they file
what arrives under conversations and cases. The inbox finds them only through settings, so it
imports none of them. An adapter is the only code that knows its channel's formats; the inbox
(`intake.inbox`) does the rest for every channel alike: durable receipt, retries with backoff,
the failed list, the outbound queue and its pacing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from lifeline.intake.models import Contact, Conversation


class SendLater(Exception):
    """The provider asked us to wait (rate limit, outage): try again after `seconds`."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds:.0f} s")
        self.seconds = seconds


class SendRefused(Exception):
    """The provider refused the message for good (chat blocked, address unknown): no retry."""


@dataclass(frozen=True)
class ApprovedTemplate:
    """A text the provider approved in advance: on some channels, at times, the only kind sent.

    Queued with `fields={"template": key}`; the adapter's `send` sends it by that key, and
    `text` is what the person reads, kept on the case's timeline.
    """

    key: str
    language: str
    text: str


class ChannelAdapter:
    """Base of the adapters under `lifeline/channels/<kind>/`, registered in LIFELINE_CHANNELS.

    Inbound, the inbox calls `fetch` outside any transaction (it may use the network, e.g. to
    download a Telegram photo), then `interpret` inside the processing transaction. Outbound,
    it calls `send` outside any transaction. Authenticity (webhook secrets, signatures) is
    checked by the channel's own views before anything is written.
    """

    channel: ClassVar[str]
    # Least time between two messages sent on one conversation (Telegram: 1 s per chat).
    send_interval_seconds: ClassVar[float] = 0.0
    # False for channels we cannot write on (a phone call is answered by calling back).
    can_reply: ClassVar[bool] = True

    def fetch(self, contact: Contact) -> Any:
        """Gather from the network what `interpret` needs; runs again on each retry."""
        return None

    def interpret(self, contact: Contact, fetched: Any) -> None:
        """File an inbound contact: set its conversation, case, body and language, save it.

        Runs inside the processing transaction with the contact's row locked; any exception
        rolls back everything it did and schedules a retry. It may queue replies (a receipt, a
        menu) with `intake.inbox.message_queue`. The inbox marks the contact processed.
        """
        raise NotImplementedError

    def awaits_reply(self, contact: Contact) -> bool:
        """Whether this filed contact puts its case in the queue of those waiting for us."""
        return True

    def free_text_until(self, conversation: Conversation) -> datetime | None:
        """Until when staff may write freely on `conversation`; None if at any time.

        After it, only one of `approved_templates` goes out (WhatsApp's 24-hour window).
        """
        return None

    def approved_templates(self, language: str) -> list[ApprovedTemplate]:
        """The approved templates, those in `language` first; none on most channels."""
        return []

    def send(self, contact: Contact, text: str) -> str:
        """Send an outbound contact's `text`; return the provider's id of the sent message.

        Raise SendLater to retry after a pause and SendRefused to give up; any other exception
        is retried with backoff until the attempts run out.
        """
        raise NotImplementedError


@cache
def _adapters(paths: tuple[tuple[str, str], ...]) -> dict[str, ChannelAdapter]:
    return {channel: import_string(path)() for channel, path in paths}


def adapter_for(channel: str) -> ChannelAdapter:
    """The adapter of `channel`; KeyError if no adapter is configured for it."""
    return _adapters(tuple(sorted(settings.LIFELINE_CHANNELS.items())))[channel]
