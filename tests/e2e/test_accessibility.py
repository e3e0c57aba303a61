"""axe-core on every public page and the console's main pages: no serious or critical problem."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from lifeline.cases.models import Case
from lifeline.core.actors import SYSTEM
from lifeline.tracing.models import Enquiry
from lifeline.tracing.services.enquiries import enquiry_open
from tests.e2e.axe import axe_problems
from tests.factories import create_person, create_user, login_staff
from tests.public.helpers import open_case
from tests.public.test_pages import PREFIXES, public_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_public_page_passes_axe(browser: Any, live_url: str, prefix: str) -> None:
    # A public page as the visitor's browser gets it: the HTML each step of the visit answered
    # (forms with errors, the receipt, the status page...), shown at the site's own address so
    # its stylesheet loads, as colour contrast needs.
    alice = create_user("alice", roles=["operator"])
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    page = context.new_page()
    problems = []
    for name, response in public_pages(prefix, alice):
        page.goto(live_url + "/healthz")
        page.set_content(response.content.decode())
        problems += [f"{prefix or '/'} {name}: {p}" for p in axe_problems(page)]
    page.goto(live_url + prefix + "/statistics/")
    problems += [f"{prefix or '/'} statistics: {p}" for p in axe_problems(page)]
    context.close()
    assert problems == []


def _staff_context(browser: Any, live_url: str, user: Any) -> Any:
    """A browser signed in as `user` (both factors), through a session made by the test client."""
    client = Client()
    login_staff(client, user)
    context = browser.new_context(bypass_csp=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_url}])
    return context


def test_the_console_main_pages_pass_axe(browser: Any, live_url: str) -> None:
    carol = create_user("carol", roles=["supervisor"])
    case, _receipt = open_case(kind="family_enquiry", body="Ищу сына", sought_surname="Петров")
    enquiry = enquiry_open(
        actor=SYSTEM, case=case, data={"sought_surname": "Петров", "enquirer_name": "Ольга"}
    )
    assert Case.objects.count() == 1 and Enquiry.objects.count() == 1
    person = create_person("Петров", [("held", "confirmed", None)])
    pages = [
        "/console/",
        f"/console/case/{case.pk}/",
        "/console/approvals/",
        "/console/registry/",
        f"/console/registry/{person.pk}/",
        "/console/tracing/",
        f"/console/tracing/{enquiry.pk}/",
        "/console/calls/new/",
        "/console/reports/",
        "/console/outcomes/exchanges/",
        "/console/audit/",
        "/console/account/",
    ]
    context = _staff_context(browser, live_url, carol)
    page = context.new_page()
    problems = []
    for path in pages:
        response = page.goto(live_url + path)
        assert response is not None and response.status == 200, path
        problems += [f"{path}: {p}" for p in axe_problems(page)]
    context.close()
    frank = create_user("frank", roles=["admin"])
    context = _staff_context(browser, live_url, frank)
    page = context.new_page()
    for path in ["/console/organisation/", "/console/organisation/guidance/en/"]:
        response = page.goto(live_url + path)
        assert response is not None and response.status == 200, path
        problems += [f"{path}: {p}" for p in axe_problems(page)]
    context.close()
    assert problems == []


def test_axe_runs_and_catches_a_page_a_screen_reader_cannot_use(browser: Any) -> None:
    # The checks above pass only because the pages are right, not because axe saw nothing.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<form><input type="text" name="surname"><button></button></form></main></body></html>'
    )
    problems = axe_problems(page)
    context.close()
    assert any(p.startswith("critical: label") for p in problems), problems
    assert any("button-name" in p for p in problems), problems
