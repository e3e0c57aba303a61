"""Who may reach each page and action of the case console: asserted as the users refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.cases.services import case_reply_draft, reply_template_save
from tests.cases.helpers import create_case
from tests.factories import login_staff

pytestmark = pytest.mark.django_db

NO_CASES = ["dave", "frank", "mallory"]
NOT_APPROVERS = ["alice", "bob", "dave", "erin", "frank", "mallory"]

# url name -> (which object its parameter names, users refused)
REFUSED: dict[str, tuple[str | None, list[str]]] = {
    # The root sends the others without cases to their start page (tests/core/test_start_pages.py).
    "cases:queue": (None, ["mallory"]),
    "cases:detail": ("case", NO_CASES),
    "cases:reply": ("case", NO_CASES),
    "cases:reply_fixed": ("case", NO_CASES),
    "cases:reply_template": ("case", NO_CASES),
    "cases:note": ("case", NO_CASES),
    "cases:transition": ("case", NO_CASES),
    "cases:assign": ("case", NO_CASES),
    "cases:priority": ("case", NO_CASES),
    "cases:template_insert": ("case", NO_CASES),
    "cases:caller_number": ("case", NO_CASES),
    "cases:call_back": ("case", NO_CASES),
    "cases:presence": ("case", NO_CASES),
    # Reply templates are kept by supervisors only.
    "cases:templates": (None, NOT_APPROVERS),
    "cases:template_new": (None, NOT_APPROVERS),
    "cases:template_edit": ("template", NOT_APPROVERS),
    "cases:template_delete": ("template", NOT_APPROVERS),
    "cases:approvals": (None, NOT_APPROVERS),
    "cases:reply_approve": ("draft", NOT_APPROVERS),
    "cases:reply_reject": ("draft", NOT_APPROVERS),
}
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "mallory"]
PARAMETER = {"cases:detail": "key", "cases:reply_approve": "draft", "cases:reply_reject": "draft"}


@pytest.fixture
def objects(bob: Any, carol: Any) -> dict[str, Any]:
    family = create_case("family_enquiry", inbound="Ищу сына")
    return {
        "case": family,
        "draft": case_reply_draft(actor=bob, case=family, body="held"),
        "template": reply_template_save(
            actor=carol, template=None, language="ru", title="Привет", body="Здравствуйте."
        ),
    }


def test_every_cases_url_is_listed_here() -> None:
    from tests.core.test_url_access import ROUTES

    assert {r.name for r in ROUTES if r.name.startswith("cases:")} == set(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_these_users_are_refused(
    name: str, objects: dict[str, Any], client: Client, request: pytest.FixtureRequest
) -> None:
    which, refused = REFUSED[name]
    kwargs = {PARAMETER.get(name, "pk"): objects[which].pk} if which else {}
    url = reverse(name, kwargs=kwargs)
    answered = {}
    for username in USERS:
        client.logout()
        login_staff(client, request.getfixturevalue(username))
        # GET, not POST, for actions: a refused user is refused before the method is checked,
        # and nothing changes for those let in (405).
        answered[username] = client.get(url).status_code
    assert sorted(u for u, status in answered.items() if status == 403) == sorted(refused)
