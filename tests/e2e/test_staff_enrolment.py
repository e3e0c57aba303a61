"""End to end in headless Chromium: an admin invites, the invitee enrols by the link, logs in."""

from __future__ import annotations

import re
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, create_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a long and unusual passphrase 7"


def test_an_admin_invites_and_the_invitee_enrols_and_logs_in(browser: Any, live_url: str) -> None:
    frank = create_user("frank", roles=["admin"])
    device = TOTPDevice.objects.create(user=frank, name="phone", confirmed=True)
    admin = browser.new_context().new_page()
    admin.goto(live_url + "/console/account/login/")
    admin.locator("input[name=username]").fill("frank")
    admin.locator("input[name=password]").fill(PASSWORD)
    admin.get_by_role("button", name="Continue").click()
    admin.locator("input[name=token]").fill(f"{totp(device.bin_key):06d}")
    admin.get_by_role("button", name="Log in").click()
    admin.get_by_role("link", name="Staff accounts").click()
    admin.get_by_role("link", name="Invite a staff member").click()
    admin.locator("input[name=username]").fill("nina")
    admin.get_by_label("Operator").check()
    admin.get_by_role("button", name="Invite").click()
    link = admin.locator("#enrol-link").inner_text().strip()
    assert link.startswith(live_url + "/console/account/enrol/")

    invitee_context = browser.new_context(java_script_enabled=False)
    invitee = invitee_context.new_page()
    invitee.goto(link)
    key = b32decode(invitee.locator("#totp-key").inner_text().strip())
    invitee.locator("input[name=password1]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").fill(NEW_PASSWORD)
    invitee.locator("input[name=token]").fill(f"{totp(key):06d}")
    invitee.get_by_role("button", name="Set up my account").click()
    codes = invitee.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(
        re.fullmatch(r"[a-z0-9]{4} [a-z0-9]{4} [a-z0-9]{4}", c) for c in codes
    )

    # Shown once: the link now only says it was used.
    again = invitee.goto(link)
    assert again is not None and again.status == 410
    assert codes[0] not in invitee.locator("body").inner_text()

    invitee.get_by_role("link", name="Log in").click()
    invitee.locator("input[name=username]").fill("nina")
    invitee.locator("input[name=password]").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Continue").click()
    # The code used to enrol cannot be replayed: the next one is taken.
    invitee.locator("input[name=token]").fill(f"{totp(key, t0=-30):06d}")
    invitee.get_by_role("button", name="Log in").click()
    invitee.wait_for_url(re.compile(r"/console/$"))
    assert "nina" in invitee.locator("header").inner_text()
    invitee_context.close()
    admin.context.close()
