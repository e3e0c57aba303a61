"""Headless Chromium (Debian's package) for the end-to-end tests; never a downloaded browser."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"


# Module scope, not session: while Playwright runs, test code runs in its greenlet, where
# Django opens other connections; later tests must run without it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard must be relaxed for these tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_url(transactional_db: None) -> Iterator[str]:
    """A live server for one test, stopped (threads and DB sessions closed) when it ends.

    pytest-django's `live_server` lives for the whole session, and its idle request threads
    keep PostgreSQL sessions open, which stops the test database from being dropped.
    """
    from django.db import connections
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    yield server.url
    server.stop()
    # ORM calls made while Playwright runs use a connection of its greenlet's context;
    # close it here, in that context, or it outlives the test database.
    connections.close_all()


def staff_with_device(username: str, role: str) -> Any:
    """A staff member of `role` with a confirmed authenticator, ready for `staff_logs_in`."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import create_user

    user = create_user(username, roles=[role])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def staff_logs_in(page: Any, base: str, username: str, *, lands_on: str = r"/console/") -> None:
    """Log `username` in on `page` as a person would: name, password, then his TOTP code; wait
    until the console's start page (`lands_on`, a regular expression) is shown."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD

    device = TOTPDevice.objects.get(user__username=username)
    page.goto(base + "/console/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"
    page.locator("input[name=token]").fill(code)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(lands_on))
