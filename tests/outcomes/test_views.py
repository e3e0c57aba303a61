"""The outcomes console through the test client: pages, actions, and no 500 on bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from lifeline.core.models import AuditEvent
from lifeline.outcomes.models import (
    AssistanceItem,
    AssistanceType,
    ExchangeBatch,
    ExchangeEntry,
    Handover,
    OutcomeOffer,
)
from lifeline.outcomes.services.assistance import assistance_item_add
from lifeline.outcomes.services.exchanges import exchange_batch_confirm, exchange_entry_add
from lifeline.registry import selectors
from tests.cases.helpers import create_case
from tests.factories import login_staff
from tests.outcomes.helpers import (
    DOCUMENTS,
    PLACE,
    RELATIVE,
    create_batch,
    create_handover,
    create_person,
    create_type,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_erin(client, erin):  # type: ignore[no-untyped-def]
    login_staff(client, erin)
    return client


@pytest.fixture
def as_frank(client, frank):  # type: ignore[no-untyped-def]
    login_staff(client, frank)
    return client


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


# --- the case page panel --------------------------------------------------------------------


def test_the_surrender_case_page_shows_outcomes_and_assistance(as_erin) -> None:
    create_type("legal advice")
    case = create_case("surrender")
    body = as_erin.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Outcomes" in body and "resettlement in a third country" in body
    assert "Assistance" in body and "legal advice" in body
    assert reverse("outcomes:offer", args=[case.pk]) in body


def test_without_outcome_work_the_case_page_has_no_panel(client, alice) -> None:
    login_staff(client, alice)
    case = create_case("surrender")
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "resettlement in a third country" not in body
    assert reverse("outcomes:offer", args=[case.pk]) not in body


def test_a_handover_case_page_links_to_its_handover(as_erin) -> None:
    case = create_case("handover")
    body = as_erin.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("outcomes:handover", args=[case.pk]) in body


def test_offer_and_choose_through_the_panel(as_erin) -> None:
    case = create_case("surrender")
    url = reverse("outcomes:offer", args=[case.pk])
    response = as_erin.post(url, {"option": "stay", "note": "хочет остаться"}, follow=True)
    assert "Offer recorded." in _messages(response)
    offer = OutcomeOffer.objects.get()
    response = as_erin.post(reverse("outcomes:offer_choose", args=[offer.pk]), follow=True)
    assert "Choice recorded." in _messages(response)
    assert OutcomeOffer.objects.get().chosen
    body = response.content.decode()
    assert "chosen" in body and "хочет остаться" in body


@pytest.mark.parametrize(
    "data", [{}, {"option": "desert"}, {"option": "pow", "note": "x" * 20_000}]
)
def test_bad_offers_are_messages_not_errors(as_erin, data) -> None:
    case = create_case("surrender")
    response = as_erin.post(reverse("outcomes:offer", args=[case.pk]), data, follow=True)
    assert response.status_code == 200
    assert _messages(response)
    assert not OutcomeOffer.objects.exists()


def test_an_offer_on_another_kind_of_case_is_refused_politely(as_erin) -> None:
    case = create_case("family_enquiry")
    response = as_erin.post(
        reverse("outcomes:offer", args=[case.pk]), {"option": "pow"}, follow=True
    )
    assert "Outcomes are offered on surrender cases only." in _messages(response)


def test_assistance_through_the_panel(as_erin, erin) -> None:
    case = create_case("assistance")
    kind = create_type("legal advice")
    url = reverse("outcomes:assistance_add", args=[case.pk])
    as_erin.post(url, {"assistance_type": kind.pk, "note": "нужен адвокат"})
    item = AssistanceItem.objects.get()
    response = as_erin.post(
        reverse("outcomes:assistance_status", args=[item.pk]),
        {"to_status": "in_progress"},
        follow=True,
    )
    assert "Assistance status changed." in _messages(response)
    body = response.content.decode()
    assert "in progress" in body and "нужен адвокат" in body
    # A status the table does not allow from here, and rubbish.
    for data in ({"to_status": "requested"}, {"to_status": "nonsense"}, {}):
        response = as_erin.post(
            reverse("outcomes:assistance_status", args=[item.pk]), data, follow=True
        )
        assert response.status_code == 200 and _messages(response)


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_assistance_with_an_unknown_type_is_refused_politely(as_erin, value) -> None:
    case = create_case("assistance")
    inactive = create_type("old", active=False)
    for choice in (value, str(inactive.pk)):
        response = as_erin.post(
            reverse("outcomes:assistance_add", args=[case.pk]),
            {"assistance_type": choice},
            follow=True,
        )
        assert response.status_code == 200 and _messages(response)
    assert not AssistanceItem.objects.exists()


# --- exchanges ------------------------------------------------------------------------------


def test_the_exchange_search_says_how_many_namesakes_were_not_compared(
    as_erin, erin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "SCORED", 2)
    for given in ["Олег", "Иван", "Пётр", "Сергей"]:
        create_person("Кравченко", status="held", given_name=given)
    batch = create_batch(erin)
    page = as_erin.get(
        reverse("outcomes:exchange", args=[batch.pk]), {"find-surname": "Kravchenko"}
    )
    assert "2 more persons with a name spelled or sounding like this one were not compared" in (
        page.content.decode()
    )


def test_create_a_batch_and_add_a_person_found_by_search(as_erin, erin) -> None:
    response = as_erin.post(
        reverse("outcomes:exchange_create"),
        {"planned_on": timezone.localdate().isoformat(), "place": PLACE, "counterpart": "ICRC"},
    )
    batch = ExchangeBatch.objects.get()
    assert response["Location"] == reverse("outcomes:exchange", args=[batch.pk])
    person = create_person("Петренко", status="held")
    page = as_erin.get(reverse("outcomes:exchange", args=[batch.pk]), {"find-surname": "петренко"})
    body = page.content.decode()
    assert "Петренко" in body and PLACE in body
    assert reverse("outcomes:exchange_entry_add", args=[batch.pk]) in body
    response = as_erin.post(
        reverse("outcomes:exchange_entry_add", args=[batch.pk]), {"person": person.pk}, follow=True
    )
    assert "Петренко Максим Сергеевич added to the batch." in _messages(response)
    assert ExchangeEntry.objects.filter(batch=batch, person=person).exists()
    # Showing the list reads the persons on it: audited.
    reads = AuditEvent.objects.filter(action="person.view", object_id=str(person.pk))
    assert any(e.detail.get("purpose") == "exchange" for e in reads)
    assert "Exchanges" in as_erin.get(reverse("outcomes:exchanges")).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"planned_on": "not a date", "place": PLACE, "counterpart": "x"},
        {"planned_on": "2026-02-30", "place": PLACE, "counterpart": "x"},
        {"planned_on": "2026-01-01", "place": "  ", "counterpart": "x"},
    ],
)
def test_a_bad_batch_form_is_shown_again(as_erin, data) -> None:
    response = as_erin.post(reverse("outcomes:exchange_create"), data)
    assert response.status_code == 400
    assert not ExchangeBatch.objects.exists()


def test_bad_input_on_a_batch_never_errors(as_erin, erin) -> None:
    batch = create_batch(erin)
    add = reverse("outcomes:exchange_entry_add", args=[batch.pk])
    for data in ({}, {"person": "abc"}, {"person": "-3"}):
        response = as_erin.post(add, data, follow=True)
        assert response.status_code == 200 and _messages(response)
    assert as_erin.post(add, {"person": 999_999}).status_code == 404
    action = reverse("outcomes:exchange_action", args=[batch.pk])
    for data in ({}, {"action": "explode"}, {"action": "complete"}, {"action": "confirm"}):
        response = as_erin.post(action, data, follow=True)
        assert response.status_code == 200 and _messages(response)
    entry = exchange_entry_add(
        actor=erin, batch=create_batch(erin), person=create_person(status="held")
    )
    outcome = reverse("outcomes:exchange_entry_outcome", args=[entry.pk])
    for data in ({}, {"outcome": "vanished"}, {"outcome": "exchanged"}):
        response = as_erin.post(outcome, data, follow=True)
        assert response.status_code == 200 and _messages(response)
    entry.refresh_from_db()
    assert entry.outcome == "pending"
    assert as_erin.get(reverse("outcomes:exchange", args=[999_999])).status_code == 404


def test_a_person_in_another_active_batch_is_refused_with_a_message(as_erin, erin) -> None:
    person = create_person("Петренко", status="held")
    first = create_batch(erin)
    exchange_entry_add(actor=erin, batch=first, person=person)
    second = create_batch(erin)
    response = as_erin.post(
        reverse("outcomes:exchange_entry_add", args=[second.pk]), {"person": person.pk}, follow=True
    )
    [message] = _messages(response)
    assert f"already on exchange batch #{first.pk}" in message


def test_confirmed_batch_page_offers_the_outcomes(as_erin, erin) -> None:
    batch = create_batch(erin)
    exchange_entry_add(actor=erin, batch=batch, person=create_person(status="held"))
    exchange_batch_confirm(actor=erin, batch=batch)
    body = as_erin.get(reverse("outcomes:exchange", args=[batch.pk])).content.decode()
    assert 'value="exchanged"' in body and 'value="complete"' in body
    assert 'name="find-surname"' not in body  # no adding once confirmed


def test_edit_a_batch(as_erin, erin) -> None:
    batch = create_batch(erin)
    url = reverse("outcomes:exchange_edit", args=[batch.pk])
    assert PLACE in as_erin.get(url).content.decode()
    as_erin.post(url, {"planned_on": "2026-01-05", "place": "мост", "counterpart": "ICRC"})
    batch.refresh_from_db()
    assert (str(batch.planned_on), batch.place) == ("2026-01-05", "мост")


# --- handovers ------------------------------------------------------------------------------


def test_the_handover_page_is_for_handover_cases(as_erin) -> None:
    assert as_erin.get(reverse("outcomes:handover", args=[999_999])).status_code == 404
    surrender = create_case("surrender")
    assert as_erin.get(reverse("outcomes:handover", args=[surrender.pk])).status_code == 404
    response = as_erin.post(reverse("outcomes:handover_verify", args=[surrender.pk]))
    assert response.status_code == 404


def test_start_and_verify_a_handover_through_the_page(as_erin) -> None:
    case = create_case("handover")
    person = create_person("Сидоренко", status="held")
    page = as_erin.get(reverse("outcomes:handover", args=[case.pk]), {"find-surname": "Сидор"})
    assert "Сидоренко" in page.content.decode()
    as_erin.post(reverse("outcomes:handover_open", args=[case.pk]), {"person": person.pk})
    handover = Handover.objects.get(case=case)
    response = as_erin.post(
        reverse("outcomes:handover_verify", args=[case.pk]),
        {"relative_name": RELATIVE, "relationship": "mother", "documents": DOCUMENTS},
        follow=True,
    )
    assert "Relationship verified. Now fix the meeting." in _messages(response)
    handover.refresh_from_db()
    assert handover.relationship == "mother" and handover.documents == DOCUMENTS
    assert RELATIVE in response.content.decode()


def test_bad_input_on_a_handover_never_errors(as_erin, erin) -> None:
    case = create_case("handover")
    verify = reverse("outcomes:handover_verify", args=[case.pk])
    response = as_erin.post(verify, {"relative_name": RELATIVE}, follow=True)
    assert response.status_code == 200 and _messages(response)  # not started yet
    for data in ({}, {"person": "x"}):
        response = as_erin.post(
            reverse("outcomes:handover_open", args=[case.pk]), data, follow=True
        )
        assert response.status_code == 200 and _messages(response)
    missing = create_person("Пропавший", status="missing")
    response = as_erin.post(
        reverse("outcomes:handover_open", args=[case.pk]), {"person": missing.pk}, follow=True
    )
    assert any("not as held" in m for m in _messages(response))

    handover = create_handover(erin)
    case_pk = handover.case_id
    bad_verify = {"relative_name": RELATIVE, "relationship": "aunt", "documents": ""}
    response = as_erin.post(reverse("outcomes:handover_verify", args=[case_pk]), bad_verify)
    assert response.status_code == 400
    bad_meeting = {"meeting_point": PLACE, "meeting_at": "yesterday-ish"}
    response = as_erin.post(reverse("outcomes:handover_schedule", args=[case_pk]), bad_meeting)
    assert response.status_code == 400
    step = handover.steps.first()
    for data in ({}, {"done": "maybe"}, {"done": "1"}):
        response = as_erin.post(
            reverse("outcomes:handover_step", args=[step.pk]), data, follow=True
        )
        assert response.status_code == 200 and _messages(response)
    response = as_erin.post(reverse("outcomes:handover_complete", args=[case_pk]), follow=True)
    assert response.status_code == 200 and _messages(response)
    assert not Handover.objects.get(pk=handover.pk).is_completed


# --- the catalogue --------------------------------------------------------------------------


def test_admin_keeps_the_catalogue(as_frank, erin) -> None:
    url = reverse("outcomes:catalogue")
    response = as_frank.post(url, {"name": "housing", "description": "a roof"}, follow=True)
    assert "Type added to the catalogue." in _messages(response)
    housing = AssistanceType.objects.get(name="housing")
    edit = reverse("outcomes:catalogue_edit", args=[housing.pk])
    as_frank.post(edit, {"name": "housing support", "description": "", "order": 3})
    housing.refresh_from_db()
    assert (housing.name, housing.active) == ("housing support", False)  # unticked: inactive
    assert as_frank.post(url, {"name": "housing support"}).status_code == 400

    used = create_type("legal advice")
    assistance_item_add(actor=erin, case=create_case("assistance"), assistance_type=used)
    response = as_frank.post(reverse("outcomes:catalogue_delete", args=[used.pk]), follow=True)
    assert any("deactivate it" in m for m in _messages(response))
    assert AssistanceType.objects.filter(pk=used.pk).exists()
    as_frank.post(reverse("outcomes:catalogue_delete", args=[housing.pk]))
    assert not AssistanceType.objects.filter(pk=housing.pk).exists()
    assert as_frank.get(reverse("outcomes:catalogue_edit", args=[999_999])).status_code == 404


def test_the_nav_links_follow_the_permissions(as_frank, client, erin) -> None:
    body = as_frank.get(reverse("outcomes:catalogue")).content.decode()
    assert reverse("outcomes:catalogue") in body and reverse("outcomes:exchanges") not in body
    client.logout()
    login_staff(client, erin)
    body = client.get(reverse("outcomes:exchanges")).content.decode()
    assert reverse("outcomes:exchanges") in body and reverse("outcomes:catalogue") not in body
