"""The login flow (password, then TOTP), enrolment through a link, logout, own account."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from lifeline.accounts.forms import (
    ConsoleLanguageForm,
    EnrolForm,
    LoginForm,
    TimeZoneForm,
    TokenForm,
)
from lifeline.accounts.known_device import known_device_for, known_device_remember
from lifeline.accounts.models import User
from lifeline.accounts.roles import ROLE_NAMES
from lifeline.accounts.services import (
    LoginThrottled,
    login_complete,
    login_has_confirmed_device,
    login_needs_second_factor,
    login_password_check,
    login_refused_without_device,
    login_token_check,
    logout_record,
    totp_device_pending_for,
    user_console_language_set,
    user_time_zone_set,
)
from lifeline.accounts.staff import InviteInvalid, WrongCode, invite_for_token, user_enrol
from lifeline.core.access import (
    Perm,
    Role,
    login_step_view,
    roles_of,
    second_factor_passed,
    staff_user,
    staff_view,
    start_url_for,
)
from lifeline.core.exceptions import ActionRefused
from lifeline.core.viewflow import form_action
from lifeline.core.zones import zone_for

NEXT_SESSION_KEY = "lifeline_login_next"


def _throttled_message() -> str:
    minutes = max(1, settings.LOGIN_THROTTLE_WINDOW // 60)
    return _(
        "Too many failed attempts for this account. Try again in %(minutes)d minutes, "
        "or ask an administrator."
    ) % {"minutes": minutes}


def _no_device_message() -> str:
    return _(
        "This account has no second factor yet. Open the enrolment link an administrator "
        "gave you, or ask for a new one."
    )


def _remember_next(request: HttpRequest) -> None:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[NEXT_SESSION_KEY] = target


def _landing(user: User) -> str:
    """The user's start page (core.access.START_PAGES): a registrar has no queue, nor an admin."""
    return start_url_for(user) or resolve_url("accounts:me")


def _after_login(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    asked = request.session.pop(NEXT_SESSION_KEY, "")
    # The console's root, where a bare address leads, stands for "my start page".
    target = asked if asked not in ("", resolve_url("cases:queue")) else _landing(user)
    response = redirect(target)
    # From now on, others' wrong guesses at this name do not throttle this browser.
    known_device_remember(response, user=user)
    return response


@login_step_view
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and second_factor_passed(request):
        return _after_login(request)
    _remember_next(request)
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            username = form.cleaned_data["username"]
            user = login_password_check(
                username=username,
                password=form.cleaned_data["password"],
                known_browser=known_device_for(request, username=username),
            )
        except LoginThrottled:
            form.add_error(None, _throttled_message())
            status = 429
        else:
            if user is None:
                form.add_error(None, _("Wrong username or password."))
            elif login_needs_second_factor(user=user) and not login_has_confirmed_device(user=user):
                # No first-login enrolment: whoever holds the password alone must not choose
                # the second factor (decision 0009). Only an enrolment link sets one up.
                login_refused_without_device(user=user)
                form.add_error(None, _no_device_message())
            else:
                # Django's login() gives the session a new key: no fixation across the login.
                auth_login(request, user)
                if not login_needs_second_factor(user=user):
                    method = "exempt" if user.two_factor_exempt else "off"
                    login_complete(user=user, second_factor=method)
                    return _after_login(request)
                return redirect("accounts:two_factor")
    return render(request, "console/accounts/login.html", {"form": form}, status=status)


@login_step_view
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if second_factor_passed(request):
        return _after_login(request)
    user = staff_user(request)
    if not login_has_confirmed_device(user=user):
        # His second factor was reset since the password step: this session ends here.
        auth_logout(request)
        messages.error(request, _no_device_message())
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = login_token_check(
                user=user,
                token=form.cleaned_data["token"],
                known_browser=known_device_for(request, username=user.get_username()),
            )
        except LoginThrottled:
            form.add_error(None, _throttled_message())
            status = 429
        else:
            if device is not None:
                otp_login(request, device)
                request.session.cycle_key()
                login_complete(user=user, second_factor="totp")
                return _after_login(request)
            form.add_error(
                None,
                _("That code is not valid. Codes change every 30 seconds; check the clock."),
            )
    return render(request, "console/accounts/two_factor.html", {"form": form}, status=status)


def _qr_svg(uri: str) -> str:
    # Inline markup, not a fetched image: nothing for the CSP to block and nothing to cache.
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno output holds only path data, no user text


def _enrol_gone(request: HttpRequest, invalid: InviteInvalid) -> HttpResponse:
    return render(
        request,
        "console/accounts/enrol_invalid.html",
        {"reason": invalid.message},
        status=410 if invalid.gone else 404,
    )


@login_step_view
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The enrolment link: a password and the authenticator app, then recovery codes once.

    Reachable without login: the token is the credential. An unknown, used or expired link
    writes nothing; opening a valid one keeps one pending key, so a code scanned earlier still
    works after a refused attempt.
    """
    try:
        invite = invite_for_token(token)
    except InviteInvalid as invalid:
        return _enrol_gone(request, invalid)
    user = invite.user
    form = EnrolForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            _user, codes = user_enrol(
                token=token,
                password=form.cleaned_data["password1"],
                code=form.cleaned_data["token"],
            )
        except InviteInvalid as invalid:  # used or expired between the two reads
            return _enrol_gone(request, invalid)
        except ActionRefused as refused:
            form.add_error("token" if isinstance(refused, WrongCode) else None, refused.message)
        else:
            return render(
                request,
                "console/accounts/enrol_done.html",
                {"enrolled": user, "codes": [" ".join((c[:4], c[4:8], c[8:])) for c in codes]},
            )
    device = totp_device_pending_for(user=user)
    context = {
        "form": form,
        "enrolled": user,
        "qr_svg": _qr_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode("ascii"),
        "hours_left": max(1, int((invite.expires_at - timezone.now()).total_seconds() // 3600)),
    }
    return render(
        request, "console/accounts/enrol.html", context, status=400 if form.is_bound else 200
    )


@login_step_view
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        logout_record(actor=staff_user(request))
    auth_logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@staff_view(Perm.CONSOLE)
@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own account: roles, second factor, the console's language and zone.

    Every role can open it.
    """
    user = staff_user(request)
    form = ConsoleLanguageForm(
        request.POST if request.method == "POST" else None,
        initial={"console_language": user.console_language},
    )

    def save() -> str:
        language: str = form.cleaned_data["console_language"]
        user_console_language_set(actor=user, language=language)
        return language

    return form_action(
        request,
        form,
        save,
        success=_saved_in,
        redirect_to=lambda _language: redirect("accounts:me"),
        template="console/accounts/me.html",
        context={**_me_context(user), "language_form": form},
    )


def _me_context(user: User, time_zone_form: TimeZoneForm | None = None) -> dict[str, object]:
    return {
        "roles": sorted(str(ROLE_NAMES.get(role, Role.LABELS[role])) for role in roles_of(user)),
        "has_device": login_has_confirmed_device(user=user),
        "language_form": ConsoleLanguageForm(initial={"console_language": user.console_language}),
        "time_zone_form": time_zone_form
        or TimeZoneForm(initial={"time_zone": str(zone_for(user.time_zone))}),
    }


@staff_view(Perm.CONSOLE)
@require_POST
def time_zone(request: HttpRequest) -> HttpResponse:
    """The zone the console shows the signed-in user times in, from his account page."""
    user = staff_user(request)
    form = TimeZoneForm(request.POST)
    return form_action(
        request,
        form,
        lambda: user_time_zone_set(actor=user, zone=form.cleaned_data["time_zone"]),
        success=_("Time zone saved."),
        redirect_to=lambda _none: redirect("accounts:me"),
        page=lambda status: render(
            request, "console/accounts/me.html", _me_context(user, form), status=status
        ),
    )


def _saved_in(language: str) -> str:
    """The confirmation in the console's new language, which the next page is shown in."""
    with translation.override(language):
        return _("Console language saved.")
