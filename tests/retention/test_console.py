"""The console page of the retention policy: admins only, saved and audited, bad input is a 400."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lifeline.core.actions import Action
from lifeline.core.models import AuditEvent
from lifeline.retention.kinds import defaults
from lifeline.retention.models import RetentionRule
from tests.factories import login_staff
from tests.retention.helpers import closed_case

pytestmark = pytest.mark.django_db

URL = "/console/retention/"


@pytest.fixture
def as_frank(client: Client, frank: Any) -> Client:
    login_staff(client, frank)
    return client


def posted(**changes: int) -> dict[str, int]:
    return {**defaults(), **changes}


def test_the_url_is_the_one_the_access_table_lists() -> None:
    assert reverse("retention:policy") == URL


def test_the_page_shows_the_policy_and_what_the_next_purge_would_delete(as_frank: Client) -> None:
    closed_case(days_ago=400, body="никому не показывать", file=b"file\n")
    with translation.override("en"):
        page = as_frank.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="messages" value="365"' in html
    assert "cases: 1, messages: 1, attachments: 1" in html
    assert "никому" not in html  # counts, never content


def test_the_page_speaks_russian(as_frank: Client, frank: Any) -> None:
    closed_case(days_ago=400, body="x")
    frank.console_language = "ru"
    frank.save(update_fields=["console_language"])
    html = as_frank.get(URL).content.decode()
    assert "Сообщения и вложения закрытых дел" in html
    assert "дела: 1, сообщения: 1" in html


def test_an_admin_changes_a_figure_and_it_is_saved_and_audited(
    as_frank: Client, frank: Any
) -> None:
    response = as_frank.post(URL, posted(messages=180))
    assert response.status_code == 302
    assert RetentionRule.objects.get(kind="messages").days == 180
    event = AuditEvent.objects.get(action=Action.RETENTION_POLICY)
    assert event.actor == frank
    assert event.detail == {"messages": {"from": 365, "to": 180}}


@pytest.mark.parametrize("value", ["0", "-5", "abc", "", "99999999"])
def test_a_bad_figure_is_a_400_and_changes_nothing(as_frank: Client, value: str) -> None:
    response = as_frank.post(URL, {**posted(), "messages": value})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not RetentionRule.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.RETENTION_POLICY).exists()


@pytest.mark.parametrize("name", ["alice", "bob", "carol", "dave", "erin", "mallory"])
def test_everyone_but_the_admin_is_refused(client: Client, name: str, request: Any) -> None:
    user = request.getfixturevalue(name)
    login_staff(client, user)
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, posted(messages=1)).status_code in (302, 403)
    assert not RetentionRule.objects.exists()
