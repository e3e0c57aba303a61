"""What the enquiry pages offer: candidates to review above the threshold, an unset
verification, and the links between a family-enquiry case and its enquiry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from lifeline.tracing import engine
from lifeline.tracing.forms import VerifyForm
from lifeline.tracing.models import Enquiry, MatchCandidate
from tests.factories import login_staff
from tests.registry.conftest import create_person
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db


def _candidates(enquiry: Enquiry, scores: list[float]) -> None:
    now = timezone.now()
    MatchCandidate.objects.filter(enquiry=enquiry).delete()
    for n, score in enumerate(scores):
        MatchCandidate.objects.create(
            enquiry=enquiry,
            person=create_person(surname=f"Иванов{n}"),
            score=score,
            proposed_at=now,
            scored_at=now,
        )


def test_candidates_to_review_counts_only_those_at_or_above_the_threshold(
    bob: Any, client: Client
) -> None:
    enquiry = create_enquiry()
    t = engine.THRESHOLD
    _candidates(enquiry, [t + 0.2, t, t - 0.01, t - 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    MatchCandidate.objects.filter(enquiry=enquiry, score__gt=t + 0.1).update(
        state=MatchCandidate.State.REJECTED
    )
    login_staff(client, bob)
    page = client.get(reverse("tracing:enquiries"))
    row = next(e for e in page.context["page"] if e.pk == enquiry.pk)
    assert row.proposed == 1  # the one at the threshold; not the rejected one, nor the eight below


def test_verification_starts_unset_and_must_be_chosen(bob: Any, client: Client) -> None:
    enquiry = create_enquiry()
    login_staff(client, bob)
    with translation.override("en"):  # the console's language, for a user who chose none
        field = str(VerifyForm()["how"])
    assert '<option value="" selected>' in field  # "— choose —"
    assert field.count("selected") == 1 and "required" in field
    assert field in client.get(reverse("tracing:enquiry", args=[enquiry.pk])).content.decode()

    assert not VerifyForm({"how": "", "note": ""}).is_valid()
    response = client.post(reverse("tracing:enquirer_verify", args=[enquiry.pk]), {"note": "x"})
    assert response.status_code == 400
    assert "Choose how the enquirer was verified." in response.content.decode()
    enquiry.refresh_from_db()
    assert (enquiry.enquirer_verified, enquiry.verified_how) == (False, "")


def test_the_case_links_to_its_enquiry_and_back(bob: Any, client: Client) -> None:
    enquiry = create_enquiry()
    login_staff(client, bob)
    case_url = reverse("cases:detail", kwargs={"key": enquiry.case_id})
    enquiry_url = reverse("tracing:enquiry", args=[enquiry.pk])
    assert f'href="{enquiry_url}"' in client.get(case_url).content.decode()
    assert f'href="{case_url}"' in client.get(enquiry_url).content.decode()


def test_the_link_to_the_enquiry_is_shown_only_to_who_may_open_it(
    alice: Any, erin: Any, client: Client
) -> None:
    enquiry = create_enquiry()
    case_url = reverse("cases:detail", kwargs={"key": enquiry.case_id})
    enquiry_url = reverse("tracing:enquiry", args=[enquiry.pk])
    for user in (alice, erin):  # an operator and a caseworker see the case, not enquiries
        client.logout()
        login_staff(client, user)
        page = client.get(case_url)
        assert page.status_code == 200
        assert enquiry_url not in page.content.decode()
        assert client.get(enquiry_url).status_code == 403
