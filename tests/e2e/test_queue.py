"""End to end in headless Chromium: an urgent call reaches the top of an open queue by itself."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.cases.models import Case, Priority, QueueVisit
from tests.cases.helpers import create_case
from tests.e2e.conftest import staff_logs_in, staff_with_device
from tests.e2e.test_hotline_flow import _operator_logs_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUMMARY = "Срочно: звонит из подвала, рядом обстрел, просит вывести его сегодня ночью."
ZONE = "Europe/Kyiv"


def _a_busy_night() -> None:
    """Sixty open cases, waiting an hour or more: without priority an urgent one would sink."""
    now = timezone.now()
    for n in range(60):
        create_case(channel=None, waiting_since=now - timedelta(hours=1, minutes=n))


def _a_colleague_logs_an_urgent_call(browser: Any, base: str) -> None:
    """Olga, at the next desk, logs an urgent call in her own browser: news to the others (what
    an operator changed himself is none to him)."""
    staff_with_device("olga", "operator")
    desk = browser.new_context()
    tab = desk.new_page()
    staff_logs_in(tab, base, "olga", lands_on=r"/console/$")
    tab.goto(base + "/console/calls/new/")
    tab.locator("input[name=number]").fill("+380 67 000 0100")
    tab.locator("input[name=language][value=uk]").check()
    tab.locator("input[name=kind][value=surrender]").check()
    tab.locator("textarea[name=summary]").fill(SUMMARY)
    tab.locator(f"input[name=priority][value='{Priority.URGENT.value}']").check()
    tab.get_by_role("button", name=re.compile("Log the call")).click()
    tab.wait_for_url(re.compile(r"/console/case/\d+/$"))
    desk.close()


def test_an_urgent_call_appears_at_the_top_of_the_open_queue_without_a_reload(
    browser: Any, live_url: str, settings: Any
) -> None:
    settings.QUEUE_REFRESH_SECONDS = 1
    _a_busy_night()
    context = browser.new_context()
    queue = context.new_page()
    problems: list[str] = []
    # (A missing /favicon.ico is an error too, of no interest here: only the CSP's are.)
    queue.on("console", lambda m: problems.append(m.text) if "Security Policy" in m.text else None)
    queue.on("pageerror", lambda e: problems.append(str(e)))
    _operator_logs_in(queue, live_url)
    User.objects.filter(username="alice").update(time_zone=ZONE)
    queue.goto(live_url + "/console/")
    looked = QueueVisit.objects.get(user__username="alice").seen_at
    queue.evaluate("window.stillTheSamePage = true")  # gone if the page reloads

    _a_colleague_logs_an_urgent_call(browser, live_url)
    case = Case.objects.get(priority=Priority.URGENT)

    first_row = queue.locator("#queue-rows tbody tr").first
    first_row.locator(f"text={case.reference}").wait_for(timeout=15_000)
    row_text = first_row.inner_text()
    assert "urgent" in row_text and "new" in row_text
    assert SUMMARY[:40] in row_text  # the preview
    opened = timezone.localtime(case.created_at, ZoneInfo(ZONE)).strftime("%H:%M")
    assert first_row.locator("td").last.inner_text() == opened
    assert f"Opened ({ZONE})" in queue.locator("#queue-rows thead").inner_text()
    announced = queue.locator("#queue-announce").inner_text()
    assert announced == f"New in the queue: {case.reference} (urgent)"

    assert queue.evaluate("window.stillTheSamePage") is True
    assert QueueVisit.objects.get(user__username="alice").seen_at == looked
    assert problems == []  # no script refused by the CSP, no error
    context.close()


def test_without_script_the_queue_is_the_same_page_with_a_refresh_link(
    browser: Any, live_url: str
) -> None:
    _a_busy_night()
    context = browser.new_context(java_script_enabled=False)
    queue = context.new_page()
    _operator_logs_in(queue, live_url)
    _a_colleague_logs_an_urgent_call(browser, live_url)
    case = Case.objects.get(priority=Priority.URGENT)

    queue.get_by_role("link", name="Refresh").click()

    first_row = queue.locator("#queue-rows tbody tr").first
    assert case.reference in first_row.inner_text()
    assert "urgent" in first_row.inner_text()
    context.close()


def test_an_operator_on_page_two_is_told_of_the_urgent_case_on_page_one(
    browser: Any, live_url: str, settings: Any
) -> None:
    settings.QUEUE_REFRESH_SECONDS = 1
    _a_busy_night()
    context = browser.new_context()
    queue = context.new_page()
    _operator_logs_in(queue, live_url)
    queue.goto(live_url + "/console/")  # a first look, so the next one has a mark to count from
    queue.goto(live_url + "/console/?page=2")

    _a_colleague_logs_an_urgent_call(browser, live_url)

    announce = queue.locator("#queue-announce")
    announce.filter(has_text="1 new").wait_for(timeout=15_000)
    assert "Since you last looked at" in announce.inner_text()
    assert "urgent" not in queue.locator("#queue-rows tbody").inner_text()  # it is on page 1
    context.close()
