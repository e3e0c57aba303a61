"""Case workflows: every allowed move works and is recorded; every other move changes nothing."""

from __future__ import annotations

from collections import deque

import pytest
from django.core.exceptions import PermissionDenied

from lifeline.cases.models import CaseEvent, CaseKind
from lifeline.cases.services import case_transition
from lifeline.cases.workflows import (
    CLOSED,
    INITIAL,
    NOTE_REQUIRED,
    STATE_LABELS,
    WORKFLOWS,
    TransitionNotAllowed,
    workflow_for,
)
from lifeline.core.models import AuditEvent
from tests.cases.helpers import create_case

ALLOWED = [
    (kind, from_status, to_status)
    for kind, workflow in WORKFLOWS.items()
    for from_status, targets in workflow.transitions.items()
    for to_status in targets
]


def _reachable(kind: str, start: str) -> set[str]:
    workflow = workflow_for(kind)
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in workflow.allowed_from(todo.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_case_kind_has_a_workflow() -> None:
    assert set(WORKFLOWS) == set(CaseKind.values)


@pytest.mark.parametrize("kind", CaseKind.values)
def test_every_state_is_reachable_from_new(kind: str) -> None:
    workflow = workflow_for(kind)
    assert workflow.states[0] == INITIAL
    assert _reachable(kind, INITIAL) == set(workflow.states)


@pytest.mark.parametrize("kind", CaseKind.values)
def test_every_open_state_can_be_closed_and_closed_can_be_reopened(kind: str) -> None:
    workflow = workflow_for(kind)
    assert workflow.terminal == {CLOSED}
    for state in workflow.open_states:
        assert workflow.allows(state, CLOSED), state
    assert [s for s in workflow.allowed_from(CLOSED) if s not in workflow.terminal]


@pytest.mark.parametrize("kind", CaseKind.values)
def test_tables_name_only_known_states_with_labels(kind: str) -> None:
    workflow = workflow_for(kind)
    for targets in workflow.transitions.values():
        assert set(targets) <= set(workflow.states)
        assert len(set(targets)) == len(targets)
    assert set(workflow.states) <= set(STATE_LABELS)


@pytest.mark.parametrize(("kind", "from_status", "to_status"), ALLOWED)
def test_allowed_transition_changes_status_and_records_it(
    alice, kind: str, from_status: str, to_status: str
) -> None:
    case = create_case(kind, status=from_status)
    note = "why: the family confirmed" if to_status in NOTE_REQUIRED else ""
    # A state the workflow leaves to its own service (a handover's stages) is entered by it.
    by_owner = to_status not in workflow_for(kind).manual_from(from_status)

    case_transition(actor=alice, case=case, to_status=to_status, note=note, by_owner=by_owner)

    case.refresh_from_db()
    assert case.status == to_status
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS).get()
    assert (event.from_value, event.to_value, event.actor) == (from_status, to_status, alice)
    assert event.text == note
    audit = AuditEvent.objects.filter(action="case.transition").get()
    assert audit.actor == alice
    assert audit.object_id == str(case.pk)
    assert audit.detail == {"from": from_status, "to": to_status, "event": event.pk}
    assert (case.closed_at is not None) == (to_status == CLOSED)


@pytest.mark.parametrize("kind", CaseKind.values)
def test_every_move_outside_the_table_is_refused_and_changes_nothing(alice, kind: str) -> None:
    workflow = workflow_for(kind)
    case = create_case(kind)
    for from_status in workflow.states:
        type(case).objects.filter(pk=case.pk).update(status=from_status)
        for to_status in [*workflow.states, "in_safety", "no_such_state"]:
            if workflow.allows(from_status, to_status):
                continue
            before = (type(case).objects.get(pk=case.pk).updated_at, AuditEvent.objects.count())
            with pytest.raises(TransitionNotAllowed, match=r"cannot go from '.+' to '.+'; allowed"):
                case_transition(actor=alice, case=case, to_status=to_status, note="a note")
            fresh = type(case).objects.get(pk=case.pk)
            assert fresh.status == from_status
            assert (fresh.updated_at, AuditEvent.objects.count()) == before
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS).exists()


def test_refusal_explains_what_is_allowed(alice) -> None:
    case = create_case(CaseKind.SURRENDER)
    explained = (
        r"^A surrender case cannot go from 'new' to 'in safety'; "
        r"allowed next: in contact, closed\.$"
    )
    with pytest.raises(TransitionNotAllowed, match=explained):
        case_transition(actor=alice, case=case, to_status="in_safety")


def test_closing_needs_a_note(alice) -> None:
    case = create_case(CaseKind.FAMILY_ENQUIRY, status="answered")
    with pytest.raises(TransitionNotAllowed, match="note"):
        case_transition(actor=alice, case=case, to_status=CLOSED, note="   ")
    case.refresh_from_db()
    assert case.status == "answered"


def test_reopening_clears_closed_at(alice) -> None:
    case = create_case(CaseKind.SURRENDER, status="in_safety")
    case_transition(actor=alice, case=case, to_status=CLOSED, note="he is safe")
    assert case.closed_at is not None
    case_transition(actor=alice, case=case, to_status="in_contact")
    case.refresh_from_db()
    assert (case.status, case.closed_at) == ("in_contact", None)


def test_transition_starts_from_the_stored_status_not_a_stale_copy(alice) -> None:
    case = create_case(CaseKind.SURRENDER)
    stale = type(case).objects.get(pk=case.pk)
    case_transition(actor=alice, case=case, to_status="in_contact")
    # The stale copy still says "new", but the row says "in contact": "verifying" is allowed.
    case_transition(actor=alice, case=stale, to_status="verifying")
    assert stale.status == "verifying"


@pytest.mark.parametrize("refused", ["dave", "frank", "mallory"])
def test_these_users_cannot_change_status(request, refused: str) -> None:
    user = request.getfixturevalue(refused)
    case = create_case(CaseKind.OTHER)
    with pytest.raises(PermissionDenied, match=r"^case\.work$"):
        case_transition(actor=user, case=case, to_status="in_progress")
    case.refresh_from_db()
    assert case.status == INITIAL
