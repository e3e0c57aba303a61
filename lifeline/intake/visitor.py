"""Keeping a visitor's case open for a few minutes after he has shown his receipt.

The secret is never kept: not in the session, not in a cookie, not in a hidden field. What the
browser holds is one cookie, sealed with AES-GCM (so it reveals nothing, not even the case
number, to whoever reads the phone), that names the case, the time it was last used, and a tag
of the case's secret hash (so a receipt re-issued later voids it). Nothing is stored on the
server, so there is no session row linking a browser to a case. The cookie is HttpOnly,
SameSite=Strict, Secure under HTTPS, and has no expiry date, so the browser drops it when it
closes; the server refuses it after IDLE_SECONDS without use. "Leave" deletes it at once.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac

from lifeline.cases.models import Case
from lifeline.core import crypto

COOKIE_NAME = "lifeline_case"
IDLE_SECONDS = 15 * 60
_CONTEXT = "intake.visitor_case"


def _tag(case: Case) -> str:
    return salted_hmac(_CONTEXT, case.secret_hash).hexdigest()[:32]


def visitor_remember(response: HttpResponse, *, case: Case) -> None:
    """Let this browser see `case` for IDLE_SECONDS more; call on every page showing it."""
    payload = json.dumps({"c": case.pk, "t": int(time.time()), "h": _tag(case)})
    # Base64 padding would make the cookie quoted; decrypting restores it.
    value = crypto.encrypt(payload, context=_CONTEXT).rstrip("=")
    response.set_cookie(
        COOKIE_NAME,
        value,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def visitor_forget(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, samesite="Strict")


def _payload(value: str) -> dict[str, Any] | None:
    try:
        data = json.loads(crypto.decrypt(value, context=_CONTEXT))
    except Exception:
        # Tampered, truncated, or sealed with a key that has since been retired.
        return None
    return data if isinstance(data, dict) else None


def visitor_case(request: HttpRequest) -> Case | None:
    """The case this browser unlocked less than IDLE_SECONDS ago, if any."""
    value = request.COOKIES.get(COOKIE_NAME)
    data = _payload(value) if value else None
    if data is None:
        return None
    case_id, issued, tag = data.get("c"), data.get("t"), data.get("h")
    if not isinstance(case_id, int) or not isinstance(issued, int) or not isinstance(tag, str):
        return None
    if not 0 <= time.time() - issued <= IDLE_SECONDS:
        return None
    case = Case.objects.filter(pk=case_id).exclude(secret_hash="").first()
    if case is None or not constant_time_compare(tag, _tag(case)):
        return None
    return case
