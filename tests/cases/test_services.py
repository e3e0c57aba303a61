"""Case services: assignment, notes, replies, priority; who is refused; what is recorded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from lifeline.cases.exceptions import CaseActionRefused
from lifeline.cases.models import Case, CaseEvent, Priority
from lifeline.cases.services import (
    case_assign,
    case_note_add,
    case_priority_set,
    case_reply,
    case_transition,
    case_view_record,
)
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.cases.helpers import create_case

NO_CASE_ROLE = ["dave", "frank", "mallory"]


def _snapshot(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.status,
        fresh.priority,
        fresh.assignee_id,
        fresh.waiting_since,
        fresh.updated_at,
        CaseEvent.objects.filter(case=case).count(),
        Contact.objects.filter(case=case).count(),
        AuditEvent.objects.count(),
    )


# --- who is refused -------------------------------------------------------------------------


@pytest.mark.parametrize("refused", NO_CASE_ROLE)
def test_these_users_cannot_work_on_a_case(request, refused: str) -> None:
    user = request.getfixturevalue(refused)
    case = create_case(inbound="hello")
    before = _snapshot(case)
    attempts = [
        ("case.work", lambda: case_reply(actor=user, case=case, body="answer")),
        ("case.work", lambda: case_note_add(actor=user, case=case, text="note")),
        ("case.work", lambda: case_priority_set(actor=user, case=case, priority=Priority.URGENT)),
        ("case.work", lambda: case_transition(actor=user, case=case, to_status="in_contact")),
        ("case.work", lambda: case_assign(actor=user, case=case, assignee=user)),
        ("case.view", lambda: case_view_record(actor=user, case=case)),
    ]
    for perm, attempt in attempts:
        with pytest.raises(PermissionDenied, match=f"^{re.escape(perm)}$"):
            attempt()
    assert _snapshot(case) == before


@pytest.mark.parametrize("refused", ["alice", "bob", "erin", *NO_CASE_ROLE])
def test_these_users_cannot_assign_a_case_to_someone_else(request, refused, carol) -> None:
    user = request.getfixturevalue(refused)
    case = create_case()
    before = _snapshot(case)
    # Those who work cases lack only the right to assign; the others lack case work itself.
    missing = "case.work" if refused in NO_CASE_ROLE else "case.assign"
    with pytest.raises(PermissionDenied, match=f"^{re.escape(missing)}$"):
        case_assign(actor=user, case=case, assignee=carol)
    assert _snapshot(case) == before


@pytest.mark.parametrize("refused", ["alice", "bob"])
def test_these_users_cannot_take_a_colleagues_case(request, refused, erin) -> None:
    user = request.getfixturevalue(refused)
    case = create_case(assignee=erin)
    with pytest.raises(PermissionDenied, match=r"^case\.assign$"):
        case_assign(actor=user, case=case, assignee=user)
    with pytest.raises(PermissionDenied, match=r"^case\.assign$"):
        case_assign(actor=user, case=case, assignee=None)
    assert Case.objects.get(pk=case.pk).assignee == erin


# --- assignment -----------------------------------------------------------------------------


@pytest.mark.parametrize("worker", ["alice", "bob", "carol", "erin"])
def test_anyone_working_cases_can_take_a_free_case_and_release_it(request, worker) -> None:
    user = request.getfixturevalue(worker)
    case = create_case()

    case_assign(actor=user, case=case, assignee=user)
    assert Case.objects.get(pk=case.pk).assignee == user
    case_assign(actor=user, case=case, assignee=None)

    assert Case.objects.get(pk=case.pk).assignee is None
    events = list(CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ASSIGNED))
    assert [(e.from_value, e.to_value) for e in events] == [("", worker), (worker, "")]
    actions = AuditEvent.objects.filter(action="case.assign").values_list("detail", flat=True)
    assert list(actions) == [{"from": None, "to": user.pk}, {"from": user.pk, "to": None}]


def test_supervisor_assigns_and_reassigns(carol, erin, bob) -> None:
    case = create_case()
    before = case.updated_at
    case_assign(actor=carol, case=case, assignee=erin)
    case_assign(actor=carol, case=case, assignee=bob)
    case.refresh_from_db()
    assert case.assignee == bob
    assert case.updated_at > before


def test_only_people_who_work_cases_can_be_assigned(carol, dave, frank, mallory) -> None:
    case = create_case()
    for user in (dave, frank, mallory):
        with pytest.raises(CaseActionRefused, match="does not work on cases"):
            case_assign(actor=carol, case=case, assignee=user)
    assert Case.objects.get(pk=case.pk).assignee is None


def test_inactive_user_cannot_be_assigned(carol, erin) -> None:
    erin.is_active = False
    erin.save(update_fields=["is_active"])
    with pytest.raises(CaseActionRefused, match=r"does not work on cases and cannot be assigned"):
        case_assign(actor=carol, case=create_case(), assignee=erin)


def test_assigning_to_the_current_assignee_is_refused(alice) -> None:
    case = create_case(assignee=alice)
    with pytest.raises(CaseActionRefused, match="already assigned to alice"):
        case_assign(actor=alice, case=case, assignee=alice)


# --- notes ----------------------------------------------------------------------------------


def test_note_is_stored_encrypted_and_kept_out_of_the_audit(alice) -> None:
    case = create_case()
    event = case_note_add(actor=alice, case=case, text="  caller sounded scared, call at 22:00 ")

    assert CaseEvent.objects.get(pk=event.pk).text == "caller sounded scared, call at 22:00"
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_caseevent WHERE id = %s", [event.pk])
        (raw,) = cursor.fetchone()
    assert "scared" not in raw
    audit = AuditEvent.objects.get(action="case.note")
    assert audit.detail == {"event": event.pk}
    assert audit.actor == alice


def test_empty_note_is_refused(alice) -> None:
    case = create_case()
    with pytest.raises(CaseActionRefused, match=r"The note is empty"):
        case_note_add(actor=alice, case=case, text=" \n ")
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).exists()


# --- replies --------------------------------------------------------------------------------


def test_reply_sends_on_the_channel_and_ends_the_wait(erin) -> None:
    waiting = timezone.now() - timedelta(hours=3)
    case = create_case(inbound="are you there?", waiting_since=waiting)

    contact = case_reply(actor=erin, case=case, body="Yes. We read you.")

    case.refresh_from_db()
    assert (contact.direction, contact.channel, contact.author) == ("out", "web", erin)
    assert contact.body == "Yes. We read you."
    assert case.waiting_since is None
    assert case.first_response_at is not None
    audit = AuditEvent.objects.get(action="case.reply")
    assert audit.detail == {"contact": contact.pk, "channel": "web"}
    assert "read you" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_second_reply_keeps_the_first_response_time(alice) -> None:
    case = create_case(inbound="hello")
    case_reply(actor=alice, case=case, body="first")
    first = Case.objects.get(pk=case.pk).first_response_at
    case_reply(actor=alice, case=case, body="second")
    assert Case.objects.get(pk=case.pk).first_response_at == first


def test_a_reply_goes_out_through_the_inbox_queue(alice, monkeypatch) -> None:
    calls = []
    real = __import__("lifeline.cases.services", fromlist=["message_queue"]).message_queue

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr("lifeline.cases.services.message_queue", spy)
    case = create_case(inbound="hello")
    case_reply(actor=alice, case=case, body="hi")
    conversation = case.conversations.get()
    assert calls == [
        {
            "actor": alice,
            "conversation": conversation,
            "case": case,
            "body": "hi",
            "language": case.language,
        }
    ]


@pytest.mark.parametrize(
    ("setup", "body", "reason"),
    [
        ({"inbound": "hi"}, "   ", "empty"),
        ({"inbound": "hi", "status": "closed"}, "hello", "closed"),
        ({"channel": None}, "hello", "no conversation"),
    ],
)
def test_reply_refusals_change_nothing(alice, setup, body, reason) -> None:
    case = create_case(**setup)
    before = _snapshot(case)
    with pytest.raises(CaseActionRefused, match=reason):
        case_reply(actor=alice, case=case, body=body)
    assert _snapshot(case) == before


# --- priority and view ----------------------------------------------------------------------


def test_priority_set_records_from_and_to(bob) -> None:
    case = create_case(kind="family_enquiry")
    case_priority_set(actor=bob, case=case, priority=Priority.URGENT)
    case.refresh_from_db()
    assert case.priority == Priority.URGENT
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.PRIORITY)
    assert (event.from_value, event.to_value) == ("normal", "urgent")
    assert AuditEvent.objects.get(action="case.priority").detail == {"from": 0, "to": 1}


def test_priority_refusals(bob) -> None:
    case = create_case()
    with pytest.raises(CaseActionRefused, match="already"):
        case_priority_set(actor=bob, case=case, priority=Priority.NORMAL)
    with pytest.raises(CaseActionRefused, match=r"Unknown priority"):
        case_priority_set(actor=bob, case=case, priority=7)


def test_view_is_audited(alice) -> None:
    case = create_case()
    case_view_record(actor=alice, case=case)
    audit = AuditEvent.objects.get(action="case.view")
    assert (audit.actor, audit.object_id) == (alice, str(case.pk))


def test_a_handovers_stages_are_not_set_with_the_status_buttons(erin) -> None:
    case = create_case("handover")
    with pytest.raises(CaseActionRefused, match="own page"):
        case_transition(actor=erin, case=case, to_status="verifying")
    case.refresh_from_db()
    assert case.status == "new"
    # Closing stays a person's decision, and so does reopening.
    case_transition(actor=erin, case=case, to_status="closed", note="The family withdrew.")
    case_transition(actor=erin, case=case, to_status="new")
    case.refresh_from_db()
    assert case.status == "new"
