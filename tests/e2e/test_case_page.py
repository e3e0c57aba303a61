"""End to end in headless Chromium: two operators on one case, and a draft that outlives a button.

Each operator has his own browser context (his own session). One of them runs without
JavaScript: the case page must work the same without script.
"""

from __future__ import annotations

from typing import Any

import pytest

from lifeline.cases.models import Case
from lifeline.intake.models import Contact
from tests.cases.helpers import create_case
from tests.e2e.conftest import staff_logs_in, staff_with_device

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST = "Оставайтесь на месте, мы ответим в течение часа."
SECOND = "Напишите, пожалуйста, сколько вас и есть ли раненые."


def _logs_in(browser: Any, base: str, username: str, role: str, *, script: bool = True) -> Any:
    staff_with_device(username, role)
    page = browser.new_context(java_script_enabled=script).new_page()
    staff_logs_in(page, base, username, lands_on=r"/console/$")
    return page


def _press(page: Any, button: str) -> None:
    """Press a button of the case page and wait for the page it answers with."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_a_reply_from_a_stale_page_is_refused_and_keeps_its_text(
    browser: Any, live_url: str
) -> None:
    case = create_case(inbound="Хочу сдаться.")
    url = f"{live_url}/console/case/{case.pk}/"
    alice = _logs_in(browser, live_url, "alice", "operator")
    erin = _logs_in(browser, live_url, "erin", "caseworker", script=False)
    alice.goto(url)
    erin.goto(url)
    # Erin sees that Alice has the case open.
    assert "alice" in erin.locator("#presence").inner_text()

    alice.locator("textarea[name=body]").fill(FIRST)
    _press(alice, "Send reply")
    assert "Reply queued to send." in alice.locator("body").inner_text()

    erin.locator("textarea[name=body]").fill(SECOND)
    _press(erin, "Send reply")
    text = erin.locator("body").inner_text()
    assert "This case changed after you opened it. Nothing was done" in text
    assert "a reply by alice" in erin.locator(".changed").inner_text()
    assert erin.locator("textarea[name=body]").input_value() == SECOND
    assert [c.body for c in Contact.objects.filter(direction="out")] == [FIRST]

    # Having read what changed, Erin sends from the page that now shows the case as it is.
    _press(erin, "Send reply")
    assert "Reply queued to send." in erin.locator("body").inner_text()
    assert sorted(c.body for c in Contact.objects.filter(direction="out")) == sorted(
        [FIRST, SECOND]
    )
    for page in (alice, erin):
        page.context.close()


def test_a_draft_survives_take_it_and_a_note_has_no_blank_gaps(browser: Any, live_url: str) -> None:
    case = create_case(inbound="Хочу сдаться.")
    alice = _logs_in(browser, live_url, "alice", "operator", script=False)
    alice.goto(f"{live_url}/console/case/{case.pk}/")
    alice.locator("textarea[name=body]").fill(FIRST)
    _press(alice, "Take it")

    assert "Assignment changed." in alice.locator("body").inner_text()
    assert alice.locator("textarea[name=body]").input_value() == FIRST
    assert Case.objects.get(pk=case.pk).assignee.username == "alice"

    alice.locator("textarea[name=text]").fill("Он один.")
    _press(alice, "Add note")
    assert alice.locator("textarea[name=body]").input_value() == FIRST
    note = alice.locator(".timeline li.note")
    line = alice.locator(".timeline li.note .body").bounding_box()["height"]  # one line of text
    # Two lines (who and when, then the text) and the padding; no rows of template whitespace.
    assert note.bounding_box()["height"] < 4 * line
    alice.context.close()
