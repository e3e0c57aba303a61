"""End to end in headless Chromium: a supervisor runs one exchange and one handover.

Exchange: a batch is created, two persons found by search are added, one is exchanged and one
withdrawn, the batch is completed, and the registry shows the first as exchanged. Handover: a
relative collects a held person; every stage is done on the handover page, and the registry
shows him handed over.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.outcomes.models import ExchangeBatch, Handover
from lifeline.registry.models import Person, StatusEvent
from tests.cases.helpers import create_case
from tests.e2e.conftest import staff_logs_in, staff_with_device
from tests.outcomes.helpers import create_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLACE = "Пункт пропуска у моста, 06:00"
MEETING_POINT = "Офис Красного Креста, ул. Садовая 4"


def _supervisor_logs_in(page: Any, base: str) -> None:
    staff_with_device("carol", "supervisor")
    staff_logs_in(page, base, "carol", lands_on=r"/console/$")


def _add_by_search(page: Any, surname: str) -> None:
    page.locator("input[name=find-surname]").fill(surname.lower())
    page.get_by_role("button", name="Search the registry").click()
    row = page.locator("table.found tr", has_text=surname)
    row.get_by_role("button", name="Add to the batch").click()
    page.get_by_text(f"{surname} Максим Сергеевич added to the batch.").wait_for()


def _current_status(page: Any) -> str:
    """What the registry person page gives as his current status."""
    return str(page.locator("tr", has_text="Current status").locator("td").inner_text()).strip()


def _body(page: Any) -> str:
    return str(page.locator("body").inner_text())


def test_one_exchange_from_end_to_end(browser: Any, live_url: str) -> None:
    exchanged = create_person("Петренко", status="held")
    withdrawn = create_person("Гончаренко", status="held")
    context = browser.new_context()
    page = context.new_page()
    _supervisor_logs_in(page, live_url)

    page.get_by_role("link", name="Exchanges").click()
    page.get_by_role("link", name="New batch").click()
    page.locator("input[name=planned_on]").fill(timezone.localdate().isoformat())
    page.locator("input[name=place]").fill(PLACE)
    page.locator("input[name=counterpart]").fill("Exchange commission of the other side")
    page.get_by_role("button", name="Create the batch").click()
    page.wait_for_url(re.compile(r"/console/outcomes/exchanges/\d+/"))

    _add_by_search(page, "Петренко")
    _add_by_search(page, "Гончаренко")
    page.get_by_role("button", name="Confirm the list").click()
    page.get_by_text("The list is confirmed.").wait_for()

    page.locator("table.entries tr", has_text="Петренко").get_by_role(
        "button", name="Exchanged"
    ).click()
    page.get_by_text("Outcome recorded.").wait_for()
    page.locator("table.entries tr", has_text="Гончаренко").get_by_role(
        "button", name="Withdrawn"
    ).click()
    page.get_by_text("Outcome recorded.").wait_for()
    page.get_by_role("button", name="Complete the exchange").click()
    page.get_by_text("The batch is completed").wait_for()
    assert "completed" in page.locator("h1").inner_text()

    page.get_by_role("link", name="Петренко Максим").click()
    page.wait_for_url(re.compile(rf"/console/registry/{exchanged.pk}/$"))
    assert _current_status(page) == "exchanged"
    assert PLACE in _body(page)

    batch = ExchangeBatch.objects.get()
    assert batch.status == "completed"
    assert Person.objects.get(pk=exchanged.pk).current_status == "exchanged"
    assert Person.objects.get(pk=withdrawn.pk).current_status == "held"
    assert StatusEvent.objects.filter(source=batch.source).count() == 1
    context.close()


def test_one_handover_from_end_to_end(browser: Any, live_url: str) -> None:
    person = create_person("Сидоренко", status="held")
    case = create_case("handover")
    context = browser.new_context()
    page = context.new_page()
    _supervisor_logs_in(page, live_url)

    page.goto(f"{live_url}/console/case/{case.pk}/")
    page.get_by_role("link", name="Open the handover page").click()
    page.locator("input[name=find-surname]").fill("сидоренко")
    page.get_by_role("button", name="Search the registry").click()
    page.locator("table.found tr", has_text="Сидоренко").get_by_role(
        "button", name="Hand over this person"
    ).click()
    page.get_by_text("Handover started.").wait_for()

    # 1. The relationship, with the documents checked.
    page.locator("input[name=relative_name]").fill("Сидоренко Галина Ивановна")
    page.locator("select[name=relationship]").select_option("mother")
    page.locator("textarea[name=documents]").fill("паспорт НК 123456; свидетельство о рождении")
    page.get_by_role("button", name="Record the verification").click()
    page.get_by_text("Relationship verified.").wait_for()

    # 2. Where and when.
    page.locator("input[name=meeting_point]").fill(MEETING_POINT)
    meeting = timezone.localtime().replace(second=0, microsecond=0)
    page.locator("input[name=meeting_at]").fill(meeting.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Fix the meeting").click()
    page.get_by_text("Meeting fixed.").wait_for()

    # 3. The checklist, step by step.
    steps = page.locator("ol.checklist li")
    for n in range(steps.count()):
        steps.nth(n).get_by_role("button", name=re.compile("^Done")).click()
        page.locator("ol.checklist li.done").nth(n).wait_for()

    # 4. Completed.
    page.get_by_role("button", name="Complete the handover").click()
    page.get_by_text("Handover completed").wait_for()
    page.get_by_role("link", name="Сидоренко Максим").click()
    page.wait_for_url(re.compile(rf"/console/registry/{person.pk}/$"))
    assert _current_status(page) == "handed over"
    assert MEETING_POINT in _body(page)

    assert Person.objects.get(pk=person.pk).current_status == "handed_over"
    assert Case.objects.get(pk=case.pk).status == "completed"
    assert Handover.objects.get(case=case).is_completed
    context.close()
