"""The phone channel adapter: a voice provider's call events, filed as calls on cases.

A call has no content we could store, only its events (ringing, answered, missed, completed).
Each event is a contact whose `fields` say what happened; the caller's number is his
conversation. A call nobody answered opens a waiting case so that someone calls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_open_for_conversation
from lifeline.cases.workflows import workflow_for
from lifeline.core.actors import SYSTEM
from lifeline.core.locks import row_lock
from lifeline.core.numbers import caller_number
from lifeline.intake.adapters import ChannelAdapter, SendRefused
from lifeline.intake.calls import call_line
from lifeline.intake.inbox import conversation_for
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import clean_text

# The payload keys the adapter reads; the webhook stores no others (the provider also sends
# the caller's city, region and postcode, which we must not keep).
PAYLOAD_KEYS = ("CallSid", "CallStatus", "Direction", "From", "To", "CallDuration")
MISSED = frozenset({"no-answer", "busy", "failed", "canceled"})


@dataclass(frozen=True)
class CallEvent:
    call_sid: str
    status: str
    direction: str  # "inbound", "outbound-api" or "outbound-dial"
    number: str  # the person's, normalised; "" when withheld
    duration: int | None  # seconds, once the call has ended

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> CallEvent:
        def text(key: str) -> str:
            return clean_text(str(payload.get(key, "")), multiline=False)

        call_sid, status = text("CallSid"), text("CallStatus").lower()
        if not call_sid or not status:
            raise ValueError("a call event names its call and its status")
        direction = text("Direction").lower() or "inbound"
        # On a call we placed, the person is the one called.
        number = caller_number(text("To") if direction.startswith("outbound") else text("From"))
        seconds = text("CallDuration")
        duration = int(seconds) if seconds.isdigit() else None
        return cls(call_sid, status, direction, number, duration)

    @property
    def outbound(self) -> bool:
        return self.direction.startswith("outbound")

    def fields(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "call_sid": self.call_sid,
            "status": self.status,
            "direction": self.direction,
        }
        if self.duration is not None:
            found["duration"] = self.duration
        return found

    def line(self) -> str:
        """What happened, in a line for the case's timeline (stored in English, worded for
        each reader when shown: intake.calls)."""
        missed = self.status in MISSED
        return call_line(
            outbound=self.outbound, status=self.status, missed=missed, duration=self.duration
        )


class PhoneAdapter(ChannelAdapter):
    """Files each call event on the caller's open case, opening one of kind "other" if needed.

    The case opens without a receipt: a receipt is for a person who can read it later, and
    nobody can be handed one by a missed call. Replies are made by calling back, never sent as
    text on this channel.
    """

    channel = Channel.PHONE
    # A caller is answered by calling him back; the case page offers no text reply.
    can_reply = False

    def awaits_reply(self, contact: Contact) -> bool:
        # Only a missed call asks for a call back; an answered one was handled on the line.
        event = CallEvent.from_payload(contact.payload)
        return event.status in MISSED and not event.outbound

    def interpret(self, contact: Contact, fetched: Any) -> None:
        event = CallEvent.from_payload(contact.payload)
        conversation = self._conversation(event, contact)
        conversation = row_lock(conversation)
        case = self._open_case(conversation)
        if case is None and event.status in MISSED and not event.outbound:
            # Only a missed call needs a case of its own, waiting for a call back. An answered
            # call is filed on the caller's conversation; the operator who took it logs it
            # ("Log a call"), which opens the case and gathers these events onto it.
            case = case_open_for_conversation(
                actor=SYSTEM,
                conversation=conversation,
                kind=CaseKind.OTHER,
                language=conversation.language,
                summary=event.line(),
            )
            # Earlier events of the call (ringing) were filed on the conversation alone.
            Contact.objects.filter(conversation=conversation, case__isnull=True).update(case=case)
        contact.conversation = conversation
        contact.case = case
        contact.language = conversation.language
        contact.body = event.line()
        contact.fields = event.fields()
        contact.save(update_fields=["conversation", "case", "language", "body", "fields"])

    def _conversation(self, event: CallEvent, contact: Contact) -> Conversation:
        # Later events of a call follow its first one, even when the number is withheld.
        earlier = (
            Contact.objects.filter(
                channel=Channel.PHONE,
                external_id__startswith=f"{event.call_sid}:",
                conversation__isnull=False,
            )
            .exclude(pk=contact.pk)
            .select_related("conversation")
            .order_by("id")
            .first()
        )
        if earlier is not None and earlier.conversation is not None:
            return earlier.conversation
        if event.number:
            return conversation_for(channel=Channel.PHONE, identity=event.number)
        return Conversation.objects.create(channel=Channel.PHONE, created_at=contact.received_at)

    def _open_case(self, conversation: Conversation) -> Case | None:
        if conversation.case_id is None:
            return None
        case = Case.objects.get(pk=conversation.case_id)
        return None if case.status in workflow_for(case.kind).terminal else case

    def send(self, contact: Contact, text: str) -> str:
        raise SendRefused("replies to phone callers are made by calling them back")
