"""Outcomes offered on surrender cases, and assistance items with their history."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from lifeline.core.exceptions import ActionRefused
from lifeline.core.models import AuditEvent
from lifeline.outcomes.models import AssistanceEvent, AssistanceItem, OutcomeOffer
from lifeline.outcomes.services.assistance import assistance_item_add, assistance_item_set_status
from lifeline.outcomes.services.offers import outcome_choose, outcome_offer
from tests.cases.helpers import create_case
from tests.outcomes.helpers import create_type

pytestmark = pytest.mark.django_db

# OUTCOME_WORK is for caseworkers and supervisors only.
NOT_OUTCOME_WORKERS = ["alice", "bob", "dave", "frank", "mallory"]
NOTE = "он боится за семью в Луганске"


# The partial unique index: PostgreSQL names the constraint, SQLite its column.
ONE_CHOICE = (
    r"one_chosen_outcome_per_case"
    r"|UNIQUE constraint failed: outcomes_outcomeoffer\.case_id$"
)


def _details(action: str) -> str:
    return json.dumps(
        [e.detail for e in AuditEvent.objects.filter(action=action)], ensure_ascii=False
    )


# --- who is refused -------------------------------------------------------------------------


@pytest.mark.parametrize("refused", NOT_OUTCOME_WORKERS)
def test_these_users_cannot_record_outcomes_or_assistance(request, refused, erin) -> None:
    user = request.getfixturevalue(refused)
    case = create_case("surrender")
    offer = outcome_offer(actor=erin, case=case, option="pow")
    item = assistance_item_add(actor=erin, case=case, assistance_type=create_type())
    before = (OutcomeOffer.objects.count(), AssistanceEvent.objects.count())
    attempts = [
        lambda: outcome_offer(actor=user, case=case, option="stay"),
        lambda: outcome_choose(actor=user, offer=offer),
        lambda: assistance_item_add(actor=user, case=case, assistance_type=item.type),
        lambda: assistance_item_set_status(actor=user, item=item, to_status="in_progress"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match=r"^outcome\.work$"):
            attempt()
    assert (OutcomeOffer.objects.count(), AssistanceEvent.objects.count()) == before


# --- offers ---------------------------------------------------------------------------------


def test_offers_and_the_choice_are_recorded_and_audited_without_the_note(erin) -> None:
    case = create_case("surrender")
    pow_offer = outcome_offer(actor=erin, case=case, option="pow", note=NOTE)
    stay = outcome_offer(actor=erin, case=case, option="stay")
    outcome_choose(actor=erin, offer=stay, note=NOTE)

    stay.refresh_from_db()
    pow_offer.refresh_from_db()
    assert stay.chosen and stay.chosen_by == erin and stay.note == NOTE
    assert not pow_offer.chosen and pow_offer.offered_by == erin
    assert AuditEvent.objects.filter(action="outcome.offer", object_id=str(case.pk)).count() == 2
    [choice] = AuditEvent.objects.filter(action="outcome.choose")
    assert choice.detail == {"offer": stay.pk, "option": "stay", "previous": None}
    assert NOTE not in _details("outcome.offer") + _details("outcome.choose")


def test_a_new_choice_replaces_the_old_one(carol) -> None:
    case = create_case("surrender")
    first = outcome_offer(actor=carol, case=case, option="exchange")
    second = outcome_offer(actor=carol, case=case, option="resettlement")
    outcome_choose(actor=carol, offer=first)
    outcome_choose(actor=carol, offer=second)
    assert list(OutcomeOffer.objects.filter(chosen=True)) == [second]
    assert AuditEvent.objects.filter(action="outcome.choose").last().detail["previous"] == (
        "exchange"
    )
    with pytest.raises(ActionRefused, match="already"):
        outcome_choose(actor=carol, offer=second)


@pytest.mark.parametrize("kind", ["family_enquiry", "handover", "assistance", "other"])
def test_outcomes_belong_to_surrender_cases_only(erin, kind) -> None:
    with pytest.raises(ActionRefused, match="surrender"):
        outcome_offer(actor=erin, case=create_case(kind), option="pow")
    assert not OutcomeOffer.objects.exists()


def test_an_option_is_offered_once_and_must_be_known(erin) -> None:
    case = create_case("surrender")
    outcome_offer(actor=erin, case=case, option="pow")
    with pytest.raises(ActionRefused, match="offered already"):
        outcome_offer(actor=erin, case=case, option="pow")
    with pytest.raises(ActionRefused, match="Unknown"):
        outcome_offer(actor=erin, case=case, option="desert")


def test_a_closed_case_takes_no_offer(erin) -> None:
    case = create_case("surrender", status="closed")
    with pytest.raises(ActionRefused, match="closed"):
        outcome_offer(actor=erin, case=case, option="pow")


def test_the_database_keeps_one_choice_per_case(erin) -> None:
    case = create_case("surrender")
    now = timezone.now()
    OutcomeOffer.objects.create(case=case, option="pow", offered_at=now, chosen=True)
    with (
        pytest.raises(IntegrityError, match=ONE_CHOICE),
        transaction.atomic(),
    ):
        OutcomeOffer.objects.create(case=case, option="stay", offered_at=now, chosen=True)


# --- assistance -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["surrender", "assistance"])
def test_assistance_items_have_a_status_and_a_history(erin, carol, kind) -> None:
    case = create_case(kind)
    item = assistance_item_add(actor=erin, case=case, assistance_type=create_type(), note=NOTE)
    assistance_item_set_status(actor=erin, item=item, to_status="in_progress")
    assistance_item_set_status(actor=carol, item=item, to_status="granted", note="выдан")

    item.refresh_from_db()
    assert item.status == "granted" and item.note == NOTE
    history = [(e.from_status, e.to_status, e.actor) for e in item.events.all()]
    assert history == [
        ("", "requested", erin),
        ("requested", "in_progress", erin),
        ("in_progress", "granted", carol),
    ]
    assert item.events.last().note == "выдан"
    moves = [e.detail for e in AuditEvent.objects.filter(action="assistance.status")]
    assert [(d["from"], d["to"]) for d in moves] == [
        ("requested", "in_progress"),
        ("in_progress", "granted"),
    ]
    assert NOTE not in _details("assistance.add") and "выдан" not in _details("assistance.status")


@pytest.mark.parametrize("kind", ["family_enquiry", "handover", "other"])
def test_assistance_belongs_to_surrender_and_assistance_cases(erin, kind) -> None:
    with pytest.raises(ActionRefused, match="surrender and assistance"):
        assistance_item_add(actor=erin, case=create_case(kind), assistance_type=create_type())
    assert not AssistanceItem.objects.exists()


def test_an_inactive_type_is_not_offered(erin) -> None:
    retired = create_type("vouchers", active=False)
    with pytest.raises(ActionRefused, match="no longer offered"):
        assistance_item_add(actor=erin, case=create_case("assistance"), assistance_type=retired)


def test_a_grant_is_final_and_unknown_moves_are_refused(erin) -> None:
    item = assistance_item_add(
        actor=erin, case=create_case("assistance"), assistance_type=create_type()
    )
    assistance_item_set_status(actor=erin, item=item, to_status="granted")
    with pytest.raises(ActionRefused, match="allowed next: nothing"):
        assistance_item_set_status(actor=erin, item=item, to_status="refused")
    with pytest.raises(ActionRefused, match=r"cannot become 'teleported'"):
        assistance_item_set_status(actor=erin, item=item, to_status="teleported")
    assert item.events.count() == 2


def test_a_refusal_can_be_appealed_and_a_cancelled_item_asked_for_again(erin) -> None:
    item = assistance_item_add(
        actor=erin, case=create_case("surrender"), assistance_type=create_type()
    )
    for to_status in ("refused", "in_progress", "cancelled", "requested"):
        assistance_item_set_status(actor=erin, item=item, to_status=to_status)
    item.refresh_from_db()
    assert item.status == "requested" and item.events.count() == 5
