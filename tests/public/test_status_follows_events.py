"""The status a visitor reads follows what happened on his case: taken, replied to, answered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.cases.services import case_assign, case_reply_approved_send
from lifeline.intake.models import Contact
from lifeline.intake.tasks import contact_process
from lifeline.public.selectors import case_public_status
from lifeline.tracing.models import Disclosure, Enquiry
from lifeline.tracing.services import disclosures
from tests.public.helpers import open_case, unlock

pytestmark = pytest.mark.django_db
ANSWER = "Ваш сын жив и находится в лагере для военнопленных."
WAITING_EN = "waiting for someone from our team to read it"
WAITING_RU = "ждёт, когда его прочитает"


def _answered_enquiry(bob: Any, carol: Any) -> tuple[Case, Any]:
    case, receipt = open_case(
        kind="family_enquiry", body="Ищу сына", sought_surname="Кузьминов", enquirer_name="Ольга"
    )
    contact_process.call(Contact.objects.get(case=case).pk)
    enquiry = disclosures.enquirer_verify(
        actor=bob, enquiry=Enquiry.objects.get(case=case), how="callback", note="перезвонили"
    )
    draft = disclosures.disclosure_draft(actor=bob, enquiry=enquiry, text=ANSWER)
    disclosures.disclosure_approve(actor=carol, disclosure=draft)
    case.refresh_from_db()
    return case, receipt


def test_after_an_approved_answer_the_family_reads_answered_and_no_waiting_line(
    bob: Any, carol: Any
) -> None:
    case, receipt = _answered_enquiry(bob, carol)
    assert Disclosure.objects.get().state == Disclosure.State.SENT
    html = unlock(Client(), receipt).content.decode()
    assert ANSWER in html
    assert "Получено." not in html and WAITING_RU not in html
    assert "Ответ дан." in html
    english = Client()
    unlock(english, receipt, "/en")
    assert "Answered." in english.get("/en/status/").content.decode()


def test_an_approved_answer_moves_the_case_to_answered_through_tracing(
    bob: Any, carol: Any
) -> None:
    case, _receipt = _answered_enquiry(bob, carol)
    assert case.status == "answered"
    steps = list(case.events.filter(kind="status").values_list("from_value", "to_value"))
    assert steps == [("new", "tracing"), ("tracing", "answered")]


def test_a_new_message_after_the_answer_reads_as_being_handled(bob: Any, carol: Any) -> None:
    case, receipt = _answered_enquiry(bob, carol)
    client = Client()
    unlock(client, receipt, "/en")
    client.post("/en/status/reply/", {"message": "Спасибо. Где этот лагерь?"})
    contact_process.call(Contact.objects.filter(direction="in").latest("received_at").pk)
    case.refresh_from_db()
    assert case.waiting_since is not None  # his new message waits for a reply
    html = client.get("/en/status/").content.decode()
    assert "Being handled." in html and WAITING_EN not in html


def test_a_reply_to_his_latest_message_reads_as_answered(alice: Any, carol: Any) -> None:
    case, receipt = open_case(kind="family_enquiry", body="Ищу сына")
    assert case_public_status(case=case) == "received"
    case_reply_approved_send(actor=carol, case=case, body="Мы ищем.", drafted_by=alice)
    case.refresh_from_db()
    assert case_public_status(case=case) == "answered"
    # He writes again: his message waits, but a person who knows the case has it.
    Case.objects.filter(pk=case.pk).update(waiting_since=timezone.now() + timedelta(seconds=1))
    case.refresh_from_db()
    assert case_public_status(case=case) == "in_progress"


def test_a_case_someone_has_taken_is_being_handled(alice: Any) -> None:
    case, _receipt = open_case(kind="surrender")
    case_assign(actor=alice, case=case, assignee=alice)
    case.refresh_from_db()
    assert case.status == "new"
    assert case_public_status(case=case) == "in_progress"
