"""Staff login: password, throttling, TOTP, recovery codes, logout, and what the audit log keeps."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lifeline.accounts.services import THROTTLE_SCOPE, login_is_throttled
from lifeline.core.models import AuditEvent, ThrottleBucket
from lifeline.core.throttle import throttle_key
from tests.factories import PASSWORD, create_user

LOGIN = reverse("accounts:login")
TWO_FACTOR = reverse("accounts:two_factor")
QUEUE = reverse("cases:queue")


@pytest.fixture(autouse=True)
def _no_otp_backoff(settings) -> None:  # type: ignore[no-untyped-def]
    # django-otp's own back-off would refuse a good code right after a bad one.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def _device(user, *, confirmed: bool = True) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def _password(client, username: str = "alice", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password})


def _actions() -> list[str]:
    return list(AuditEvent.objects.values_list("action", flat=True))


def test_login_page_renders(client, db) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_console_sends_anonymous_visitors_to_login(client, db) -> None:
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={QUEUE}"


def test_password_then_totp_logs_in(client, alice) -> None:
    device = _device(alice)
    anonymous_key = client.session.session_key

    response = _password(client)
    assert response["Location"] == TWO_FACTOR
    after_password_key = client.session.session_key
    assert after_password_key != anonymous_key
    # The password alone does not open the console.
    assert client.get(QUEUE)["Location"] == TWO_FACTOR

    response = client.post(TWO_FACTOR, {"token": _code(device)})

    assert response["Location"] == QUEUE
    assert client.session.session_key != after_password_key
    assert client.get(QUEUE).status_code == 200
    login = AuditEvent.objects.get(action="user.login")
    assert (login.actor, login.detail) == (alice, {"second_factor": "totp"})


def test_wrong_password_is_refused_and_audited_with_the_username(client, alice) -> None:
    response = _password(client, password="wrong password")
    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(action="user.login_failed")
    assert failed.detail == {"username": "alice", "step": "password"}
    assert failed.object_id == str(alice.pk)


def test_unknown_username_is_refused_alike(client, db) -> None:
    response = _password(client, username="nobody")
    assert "Wrong username or password" in response.content.decode()
    failed = AuditEvent.objects.get(action="user.login_failed")
    # A name that is no account may be a mistyped password: it is not kept.
    assert (failed.object_id, failed.detail) == ("", {"step": "password"})


def test_throttled_username_is_refused_without_checking_the_password(
    client, alice, settings, monkeypatch
) -> None:
    settings.LOGIN_THROTTLE_LIMIT = 3
    _device(alice)
    for _ in range(3):
        _password(client, username="Alice", password="guess")
    assert AuditEvent.objects.filter(action="user.login_failed").last().detail["throttled_now"]

    def must_not_run(**kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the password was checked while throttled")

    monkeypatch.setattr("lifeline.accounts.services.authenticate", must_not_run)
    response = _password(client)

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _actions().count("user.login_failed") == 3


def test_throttle_stores_no_username_or_address(client, alice) -> None:
    _password(client, password="guess", **{})
    assert ThrottleBucket.objects.exists()
    for bucket in ThrottleBucket.objects.all():
        assert "alice" not in bucket.key
    everything = json.dumps(list(AuditEvent.objects.values("detail")))
    assert "127.0.0.1" not in everything


def test_successful_login_resets_the_throttle(client, alice, settings) -> None:
    settings.LOGIN_THROTTLE_LIMIT = 3
    alice.two_factor_exempt = True
    alice.save(update_fields=["two_factor_exempt"])
    _password(client, password="guess")
    _password(client, password="guess")
    _password(client)
    # Counting starts afresh: two more failures stay under the limit of three.
    client.post(reverse("accounts:logout"))
    _password(client, password="guess")
    _password(client, password="guess")
    assert not login_is_throttled(username="alice")


def test_wrong_totp_code_is_refused_and_counts_against_the_throttle(client, alice) -> None:
    device = _device(alice)
    _password(client)
    response = client.post(TWO_FACTOR, {"token": _code(device, offset=10)})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert client.get(QUEUE)["Location"] == TWO_FACTOR
    failed = AuditEvent.objects.get(action="user.login_failed")
    assert failed.detail == {"username": "alice", "step": "second_factor"}
    failures = ThrottleBucket.objects.get(key=throttle_key(scope=THROTTLE_SCOPE, subject="alice"))
    assert failures.hits == 1


def test_throttle_also_stops_the_totp_step(client, alice, settings) -> None:
    settings.LOGIN_THROTTLE_LIMIT = 2
    device = _device(alice)
    _password(client)
    client.post(TWO_FACTOR, {"token": "000000" if _code(device) != "000000" else "111111"})
    client.post(TWO_FACTOR, {"token": "000000" if _code(device) != "000000" else "111111"})
    response = client.post(TWO_FACTOR, {"token": _code(device)})
    assert response.status_code == 429
    assert client.get(QUEUE)["Location"] == TWO_FACTOR


def test_a_password_without_a_second_factor_opens_nothing(client, alice) -> None:
    # No first-login enrolment: the password alone must not choose the second factor.
    response = _password(client)
    assert response.status_code == 200
    assert "no second factor yet" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not TOTPDevice.objects.filter(user=alice).exists()
    failed = AuditEvent.objects.get(action="user.login_failed")
    assert failed.detail == {"username": "alice", "step": "no_second_factor"}
    assert client.get(QUEUE)["Location"].startswith(LOGIN)


def test_the_old_enrolment_page_is_gone(client, alice) -> None:
    assert client.get("/console/account/two-factor/setup/").status_code == 404


def test_a_session_whose_second_factor_was_reset_is_ended(client, alice) -> None:
    device = _device(alice)
    assert _password(client)["Location"] == TWO_FACTOR
    device.delete()
    response = client.get(TWO_FACTOR)
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_passes_the_second_step(client, alice) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice

    _device(alice)
    codes = StaticDevice.objects.create(user=alice, name="recovery codes")
    codes.token_set.create(token="abcdefghjkmn")
    _password(client)
    response = client.post(TWO_FACTOR, {"token": "ABCD efgh JKMN"})
    assert response["Location"] == QUEUE
    # Each code opens the console once.
    assert not codes.token_set.exists()


def test_login_steps_need_the_password_first(client, db) -> None:
    assert client.get(TWO_FACTOR)["Location"] == LOGIN


def test_exempt_demo_user_skips_the_second_factor(client, db) -> None:
    create_user("demo", roles=["operator"], two_factor_exempt=True)
    response = _password(client, username="demo")
    assert response["Location"] == QUEUE
    page = client.get(QUEUE).content.decode()
    assert "two-factor off (demo)" in page
    assert AuditEvent.objects.get(action="user.login").detail == {"second_factor": "exempt"}


def test_next_is_followed_only_within_the_site(client, db) -> None:
    create_user("demo", roles=["operator"], two_factor_exempt=True)
    client.get(LOGIN, {"next": "/console/?kind=surrender"})
    assert _password(client, username="demo")["Location"] == "/console/?kind=surrender"
    client.post(reverse("accounts:logout"))
    client.get(LOGIN, {"next": "https://evil.example/"})
    assert _password(client, username="demo")["Location"] == QUEUE


def test_logout_needs_post_and_ends_the_session(client, alice) -> None:
    from tests.factories import login_staff

    login_staff(client, alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert client.get(QUEUE).status_code == 302
    assert "user.logout" in _actions()


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("operator", QUEUE),
        ("registrar", reverse("registry:search")),
        ("admin", reverse("accounts:staff")),
    ],
)
def test_each_role_lands_on_a_page_it_may_open(client, db, role, landing) -> None:
    create_user("demo", roles=[role], two_factor_exempt=True)
    assert _password(client, username="demo")["Location"] == landing
    assert client.get(landing).status_code == 200


def test_account_page_names_roles_and_second_factor(client, bob) -> None:
    from tests.factories import login_staff

    login_staff(client, bob)
    body = client.get(reverse("accounts:me")).content.decode()
    assert "Tracing officer" in body
    assert "authenticator app" in body


def test_login_pages_show_no_console_links(client, alice) -> None:
    _device(alice)
    _password(client)
    for url in (TWO_FACTOR, LOGIN):
        body = client.get(url, follow=True).content.decode()
        assert "<nav>" not in body
        assert 'name="username"' in body or 'name="token"' in body
