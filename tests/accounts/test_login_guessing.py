"""Guessing a staff login: others' wrong passwords never shut the real user out of his browser."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.accounts import services as account_services
from lifeline.core.models import AuditEvent
from tests.accounts.test_login import _code, _device, _password
from tests.factories import PASSWORD

LOGIN = reverse("accounts:login")
TWO_FACTOR = reverse("accounts:two_factor")
QUEUE = reverse("cases:queue")


@pytest.fixture(autouse=True)
def _no_otp_backoff(settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _full_login(client: Client, device) -> None:  # type: ignore[no-untyped-def]
    assert _password(client)["Location"] == TWO_FACTOR
    assert client.post(TWO_FACTOR, {"token": _code(device)})["Location"] == QUEUE


def test_hammered_account_still_logs_in_with_the_right_password_and_code(
    client, alice, settings
) -> None:
    device = _device(alice)
    _full_login(client, device)  # alice's own browser, used before
    client.post(reverse("accounts:logout"))
    attacker = Client()
    for _ in range(settings.LOGIN_THROTTLE_LIMIT * 4):
        assert _password(attacker, password="guess").status_code in (200, 429)

    response = _password(client)
    assert response.status_code == 302 and response["Location"] == TWO_FACTOR
    # Wrong codes from elsewhere do not shut her out of the code step either.
    response = client.post(TWO_FACTOR, {"token": _code(device, offset=1)})
    assert response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_browser_that_never_logged_in_stays_throttled_without_a_password_check(
    alice, settings, monkeypatch
) -> None:
    _device(alice)
    attacker = Client()
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        _password(attacker, password="guess")

    def must_not_run(**kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a password was checked for a throttled stranger")

    monkeypatch.setattr("lifeline.accounts.services.authenticate", must_not_run)
    assert _password(attacker).status_code == 429
    assert _password(Client()).status_code == 429


def test_names_sprayed_at_the_form_spend_a_bounded_number_of_password_checks(
    client, alice, settings, monkeypatch
) -> None:
    settings.LOGIN_PASSWORD_BUDGET = 3
    device = _device(alice)
    _full_login(client, device)  # her first login here spends one check of the budget
    client.post(reverse("accounts:logout"))
    checks = []
    real = account_services.authenticate

    def counted(**kwargs):  # type: ignore[no-untyped-def]
        checks.append(kwargs["username"])
        return real(**kwargs)

    monkeypatch.setattr("lifeline.accounts.services.authenticate", counted)
    attacker = Client()
    answers = [
        _password(attacker, username=f"name{i}", password="guess").status_code for i in range(10)
    ]
    assert len(checks) == 2 and answers.count(429) == 8
    # Her own browser is not held back by the spent budget.
    assert _password(client)["Location"] == TWO_FACTOR


def test_another_users_browser_does_not_lift_the_throttle(client, alice, bob, settings) -> None:
    bob_device = _device(bob)
    _device(alice)
    assert _password(client, username="bob")["Location"] == TWO_FACTOR
    client.post(TWO_FACTOR, {"token": _code(bob_device)})
    client.post(reverse("accounts:logout"))
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        _password(Client(), password="guess")
    assert _password(client).status_code == 429


def test_a_changed_password_voids_the_known_browser(client, alice, settings) -> None:
    device = _device(alice)
    _full_login(client, device)
    client.post(reverse("accounts:logout"))
    alice.set_password("another long password 42")
    alice.save(update_fields=["password"])
    for _ in range(settings.LOGIN_THROTTLE_LIMIT):
        _password(Client(), password="guess")
    assert _password(client, password="another long password 42").status_code == 429


@pytest.mark.parametrize("typed", ["Tr0ub4dor&3-pasted", "nobody"])
def test_the_audit_log_never_holds_a_name_that_is_no_account(client, db, typed) -> None:
    response = _password(client, username=typed, password=PASSWORD)
    assert "Wrong username or password" in response.content.decode()
    failed = AuditEvent.objects.get(action="user.login_failed")
    assert failed.object_id == ""
    assert typed not in json.dumps(list(AuditEvent.objects.values("detail", "object_id")))


def test_the_audit_log_names_a_real_account_that_failed(client, alice) -> None:
    _password(client, username="alice", password="wrong")
    failed = AuditEvent.objects.get(action="user.login_failed")
    assert failed.detail["username"] == "alice" and failed.object_id == str(alice.pk)
