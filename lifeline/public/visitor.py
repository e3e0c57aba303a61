"""What a visitor's browser session holds on the public site: an unlocked case, a fresh receipt.

Both live in Django's server-side session, whose cookie is HttpOnly, Secure under HTTPS and has
no expiry date, so the browser drops it when it closes. Nothing in the session names the visitor.

- An unlocked case: its id, the time it was last used, and a tag of the case's secret hash (so a
  receipt re-issued later voids it). The server refuses it after IDLE_SECONDS without use.
  "Leave" flushes the session: its row is deleted, so even a copy of the cookie opens nothing.
- A fresh receipt: the sealed idempotency token of the form just sent, from which the receipt
  can be shown again for RECEIPT_SECONDS (see public.services.web_submission_receive).

The secret itself is never kept, and a follow-up not yet sent is kept only sealed.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac

from lifeline.cases.models import Case
from lifeline.core import crypto

IDLE_SECONDS = 15 * 60
# The last use is written at most this often: a reload within it writes no session row, so
# reading the page stays cheap; the page locks IDLE_SECONDS after use, give or take this.
REMEMBER_EVERY_SECONDS = 60
_CASE_KEY = "lifeline.case"
_UNSENT_KEY = "lifeline.unsent"
_RECEIPT_KEY = "lifeline.receipt"
_CONTEXT = "intake.visitor_case"


def _session(request: HttpRequest) -> SessionBase:
    return request.session


def _tag(case: Case) -> str:
    return salted_hmac(_CONTEXT, case.secret_hash).hexdigest()[:32]


def visitor_unlock(request: HttpRequest, *, case: Case, unsent: str = "") -> None:
    """Open `case` to this browser after a right receipt, under a new session key."""
    session = _session(request)
    # A new key for a new privilege: a session id planted or seen earlier opens nothing. A
    # browser without a stored session gets a fresh key when the session is first saved.
    if session.session_key:
        session.cycle_key()
    visitor_remember(request, case=case)
    if unsent:
        session[_UNSENT_KEY] = crypto.encrypt(unsent, context=_UNSENT_KEY)


def visitor_remember(request: HttpRequest, *, case: Case) -> None:
    """Let this browser see `case` for IDLE_SECONDS more; call on every page showing it."""
    session, now, tag = _session(request), int(time.time()), _tag(case)
    held: Any = session.get(_CASE_KEY)
    if (
        isinstance(held, dict)
        and (held.get("c"), held.get("h")) == (case.pk, tag)
        and isinstance(held.get("t"), int)
        and 0 <= now - held["t"] < REMEMBER_EVERY_SECONDS
    ):
        return
    session[_CASE_KEY] = {"c": case.pk, "t": now, "h": tag}


def visitor_take_unsent(request: HttpRequest) -> str:
    """The follow-up he wrote while the page was locked, once; it is forgotten as it is read."""
    sealed = _session(request).pop(_UNSENT_KEY, None)
    return crypto.decrypt(sealed, context=_UNSENT_KEY) if isinstance(sealed, str) else ""


def visitor_forget(request: HttpRequest) -> None:
    """End everything this browser had open: the session row is deleted, the cookie dropped."""
    _session(request).flush()


def visitor_case(request: HttpRequest) -> Case | None:
    """The case this browser unlocked less than IDLE_SECONDS ago, if any."""
    session = _session(request)
    data: Any = session.get(_CASE_KEY)
    if not isinstance(data, dict):
        return None
    case_id, used, tag = data.get("c"), data.get("t"), str(data.get("h") or "")
    fresh = isinstance(used, int) and 0 <= time.time() - used <= IDLE_SECONDS
    case = (
        Case.objects.filter(pk=case_id).exclude(secret_hash="").first()
        if fresh and isinstance(case_id, int) and tag
        else None
    )
    if case is None or not constant_time_compare(tag, _tag(case)):
        # Locked by time or voided: forget it here, so the row holds nothing stale.
        session.pop(_CASE_KEY, None)
        session.pop(_UNSENT_KEY, None)
        return None
    return case


def visitor_keep_receipt(request: HttpRequest, *, form_token: str) -> None:
    """Remember which form this browser just sent, so its receipt page can be reloaded."""
    _session(request)[_RECEIPT_KEY] = crypto.encrypt(form_token, context=_RECEIPT_KEY)


def visitor_receipt_token(request: HttpRequest) -> str | None:
    sealed = _session(request).get(_RECEIPT_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        return crypto.decrypt(sealed, context=_RECEIPT_KEY)
    except Exception:
        # Sealed with a key that has since been retired: the receipt is simply not shown again.
        return None


def visitor_drop_receipt(request: HttpRequest) -> None:
    _session(request).pop(_RECEIPT_KEY, None)
