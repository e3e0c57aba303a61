"""A family is told nothing in free words that a second person has not approved.

Fixed texts of the reviewed catalogue go out at once; other case kinds reply at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lifeline.cases.exceptions import CaseActionRefused
from lifeline.cases.fixed_replies import fixed_replies
from lifeline.cases.models import Case, ReplyDraft
from lifeline.cases.services import (
    case_reply,
    case_reply_approve,
    case_reply_approved_send,
    case_reply_draft,
    case_reply_fixed,
    case_reply_reject,
)
from lifeline.core.access import CONSOLE_LANGUAGE
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.cases.helpers import create_case
from tests.factories import create_user, login_staff

pytestmark = pytest.mark.django_db
TOLD = "Ваш сын в списке пленных, лагерь №3."


def _family_case(**extra: Any) -> Case:
    return create_case("family_enquiry", channel="telegram", inbound="Ищу сына", **extra)


def _outbound(case: Case) -> list[Contact]:
    return list(Contact.objects.filter(case=case, direction=Contact.Direction.OUT))


def _actions(case: Case) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(case.pk), action__startswith="case.reply")
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- the reply box ---------------------------------------------------------------------------


def test_a_free_text_reply_on_a_family_enquiry_is_held_until_a_second_person_approves(
    client: Client, bob: Any, carol: Any
) -> None:
    case = _family_case()
    login_staff(client, bob)
    response = client.post(reverse("cases:reply", args=[case.pk]), {"body": TOLD})
    assert response.status_code == 302
    assert _outbound(case) == []
    draft = ReplyDraft.objects.get(case=case)
    assert (draft.state, draft.drafted_by, draft.body) == (ReplyDraft.State.DRAFT, bob, TOLD)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert TOLD in page and "awaiting approval" in page

    client.logout()
    login_staff(client, carol)
    client.post(reverse("cases:reply_approve", args=[draft.pk]))

    [sent] = _outbound(case)
    assert (sent.body, sent.state) == (TOLD, Contact.State.QUEUED)
    draft.refresh_from_db()
    assert (draft.state, draft.decided_by, draft.contact) == (ReplyDraft.State.SENT, carol, sent)
    assert _actions(case) == ["case.reply_draft", "case.reply", "case.reply_approve"]
    approve = AuditEvent.objects.get(action="case.reply_approve")
    assert approve.actor_id == carol.pk
    assert approve.detail == {"draft": draft.pk, "drafted_by": bob.pk, "contact": sent.pk}
    assert TOLD not in str(approve.detail)


def test_an_unverified_enquirer_is_told_nothing_without_approval(bob: Any) -> None:
    from tests.tracing.conftest import create_enquiry

    enquiry = create_enquiry(case=_family_case())
    assert not enquiry.enquirer_verified
    with pytest.raises(CaseActionRefused, match=r"only once a second person approves"):
        case_reply(actor=bob, case=enquiry.case, body=TOLD)
    assert _outbound(enquiry.case) == []


def test_a_question_to_the_family_needs_the_same_approval(client: Client, bob: Any) -> None:
    case = _family_case()
    login_staff(client, bob)
    client.post(reverse("cases:reply", args=[case.pk]), {"body": "В какой части он служил?"})
    assert _outbound(case) == []
    assert ReplyDraft.objects.get(case=case).state == ReplyDraft.State.DRAFT


def test_a_supervisor_is_held_too(client: Client, carol: Any) -> None:
    case = _family_case()
    login_staff(client, carol)
    client.post(reverse("cases:reply", args=[case.pk]), {"body": TOLD})
    assert _outbound(case) == []


# --- the second person -----------------------------------------------------------------------


def test_the_author_cannot_approve_his_own_reply(client: Client, carol: Any) -> None:
    case = _family_case()
    draft = case_reply_draft(actor=carol, case=case, body=TOLD)
    with pytest.raises(CaseActionRefused, match=r"second person must approve: you wrote this"):
        case_reply_approve(actor=carol, draft=draft)
    login_staff(client, carol)
    client.post(reverse("cases:reply_approve", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == ReplyDraft.State.DRAFT
    assert _outbound(case) == []


def test_only_those_who_approve_disclosures_approve_a_reply(bob: Any, erin: Any) -> None:
    other_officer = create_user("oscar", roles=["tracing_officer"])
    case = _family_case()
    draft = case_reply_draft(actor=bob, case=case, body=TOLD)
    for user in (other_officer, erin):
        with pytest.raises(PermissionDenied, match=r"^disclosure\.approve$"):
            case_reply_approve(actor=user, draft=draft)
    assert _outbound(case) == []


def test_a_rejected_reply_never_goes_out(client: Client, bob: Any, carol: Any) -> None:
    case = _family_case()
    draft = case_reply_draft(actor=bob, case=case, body=TOLD)
    with pytest.raises(CaseActionRefused, match=r"Say in the note why the reply is rejected"):
        case_reply_reject(actor=carol, draft=draft, note="  ")
    login_staff(client, carol)
    client.post(reverse("cases:reply_reject", args=[draft.pk]), {"note": "Not verified yet."})
    draft.refresh_from_db()
    assert (draft.state, draft.decided_by, draft.decision_note) == (
        ReplyDraft.State.REJECTED,
        carol,
        "Not verified yet.",
    )
    # The request above left the site's default language (Russian) active: read the refusal in
    # the console's language again.
    with (
        translation.override(CONSOLE_LANGUAGE),
        pytest.raises(CaseActionRefused, match=r"This reply has been decided already"),
    ):
        case_reply_approve(actor=carol, draft=draft)
    assert _outbound(case) == []
    assert _actions(case) == ["case.reply_draft", "case.reply_reject"]


def test_pending_replies_are_listed_for_the_supervisor(
    client: Client, bob: Any, carol: Any
) -> None:
    case = _family_case()
    draft = case_reply_draft(actor=bob, case=case, body=TOLD)
    login_staff(client, carol)
    listing = client.get(reverse("cases:approvals")).content.decode()
    assert case.reference in listing and f"#draft-{draft.pk}" in listing
    assert TOLD not in listing  # read on the case page, where the read is audited
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:reply_approve", args=[draft.pk]) in page
    assert reverse("cases:approvals") in page  # in the nav


# --- every other path ------------------------------------------------------------------------


def test_no_service_path_sends_free_text_to_a_family(bob: Any, carol: Any) -> None:
    case = _family_case()
    with pytest.raises(CaseActionRefused, match=r"only once a second person approves"):
        case_reply(actor=carol, case=case, body=TOLD)
    # Naming oneself as the author is no second person,
    with pytest.raises(CaseActionRefused, match=r"second person must approve: you wrote this"):
        case_reply_approved_send(actor=carol, case=case, body=TOLD, drafted_by=carol)
    # nor is naming someone else without the right.
    with pytest.raises(PermissionDenied, match=r"^disclosure\.approve$"):
        case_reply_approved_send(actor=bob, case=case, body=TOLD, drafted_by=carol)
    assert _outbound(case) == []


def test_other_kinds_reply_at_once(client: Client, alice: Any) -> None:
    case = create_case("surrender", channel="telegram", inbound="Хочу сдаться")
    login_staff(client, alice)
    client.post(reverse("cases:reply", args=[case.pk]), {"body": "Мы вас слышим."})
    [sent] = _outbound(case)
    assert sent.body == "Мы вас слышим."
    assert not ReplyDraft.objects.exists()


# --- the fixed catalogue ---------------------------------------------------------------------


def test_a_fixed_catalogue_text_goes_out_at_once_in_the_case_language(
    client: Client, bob: Any
) -> None:
    case = _family_case(language="uk")
    login_staff(client, bob)
    response = client.post(
        reverse("cases:reply_fixed", args=[case.pk]), {"key": "request_kinship_document"}
    )
    assert response.status_code == 302
    [sent] = _outbound(case)
    assert sent.body == fixed_replies()["request_kinship_document"].texts["uk"]
    assert sent.state == Contact.State.QUEUED
    assert AuditEvent.objects.get(action="case.reply").detail["fixed"] == (
        "request_kinship_document"
    )


def test_an_unknown_fixed_reply_is_refused(bob: Any) -> None:
    case = _family_case()
    with pytest.raises(CaseActionRefused, match=r"Choose one of the fixed replies"):
        case_reply_fixed(actor=bob, case=case, key="anything I like")
    assert _outbound(case) == []


def test_the_catalogue_is_in_every_language_and_names_no_one() -> None:
    from django.conf import settings

    languages = {code for code, _name in settings.LANGUAGES}
    replies = fixed_replies()
    assert {"acknowledgement", "request_details", "request_kinship_document"} <= set(replies)
    for reply in replies.values():
        assert set(reply.texts) == languages == set(reply.labels), reply.key
        assert all(t.strip() for t in (*reply.texts.values(), *reply.labels.values()))
        # A placeholder would let a person's details into a text sent without approval.
        assert not any(c in t for t in reply.texts.values() for c in "{}%<>"), reply.key
