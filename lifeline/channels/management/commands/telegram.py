"""`lifeline telegram set-webhook | info | delete-webhook`: the bot's webhook at Telegram."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from lifeline.channels.telegram import api

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# What Telegram accepts as secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("telegram:webhook")


class Command(BaseCommand):
    help = "Register the Telegram webhook with its secret, show it, or remove it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        register = actions.add_parser(
            "set-webhook", help="tell Telegram to post updates to PUBLIC_BASE_URL"
        )
        register.add_argument(
            "--drop-pending-updates",
            action="store_true",
            help="discard the updates Telegram holds for the bot (they are lost)",
        )
        register.add_argument(
            "--max-connections",
            type=int,
            default=40,
            choices=range(1, 101),
            metavar="1-100",
            help="parallel deliveries Telegram may make (default 40; see docs/operations.md)",
        )
        actions.add_parser("info", help="show what Telegram has registered (getWebhookInfo)")
        actions.add_parser("delete-webhook", help="stop Telegram from posting updates")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        action = options["action"]
        if action == "set-webhook":
            self._set(
                drop_pending=options.get("drop_pending_updates", False),
                max_connections=options.get("max_connections", 40),
            )
        elif action == "info":
            self._info()
        else:
            _call("deleteWebhook", {})
            self.stdout.write("Webhook removed.")

    def _set(self, *, drop_pending: bool, max_connections: int) -> None:
        secret = settings.TELEGRAM_WEBHOOK_SECRET
        if not SECRET_RE.match(secret):
            raise CommandError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -."
            )
        url = webhook_url()
        if not url.startswith("https://"):
            self.stderr.write(f"Warning: Telegram accepts only https:// webhooks, not {url}")
        _call(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret,
                "allowed_updates": ALLOWED_UPDATES,
                "drop_pending_updates": drop_pending,
                "max_connections": max_connections,
            },
        )
        self.stdout.write(f"Webhook set: {url}")

    def _info(self) -> None:
        info = _call("getWebhookInfo", {})
        if not isinstance(info, dict):
            raise CommandError("Telegram gave an unexpected answer.")
        self.stdout.write(f"url: {info.get('url') or '(none)'}")
        self.stdout.write(f"expected url: {webhook_url()}")
        self.stdout.write(f"pending updates: {info.get('pending_update_count', 0)}")
        self.stdout.write(f"allowed updates: {', '.join(info.get('allowed_updates') or [])}")
        if info.get("last_error_date"):
            when = datetime.fromtimestamp(info["last_error_date"], tz=UTC).isoformat()
            self.stdout.write(f"last error: {when} {info.get('last_error_message', '')}")


def _call(method: str, params: dict[str, Any]) -> Any:
    try:
        return api.call(method, params)
    except api.BotApiError as error:
        raise CommandError(f"Telegram refused {method}: {error.description}") from None
    except httpx.HTTPError as error:
        # The error's URL carries the bot token: name only the kind of failure.
        raise CommandError(f"Could not reach the Bot API: {type(error).__name__}") from None
