"""Who may reach each tracing page: asserted as the users who are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.tracing.services import disclosures
from tests.factories import login_staff
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db

NOT_TRACING = ["alice", "dave", "erin", "frank", "mallory"]
NOT_APPROVERS = ["alice", "bob", "dave", "erin", "frank", "mallory"]
NOT_MERGING = ["alice", "bob", "erin", "frank", "mallory"]

# url name -> (which object its pk names, users refused)
REFUSED: dict[str, tuple[str | None, list[str]]] = {
    "tracing:enquiries": (None, NOT_TRACING),
    "tracing:enquiry_create": (None, NOT_TRACING),
    "tracing:enquiry": ("enquiry", NOT_TRACING),
    "tracing:enquiry_edit": ("enquiry", NOT_TRACING),
    "tracing:enquiry_match": ("enquiry", NOT_TRACING),
    "tracing:enquirer_verify": ("enquiry", NOT_TRACING),
    "tracing:disclosure_draft": ("enquiry", NOT_TRACING),
    "tracing:candidate_review": ("candidate", NOT_TRACING),
    "tracing:approvals": (None, NOT_APPROVERS),
    "tracing:disclosure_approve": ("disclosure", NOT_APPROVERS),
    "tracing:disclosure_reject": ("disclosure", NOT_APPROVERS),
    "tracing:duplicates": (None, NOT_MERGING),
    "tracing:duplicates_find": (None, NOT_MERGING),
    "tracing:duplicate_merge": ("pair", NOT_MERGING),
    "tracing:duplicate_dismiss": ("pair", NOT_MERGING),
}
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "mallory"]


@pytest.fixture
def objects(bob: Any) -> dict[str, Any]:
    from tests.registry.conftest import create_person

    create_person()
    enquiry = create_enquiry()
    disclosures.enquirer_verify(actor=bob, enquiry=enquiry, how="documents")
    disclosure = disclosures.disclosure_draft(actor=bob, enquiry=enquiry, text="Он жив.")
    from lifeline.tracing.models import DuplicatePair

    a, b = create_person(surname="A"), create_person(surname="B")
    pair = DuplicatePair.objects.create(left=a, right=b, probability=0.95, found_at=a.created_at)
    return {
        "enquiry": enquiry,
        "candidate": enquiry.candidates.first(),
        "disclosure": disclosure,
        "pair": pair,
    }


def test_every_tracing_url_is_listed_here() -> None:
    from tests.core.test_url_access import ROUTES

    assert {r.name for r in ROUTES if r.name.startswith("tracing:")} == set(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_these_users_are_refused(
    name: str, objects: dict[str, Any], client: Client, request: pytest.FixtureRequest
) -> None:
    which, refused = REFUSED[name]
    url = reverse(name, kwargs={"pk": objects[which].pk} if which else {})
    answered = {}
    for username in USERS:
        client.logout()
        login_staff(client, request.getfixturevalue(username))
        # GET, not POST, for actions: a refused user is refused before the method is checked,
        # and nothing changes for those let in (405).
        answered[username] = client.get(url).status_code
    assert sorted(u for u, status in answered.items() if status == 403) == sorted(refused)
