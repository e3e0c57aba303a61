"""Each staff user reads the console's times in the zone he chose on his account page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.accounts.models import User
from lifeline.accounts.services import user_time_zone_set
from lifeline.core.models import AuditEvent
from lifeline.core.zones import zone_for, zone_names
from tests.cases.helpers import create_case
from tests.factories import create_user, login_staff

pytestmark = pytest.mark.django_db

ME = reverse("accounts:me")
SET = reverse("accounts:time_zone")


def _console(user: User) -> Client:
    client = Client()
    login_staff(client, user)
    return client


def test_the_offered_zones_are_places_and_utc() -> None:
    names = zone_names()
    assert names[0] == "UTC"
    assert {"Europe/Kyiv", "Europe/Moscow", "America/New_York"} <= set(names)
    # "Etc/GMT+3" is UTC-3: offered, it would put a mistake one click away.
    assert not [name for name in names if name.startswith("Etc/") or "/" not in name][1:]


def test_a_new_user_follows_the_sites_zone(settings) -> None:
    settings.TIME_ZONE = "Europe/Warsaw"
    user = create_user("alice", roles=["operator"])
    assert user.time_zone == ""
    html = _console(user).get(ME).content.decode()
    assert '<option value="Europe/Warsaw" selected>Europe/Warsaw</option>' in html


def test_the_account_page_sets_the_zone_audits_it_and_the_console_uses_it() -> None:
    user = create_user("alice", roles=["operator"])
    client = _console(user)

    response = client.post(SET, {"time_zone": "Europe/Kyiv"}, follow=True)

    user.refresh_from_db()
    assert user.time_zone == "Europe/Kyiv"
    html = response.content.decode()
    assert "Time zone saved." in html
    assert '<option value="Europe/Kyiv" selected>Europe/Kyiv</option>' in html
    event = AuditEvent.objects.get(action="user.time_zone")
    assert (event.actor, event.detail) == (user, {"from": "", "to": "Europe/Kyiv"})
    assert "Opened (Europe/Kyiv)" in client.get(reverse("cases:queue")).content.decode()

    client.post(SET, {"time_zone": "Europe/Kyiv"})  # the same again changes nothing
    assert AuditEvent.objects.filter(action="user.time_zone").count() == 1


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Etc/GMT+3", "", "../../etc/passwd"])
def test_a_zone_that_is_not_offered_is_refused_and_nothing_changes(zone: str) -> None:
    user = create_user("alice", roles=["operator"])
    response = _console(user).post(SET, {"time_zone": zone})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode() or "required" in (
        response.content.decode()
    )
    user.refresh_from_db()
    assert user.time_zone == ""
    assert not AuditEvent.objects.filter(action="user.time_zone").exists()
    with pytest.raises(ValueError, match="is not a time zone the console offers"):
        user_time_zone_set(actor=user, zone=zone)


def test_a_zone_no_longer_known_falls_back_to_the_sites(settings) -> None:
    settings.TIME_ZONE = "UTC"
    assert str(zone_for("Europe/Atlantis")) == "UTC"
    assert str(zone_for("")) == "UTC"


def test_the_rest_of_the_console_shows_times_in_the_users_zone_too() -> None:
    # The zone is active while any console view runs (core.access), so Django's own
    # formatting follows it: here the case page's "Opened", which knows nothing of zones.
    user = create_user("alice", roles=["operator"], time_zone="Asia/Tokyo")
    case = create_case(created_at=datetime(2026, 3, 1, 12, 5, tzinfo=UTC))
    html = _console(user).get(reverse("cases:detail", kwargs={"key": case.pk})).content.decode()
    assert "2026-03-01 21:05" in html and "2026-03-01 12:05" not in html


def test_the_zone_field_is_each_users_own() -> None:
    user = create_user("alice", roles=["operator"])
    other = create_user("bob", roles=["operator"])
    _console(user).post(SET, {"time_zone": "Europe/Kyiv"})
    other.refresh_from_db()
    assert other.time_zone == ""
