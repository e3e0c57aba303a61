"""The webhook the Cloud API calls: the subscription handshake, and signed notifications.

A notification is verified by its X-Hub-Signature-256 (HMAC-SHA256 of the raw body under the
app secret) before anything is read, then each message in it is committed to the inbox under
its wamid before we answer 200. A status callback is no message: only a `failed` one changes
anything, marking the message we sent as failed. Nothing here touches the network: Meta
retries a notification that is not answered quickly, for up to seven days.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from lifeline.channels.whatsapp import payload, texts
from lifeline.core.access import channel_view
from lifeline.intake.inbox import inbox_receive, message_undelivered
from lifeline.intake.models import Channel
from lifeline.intake.text import UnstorableText, require_storable

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_CHALLENGE_CHARS = 200


def signature_compute(*, secret: str, body: bytes) -> str:
    """The header value Meta sends with `body`: "sha256=" and the hex HMAC."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed(request: HttpRequest) -> bool:
    secret = settings.WHATSAPP_APP_SECRET
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not secret or not given:
        return False
    expected = signature_compute(secret=secret, body=request.body)
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _handshake(request: HttpRequest) -> HttpResponse:
    """Meta's subscription check: echo the challenge if it holds our verify token."""
    expected = settings.WHATSAPP_VERIFY_TOKEN
    given = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (
        not expected
        or request.GET.get("hub.mode") != "subscribe"
        or not hmac.compare_digest(given.encode(), expected.encode())
        or not challenge
        or len(challenge) > MAX_CHALLENGE_CHARS
    ):
        return HttpResponse(status=403)
    return HttpResponse(challenge, content_type="text/plain")


@channel_view
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request)
    if not _signed(request):
        return HttpResponse(status=403)
    try:
        data = json.loads(request.body)
        deliveries = payload.deliveries(data)
        failures = payload.failures(data)
        # Every message checked before any is written: a 400 leaves nothing behind.
        require_storable([[d.item for d in deliveries], [f.wamid for f in failures]])
    except (ValueError, RecursionError, UnstorableText):
        return HttpResponse(status=400)
    for delivery in deliveries:
        # A duplicate (Meta delivers again when unsure) is acknowledged too: it is kept.
        inbox_receive(
            channel=Channel.WHATSAPP,
            external_id=delivery.wamid,
            payload=delivery.item,
            language=texts.language_for_number(delivery.sender),
        )
    for failure in failures:
        # A message WhatsApp took and then could not deliver: failed, on its case, not silent.
        message_undelivered(
            channel=Channel.WHATSAPP,
            provider_id=failure.wamid,
            error=f"WhatsAppError{failure.code}",
        )
    return HttpResponse(status=200)
