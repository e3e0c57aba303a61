"""Each kind of status event the bureau records, with what it changes on the person's record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from lifeline.core.models import AuditEvent
from lifeline.registry.models import Person, StatusEvent
from lifeline.registry.services import status_event_add
from tests.factories import login_staff

pytestmark = pytest.mark.django_db

TODAY = date.today()  # noqa: DTZ011


def _days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def _post(client, person, **data: str):  # type: ignore[no-untyped-def]
    url = reverse("registry:status_event_add", args=[person.pk])
    return client.post(url, {"verification": "confirmed", **data})


@pytest.mark.parametrize(
    ("status", "place"),
    [
        ("captured", "Курская обл., с. Суджа"),
        ("transferred", "Лагерь №3"),
        ("hospitalised", "Военный госпиталь №5"),
        ("released", "Пункт пропуска"),
        ("repatriated", "Граница"),
        ("escaped", "Лагерь №3"),
        ("dead", "Лагерь №3"),
    ],
)
def test_each_kind_is_recorded_with_its_source_and_verification(
    client, dave, person, source, status, place
) -> None:
    login_staff(client, dave)
    response = _post(client, person, status=status, place=place, source=str(source.pk),
                     occurred_on=_days_ago(1).isoformat(), verification="probable")  # fmt: skip
    assert response.status_code == 302
    event = StatusEvent.objects.get(person=person)
    assert (event.status, event.place, event.source, event.verification) == (
        status,
        place,
        source,
        "probable",
    )
    person.refresh_from_db()
    assert person.current_status == status
    [audit] = AuditEvent.objects.filter(action="person.status_add")
    assert audit.detail["status"] == status and place not in str(audit.detail)


@pytest.mark.parametrize(
    ("missing", "field"), [("verification", "verification"), ("source", "__all__")]
)
def test_source_and_verification_stay_required(client, dave, person, source, missing, field):  # type: ignore[no-untyped-def]
    login_staff(client, dave)
    data = {"status": "dead", "verification": "confirmed", "source": str(source.pk)}
    data.pop(missing)
    url = reverse("registry:status_event_add", args=[person.pk])
    response = client.post(url, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not StatusEvent.objects.exists()


def test_death_with_grave_location_updates_the_person_encrypted_and_audited(
    client, dave, person, source
) -> None:
    login_staff(client, dave)
    grave = "Кладбище с. Ивановка, участок 4, могила 17"
    response = _post(client, person, status="dead", source=str(source.pk),
                     occurred_on=_days_ago(3).isoformat(), place="Лагерь №3",
                     grave_location=grave)  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.current_status == "dead" and person.grave_location == grave
    with connection.cursor() as cursor:
        cursor.execute("SELECT grave_location FROM registry_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert "Ивановка" not in stored
    [audit] = AuditEvent.objects.filter(action="person.status_add")
    assert audit.detail["fields"] == ["current_status", "grave_location"]
    assert "Ивановка" not in str(audit.detail)
    body = client.get(reverse("registry:person", args=[person.pk])).content.decode()
    assert grave in body


def test_a_death_reported_without_a_grave_location_keeps_the_field_empty(
    dave, person, source
) -> None:
    status_event_add(actor=dave, person=person, status="dead", verification="reported",
                     source=source)  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "dead" and person.grave_location == ""


def test_a_grave_location_belongs_only_to_a_death(client, dave, person, source) -> None:
    login_staff(client, dave)
    response = _post(client, person, status="held", source=str(source.pk),
                     grave_location="могила 17")  # fmt: skip
    assert response.status_code == 400
    assert "grave_location" in response.context["form"].errors
    with pytest.raises(ValueError, match=r"a grave location belongs to a death"):
        status_event_add(actor=dave, person=person, status="released", verification="reported",
                         source=source, grave_location="могила 17")  # fmt: skip
    assert not StatusEvent.objects.exists()
    person.refresh_from_db()
    assert person.grave_location == ""


def test_a_transfer_moves_his_place_of_detention(dave, person, source) -> None:
    status_event_add(actor=dave, person=person, status="held", verification="confirmed",
                     source=source, occurred_on=_days_ago(30), place="СИЗО-2")  # fmt: skip
    person.refresh_from_db()
    assert person.place_of_detention == "СИЗО-2"
    status_event_add(actor=dave, person=person, status="transferred", verification="confirmed",
                     source=source, occurred_on=_days_ago(10), place="Лагерь №3")  # fmt: skip
    person.refresh_from_db()
    assert (person.current_status, person.place_of_detention) == ("transferred", "Лагерь №3")
    events = AuditEvent.objects.filter(action="person.status_add").order_by("id")
    assert events[1].detail["fields"] == ["current_status", "place_of_detention"]
    assert "Лагерь" not in str(events[1].detail)


def test_an_older_transfer_entered_later_does_not_move_him(dave, person, source) -> None:
    status_event_add(actor=dave, person=person, status="transferred", verification="confirmed",
                     source=source, occurred_on=_days_ago(10), place="Лагерь №3")  # fmt: skip
    status_event_add(actor=dave, person=person, status="transferred", verification="reported",
                     source=source, occurred_on=_days_ago(40), place="СИЗО-2")  # fmt: skip
    person.refresh_from_db()
    assert person.place_of_detention == "Лагерь №3"
    assert StatusEvent.objects.filter(place__isnull=False).count() == 2


def test_a_hospital_is_the_event_place_not_his_place_of_detention(dave, person, source) -> None:
    status_event_add(actor=dave, person=person, status="held", verification="confirmed",
                     source=source, occurred_on=_days_ago(30), place="Лагерь №3")  # fmt: skip
    event = status_event_add(actor=dave, person=person, status="hospitalised",
                             verification="probable", source=source,
                             occurred_on=_days_ago(2), place="Госпиталь №5")  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "hospitalised"
    assert person.place_of_detention == "Лагерь №3" and event.place == "Госпиталь №5"


def test_the_current_status_follows_the_newest_event_through_every_kind(
    dave, person, source
) -> None:
    sequence = [
        ("captured", 60),
        ("transferred", 50),
        ("hospitalised", 40),
        ("escaped", 30),
        ("captured", 25),
        ("released", 20),
        ("repatriated", 10),
    ]
    for status, days in sequence:
        status_event_add(actor=dave, person=person, status=status, verification="confirmed",
                         source=source, occurred_on=_days_ago(days))  # fmt: skip
        person.refresh_from_db()
        assert person.current_status == status
    # A death reported later but dated before his repatriation fills the history only.
    status_event_add(actor=dave, person=person, status="dead", verification="reported",
                     source=source, occurred_on=_days_ago(15))  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "repatriated"
    assert Person.objects.get(pk=person.pk).status_events.count() == len(sequence) + 1


def test_the_form_offers_the_grave_location(client, dave, person) -> None:
    login_staff(client, dave)
    body = client.get(reverse("registry:status_event_add", args=[person.pk])).content.decode()
    assert 'name="grave_location"' in body
    assert 'value="repatriated"' in body and 'value="escaped"' in body
