"""Disclosure: a verified enquirer, a draft, a second person who approves, then the answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from lifeline.intake.tasks import contact_process
from lifeline.tracing.models import Disclosure, Enquiry
from lifeline.tracing.services import disclosures
from lifeline.tracing.services.common import TracingRefused
from tests.factories import login_staff
from tests.public.helpers import open_case, unlock
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db
ANSWER = "Ваш сын жив и находится в лагере для военнопленных."


def _verified(enquiry: Enquiry, officer: Any) -> Enquiry:
    return disclosures.enquirer_verify(
        actor=officer, enquiry=enquiry, how=Enquiry.Verification.CALLBACK, note="перезвонили"
    )


def test_no_answer_is_drafted_for_an_unverified_enquirer(bob: Any) -> None:
    enquiry = create_enquiry()
    with pytest.raises(TracingRefused, match=r"Прежде чем готовить ответ, проверьте заявителя"):
        disclosures.disclosure_draft(actor=bob, enquiry=enquiry, text=ANSWER)
    assert not Disclosure.objects.exists()


def test_verification_says_how(bob: Any) -> None:
    enquiry = create_enquiry()
    with pytest.raises(TracingRefused, match=r"Опишите в заметке, как проверен заявитель"):
        disclosures.enquirer_verify(actor=bob, enquiry=enquiry, how="other", note="")
    enquiry = _verified(enquiry, bob)
    assert (enquiry.enquirer_verified, enquiry.verified_by, enquiry.verified_how) == (
        True,
        bob,
        "callback",
    )
    assert AuditEvent.objects.get(action="enquiry.verify").detail == {"how": "callback"}


def test_approval_is_refused_without_verification(bob: Any, carol: Any) -> None:
    enquiry = _verified(create_enquiry(), bob)
    disclosure = disclosures.disclosure_draft(actor=bob, enquiry=enquiry, text=ANSWER)
    Enquiry.objects.filter(pk=enquiry.pk).update(enquirer_verified=False)
    with pytest.raises(TracingRefused, match=r"Заявитель не проверен"):
        disclosures.disclosure_approve(actor=carol, disclosure=disclosure)


def test_the_drafter_cannot_approve_his_own_answer(carol: Any) -> None:
    enquiry = _verified(create_enquiry(), carol)
    disclosure = disclosures.disclosure_draft(actor=carol, enquiry=enquiry, text=ANSWER)
    with pytest.raises(TracingRefused, match=r"этот ответ подготовили вы"):
        disclosures.disclosure_approve(actor=carol, disclosure=disclosure)
    disclosure.refresh_from_db()
    assert disclosure.state == Disclosure.State.DRAFT


def test_a_tracing_officer_cannot_approve(bob: Any, carol: Any, db: Any) -> None:
    from tests.factories import create_user

    other_officer = create_user("oscar", roles=["tracing_officer"])
    enquiry = _verified(create_enquiry(), bob)
    disclosure = disclosures.disclosure_draft(actor=bob, enquiry=enquiry, text=ANSWER)
    with pytest.raises(PermissionDenied, match=r"^disclosure\.approve$"):
        disclosures.disclosure_approve(actor=other_officer, disclosure=disclosure)


def test_a_rejected_draft_goes_back_with_a_note(bob: Any, carol: Any) -> None:
    enquiry = _verified(create_enquiry(), bob)
    disclosure = disclosures.disclosure_draft(actor=bob, enquiry=enquiry, text=ANSWER)
    with pytest.raises(TracingRefused, match=r"Напишите в заметке, почему ответ отклонён"):
        disclosures.disclosure_reject(actor=carol, disclosure=disclosure, note=" ")
    disclosures.disclosure_reject(actor=carol, disclosure=disclosure, note="Слишком подробно")
    disclosure.refresh_from_db()
    assert (disclosure.state, disclosure.decided_by) == (Disclosure.State.REJECTED, carol)
    assert not Contact.objects.filter(direction="out").exists()
    disclosures.disclosure_draft(
        actor=bob, enquiry=enquiry, text="Он жив."
    )  # a new draft may follow


def test_an_approved_answer_reaches_the_status_page_and_is_recorded(
    client: Client, bob: Any, carol: Any
) -> None:
    case, receipt = open_case(
        kind="family_enquiry", body="Ищу сына", sought_surname="Кузьминов", enquirer_name="Ольга"
    )
    contact_process.call(Contact.objects.get(case=case).pk)
    enquiry = _verified(Enquiry.objects.get(case=case), bob)

    login_staff(client, bob)
    client.post(f"/console/tracing/{enquiry.pk}/disclosure/", {"text": ANSWER})
    disclosure = Disclosure.objects.get()
    assert client.post(f"/console/tracing/disclosure/{disclosure.pk}/approve/").status_code == 403

    client.logout()
    login_staff(client, carol)
    client.post(f"/console/tracing/disclosure/{disclosure.pk}/approve/")
    disclosure.refresh_from_db()
    assert disclosure.state == Disclosure.State.SENT
    assert (disclosure.drafted_by, disclosure.decided_by) == (bob, carol)
    assert disclosure.decided_at is not None
    assert disclosure.text == ANSWER
    assert disclosure.recipient == "Ольга (?)"
    assert disclosure.contact is not None and disclosure.contact.body == ANSWER
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.ANSWERED
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"disclosure.draft", "disclosure.approve", "contact.send", "case.reply"} <= actions

    visitor = Client()
    assert ANSWER in unlock(visitor, receipt).content.decode()
