"""Sending: one message a second per chat, Telegram's pauses obeyed, a blocked bot given up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.cases.services import case_reply
from lifeline.intake.inbox import contact_deliver
from lifeline.intake.models import Contact, Conversation
from tests.cases.helpers import create_case
from tests.channels.telegram.conftest import FakeBotApi, deliver_all, receive, update

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(client: Client, bot_api: FakeBotApi) -> Case:
    """A chat that has chosen "stop fighting", its receipt already sent."""
    receive(client, update("callback_query", data="kind:surrender"))
    deliver_all()
    bot_api.calls.clear()
    Conversation.objects.update(next_send_at=None)  # the receipt's second has passed
    return Case.objects.get()


def test_two_replies_at_once_go_out_a_second_apart(
    bot_api: FakeBotApi, case: Case, alice: Any
) -> None:
    first = case_reply(actor=alice, case=case, body="Первый ответ")
    second = case_reply(actor=alice, case=case, body="Второй ответ")
    started = timezone.now()
    contact_deliver(contact_id=first.pk)
    contact_deliver(contact_id=second.pk)
    assert [m["text"] for m in bot_api.sent()] == ["Первый ответ"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("sent", "queued")
    assert second.next_attempt_at is not None
    assert second.next_attempt_at >= started + timedelta(seconds=0.9)
    assert second.conversation is not None
    assert second.conversation.next_send_at == second.next_attempt_at


def test_a_rate_limit_puts_the_message_off(bot_api: FakeBotApi, case: Case, alice: Any) -> None:
    reply = case_reply(actor=alice, case=case, body="Ответ")
    bot_api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    delivered = contact_deliver(contact_id=reply.pk)
    assert delivered is not None
    reply.refresh_from_db()
    assert reply.state == "queued"
    assert reply.next_attempt_at is not None
    assert reply.next_attempt_at > timezone.now() + timedelta(seconds=5)

    deliver_all()
    reply.refresh_from_db()
    assert reply.state == "sent"
    assert [m["text"] for m in bot_api.sent()] == ["Ответ", "Ответ"]


@pytest.mark.parametrize(
    ("status", "description"),
    [(403, "Forbidden: bot was blocked by the user"), (400, "Bad Request: chat not found")],
)
def test_a_chat_that_refuses_us_is_given_up(
    bot_api: FakeBotApi, case: Case, alice: Any, status: int, description: str
) -> None:
    reply = case_reply(actor=alice, case=case, body="Ответ")
    bot_api.fail("sendMessage", status, description)
    contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.last_error, reply.next_attempt_at) == ("failed", "SendRefused", None)
    assert len(bot_api.sent()) == 1


def test_a_telegram_outage_is_retried(bot_api: FakeBotApi, case: Case, alice: Any) -> None:
    reply = case_reply(actor=alice, case=case, body="Ответ")
    bot_api.fail("sendMessage", 502, "Bad Gateway")
    contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.attempts, reply.last_error) == ("queued", 1, "BotApiError")


def test_a_receipt_that_could_not_be_sent_keeps_its_secret_until_it_is(
    client: Client, bot_api: FakeBotApi
) -> None:
    receive(client, update("callback_query", data="kind:other"))
    receipt = Contact.objects.filter(direction="out").order_by("id").first()
    assert receipt is not None and "secret" in receipt.fields
    bot_api.fail("sendMessage", 502, "Bad Gateway")
    contact_deliver(contact_id=receipt.pk)
    receipt.refresh_from_db()
    assert receipt.state == "queued" and "secret" in receipt.fields
    deliver_all()
    receipt.refresh_from_db()
    assert receipt.state == "sent" and "secret" not in receipt.fields


def test_a_reply_without_a_configured_bot_fails_visibly_at_once(alice: Any, settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = ""
    case = create_case(inbound="Привет", channel="telegram")
    Conversation.objects.filter(case=case).update(identity="123456")
    reply = case_reply(actor=alice, case=case, body="Ответ")
    contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.last_error) == ("failed", "SendRefused")
