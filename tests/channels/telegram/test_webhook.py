"""The webhook: only Telegram, holding our secret, gets an update into the inbox, once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.channels.telegram.conftest import SECRET, FakeBotApi, post, update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _configured(bot_api: FakeBotApi) -> None:
    """Every channel setting in place: refusals below are about the request alone."""


def _written() -> tuple[int, int]:
    return Contact.objects.count(), AuditEvent.objects.count()


def test_the_webhook_address() -> None:
    assert reverse("telegram:webhook") == "/channels/telegram/webhook/"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1], "секрет"])
def test_a_missing_or_wrong_secret_is_refused(
    client: Client, bot_api: FakeBotApi, secret: str | None
) -> None:
    before = _written()
    assert post(client, update("message_text"), secret=secret).status_code == 403
    assert _written() == before


def test_an_unconfigured_secret_refuses_everything(client: Client, settings: Any) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    before = _written()
    assert post(client, update("message_text"), secret="").status_code == 403
    assert _written() == before


def test_the_right_secret_commits_one_pending_contact(client: Client, bot_api: FakeBotApi) -> None:
    data = update("message_text", language="uk")
    response = post(client, data)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    contact = Contact.objects.get()
    assert (contact.channel, contact.external_id) == ("telegram", str(data["update_id"]))
    assert (contact.direction, contact.state, contact.language) == ("in", "pending", "uk")
    assert contact.payload == data
    assert contact.conversation is None
    assert bot_api.calls == []  # the webhook never waits for the network


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'"text"', b"{}", b'{"update_id": "1"}', b'{"update_id": true}',
     b'{"update_id": 5, "message": {"text": "no date, no chat"}}', b"\xff\xfe",
     b"[" * 100_000,
     b'{"update_id": 6, "message": {"message_id": 1, "date": 99999999999999999999,'
     b' "chat": {"id": 1, "type": "private"}}}'],
)  # fmt: skip
def test_garbage_with_the_right_secret_is_a_bad_request(client: Client, body: bytes) -> None:
    before = _written()
    assert post(client, body).status_code == 400
    assert _written() == before


def test_only_post_is_accepted(client: Client) -> None:
    response = client.get(reverse("telegram:webhook"), HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET)
    assert response.status_code == 405
    assert Contact.objects.count() == 0


def test_an_update_delivered_twice_is_kept_once(client: Client) -> None:
    data = update("message_text")
    assert post(client, data).status_code == 200
    assert post(client, data).status_code == 200
    assert Contact.objects.filter(external_id=str(data["update_id"])).count() == 1


@pytest.mark.parametrize(
    ("code", "kept"), [("uk", "uk"), ("en-GB", "en"), ("ru", "ru"), ("de", ""), (None, "")]
)
def test_the_senders_language_is_kept_when_the_bot_speaks_it(
    client: Client, code: str | None, kept: str
) -> None:
    data = update("callback_query", language="xx")
    if code is None:
        del data["callback_query"]["from"]["language_code"]
    else:
        data["callback_query"]["from"]["language_code"] = code
    assert post(client, data).status_code == 200
    assert Contact.objects.get().language == kept


def _with(data: dict[str, Any], raw: str) -> bytes:
    """The update as JSON with `raw` (JSON escapes, not yet decoded) as the message's text."""
    return json.dumps(data).replace('"PLACEHOLDER"', f'"{raw}"').encode()


@pytest.mark.parametrize(
    ("where", "raw"),
    [
        ("text", r"\ud800"),  # a lone high surrogate: not encodable, so not storable
        ("text", r"hello \udfff there"),  # a lone low surrogate
        ("text", r"\ud83d"),  # half an emoji
        ("text", r"nul \u0000 inside"),  # PostgreSQL takes no NUL in text or JSON
        ("language_code", r"r\u0000u"),
        ("first_name", r"\udc80"),
    ],
)
def test_text_the_database_cannot_store_is_a_bad_request_and_writes_nothing(
    client: Client, where: str, raw: str
) -> None:
    data = update("message_text")
    target = data["message"] if where == "text" else data["message"]["from"]
    target[where] = "PLACEHOLDER"
    before = _written()
    response = post(client, _with(data, raw).decode("ascii"))
    assert response.status_code == 400
    assert _written() == before


def test_a_whole_emoji_written_as_a_surrogate_pair_is_kept(client: Client) -> None:
    data = update("message_text")
    data["message"]["text"] = "PLACEHOLDER"
    assert post(client, _with(data, r"\ud83d\ude00 ok").decode("ascii")).status_code == 200
    assert Contact.objects.get().payload["message"]["text"] == "\U0001f600 ok"
