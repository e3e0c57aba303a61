"""Registry services: writes, the audit they leave, and the current-status rule."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry.models import NameForm, Person, Source, StatusEvent
from lifeline.registry.services import (
    name_form_add,
    person_create,
    person_update,
    status_event_add,
)
from tests.registry.conftest import create_person, create_source

pytestmark = pytest.mark.django_db


def _audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def _no_values_in(events: list[AuditEvent], *values: str) -> None:
    blob = json.dumps([e.detail for e in events], ensure_ascii=False)
    for value in values:
        assert value not in blob


def test_person_create_makes_primary_name_form_and_audits(dave) -> None:
    person = person_create(
        actor=dave,
        data={
            "surname": "Кузьминов",
            "given_name": "Максим",
            "patronymic": "Сергеевич",
            "name_language": "ru",
            "birth_year": 1995,
            "health": "ранение ноги",
        },
    )
    form = person.name_forms.get()
    assert form.is_primary and form.script == "cyrl" and form.language == "ru"
    assert form.surname_folded == "кузьминов"
    [event] = _audit("person.create")
    assert event.actor == dave and event.object_id == str(person.pk)
    _no_values_in([event], "Кузьминов", "Максим", "ранение")


def test_person_create_refuses_an_impossible_date(dave) -> None:
    with pytest.raises(ValidationError) as refused:
        person_create(
            actor=dave,
            data={"surname": "Иванов", "birth_year": 1990, "birth_month": 2, "birth_day": 30},
        )
    assert list(refused.value.message_dict) == ["birth_day"]
    assert not Person.objects.exists()


@pytest.mark.parametrize("user", ["alice", "bob", "carol", "erin", "frank", "mallory"])
def test_these_users_are_refused_registry_writes(user, request, person, source) -> None:
    actor = request.getfixturevalue(user)
    with pytest.raises(PermissionDenied, match=r"^registry\.edit$"):
        person_create(actor=actor, data={"surname": "Иванов"})
    with pytest.raises(PermissionDenied, match=r"^registry\.edit$"):
        person_update(actor=actor, person=person, data={"rank": "сержант"})
    with pytest.raises(PermissionDenied, match=r"^registry\.edit$"):
        name_form_add(actor=actor, person=person, surname="Kuzminov")
    with pytest.raises(PermissionDenied, match=r"^registry\.edit$"):
        status_event_add(
            actor=actor, person=person, status="held", verification="reported", source=source
        )


def test_person_update_audits_changed_field_names_only(dave, person) -> None:
    changed = person_update(
        actor=dave,
        person=person,
        data={"rank": "сержант", "unit": "в/ч 12345", "place_of_detention": "СИЗО-2, Таганрог"},
    )
    assert sorted(changed) == ["place_of_detention", "rank"]
    [event] = _audit("person.update")
    assert sorted(event.detail["fields"]) == ["place_of_detention", "rank"]
    _no_values_in([event], "сержант", "СИЗО", "Таганрог")
    person.refresh_from_db()
    assert person.rank == "сержант" and person.place_of_detention == "СИЗО-2, Таганрог"


def test_person_update_without_change_writes_nothing(dave, person) -> None:
    assert person_update(actor=dave, person=person, data={"rank": person.rank}) == []
    assert _audit("person.update") == []


def test_person_update_keeps_primary_name_form_in_step(dave, person) -> None:
    person_update(actor=dave, person=person, data={"surname": "Кузьмин", "name_language": "uk"})
    person.refresh_from_db()
    primary = person.name_forms.get(is_primary=True)
    assert person.surname == primary.surname == "Кузьмин"
    assert primary.surname_folded == "кузьмин" and primary.language == "uk"
    assert person.name_forms.count() == 1
    assert set(_audit("person.update")[0].detail["fields"]) == {"surname", "name_language"}


def test_name_form_add_latin_and_make_primary(dave, person, source) -> None:
    latin = name_form_add(
        actor=dave,
        person=person,
        surname="Kuzminov",
        given_name="Maksim",
        transliteration="icao",
        source=source,
    )
    assert latin.script == "latn" and not latin.is_primary
    assert latin.surname_folded == "kuzminov"
    name_form_add(actor=dave, person=person, surname="Кузьмінов", given_name="Максим",
                  language="uk", make_primary=True)  # fmt: skip
    person.refresh_from_db()
    assert person.surname == "Кузьмінов"
    assert NameForm.objects.filter(person=person, is_primary=True).count() == 1
    events = _audit("person.name_form_add")
    assert [e.detail["primary"] for e in events] == [False, True]
    _no_values_in(events, "Kuzminov", "Кузьмінов")


def test_status_event_add_sets_current_status_from_the_newest_event(dave, person, source) -> None:
    today = date.today()  # noqa: DTZ011
    status_event_add(actor=dave, person=person, status="captured", verification="confirmed",
                     source=source, occurred_on=today - timedelta(days=30))  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "captured"
    status_event_add(actor=dave, person=person, status="held", verification="probable",
                     source=source, occurred_on=today - timedelta(days=10),
                     place="колония №1")  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "held"
    # An older fact entered later fills the history but does not move him.
    status_event_add(actor=dave, person=person, status="missing", verification="reported",
                     source=source, occurred_on=today - timedelta(days=60))  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "held"
    events = _audit("person.status_add")
    assert [e.detail["current"] for e in events] == [True, True, False]
    assert [e.detail["status"] for e in events] == ["captured", "held", "missing"]
    _no_values_in(events, "колония")
    assert StatusEvent.objects.filter(person=person).count() == 3
    assert StatusEvent.objects.filter(recorded_by=dave).count() == 3


def test_undated_event_counts_from_the_day_it_is_recorded(dave, person, source) -> None:
    status_event_add(actor=dave, person=person, status="captured", verification="confirmed",
                     source=source, occurred_on=date(2024, 5, 1))  # fmt: skip
    status_event_add(actor=dave, person=person, status="hospitalised", verification="reported",
                     source=source)  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "hospitalised"


def test_status_event_add_with_a_new_source(dave, person) -> None:
    event = status_event_add(
        actor=dave,
        person=person,
        status="dead",
        verification="probable",
        new_source={"kind": "witness", "title": "Показания сослуживца", "reliability": "low"},
    )
    assert event.source.title == "Показания сослуживца"
    [created] = _audit("source.create")
    assert created.detail == {"kind": "witness", "reliability": "low"}


def test_status_event_add_needs_exactly_one_source(dave, person, source) -> None:
    with pytest.raises(ValueError, match=r"a status event needs a source"):
        status_event_add(actor=dave, person=person, status="held", verification="reported")
    with pytest.raises(ValueError, match=r"existing source or the fields of a new one, not both"):
        status_event_add(actor=dave, person=person, status="held", verification="reported",
                         source=source, new_source={"kind": "media", "title": "x",
                                                    "reliability": "low"})  # fmt: skip
    assert not StatusEvent.objects.exists()


def test_invalid_new_source_rolls_back(dave, person) -> None:
    with pytest.raises(ValidationError) as refused:
        status_event_add(
            actor=dave,
            person=person,
            status="held",
            verification="reported",
            new_source={"kind": "rumour", "title": "x", "reliability": "low"},
        )
    assert list(refused.value.message_dict) == ["kind"]
    assert not Source.objects.exists()


def test_system_actor_may_write(db) -> None:
    person = create_person()
    source = create_source()
    status_event_add(actor=SYSTEM, person=person, status="held", verification="confirmed",
                     source=source)  # fmt: skip
    person.refresh_from_db()
    assert person.current_status == "held"
    assert AuditEvent.objects.filter(actor_kind="system", action="person.status_add").exists()
