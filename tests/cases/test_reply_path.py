"""The services the console calls: replying to a visitor, and listing a case's contacts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from lifeline.cases.exceptions import CaseActionRefused
from lifeline.cases.selectors import contact_list_for_case
from lifeline.cases.services import case_open, case_reply
from lifeline.core.actors import PUBLIC, SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact, Conversation
from lifeline.public.services import web_followup_receive
from tests.public.helpers import open_case

pytestmark = pytest.mark.django_db


def test_a_web_reply_is_sent_at_once_and_audited_without_content(alice: Any) -> None:
    case, _ = open_case(language="uk")
    contact = case_reply(actor=alice, case=case, body="  Ми отримали ваш лист. \x00")
    assert (contact.direction, contact.channel, contact.state) == ("out", "web", "sent")
    assert (contact.author, contact.language, contact.case) == (alice, "uk", case)
    assert contact.body == "Ми отримали ваш лист."
    assert contact.conversation == case.conversations.get()
    audit = AuditEvent.objects.get(action="contact.send")
    assert (audit.actor, audit.object_id) == (alice, str(contact.pk))
    assert "лист" not in str(audit.detail)


def test_a_reply_on_another_channel_is_queued_for_its_adapter(alice: Any) -> None:
    case = case_open(actor=SYSTEM, kind="other")
    now = timezone.now()
    Conversation.objects.create(channel="web", case=case, created_at=now - timedelta(days=1))
    Conversation.objects.create(channel="telegram", case=case, created_at=now)
    contact = case_reply(actor=alice, case=case, body="Hello")
    assert (contact.channel, contact.state) == ("telegram", "queued")


@pytest.mark.parametrize("body", ["", "   ", "\x00\x07"])
def test_an_empty_reply_is_refused(alice: Any, body: str) -> None:
    case, _ = open_case()
    with pytest.raises(CaseActionRefused, match="The reply is empty"):
        case_reply(actor=alice, case=case, body=body)
    assert Contact.objects.count() == 1


def test_a_case_without_a_conversation_cannot_be_answered(alice: Any) -> None:
    case = case_open(actor=alice, kind="other")
    with pytest.raises(CaseActionRefused, match="no conversation"):
        case_reply(actor=alice, case=case, body="Hello")


@pytest.mark.parametrize("who", ["mallory", "dave", "frank"])
def test_users_who_may_not_work_on_cases_are_refused(who: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    case, _ = open_case()
    with pytest.raises(PermissionDenied, match=r"^case\.work$"):
        case_reply(actor=user, case=case, body="Hello")
    with pytest.raises(PermissionDenied, match=r"^case\.work$"):
        case_reply(actor=PUBLIC, case=case, body="Hello")
    assert Contact.objects.count() == 1


def test_contacts_of_a_case_come_oldest_first(alice: Any) -> None:
    case, _ = open_case(body="first")
    case_reply(actor=alice, case=case, body="second")
    web_followup_receive(case=case, language="ru", body="third")
    listed = list(contact_list_for_case(case=case))
    assert [c.body for c in listed] == ["first", "second", "third"]
    other, _ = open_case(body="elsewhere")
    assert [c.body for c in contact_list_for_case(case=other)] == ["elsewhere"]
