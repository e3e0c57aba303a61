"""End to end in headless Chromium: a visitor writes in, an operator replies, the visitor reads it.

The visitor's browser runs with JavaScript disabled, as Tor Browser's "safest" mode does.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import staff_logs_in, staff_with_device

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MESSAGE = "Хочу сдаться. Я в лесу к северу от посёлка, со мной ещё двое."
REPLY = "Мы получили ваше сообщение. Оставайтесь на месте, ответим в течение часа."


def _visitor_writes_in(visitor: Any, base: str) -> tuple[str, str]:
    visitor.goto(base + "/")
    visitor.get_by_role("link", name=re.compile("прекратить воевать", re.I)).click()
    visitor.locator("textarea[name=message]").fill(MESSAGE)
    visitor.locator("form button[type=submit]").click()
    receipt = visitor.locator("dl.receipt dd")
    reference, secret = receipt.nth(0).inner_text(), receipt.nth(1).inner_text()
    assert re.fullmatch(r"LF-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    return reference, secret


def _operator_logs_in(operator: Any, base: str) -> None:
    staff_with_device("alice", "operator")
    staff_logs_in(operator, base, "alice", lands_on=r"/console/$")


def test_visitor_writes_operator_replies_visitor_reads(browser: Any, live_url: str) -> None:
    base = live_url
    visitor_context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    visitor = visitor_context.new_page()
    scripts: list[str] = []
    visitor.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    reference, secret = _visitor_writes_in(visitor, base)

    operator_context = browser.new_context()
    operator = operator_context.new_page()
    _operator_logs_in(operator, base)
    operator.get_by_role("link", name=reference).click()
    assert MESSAGE in operator.locator("body").inner_text()
    operator.locator("textarea[name=body]").fill(REPLY)
    operator.get_by_role("button", name=re.compile("send", re.I)).click()
    assert REPLY in operator.locator("body").inner_text()

    visitor.goto(base + "/status/")
    visitor.locator("input[name=reference]").fill(reference.lower())
    visitor.locator("input[name=secret]").fill(secret.replace("-", " "))
    visitor.locator("form button[type=submit]").click()
    page_text = visitor.locator("body").inner_text()
    assert MESSAGE in page_text and REPLY in page_text
    assert "alice" not in page_text  # operators are not named to the visitor
    assert scripts == []
    # Closing the browsers' keep-alive sockets ends the server threads and their DB sessions.
    operator_context.close()
    visitor_context.close()
