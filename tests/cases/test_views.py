"""The console queue and case page, driven through the test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lifeline.cases.models import Case, CaseEvent, Priority
from lifeline.cases.services import case_note_add, case_reply
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.cases.helpers import contact_create, create_case
from tests.factories import create_user, login_staff


@pytest.fixture
def as_alice(client, alice):  # type: ignore[no-untyped-def]
    login_staff(client, alice)
    return client


@pytest.fixture
def as_carol(client, carol):  # type: ignore[no-untyped-def]
    login_staff(client, carol)
    return client


def _queue_refs(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [case.reference for case in response.context["page"]]


# --- queue ----------------------------------------------------------------------------------


def test_console_home_is_the_queue() -> None:
    assert reverse("cases:queue") == "/console/"


def test_queue_shows_a_cases_summary_not_its_messages(as_alice) -> None:
    # The preview (tests/cases/test_queue.py) is the summary when there is one.
    case = create_case(inbound="my name is Ivan Petrov", waiting_since=timezone.now())
    response = as_alice.get(reverse("cases:queue"))
    body = response.content.decode()
    assert response.status_code == 200
    assert case.reference in body
    assert "Ivan Petrov" not in body
    assert "summary text" in body


def test_queue_order_unassigned_then_oldest_waiting_then_oldest(as_alice, erin) -> None:
    now = timezone.now()
    assigned = create_case(assignee=erin, waiting_since=now - timedelta(days=3))
    not_waiting_old = create_case(created_at=now - timedelta(days=9))
    not_waiting_new = create_case(created_at=now - timedelta(days=1))
    waiting_short = create_case(waiting_since=now - timedelta(minutes=5))
    waiting_long = create_case(waiting_since=now - timedelta(hours=5))

    response = as_alice.get(reverse("cases:queue"))

    assert _queue_refs(response) == [
        c.reference
        for c in (waiting_long, waiting_short, not_waiting_old, not_waiting_new, assigned)
    ]


def test_queue_filters(as_alice, alice, erin) -> None:
    now = timezone.now()
    mine = create_case("handover", assignee=alice)
    erins = create_case("assistance", assignee=erin, waiting_since=now - timedelta(hours=30))
    free = create_case("surrender", waiting_since=now - timedelta(minutes=90))
    closed = create_case("other", status="closed")
    old = create_case("surrender", created_at=now - timedelta(days=30))

    def refs(**params: str) -> set[str]:
        return set(_queue_refs(as_alice.get(reverse("cases:queue"), params)))

    assert refs() == {mine.reference, erins.reference, free.reference, old.reference}
    assert refs(status="closed") == {closed.reference}
    assert refs(status="all") == {c.reference for c in (mine, erins, free, closed, old)}
    assert refs(kind="surrender") == {free.reference, old.reference}
    assert refs(assignee="me") == {mine.reference}
    assert refs(assignee="none") == {free.reference, old.reference}
    assert refs(assignee=str(erin.pk)) == {erins.reference}
    assert refs(age="waiting_1h") == {erins.reference, free.reference}
    assert refs(age="waiting_24h") == {erins.reference}
    assert refs(age="created_7d") == {mine.reference, erins.reference, free.reference}
    assert refs(status="new", kind="handover") == {mine.reference}
    # Nonsense in a filter is ignored rather than an error page.
    assert refs(status="bogus", age="forever") == refs()


def test_queue_counts_open_cases_per_kind(as_alice) -> None:
    create_case("surrender")
    create_case("surrender")
    create_case("handover", status="closed")
    counts = {kind: n for kind, _label, n in as_alice.get("/console/").context["counts"]}
    assert counts == {
        "surrender": 2,
        "family_enquiry": 0,
        "handover": 0,
        "assistance": 0,
        "other": 0,
    }


def test_queue_is_paginated_by_50(as_alice) -> None:
    for _ in range(51):
        create_case("other", channel=None)
    first = as_alice.get("/console/")
    second = as_alice.get("/console/", {"page": 2})
    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 1
    assert "page=2" in first.content.decode()


def test_queue_opens_a_typed_reference(as_alice) -> None:
    case = create_case()
    typed = case.reference.lower().replace("-", " ")
    response = as_alice.get("/console/", {"ref": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"key": case.pk})
    missing = as_alice.get("/console/", {"ref": "LF-0000-0000"}, follow=True)
    assert "No case has the reference" in missing.content.decode()


# --- case page ------------------------------------------------------------------------------


def test_case_page_by_reference_redirects_to_the_id(as_alice) -> None:
    case = create_case()
    response = as_alice.get(reverse("cases:detail", kwargs={"key": case.reference}))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"key": case.pk})
    assert as_alice.get(reverse("cases:detail", kwargs={"key": "LF-0000-0000"})).status_code == 404
    assert as_alice.get(reverse("cases:detail", kwargs={"key": "99999"})).status_code == 404


def test_case_page_shows_header_and_audits_the_view(as_alice, alice) -> None:
    case = create_case("family_enquiry", inbound="looking for my son", priority=Priority.URGENT)
    response = as_alice.get(reverse("cases:detail", kwargs={"key": case.pk}))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (case.reference, "family enquiry", "new", "urgent", "looking for my son"):
        assert text in body
    assert AuditEvent.objects.filter(
        action="case.view", actor=alice, object_id=str(case.pk)
    ).exists()


def test_timeline_merges_messages_and_events_in_time_order(as_alice, alice) -> None:
    case = create_case(inbound=None)
    contact_create(case=case, body="first message", ago=timedelta(minutes=10))
    case_note_add(actor=alice, case=case, text="a note in between")
    case_reply(actor=alice, case=case, body="our answer")

    response = as_alice.get(reverse("cases:detail", kwargs={"key": case.pk}))

    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds == ["in", "event", "note", "out"]  # the "created" event came after the message
    body = response.content.decode()
    assert body.index("first message") < body.index("a note in between") < body.index("our answer")


def test_only_allowed_next_states_are_offered(as_alice) -> None:
    case = create_case("surrender", status="verifying")
    body = as_alice.get(reverse("cases:detail", kwargs={"key": case.pk})).content.decode()
    offered = {s for s in ("in_contact", "arranging", "closed", "in_safety", "new")}
    offered = {s for s in offered if f'name="to_status" value="{s}"' in body}
    assert offered == {"in_contact", "arranging", "closed"}


def test_reply_posts_and_redirects(as_alice) -> None:
    case = create_case(inbound="hello", waiting_since=timezone.now())
    url = reverse("cases:reply", kwargs={"pk": case.pk})
    response = as_alice.post(url, {"body": "We are here."}, follow=True)
    assert response.redirect_chain == [(reverse("cases:detail", kwargs={"key": case.pk}), 302)]
    assert "Reply queued" in response.content.decode()
    assert Contact.objects.get(case=case, direction="out").body == "We are here."
    assert Case.objects.get(pk=case.pk).waiting_since is None


def test_empty_reply_shows_the_error_and_sends_nothing(as_alice) -> None:
    case = create_case(inbound="hello")
    response = as_alice.post(reverse("cases:reply", kwargs={"pk": case.pk}), {"body": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Contact.objects.filter(case=case, direction="out").exists()


def test_refused_reply_keeps_the_typed_text(as_alice) -> None:
    case = create_case(channel=None)
    response = as_alice.post(reverse("cases:reply", kwargs={"pk": case.pk}), {"body": "typed"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "no conversation to reply on" in body
    assert "\ntyped</textarea>" in body


def test_note_posts(as_alice) -> None:
    case = create_case()
    response = as_alice.post(reverse("cases:note", kwargs={"pk": case.pk}), {"text": "call back"})
    assert response.status_code == 302
    assert CaseEvent.objects.get(case=case, kind="note").text == "call back"


def test_illegal_transition_is_shown_and_changes_nothing(as_alice) -> None:
    case = create_case("surrender")
    response = as_alice.post(
        reverse("cases:transition", kwargs={"pk": case.pk}), {"to_status": "in_safety"}
    )
    assert response.status_code == 400
    assert "cannot go from &#x27;new&#x27; to &#x27;in safety&#x27;" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "new"


def test_transition_posts(as_alice) -> None:
    case = create_case("assistance", status="done")
    url = reverse("cases:transition", kwargs={"pk": case.pk})
    response = as_alice.post(url, {"to_status": "closed", "note": "papers delivered"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "closed"


def test_take_and_release(as_alice, alice) -> None:
    case = create_case()
    url = reverse("cases:assign", kwargs={"pk": case.pk})
    as_alice.post(url, {"assignee": "me"})
    assert Case.objects.get(pk=case.pk).assignee == alice
    as_alice.post(url, {"assignee": "none"})
    assert Case.objects.get(pk=case.pk).assignee is None


def test_operator_cannot_assign_others_and_is_told_why(as_alice, erin) -> None:
    case = create_case()
    response = as_alice.post(
        reverse("cases:assign", kwargs={"pk": case.pk}), {"assignee": str(erin.pk)}, follow=True
    )
    assert "a supervisor assigns others" in response.content.decode()
    assert Case.objects.get(pk=case.pk).assignee is None
    assert 'id="id_assignee"' not in response.content.decode()


def test_supervisor_assigns_from_the_case_page(as_carol, erin) -> None:
    create_user("ghost", roles=["registrar"])
    case = create_case()
    page = as_carol.get(reverse("cases:detail", kwargs={"key": case.pk})).content.decode()
    assert 'id="id_assignee"' in page
    assert ">erin<" in page
    assert ">ghost<" not in page
    as_carol.post(reverse("cases:assign", kwargs={"pk": case.pk}), {"assignee": str(erin.pk)})
    assert Case.objects.get(pk=case.pk).assignee == erin


def test_priority_toggle(as_alice) -> None:
    case = create_case()
    as_alice.post(reverse("cases:priority", kwargs={"pk": case.pk}), {"priority": "1"})
    assert Case.objects.get(pk=case.pk).priority == Priority.URGENT


def test_actions_need_post(as_alice) -> None:
    case = create_case()
    for name in ("reply", "note", "transition", "assign", "priority"):
        assert as_alice.get(reverse(f"cases:{name}", kwargs={"pk": case.pk})).status_code == 405
