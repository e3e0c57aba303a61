"""End to end in headless Chromium: the supervisor's list of answers awaiting approval.

A tracing officer confirms the sought person, verifies the enquirer (no way is pre-chosen)
and drafts the answer from its template; the supervisor sees the count in the navigation,
opens the list, and approves the oldest answer first.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from lifeline.tracing.models import Disclosure, Enquiry
from lifeline.tracing.services import disclosures
from tests.e2e.conftest import staff_logs_in, staff_with_device
from tests.registry.conftest import create_person
from tests.tracing.conftest import create_enquiry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EARLIER_ANSWER = "Ваш муж в списках обмена."
SIGNATURE = "С уважением, бюро по розыску."


def _earlier_draft(officer: Any) -> Disclosure:
    """An answer another officer drafted three hours ago, still waiting."""
    enquiry = create_enquiry(sought_surname="Петренко", sought_given_name="Олег")
    disclosures.enquirer_verify(actor=officer, enquiry=enquiry, how="in_person")
    draft = disclosures.disclosure_draft(
        actor=officer, enquiry=Enquiry.objects.get(pk=enquiry.pk), text=EARLIER_ANSWER
    )
    Disclosure.objects.filter(pk=draft.pk).update(drafted_at=draft.drafted_at - timedelta(hours=3))
    return draft


def _count_in_navigation(page: Any) -> str:
    link = page.locator("header nav").get_by_role("link", name=re.compile("Answers awaiting"))
    return str(link.locator(".badge").inner_text())


def test_the_supervisor_approves_the_oldest_answer_from_the_list(
    browser: Any, live_url: str
) -> None:
    bob = staff_with_device("bob", "tracing_officer")
    carol = staff_with_device("carol", "supervisor")
    oldest = _earlier_draft(staff_with_device("oscar", "tracing_officer"))
    create_person(status="held", birth_year=1995)  # Кузьминов Максим Сергеевич
    enquiry = create_enquiry()

    officer_context = browser.new_context()
    officer = officer_context.new_page()
    staff_logs_in(officer, live_url, bob.username)
    officer.goto(f"{live_url}/console/tracing/{enquiry.pk}/")
    officer.locator("tr", has_text="Кузьминов").get_by_role("button", name="Confirm").click()
    officer.get_by_text("Confirmed: Кузьминов Максим Сергеевич").wait_for()
    how = officer.locator("select[name=how]")
    assert how.input_value() == ""  # nothing pre-chosen
    how.select_option("callback")
    officer.get_by_role("button", name="Mark verified").click()
    officer.get_by_text("The enquirer is marked verified.").wait_for()
    answer = officer.locator("textarea[name=text]")
    started = answer.input_value()
    assert "По нашим данным, Кузьминов Максим Сергеевич находится в плену с " in started
    answer.fill(f"{started}\n\n{SIGNATURE}")
    officer.get_by_role("button", name="Draft for approval").click()
    officer.get_by_text("Answer drafted").wait_for()
    assert officer.locator("textarea[name=text]").count() == 0  # no second, empty draft form
    assert SIGNATURE in officer.locator("#answer").inner_text()

    supervisor_context = browser.new_context()
    supervisor = supervisor_context.new_page()
    staff_logs_in(supervisor, live_url, carol.username)
    assert _count_in_navigation(supervisor) == "2"
    supervisor.get_by_role("link", name=re.compile("Answers awaiting approval")).click()
    rows = supervisor.locator("table.queue tbody tr")
    assert rows.count() == 2
    rows.first.get_by_role("link").click()
    assert EARLIER_ANSWER in supervisor.locator(f"#disclosure-{oldest.pk}").inner_text()
    supervisor.locator(f"#disclosure-{oldest.pk}").get_by_role(
        "button", name="Approve and send"
    ).click()
    supervisor.wait_for_url(re.compile(r"/console/tracing/approvals/$"))
    supervisor.get_by_text("Approved: the answer is on the enquirer's status page.").wait_for()
    assert rows.count() == 1  # the officer's answer, still waiting
    assert _count_in_navigation(supervisor) == "1"
    oldest.refresh_from_db()
    assert oldest.state == Disclosure.State.SENT
    assert Disclosure.objects.get(enquiry=enquiry).state == Disclosure.State.DRAFT
    officer_context.close()
    supervisor_context.close()
