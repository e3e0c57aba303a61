"""`lifeline whatsapp check`: the WhatsApp settings, checked against the Graph API."""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from lifeline.channels.whatsapp import api
from lifeline.channels.whatsapp.templates import templates_configured

REQUIRED = (
    ("WHATSAPP_PHONE_NUMBER_ID", "the number's id (WhatsApp Manager > API Setup)"),
    ("WHATSAPP_ACCESS_TOKEN", "a system user's permanent token with whatsapp_business_messaging"),
    ("WHATSAPP_APP_SECRET", "the app's secret (App settings > Basic): it signs every webhook"),
    ("WHATSAPP_VERIFY_TOKEN", "any long random string, given to Meta with the webhook URL"),
)
PHONE_FIELDS = "verified_name,display_phone_number,quality_rating,code_verification_status"


def webhook_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("whatsapp:webhook")


class Command(BaseCommand):
    help = "Check the WhatsApp Cloud API settings against the Graph API."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "check", help="check the settings, the token and the number at the Graph API"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        missing = [(name, what) for name, what in REQUIRED if not getattr(settings, name)]
        for name, what in missing:
            self.stderr.write(f"{name} is not set: {what}.")
        if missing:
            raise CommandError("WhatsApp is not configured; see docs/operations.md, WhatsApp.")
        number = _phone_number()
        self.stdout.write(f"number: {number.get('display_phone_number', '?')}")
        self.stdout.write(f"verified name: {number.get('verified_name', '?')}")
        self.stdout.write(f"quality rating: {number.get('quality_rating', '?')}")
        verification = number.get("code_verification_status", "?")
        self.stdout.write(f"code verification: {verification}")
        templates = templates_configured()
        self.stdout.write(
            f"approved templates configured: {len(templates)} ({settings.WHATSAPP_TEMPLATES_FILE})"
        )
        if not templates:
            self.stderr.write(
                "Warning: no template is configured: 24 hours after a person's last message "
                "nothing can be sent to him."
            )
        url = webhook_url()
        self.stdout.write(f"webhook URL to register at Meta: {url}")
        if not url.startswith("https://"):
            self.stderr.write(f"Warning: Meta accepts only https:// webhooks, not {url}")
        self.stdout.write("WhatsApp settings are in order.")


def _phone_number() -> dict[str, Any]:
    try:
        return api.get(settings.WHATSAPP_PHONE_NUMBER_ID, {"fields": PHONE_FIELDS})
    except api.GraphApiError as error:
        if error.code == 190 or error.status == httpx.codes.UNAUTHORIZED:
            raise CommandError(
                "The Graph API refused WHATSAPP_ACCESS_TOKEN: it is invalid or has expired "
                f"({error.code} {error.title})."
            ) from None
        if error.code in (10, 200) or error.status == httpx.codes.FORBIDDEN:
            raise CommandError(
                "WHATSAPP_ACCESS_TOKEN may not read this number: give the system user the "
                f"whatsapp_business_management permission ({error.code} {error.title})."
            ) from None
        raise CommandError(
            f"The Graph API does not know WHATSAPP_PHONE_NUMBER_ID "
            f"{settings.WHATSAPP_PHONE_NUMBER_ID!r} ({error.status}: {error.code} {error.title})."
        ) from None
    except httpx.HTTPError as error:
        raise CommandError(
            f"Could not reach the Graph API at {settings.WHATSAPP_API_BASE}: {type(error).__name__}"
        ) from None
