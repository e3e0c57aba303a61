"""End to end in headless Chromium: an operator on the phone logs a call with the keyboard only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lifeline.cases.models import Case
from lifeline.intake.models import Contact
from tests.e2e.test_hotline_flow import _operator_logs_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUMMARY = "Мать ищет сына, 1999 г.р., связь пропала под Купянском в марте."


def test_an_operator_logs_a_call_without_touching_the_mouse(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    _operator_logs_in(page, live_url)
    page.get_by_role("link", name="Log a call").click()
    keys = page.keyboard
    # The number field has the focus as the page opens: the operator just types.
    keys.type("+1 000 555 0100")
    keys.press("Tab")  # language: the arrow picks the next choice, Ukrainian
    keys.press("ArrowRight")
    keys.press("Tab")  # kind: move to "family enquiry"
    keys.press("ArrowRight")
    keys.press("Tab")
    keys.type(SUMMARY)
    keys.press("Tab")  # follow-up: from "none" to "call back"
    keys.press("ArrowRight")
    keys.press("Tab")
    keys.type("tomorrow after 20:00 her time")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/console/case/\d+/$"))
    assert SUMMARY in page.locator("body").inner_text()

    case = Case.objects.get()
    contact = Contact.objects.get(case=case)
    assert (case.kind, case.language) == ("family_enquiry", "uk")
    assert (contact.channel, contact.body, contact.author.username) == ("phone", SUMMARY, "alice")
    assert case.waiting_since is not None  # a call back is owed
    context.close()
