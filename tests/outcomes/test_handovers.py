"""Handover to a family: verify, schedule, the checklist, complete; the registry follows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from lifeline.cases.models import CaseEvent
from lifeline.core.exceptions import ActionRefused
from lifeline.core.models import AuditEvent
from lifeline.outcomes.models import Handover, HandoverStep
from lifeline.outcomes.services.exchanges import exchange_entry_add
from lifeline.outcomes.services.handovers import (
    DEFAULT_HANDOVER_STEPS,
    handover_complete,
    handover_open,
    handover_schedule,
    handover_step_set,
    handover_verify,
)
from lifeline.registry.models import StatusEvent
from tests.cases.helpers import create_case
from tests.outcomes.helpers import (
    DOCUMENTS,
    PLACE,
    RELATIVE,
    create_batch,
    create_handover,
    create_person,
)

pytestmark = pytest.mark.django_db

NOT_OUTCOME_WORKERS = ["alice", "bob", "dave", "frank", "mallory"]


def _tick_all(actor, handover: Handover) -> None:  # type: ignore[no-untyped-def]
    for step in handover.steps.all():
        handover_step_set(actor=actor, step=step, done=True)


@pytest.mark.parametrize("refused", NOT_OUTCOME_WORKERS)
def test_these_users_cannot_work_a_handover(request, refused, erin) -> None:
    user = request.getfixturevalue(refused)
    handover = create_handover(erin, stage="scheduled")
    step = handover.steps.first()
    attempts = [
        lambda: handover_open(
            actor=user, case=create_case("handover"), person=create_person(status="held")
        ),
        lambda: handover_verify(
            actor=user, handover=handover, relative_name="x", relationship="x", documents="x"
        ),
        lambda: handover_schedule(
            actor=user, handover=handover, meeting_point="x", meeting_at=timezone.now()
        ),
        lambda: handover_step_set(actor=user, step=step, done=True),
        lambda: handover_complete(actor=user, handover=handover),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match=r"^outcome\.work$"):
            attempt()
    assert not Handover.objects.exclude(pk=handover.pk).exists()
    assert not HandoverStep.objects.filter(done_at__isnull=False).exists()


def test_the_whole_handover_moves_the_case_and_the_registry(erin) -> None:
    person = create_person(status="held")
    case = create_case("handover")
    handover = handover_open(actor=erin, case=case, person=person)
    assert [s.text for s in handover.steps.all()] == [str(t) for t in DEFAULT_HANDOVER_STEPS]
    assert case.status == "new"

    handover_verify(
        actor=erin,
        handover=handover,
        relative_name=RELATIVE,
        relationship="mother",
        documents=DOCUMENTS,
    )
    case.refresh_from_db()
    assert case.status == "verifying"
    meeting = timezone.now() - timedelta(hours=2)
    handover_schedule(actor=erin, handover=handover, meeting_point=PLACE, meeting_at=meeting)
    case.refresh_from_db()
    assert case.status == "scheduled"
    _tick_all(erin, handover)
    handover_complete(actor=erin, handover=handover)

    handover.refresh_from_db()
    case.refresh_from_db()
    person.refresh_from_db()
    assert handover.is_completed and handover.completed_by == erin
    assert (handover.relative_name, handover.documents) == (RELATIVE, DOCUMENTS)
    assert case.status == "completed"
    moves = CaseEvent.objects.filter(case=case, kind="status").values_list("from_value", "to_value")
    assert list(moves) == [
        ("new", "verifying"),
        ("verifying", "scheduled"),
        ("scheduled", "completed"),
    ]
    assert person.current_status == "handed_over"
    event = StatusEvent.objects.get(person=person, status="handed_over")
    assert (event.verification, event.place) == ("confirmed", PLACE)
    assert event.occurred_on == timezone.localdate(meeting)
    assert event.source == handover.source
    assert (event.source.kind, event.source.title) == (
        "document",
        f"Handover record {case.reference}",
    )

    actions = list(
        AuditEvent.objects.filter(
            object_id=str(handover.pk), action__startswith="handover."
        ).values_list("action", flat=True)
    )
    assert actions == ["handover.open", "handover.verify", "handover.schedule"] + [
        "handover.step"
    ] * len(DEFAULT_HANDOVER_STEPS) + ["handover.complete"]
    blob = json.dumps([e.detail for e in AuditEvent.objects.all()], ensure_ascii=False)
    for secret in (RELATIVE, DOCUMENTS, PLACE, "mother"):
        assert secret not in blob


def test_stages_go_in_order(erin) -> None:
    handover = create_handover(erin)
    step = handover.steps.first()
    with pytest.raises(ActionRefused, match="Verify the relationship"):
        handover_schedule(
            actor=erin, handover=handover, meeting_point=PLACE, meeting_at=timezone.now()
        )
    with pytest.raises(ActionRefused, match="Fix the meeting"):
        handover_step_set(actor=erin, step=step, done=True)
    with pytest.raises(ActionRefused, match="first"):
        handover_complete(actor=erin, handover=handover)
    assert handover.case.status == "new"


def test_completion_needs_every_step_done(erin) -> None:
    handover = create_handover(erin, stage="scheduled")
    steps = list(handover.steps.all())
    for step in steps[:-1]:
        handover_step_set(actor=erin, step=step, done=True)
    with pytest.raises(ActionRefused, match="1 steps of the checklist"):
        handover_complete(actor=erin, handover=handover)
    handover_step_set(actor=erin, step=steps[-1], done=True)
    handover_step_set(actor=erin, step=steps[0], done=False)
    with pytest.raises(ActionRefused, match="not done"):
        handover_step_set(actor=erin, step=steps[0], done=False)
    with pytest.raises(ActionRefused, match="not done yet"):
        handover_complete(actor=erin, handover=handover)
    assert not StatusEvent.objects.filter(status="handed_over").exists()


def test_completion_waits_for_the_meeting_day(erin) -> None:
    handover = create_handover(erin, stage="scheduled")
    handover_schedule(
        actor=erin,
        handover=handover,
        meeting_point=PLACE,
        meeting_at=timezone.now() + timedelta(days=2),
    )
    _tick_all(erin, handover)
    with pytest.raises(ActionRefused, match="once it took place"):
        handover_complete(actor=erin, handover=handover)


def test_a_completed_handover_cannot_change(carol) -> None:
    handover = create_handover(carol, stage="scheduled")
    _tick_all(carol, handover)
    handover_complete(actor=carol, handover=handover)
    with pytest.raises(ActionRefused, match="completed already"):
        handover_complete(actor=carol, handover=handover)
    with pytest.raises(ActionRefused, match="completed already"):
        handover_step_set(actor=carol, step=handover.steps.first(), done=False)
    assert StatusEvent.objects.filter(status="handed_over").count() == 1


def test_a_handover_needs_a_handover_case_and_a_held_person(erin) -> None:
    with pytest.raises(ActionRefused, match="kind 'handover'"):
        handover_open(
            actor=erin, case=create_case("surrender"), person=create_person(status="held")
        )
    with pytest.raises(ActionRefused, match="not as held"):
        handover_open(
            actor=erin, case=create_case("handover"), person=create_person(status="missing")
        )
    handover = create_handover(erin)
    with pytest.raises(ActionRefused, match="has its handover already"):
        handover_open(actor=erin, case=handover.case, person=create_person("Другой", status="held"))
    with pytest.raises(ActionRefused, match="closed"):
        handover_open(
            actor=erin,
            case=create_case("handover", status="closed"),
            person=create_person("Третий", status="held"),
        )


def test_a_person_on_an_exchange_list_is_not_handed_over(erin) -> None:
    person = create_person(status="held")
    exchange_entry_add(actor=erin, batch=create_batch(erin), person=person)
    with pytest.raises(ActionRefused, match="exchange batch"):
        handover_open(actor=erin, case=create_case("handover"), person=person)


def test_verification_needs_the_relative_and_the_documents(erin) -> None:
    handover = create_handover(erin)
    with pytest.raises(ActionRefused, match="documents"):
        handover_verify(
            actor=erin,
            handover=handover,
            relative_name=RELATIVE,
            relationship="mother",
            documents=" ",
        )
    handover.refresh_from_db()
    assert not handover.is_verified


def test_a_case_closed_meanwhile_stops_the_handover(erin) -> None:
    handover = create_handover(erin, stage="verified")
    type(handover.case).objects.filter(pk=handover.case_id).update(status="closed")
    with pytest.raises(ActionRefused, match="closed"):
        handover_schedule(
            actor=erin, handover=handover, meeting_point=PLACE, meeting_at=timezone.now()
        )


def test_a_person_has_one_handover_at_a_time(erin) -> None:
    person = create_person("Один", status="held")
    create_handover(erin, person=person)
    with pytest.raises(ActionRefused, match="already"):
        handover_open(actor=erin, case=create_case("handover"), person=person)


def test_verifying_another_relative_starts_the_meeting_and_checklist_again(erin) -> None:
    handover = create_handover(erin, stage="scheduled")
    _tick_all(erin, handover)
    handover_verify(
        actor=erin,
        handover=handover,
        relative_name="Кузьминов Пётр Ильич",
        relationship="father",
        documents="паспорт отца НК 999999",
    )
    handover.refresh_from_db()
    assert (handover.meeting_at, handover.scheduled_at, handover.meeting_point) == (None, None, "")
    assert not handover.steps.filter(done_at__isnull=False).exists()
    assert handover.case.status == "verifying"
    with pytest.raises(ActionRefused, match=r"Verify the relationship and fix the meeting first"):
        handover_complete(actor=erin, handover=handover)
