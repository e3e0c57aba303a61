"""`lifeline telegram`: registering the webhook with Telegram, and reading it back."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.channels.telegram.conftest import SECRET, TOKEN, FakeBotApi


def test_set_webhook_registers_the_url_and_the_secret(bot_api: FakeBotApi) -> None:
    out = io.StringIO()
    call_command("telegram", "set-webhook", stdout=out, stderr=io.StringIO())
    assert bot_api.sent("setWebhook") == [
        {
            "url": "https://lifeline.example/channels/telegram/webhook/",
            "secret_token": SECRET,
            "allowed_updates": ["message", "edited_message", "callback_query"],
            "drop_pending_updates": False,
            "max_connections": 40,
        }
    ]
    assert "https://lifeline.example/channels/telegram/webhook/" in out.getvalue()
    assert SECRET not in out.getvalue() and TOKEN not in out.getvalue()


def test_set_webhook_can_limit_parallel_deliveries(bot_api: FakeBotApi) -> None:
    call_command("telegram", "set-webhook", "--max-connections", "16", stdout=io.StringIO())
    assert bot_api.sent("setWebhook")[0]["max_connections"] == 16
    with pytest.raises(CommandError, match=r"--max-connections: invalid choice: 500"):
        call_command("telegram", "set-webhook", "--max-connections", "500")


def test_set_webhook_needs_a_secret_telegram_accepts(bot_api: FakeBotApi, settings: Any) -> None:
    settings.TELEGRAM_WEBHOOK_SECRET = "has spaces!"
    with pytest.raises(CommandError, match="TELEGRAM_WEBHOOK_SECRET"):
        call_command("telegram", "set-webhook")
    assert bot_api.calls == []


def test_a_refusal_is_reported_without_the_token(bot_api: FakeBotApi) -> None:
    bot_api.fail("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided")
    with pytest.raises(CommandError, match="HTTPS url must be provided") as raised:
        call_command("telegram", "set-webhook")
    assert TOKEN not in str(raised.value)


def test_an_unreachable_api_is_reported_without_the_token(settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.TELEGRAM_API_BASE = "http://127.0.0.1:9"  # discard: nothing listens
    with pytest.raises(CommandError, match="Could not reach") as raised:
        call_command("telegram", "info")
    assert TOKEN not in str(raised.value)


def test_info_shows_what_telegram_has(bot_api: FakeBotApi) -> None:
    out = io.StringIO()
    call_command("telegram", "info", stdout=out)
    assert bot_api.sent("getWebhookInfo") == [{}]
    assert "url: https://lifeline.example/channels/telegram/webhook/" in out.getvalue()
    assert "pending updates: 0" in out.getvalue()


def test_delete_webhook(bot_api: FakeBotApi) -> None:
    call_command("telegram", "delete-webhook", stdout=io.StringIO())
    assert [c.method for c in bot_api.calls] == ["deleteWebhook"]


def test_without_a_token_nothing_is_called(bot_api: FakeBotApi, settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = ""
    with pytest.raises(CommandError, match="TELEGRAM_BOT_TOKEN"):
        call_command("telegram", "set-webhook")
    assert bot_api.calls == []
