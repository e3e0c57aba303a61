"""Staff accounts: the login steps, their audit and throttle; own settings.

Enrolment (password and second factor through a link) and staff administration are in
accounts.staff.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django_otp import match_token, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from lifeline.accounts.models import ConsoleLanguage, User
from lifeline.core.actions import Action
from lifeline.core.actors import PUBLIC
from lifeline.core.audit import audit_record
from lifeline.core.throttle import (
    throttle_hit,
    throttle_is_blocked,
    throttle_reset,
    throttle_take,
)
from lifeline.core.zones import zone_names

THROTTLE_SCOPE = "login"
BUDGET_SCOPE = "login-password-budget"
TOTP_DEVICE_NAME = "console"


class LoginThrottled(Exception):
    """Too many failed attempts for this username from browsers it never logged in from.

    Nothing was checked, so refusing costs no password hash. A browser that finished a login
    as this user before (`known_browser`) is never refused: see accounts.known_device.
    """


def _subject(username: str) -> str:
    return username.strip().casefold()


def login_is_throttled(*, username: str) -> bool:
    return throttle_is_blocked(
        scope=THROTTLE_SCOPE,
        subject=_subject(username),
        limit=settings.LOGIN_THROTTLE_LIMIT,
        window_seconds=settings.LOGIN_THROTTLE_WINDOW,
    )


@transaction.atomic
def _login_failed(*, username: str, user: User | None, step: str) -> None:
    throttle_hit(
        scope=THROTTLE_SCOPE,
        subject=_subject(username),
        window_seconds=settings.LOGIN_THROTTLE_WINDOW,
    )
    # A name that is no account is often a password typed into the wrong field: never keep it.
    detail: dict[str, Any] = {"step": step}
    if user is not None:
        detail["username"] = user.get_username()
    if login_is_throttled(username=username):
        detail["throttled_now"] = True
    audit_record(actor=PUBLIC, action=Action.USER_LOGIN_FAILED, obj=user, detail=detail)


def login_password_check(
    *, username: str, password: str, known_browser: bool = False
) -> User | None:
    """The password step. Returns the user, or None after counting and auditing the failure.

    Raises LoginThrottled, before the password is looked at, when the browser is not one this
    user has logged in from (`known_browser`) and the username is blocked or the site-wide
    budget of strangers' password checks is spent.
    """
    if not known_browser and (login_is_throttled(username=username) or not _password_budget_left()):
        raise LoginThrottled
    user = authenticate(username=username, password=password)
    if user is None:
        known = User.objects.filter(username=username).first()
        _login_failed(username=username, user=known, step="password")
        return None
    return cast(User, user)


def _password_budget_left() -> bool:
    # A per-name limit does not bound hashing when every guess names someone else (Django
    # hashes for unknown names too): strangers' password checks share one site-wide budget.
    return throttle_take(
        scope=BUDGET_SCOPE,
        subject="site",
        limit=settings.LOGIN_PASSWORD_BUDGET,
        window_seconds=settings.LOGIN_PASSWORD_WINDOW,
    )


def login_needs_second_factor(*, user: User) -> bool:
    return settings.LIFELINE_REQUIRE_2FA and not user.two_factor_exempt


def login_has_confirmed_device(*, user: User) -> bool:
    return user_has_device(user, confirmed=True)


def login_token_check(*, user: User, token: str, known_browser: bool = False) -> Device | None:
    """The TOTP step: the confirmed device (or backup code) that accepts `token`, or None."""
    if not known_browser and login_is_throttled(username=user.get_username()):
        raise LoginThrottled
    # Recovery codes are lower case and shown in groups; TOTP codes are digits either way.
    device = match_token(user, token.strip().replace(" ", "").replace("-", "").lower())
    if device is None:
        _login_failed(username=user.get_username(), user=user, step="second_factor")
    return device


@transaction.atomic
def login_complete(*, user: User, second_factor: str) -> None:
    """Record a finished login (`second_factor`: "totp", "exempt" or "off")."""
    throttle_reset(scope=THROTTLE_SCOPE, subject=_subject(user.get_username()))
    audit_record(
        actor=user, action=Action.USER_LOGIN, obj=user, detail={"second_factor": second_factor}
    )


def totp_device_pending_for(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def login_refused_without_device(*, user: User) -> None:
    """The right password for an account that has not enrolled: refused, audited, not counted.

    The throttle counts guesses; this was no guess, and counting it would lock out someone who
    retries while waiting for his link.
    """
    audit_record(
        actor=PUBLIC,
        action=Action.USER_LOGIN_FAILED,
        obj=user,
        detail={"username": user.get_username(), "step": "no_second_factor"},
    )


@transaction.atomic
def logout_record(*, actor: User) -> None:
    audit_record(actor=actor, action=Action.USER_LOGOUT, obj=actor)


@transaction.atomic
def user_console_language_set(*, actor: User, language: str) -> None:
    """Set the language the console speaks to `actor`; each user sets only his own."""
    if language not in ConsoleLanguage.values:
        raise ValueError(f"the console is not translated into {language!r}")
    _own_choice_set(actor, "console_language", language, Action.USER_CONSOLE_LANGUAGE)


@transaction.atomic
def user_time_zone_set(*, actor: User, zone: str) -> None:
    """Set the zone the console shows `actor` times in; each user sets only his own."""
    if zone not in zone_names():
        raise ValueError(f"{zone!r} is not a time zone the console offers")
    _own_choice_set(actor, "time_zone", zone, Action.USER_TIME_ZONE)


def _own_choice_set(actor: User, field: str, value: str, action: Action) -> None:
    """Save one of a user's own console choices, audited with what it was; unchanged, nothing."""
    previous = getattr(actor, field)
    if previous == value:
        return
    setattr(actor, field, value)
    actor.save(update_fields=[field])
    audit_record(actor=actor, action=action, obj=actor, detail={"from": previous, "to": value})
