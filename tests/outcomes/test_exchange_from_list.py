"""An exchange list's confirmed persons put on a draft batch in one step, each under the batch's
rules (in custody, one active batch, no handover), with a result per row."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.outcomes.models import ExchangeEntry
from lifeline.outcomes.services.exchanges import (
    OutcomeRefused,
    exchange_batch_confirm,
    exchange_entries_add_from_list,
    exchange_entry_add,
)
from lifeline.registry.lists import list_match_create, list_row_decide
from lifeline.registry.models import ListMatch, Person, StatusEvent
from tests.factories import login_staff
from tests.outcomes.helpers import create_batch, create_handover, create_person

pytestmark = pytest.mark.django_db

NOT_EXCHANGE_MANAGERS = ["alice", "bob", "frank", "mallory"]
HEADER = "ФИО;Год рождения"


def _person(surname: str, given: str, status: str) -> Person:
    return create_person(surname, given_name=given, birth_year=1990, status=status)


@pytest.fixture
def persons(db: Any) -> dict[str, Person]:
    return {
        "held": _person("Кузьминов", "Максим", "held"),
        "dead": _person("Петренко", "Олександр", "dead"),
        "elsewhere": _person("Гаврилюк", "Тарас", "held"),
        "handover": _person("Бондаренко", "Ігор", "held"),
        "rejected": _person("Сидоренко", "Павло", "held"),
        "undecided": _person("Мельник", "Андрій", "held"),
    }


def _exchange_list(persons: dict[str, Person], kind: str = "exchange") -> ListMatch:
    lines = [HEADER] + [f"{p.surname} {p.given_name} {p.patronymic};1990" for p in persons.values()]
    listed = list_match_create(
        actor=SYSTEM,
        data="\r\n".join(lines).encode("cp1251"),
        kind=kind,
        columns={"full_name": "ФИО", "birth_date": "Год рождения"},
    )
    rows = {row.candidates[0]["person"]: row for row in listed.rows.all()}
    for key, person in persons.items():
        if key == "rejected":
            list_row_decide(actor=SYSTEM, row=rows[person.pk], decision="rejected")
        elif key != "undecided":
            list_row_decide(
                actor=SYSTEM, row=rows[person.pk], decision="confirmed", person=person.pk
            )
    return listed


def test_confirmed_rows_are_added_and_the_rest_refused_each_with_its_reason(
    persons: dict[str, Person], erin: Any, dave: Any, carol: Any
) -> None:
    listed = _exchange_list(persons)
    other = create_batch(dave)
    exchange_entry_add(actor=dave, batch=other, person=persons["elsewhere"])
    create_handover(carol, person=persons["handover"])
    batch = create_batch(erin)
    events = StatusEvent.objects.count()
    results = exchange_entries_add_from_list(actor=erin, batch=batch, listed=listed)
    by_person = {r.person.pk: r for r in results if r.person}
    assert [r.line for r in results] == [2, 3, 4, 5]  # the confirmed rows, by line
    assert by_person[persons["held"].pk].added
    assert "not as held" in by_person[persons["dead"].pk].reason
    assert f"already on exchange batch #{other.pk}" in by_person[persons["elsewhere"].pk].reason
    assert "being handed over" in by_person[persons["handover"].pk].reason
    on_batch = set(ExchangeEntry.objects.filter(batch=batch).values_list("person", flat=True))
    assert on_batch == {persons["held"].pk}  # no rejected, undecided or refused row
    assert StatusEvent.objects.count() == events
    [event] = AuditEvent.objects.filter(action=Action.EXCHANGE_ENTRIES_FROM_LIST)
    assert event.detail == {"list": listed.pk, "added": 1, "refused": [3, 4, 5]}
    # Again: he is on this batch already, and nobody is added twice.
    again = exchange_entries_add_from_list(actor=erin, batch=batch, listed=listed)
    assert not any(r.added for r in again)
    assert "on this batch already" in again[0].reason


def test_only_an_exchange_list_and_only_a_draft_batch(
    persons: dict[str, Person], erin: Any
) -> None:
    sought = _exchange_list({"held": persons["held"]}, kind="sought")
    batch = create_batch(erin)
    with pytest.raises(OutcomeRefused, match="Only an exchange list"):
        exchange_entries_add_from_list(actor=erin, batch=batch, listed=sought)
    listed = _exchange_list({"held": persons["held"]})
    exchange_entry_add(actor=erin, batch=batch, person=persons["undecided"])
    exchange_batch_confirm(actor=erin, batch=batch)
    batch.refresh_from_db()
    with pytest.raises(OutcomeRefused, match="not a draft"):
        exchange_entries_add_from_list(actor=erin, batch=batch, listed=listed)
    nothing = _exchange_list({"undecided": persons["undecided"]})
    with pytest.raises(OutcomeRefused, match="No row of the list is confirmed"):
        exchange_entries_add_from_list(actor=erin, batch=create_batch(erin), listed=nothing)


@pytest.mark.parametrize("refused", NOT_EXCHANGE_MANAGERS)
def test_these_users_cannot_put_a_list_on_a_batch(
    request: pytest.FixtureRequest, refused: str, persons: dict[str, Person], erin: Any
) -> None:
    user = request.getfixturevalue(refused)
    listed = _exchange_list(persons)
    batch = create_batch(erin)
    with pytest.raises(PermissionDenied, match=r"^exchange\.manage$"):
        exchange_entries_add_from_list(actor=user, batch=batch, listed=listed)
    assert not ExchangeEntry.objects.exists()


def test_the_page_puts_the_list_on_a_batch_and_says_what_became_of_each_row(
    client: Client, persons: dict[str, Person], carol: Any
) -> None:
    listed = _exchange_list({"held": persons["held"], "dead": persons["dead"]})
    batch = create_batch(carol)
    login_staff(client, carol)
    url = reverse("outcomes:exchange_from_list", args=[listed.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Кузьминов Максим" in page.content.decode()
    reads = AuditEvent.objects.filter(action=Action.PERSON_VIEW, detail__purpose="list_match")
    assert {int(e.object_id) for e in reads} == {persons["held"].pk, persons["dead"].pk}
    response = client.post(url, {"batch": batch.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>added</strong>" in html
    assert "<strong>refused</strong>: Петренко Олександр Сергеевич is recorded as" in html
    assert list(batch.entries.values_list("person", flat=True)) == [persons["held"].pk]


def test_a_batch_that_is_not_a_draft_cannot_be_chosen(
    client: Client, persons: dict[str, Person], carol: Any
) -> None:
    listed = _exchange_list({"held": persons["held"]})
    batch = create_batch(carol)
    exchange_entry_add(actor=carol, batch=batch, person=persons["undecided"])
    exchange_batch_confirm(actor=carol, batch=batch)
    login_staff(client, carol)
    url = reverse("outcomes:exchange_from_list", args=[listed.pk])
    response = client.post(url, {"batch": batch.pk})
    assert response.status_code == 400
    assert batch.entries.count() == 1
