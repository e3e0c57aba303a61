"""The console page of the organisation's settings: admins only, errors beside the fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.core.actions import Action
from lifeline.core.models import AuditEvent
from lifeline.organisation.selectors import organisation_row
from tests.factories import login_staff
from tests.organisation.helpers import NAMES

pytestmark = pytest.mark.django_db

URL = "/console/organisation/"


def posted(**changes: str) -> dict[str, str]:
    """The form as an administrator fills it in."""
    data = {
        **NAMES,
        "telegram_bot": "@trial_hotline_bot",
        "email": "hotline@example.org",
        "phone_1": "+44 20 7946 0123",
        "phone_1_label": "",
        "phone_2": "+1 202 555 0143",
        "phone_2_label": "WhatsApp",
    }
    return {**data, **changes}


@pytest.fixture
def as_frank(client: Client, frank: Any) -> Client:
    login_staff(client, frank)
    return client


def _field_block(html: str, field: str) -> str:
    """The field's block on the page (console/organisation/_field.html): its input and errors."""
    [block] = [b for b in html.split('<div class="field">') if f'id="id_{field}"' in b]
    return block


def test_the_url_is_the_one_the_access_table_lists() -> None:
    assert reverse("organisation:edit") == URL


def test_an_admin_fills_in_the_settings_and_they_are_saved_and_audited(
    as_frank: Client, frank: Any
) -> None:
    page = as_frank.get(URL)
    assert page.status_code == 200
    assert (
        'name="name_uk"' in page.content.decode()
        and 'name="phone_5_label"' in page.content.decode()
    )
    response = as_frank.post(URL, posted(), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Saved."]
    row = organisation_row()
    assert (row.name_uk, row.telegram_bot) == (NAMES["name_uk"], "trial_hotline_bot")
    assert [p["label"] for p in row.phones] == ["", "WhatsApp"]
    [event] = AuditEvent.objects.filter(action=Action.ORGANISATION_UPDATE)
    assert event.actor_id == frank.pk and "telegram_bot" in event.detail["fields"]
    # What was saved is what the form shows next time; sending it again changes nothing.
    again = as_frank.get(URL).content.decode()
    assert 'value="trial_hotline_bot"' in again and 'value="+1 202 555 0143"' in again
    response = as_frank.post(URL, posted(telegram_bot="trial_hotline_bot"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Nothing changed."]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("telegram_bot", "no", "5 to 32 characters"),
        ("email", "hotline at example", "This is not an e-mail address."),
        ("phone_2", "call me", "This is not a phone number: call me"),
        ("phone_3_label", "Signal", "A label needs a phone number."),
        ("about_en", "x" * 601, "Ensure this value has at most 600 characters"),
    ],
)
def test_bad_input_answers_400_with_the_error_beside_its_field_and_writes_nothing(
    as_frank: Client, field: str, value: str, error: str
) -> None:
    response = as_frank.post(URL, posted(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    # A label's error belongs to its number, the field beside it.
    shown_at = "phone_3" if field == "phone_3_label" else field
    assert error in _field_block(html, shown_at)
    assert 'value="Test Bureau"' in html  # what he typed is kept
    assert organisation_row().name_en == ""
    assert not AuditEvent.objects.filter(action=Action.ORGANISATION_UPDATE).exists()


@pytest.mark.parametrize("refused", ["alice", "bob", "carol", "dave", "erin", "mallory"])
def test_these_users_are_refused_and_change_nothing(
    client: Client, request: pytest.FixtureRequest, refused: str
) -> None:
    login_staff(client, request.getfixturevalue(refused))
    assert client.get(URL).status_code == 403
    assert client.post(URL, posted()).status_code == 403
    assert organisation_row().name_en == ""


def test_only_admins_see_the_link_in_the_console(as_frank: Client, carol: Any) -> None:
    assert f'href="{URL}"' in as_frank.get(reverse("accounts:me")).content.decode()
    other = Client()
    login_staff(other, carol)
    assert f'href="{URL}"' not in other.get(reverse("accounts:me")).content.decode()


def test_the_page_speaks_russian_to_an_admin_who_chose_it(as_frank: Client, frank: Any) -> None:
    frank.console_language = "ru"
    frank.save(update_fields=["console_language"])
    html = as_frank.get(URL).content.decode()
    assert "Название организации (русский)" in html and "Организация" in html
    response = as_frank.post(URL, posted(email="x@"))
    assert "Это не адрес электронной почты." in response.content.decode()
