"""In headless Chromium, script off: Back and reload never re-send a receipt or open a second case.

What a person who picks up the phone afterwards can do with the tab: go back, reload. After
"leave" that must show no case; on the receipt page it must not write the message in again.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lifeline.cases.models import Case
from tests.public.helpers import open_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MESSAGE = "Где мой сын? Последний раз писал из-под Курска."


def test_back_and_reload_after_leaving_show_no_case(browser: Any, live_url: str) -> None:
    _, receipt = open_case(body=MESSAGE)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(live_url + "/en/status/")
    page.locator("input[name=reference]").fill(receipt.reference)
    page.locator("input[name=secret]").fill(receipt.secret)
    page.locator("form button[type=submit]").click()
    assert MESSAGE in page.locator("body").inner_text()
    assert page.url == live_url + "/en/status/"  # the POST left no entry of its own

    page.get_by_role("button", name="Leave and lock this page").click()
    page.wait_for_url(live_url + "/en/")
    page.go_back()
    assert MESSAGE not in page.locator("body").inner_text()
    assert page.locator("input[name=secret]").count() == 1
    page.reload()
    assert MESSAGE not in page.locator("body").inner_text()
    assert page.locator("input[name=secret]").count() == 1
    assert page.locator("input[name=secret]").input_value() == ""
    context.close()


def test_reloading_the_receipt_shows_the_same_receipt_and_opens_no_case(
    browser: Any, live_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(live_url + "/en/write/other/")
    page.locator("textarea[name=message]").fill(MESSAGE)
    page.locator("form button[type=submit]").click()
    shown = page.locator("dl.receipt dd").all_inner_texts()
    assert re.fullmatch(r"LF-[0-9A-Z]{4}-[0-9A-Z]{4}", shown[0])
    page.reload()
    assert page.locator("dl.receipt dd").all_inner_texts() == shown
    page.go_back()  # to the form, fetched afresh: nothing is sent
    page.go_forward()
    assert page.locator("dl.receipt dd").all_inner_texts() == shown
    assert Case.objects.count() == 1
    context.close()
