"""The phone channel's view: the voice provider's webhook."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.http import require_POST

from lifeline.channels.phone.adapter import PAYLOAD_KEYS
from lifeline.channels.phone.signature import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    signature_algorithm,
    signature_valid,
)
from lifeline.core.access import channel_view
from lifeline.intake.inbox import inbox_receive
from lifeline.intake.models import Channel
from lifeline.intake.text import UnstorableText

logger = logging.getLogger(__name__)

# An empty answer: for a status callback any 2xx will do, and a provider that expects
# instructions is told there are none.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_ID_CHARS = 64


def _signed_by_provider(request: HttpRequest) -> bool:
    token = settings.VOICE_AUTH_TOKEN
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    # Behind a proxy the request's own address differs from the one the provider signed.
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    algorithm = signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    # A JSON body is signed by its hash in the URL (bodySHA256), a form by its parameters.
    body = request.body if request.content_type == "application/json" else None
    return signature_valid(
        token=token,
        url=url,
        params=request.POST,
        signature=signature,
        algorithm=algorithm,
        body=body,
    )


@channel_view
@require_POST
def voice_event(request: HttpRequest) -> HttpResponse:
    """A call's status event from the voice provider (Twilio-style form parameters)."""
    if not _signed_by_provider(request):
        return HttpResponseForbidden()
    payload = {key: request.POST.get(key, "") for key in PAYLOAD_KEYS if key in request.POST}
    call_sid, status = payload.get("CallSid", ""), payload.get("CallStatus", "")
    if not call_sid or not status or max(len(call_sid), len(status)) > MAX_ID_CHARS:
        return HttpResponseBadRequest()
    try:
        inbox_receive(channel=Channel.PHONE, external_id=f"{call_sid}:{status}", payload=payload)
    except UnstorableText:
        # Refused, not stored: PostgreSQL would refuse a NUL, and a 503 is sent again for ever.
        return HttpResponseBadRequest()
    except DatabaseError:
        logger.warning("could not store a call event; answering 503 so it is sent again")
        return HttpResponse(status=503)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
