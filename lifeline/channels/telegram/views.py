"""The webhook Telegram posts updates to: authenticated, committed to the inbox, answered fast.

Nothing here touches the network, and the database sees one short transaction: Telegram waits
for our answer before it sends the chat's next update, and a busy hour brings hundreds a second.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST
from telegram import Update

from lifeline.channels.telegram.texts import language_of
from lifeline.core.access import channel_view
from lifeline.intake.inbox import inbox_receive
from lifeline.intake.models import Channel
from lifeline.intake.text import UnstorableText

PROOF_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


def _authentic(request: HttpRequest) -> bool:
    """Whether the request carries the secret we gave Telegram in setWebhook."""
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.META.get(PROOF_HEADER, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@channel_view
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    if not _authentic(request):
        return HttpResponse(status=403)
    try:
        data = json.loads(request.body)
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            raise ValueError("not an update")
        update = Update.de_json(data, None)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError):
        return HttpResponse(status=400)
    user = update.effective_user
    try:
        inbox_receive(
            channel=Channel.TELEGRAM,
            external_id=str(update.update_id),
            payload=data,
            language=language_of(user.language_code if user else None),
        )
    except UnstorableText:
        return HttpResponse(status=400)  # a NUL or a lone surrogate: no retry would store it
    # A duplicate is acknowledged too: it is already in the inbox.
    return JsonResponse({"ok": True})
