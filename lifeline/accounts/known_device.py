"""The known-browser cookie: a browser that finished a login is not throttled by others' guesses.

We never use addresses, so a throttle can only count per username, and a per-username lock-out
would let anyone who knows a name shut its owner out. After a full login (password and second
factor) the browser gets a signed cookie naming the user and a tag of his password hash; while
it is valid, that user's login from this browser skips the username throttle. A guesser has no
such cookie: for him the throttle stands. A new password voids every known browser. The cookie
holds no secret and nothing a visitor typed; it is HttpOnly and SameSite=Strict. See
docs/decisions/0004-guessing-throttle.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac

from lifeline.accounts.models import User

COOKIE_NAME = "lifeline_known_browser"
MAX_AGE_SECONDS = 90 * 24 * 3600
_SALT = "lifeline.accounts.known_browser"


def _tag(user: User) -> str:
    return salted_hmac(_SALT, user.password, algorithm="sha256").hexdigest()[:32]


def known_device_remember(response: HttpResponse, *, user: User) -> None:
    """Mark this browser as one `user` has logged in from; call after a full login."""
    value = signing.dumps({"u": user.pk, "h": _tag(user)}, salt=_SALT, compress=False)
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def known_device_for(request: HttpRequest, *, username: str) -> bool:
    """Whether this browser finished a login as `username` with his current password."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return False
    try:
        data = signing.loads(value, salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict) or not isinstance(data.get("h"), str):
        return False
    user_id = data.get("u")
    if not isinstance(user_id, int):
        return False
    user = User.objects.filter(pk=user_id, username=username).first()
    return user is not None and constant_time_compare(data["h"], _tag(user))
