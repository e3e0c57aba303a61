"""The public web form as a channel: its requests already file each message under its case."""

from __future__ import annotations

from typing import Any

from lifeline.intake.adapters import ChannelAdapter
from lifeline.intake.models import Channel, Contact


class WebAdapter(ChannelAdapter):
    """Web messages arrive filed (the form opens the case so the receipt works at once).

    Replies need no sending either: `inbox.message_queue` marks them sent, and the visitor
    reads them on the status page with his receipt.
    """

    channel = Channel.WEB

    def interpret(self, contact: Contact, fetched: Any) -> None:
        if contact.conversation_id is None:
            raise ValueError("a web contact is filed under its conversation when received")

    def send(self, contact: Contact, text: str) -> str:
        return ""
