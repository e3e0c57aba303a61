"""The organisation's settings: one row, created empty on first read, changed only by admins,
every change audited by field name, and every value checked before anything is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.organisation.models import Organisation
from lifeline.organisation.selectors import (
    organisation_facts,
    organisation_get_for,
    organisation_row,
)
from lifeline.organisation.services import OrganisationRefused, organisation_update
from tests.organisation.helpers import CHANNELS, NAMES, organisation_filled

pytestmark = pytest.mark.django_db

NOT_ADMINS = ["alice", "bob", "carol", "dave", "erin", "mallory"]


def test_the_first_read_creates_one_empty_row_and_later_reads_reuse_it() -> None:
    assert not Organisation.objects.exists()
    first = organisation_row()
    assert organisation_row().pk == first.pk and Organisation.objects.count() == 1
    assert (first.name_ru, first.telegram_bot, first.email, first.phones) == ("", "", "", [])
    facts = organisation_facts()
    assert not facts.page("ru").who and not facts.page("ru").channels


def test_an_admin_saves_the_settings_and_the_audit_names_the_fields_not_the_values(
    frank: Any,
) -> None:
    changed = organisation_update(actor=frank, texts=NAMES, **CHANNELS)
    assert set(changed) == {*NAMES, "telegram_bot", "email", "phones"}
    row = organisation_row()
    assert (row.name_en, row.telegram_bot, row.email) == ("Test Bureau", "trial_hotline_bot",
                                                          "hotline@example.org")  # fmt: skip
    assert row.phones == [
        {"number": "+442079460123", "display": "+44 20 7946 0123", "label": ""},
        {"number": "+12025550143", "display": "+1 202 555 0143", "label": "WhatsApp"},
    ]
    assert row.updated_by == frank and row.updated_at is not None
    [event] = AuditEvent.objects.filter(action=Action.ORGANISATION_UPDATE)
    assert event.actor_id == frank.pk and sorted(event.detail["fields"]) == sorted(changed)
    assert "Test Bureau" not in str(event.detail) and "example.org" not in str(event.detail)


def test_saving_the_same_values_again_changes_nothing_and_audits_nothing(frank: Any) -> None:
    organisation_update(actor=frank, texts=NAMES, **CHANNELS)
    assert organisation_update(actor=frank, texts=NAMES, **CHANNELS) == []
    changed = organisation_update(actor=frank, texts={**NAMES, "hours_en": "9-17"}, **CHANNELS)
    assert changed == ["hours_en"]
    events = AuditEvent.objects.filter(action=Action.ORGANISATION_UPDATE)
    assert [e.detail["fields"] for e in events.order_by("pk")][1:] == [["hours_en"]]


@pytest.mark.parametrize("refused", NOT_ADMINS)
def test_these_users_cannot_read_or_change_the_settings_in_the_console(
    request: pytest.FixtureRequest, refused: str
) -> None:
    user = request.getfixturevalue(refused)
    with pytest.raises(PermissionDenied, match=r"^organisation\.edit$"):
        organisation_get_for(user=user)
    with pytest.raises(PermissionDenied, match=r"^organisation\.edit$"):
        organisation_update(actor=user, texts={"name_en": "Taken over"})
    assert organisation_row().name_en == ""
    assert not AuditEvent.objects.filter(action=Action.ORGANISATION_UPDATE).exists()


@pytest.mark.parametrize(
    "pasted", ["@trial_hotline_bot", "t.me/trial_hotline_bot", "https://t.me/trial_hotline_bot/"]
)
def test_a_pasted_bot_address_is_kept_as_its_username(pasted: str) -> None:
    organisation_update(actor=SYSTEM, texts={}, telegram_bot=pasted)
    assert organisation_row().telegram_bot == "trial_hotline_bot"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"telegram_bot": "abcd"}, "5 to 32 characters"),
        ({"telegram_bot": "a" * 33}, "5 to 32 characters"),
        ({"telegram_bot": "trial-bot"}, "Latin letters, digits and underscores"),
        ({"telegram_bot": "бот_линии"}, "Latin letters, digits and underscores"),
        ({"telegram_bot": "https://evil.example/x_bot"}, "5 to 32 characters"),
        ({"email": "hotline@"}, "^This is not an e-mail address.$"),
        ({"email": "a b@example.org"}, "^This is not an e-mail address.$"),
        ({"phones": [("call us", "")]}, "^This is not a phone number: call us$"),
        ({"phones": [("7 900 +123", "")]}, "^This is not a phone number"),  # + inside
        ({"phones": [("12", "")]}, "^This is not a phone number: 12$"),  # too short
        ({"phones": [("", "WhatsApp")]}, "^A label needs a phone number.$"),
        ({"phones": [("+441234567", "")] * 6}, "^At most 5 phone numbers"),
        ({"phones": [("+441234567", "x" * 41)]}, "^At most 40 characters"),
        ({"texts": {"about_ru": "я" * 601}}, r"^At most 600 characters, please \(this has 601\)"),
        ({"texts": {"name_uk": "я" * 201}}, "^At most 200 characters"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    frank: Any, change: dict[str, Any], message: str
) -> None:
    organisation_filled()
    before = {f.name: getattr(organisation_row(), f.name) for f in Organisation._meta.fields}
    audits = AuditEvent.objects.count()
    arguments = {"texts": NAMES, **CHANNELS, **change}
    with pytest.raises(OrganisationRefused, match=message):
        organisation_update(actor=frank, **arguments)
    after = {f.name: getattr(organisation_row(), f.name) for f in Organisation._meta.fields}
    assert after == before and AuditEvent.objects.count() == audits


def test_a_text_that_is_not_one_of_the_settings_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no such text"):
        organisation_update(actor=SYSTEM, texts={"name_de": "Testbüro"})


def test_empty_rows_of_phones_are_dropped_and_the_order_is_kept() -> None:
    organisation_update(
        actor=SYSTEM, texts={}, phones=[("", ""), ("00 44 20 7946 0999", "Signal"), (" ", " ")]
    )
    assert organisation_row().phones == [
        {"number": "+442079460999", "display": "00 44 20 7946 0999", "label": "Signal"}
    ]
