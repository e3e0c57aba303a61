"""Invites and enrolment through the link: hashed one-time tokens, password, TOTP, codes."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lifeline.accounts.models import Invite, User
from lifeline.accounts.staff import Issued, token_hash, user_invite
from lifeline.core.actors import SYSTEM
from lifeline.core.exceptions import ActionRefused
from lifeline.core.models import AuditEvent

NEW_PASSWORD = "a long and unusual passphrase 7"
LOGIN = reverse("accounts:login")
TWO_FACTOR = reverse("accounts:two_factor")


@pytest.fixture(autouse=True)
def _no_otp_backoff(settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _invite(username: str = "nina", roles: tuple[str, ...] = ("operator",)) -> Issued:
    return user_invite(actor=SYSTEM, username=username, roles=roles, display_name="Nina K.")


def _url(issued: Issued) -> str:
    return reverse("accounts:enrol", kwargs={"token": issued.token})


def _key_from(body: str) -> bytes:
    from base64 import b32decode

    match = re.search(r'<code id="totp-key">([A-Z2-7]+)</code>', body)
    assert match, "the manual key is on the page"
    return b32decode(match.group(1))


def _code(key: bytes, *, offset: int = 0) -> str:
    totp = TOTP(key)
    totp.time = totp.time + offset * 30
    return f"{totp.token():06d}"


def _post(client: Client, issued: Issued, code: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(_url(issued), {"password1": password, "password2": password, "token": code})


def _rows() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Invite.objects.filter(used_at__isnull=False).count(),
        TOTPDevice.objects.count(),
        StaticToken.objects.count(),
        AuditEvent.objects.count(),
    )


def test_an_invite_makes_an_account_that_cannot_log_in_and_keeps_only_a_hash(db) -> None:
    issued = _invite()
    user = User.objects.get(username="nina")
    assert not user.has_usable_password()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert list(user.groups.values_list("name", flat=True)) == ["operator"]
    invite = Invite.objects.get(user=user)
    assert invite.token_hash == token_hash(issued.token) != issued.token
    assert timedelta(hours=71) < invite.expires_at - timezone.now() <= timedelta(hours=72)
    stored = json.dumps(list(Invite.objects.values()), default=str) + json.dumps(
        list(AuditEvent.objects.values("detail")), default=str
    )
    assert issued.token not in stored
    event = AuditEvent.objects.get(action="user.invite")
    assert event.actor_kind == "system"
    assert event.detail["roles"] == ["operator"] and event.detail["renewed"] is False


def test_the_invite_lifetime_is_a_setting(db, settings) -> None:
    settings.LIFELINE_INVITE_HOURS = 2
    issued = _invite()
    assert issued.expires_at - timezone.now() <= timedelta(hours=2)


def test_enrolment_sets_password_and_device_and_shows_recovery_codes_once(client, db) -> None:
    issued = _invite()
    page = client.get(_url(issued))
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "<script" not in body
    assert "no-store" in page["Cache-Control"]
    key = _key_from(body)

    done = _post(client, issued, _code(key))

    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9 ]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    user = User.objects.get(username="nina")
    assert user.check_password(NEW_PASSWORD)
    assert TOTPDevice.objects.get(user=user).confirmed
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == {c.replace(" ", "") for c in codes}
    assert Invite.objects.get(user=user).used_at is not None
    assert AuditEvent.objects.filter(action="user.2fa_enrolled", actor=user).exists()
    # The link is burnt: the codes are never shown again.
    again = client.get(_url(issued))
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert codes[0] not in again.content.decode()


def test_the_enrolled_user_logs_in_with_password_and_totp(client, db) -> None:
    issued = _invite()
    key = _key_from(client.get(_url(issued)).content.decode())
    _post(client, issued, _code(key))
    browser = Client()
    response = browser.post(LOGIN, {"username": "nina", "password": NEW_PASSWORD})
    assert response["Location"] == TWO_FACTOR
    assert browser.post(TWO_FACTOR, {"token": _code(key, offset=1)})["Location"] == "/console/"


def test_a_wrong_code_keeps_the_same_key_and_writes_nothing_but_the_attempt(client, db) -> None:
    issued = _invite()
    key = _key_from(client.get(_url(issued)).content.decode())
    before = _rows()

    wrong = _post(client, issued, _code(key, offset=10))

    assert wrong.status_code == 400
    assert "does not match" in wrong.content.decode()
    assert _key_from(wrong.content.decode()) == key
    assert _rows() == before
    assert not User.objects.get(username="nina").has_usable_password()
    assert _post(client, issued, _code(key)).status_code == 200


@pytest.mark.parametrize(
    ("first", "second", "error"),
    [
        ("short", "short", "too short"),
        ("password1234", "password1234", "too common"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords differ"),
    ],
)
def test_a_weak_or_mistyped_password_is_refused_with_the_same_key(
    client, db, first: str, second: str, error: str
) -> None:
    issued = _invite()
    key = _key_from(client.get(_url(issued)).content.decode())
    before = _rows()
    response = client.post(
        _url(issued), {"password1": first, "password2": second, "token": _code(key)}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert _key_from(response.content.decode()) == key
    assert _rows() == before


def test_unknown_expired_and_replaced_links_are_refused_and_write_nothing(client, db) -> None:
    unknown = client.get(reverse("accounts:enrol", kwargs={"token": "no-such-token"}))
    assert unknown.status_code == 404
    assert "not valid" in unknown.content.decode()

    issued = _invite()
    Invite.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    before = _rows()
    expired = client.get(_url(issued))
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert _post(client, issued, "123456").status_code == 410
    assert _rows() == before
    assert not TOTPDevice.objects.exists()

    renewed = _invite()
    assert AuditEvent.objects.filter(action="user.invite").last().detail["renewed"] is True
    assert client.get(_url(issued)).status_code == 404  # the old link died with the new one
    assert client.get(_url(renewed)).status_code == 200


def test_a_new_invite_discards_the_key_shown_by_the_old_link(client, db) -> None:
    first = _invite()
    old_key = _key_from(client.get(_url(first)).content.decode())
    second = _invite()
    new_key = _key_from(client.get(_url(second)).content.decode())
    assert new_key != old_key
    assert _post(client, second, _code(old_key)).status_code == 400


def test_inviting_an_enrolled_or_demo_account_is_refused(client, alice, db) -> None:
    from tests.factories import create_user, login_staff

    login_staff(client, alice)  # gives alice a confirmed device
    with pytest.raises(ActionRefused, match="already enrolled"):
        _invite("alice")
    create_user("demo", roles=["operator"], two_factor_exempt=True)
    with pytest.raises(ActionRefused, match="demo account"):
        _invite("demo")
    with pytest.raises(ActionRefused, match="Unknown role"):
        _invite("zed", roles=("emperor",))
    with pytest.raises(ActionRefused, match="at least one role"):
        _invite("zed", roles=())
    with pytest.raises(ActionRefused, match="letters, digits"):
        _invite("two words")
    assert not User.objects.filter(username__in=["zed", "two words"]).exists()


def test_enrolment_needs_no_login_and_an_inactive_account_cannot_enrol(client, db) -> None:
    issued = _invite()
    User.objects.filter(username="nina").update(is_active=False)
    assert client.get(_url(issued)).status_code == 410


def test_an_invite_with_an_address_mails_the_link(client, frank, mailoutbox) -> None:
    from tests.factories import login_staff

    login_staff(client, frank)
    response = client.post(
        reverse("accounts:staff_invite"),
        {"username": "nina", "roles": ["operator"], "email": "nina@example.org"},
    )
    link = re.search(r'<code id="enrol-link">([^<]+)</code>', response.content.decode())
    assert link
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nina@example.org"]
    assert link.group(1) in mailoutbox[0].body
    assert "nina@example.org" not in json.dumps(list(AuditEvent.objects.values("detail")))


def test_recovery_codes_replace_older_ones(client, db) -> None:
    issued = _invite()
    user = User.objects.get(username="nina")
    old = StaticDevice.objects.create(user=user, name="old")
    old.token_set.create(token="oldcode")
    key = _key_from(client.get(_url(issued)).content.decode())
    _post(client, issued, _code(key))
    assert not StaticToken.objects.filter(token="oldcode").exists()
    assert StaticDevice.objects.filter(user=user).count() == 1


def test_a_link_survives_a_secret_key_change_while_the_old_key_is_a_fallback(
    client, db, settings
) -> None:
    issued = _invite()
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a brand new secret key, long enough to be a real one"
    assert client.get(_url(issued)).status_code == 404
    settings.SECRET_KEY_FALLBACKS = [old]
    assert client.get(_url(issued)).status_code == 200


def test_the_enrolment_page_speaks_russian_to_a_russian_browser(client, db) -> None:
    issued = _invite()
    page = client.get(_url(issued), HTTP_ACCEPT_LANGUAGE="ru")
    assert "Настройка учётной записи" in page.content.decode()
