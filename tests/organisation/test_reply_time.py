"""How soon to expect a reply: an organisation setting, said on the receipt and status pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from lifeline.cases.services import case_reply
from lifeline.core.actions import Action
from lifeline.core.models import AuditEvent
from lifeline.organisation.selectors import organisation_row
from lifeline.organisation.services import OrganisationRefused, organisation_update
from tests.factories import login_staff
from tests.organisation.helpers import NAMES
from tests.public.helpers import open_case, unlock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _receipt_page(prefix: str = "/en") -> str:
    client = Client()
    response = client.post(f"{prefix}/write/other/", {"message": "Вопрос"}, follow=True)
    return response.content.decode()


def test_the_receipt_says_two_days_by_default_in_every_language() -> None:
    assert "We usually reply within 2 days." in _receipt_page()
    assert "Обычно мы отвечаем в течение 2 дней." in _receipt_page("")
    assert "Зазвичай ми відповідаємо протягом 2 днів." in _receipt_page("/uk")


def test_the_setting_changes_what_the_receipt_and_status_pages_say(frank: Any) -> None:
    organisation_update(actor=frank, texts=NAMES, reply_hours=12)
    cache.clear()
    assert "We usually reply within 12 hours." in _receipt_page()
    _case, receipt = open_case(kind="surrender")
    status = unlock(Client(), receipt, "/en").content.decode()
    assert "Received." in status and "We usually reply within 12 hours." in status
    assert "в течение 12 часов" in unlock(Client(), receipt).content.decode()


def test_an_answered_case_does_not_promise_a_reply(alice: Any) -> None:
    case, receipt = open_case(kind="surrender")
    case_reply(actor=alice, case=case, body="Здравствуйте.")
    html = unlock(Client(), receipt, "/en").content.decode()
    assert "Answered." in html and "We usually reply within" not in html


def test_an_admin_sets_it_in_the_console_and_it_is_audited(client: Client, frank: Any) -> None:
    login_staff(client, frank)
    form = {**NAMES, "reply_hours": "72"}
    assert client.post("/console/organisation/", form).status_code == 302
    assert organisation_row().reply_hours == 72
    event = AuditEvent.objects.filter(action=Action.ORGANISATION_UPDATE).latest("id")
    assert "reply_hours" in event.detail["fields"]
    page = client.post("/console/organisation/", {**NAMES, "reply_hours": "0"})
    assert page.status_code == 400
    assert re.search(r"greater than or equal to 1|не меньше 1|не менше 1", page.content.decode())
    assert organisation_row().reply_hours == 72


def test_the_service_refuses_a_time_out_of_range(frank: Any) -> None:
    with pytest.raises(OrganisationRefused, match=r"from 1 to 720"):
        organisation_update(actor=frank, texts=NAMES, reply_hours=721)
