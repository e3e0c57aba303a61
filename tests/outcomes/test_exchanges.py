"""Exchange batches: the list, one active batch per person, outcomes, all-or-nothing completion."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from lifeline.core.actors import SYSTEM
from lifeline.core.exceptions import ActionRefused
from lifeline.core.models import AuditEvent
from lifeline.outcomes.models import ExchangeBatch, ExchangeEntry
from lifeline.outcomes.services import exchanges
from lifeline.outcomes.services.exchanges import (
    exchange_batch_cancel,
    exchange_batch_complete,
    exchange_batch_confirm,
    exchange_batch_create,
    exchange_batch_reopen,
    exchange_batch_update,
    exchange_entry_add,
    exchange_entry_set_outcome,
)
from lifeline.registry.models import Person, Source, StatusEvent
from tests.outcomes.helpers import PLACE, create_batch, create_handover, create_person

pytestmark = pytest.mark.django_db

# EXCHANGE_MANAGE is for caseworkers, registrars and supervisors.
NOT_EXCHANGE_MANAGERS = ["alice", "bob", "frank", "mallory"]


# The partial unique index: PostgreSQL names the constraint, SQLite its column.
ONE_ACTIVE_ENTRY = (
    r"one_active_batch_per_person"
    r"|UNIQUE constraint failed: outcomes_exchangeentry\.person_id$"
)


def _confirmed_batch(actor, *persons: Person) -> tuple[ExchangeBatch, list[ExchangeEntry]]:  # type: ignore[no-untyped-def]
    batch = create_batch(actor)
    entries = [exchange_entry_add(actor=actor, batch=batch, person=p) for p in persons]
    exchange_batch_confirm(actor=actor, batch=batch)
    batch.refresh_from_db()
    return batch, entries


def _state(batch: ExchangeBatch) -> tuple[object, ...]:
    fresh = ExchangeBatch.objects.get(pk=batch.pk)
    return (
        fresh.status,
        fresh.completed_at,
        fresh.source_id,
        sorted(ExchangeEntry.objects.filter(batch=batch).values_list("outcome", "active")),
        StatusEvent.objects.count(),
        Source.objects.count(),
        sorted(Person.objects.values_list("pk", "current_status")),
        AuditEvent.objects.count(),
    )


# --- who is refused -------------------------------------------------------------------------


@pytest.mark.parametrize("refused", NOT_EXCHANGE_MANAGERS)
def test_these_users_cannot_keep_exchange_batches(request, refused, dave) -> None:
    user = request.getfixturevalue(refused)
    person = create_person(status="held")
    batch, [entry] = _confirmed_batch(dave, person)
    before = _state(batch)
    attempts = [
        lambda: create_batch(user),
        lambda: exchange_batch_update(
            actor=user, batch=batch, planned_on=batch.planned_on, place="x", counterpart="y"
        ),
        lambda: exchange_entry_add(
            actor=user, batch=batch, person=create_person("Другой", status="held")
        ),
        lambda: exchange_entry_set_outcome(actor=user, entry=entry, outcome="exchanged"),
        lambda: exchange_batch_reopen(actor=user, batch=batch),
        lambda: exchange_batch_confirm(actor=user, batch=batch),
        lambda: exchange_batch_cancel(actor=user, batch=batch),
        lambda: exchange_batch_complete(actor=user, batch=batch),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match=r"^exchange\.manage$"):
            attempt()
    # Persons made along the way aside, nothing changed.
    after = _state(batch)
    assert after[:4] == before[:4]


# --- the list -------------------------------------------------------------------------------


def test_a_batch_has_a_date_a_sealed_place_and_a_counterpart(erin) -> None:
    batch = create_batch(erin, planned_on=timezone.localdate() + timedelta(days=3))
    assert (batch.status, batch.place, batch.created_by) == ("draft", PLACE, erin)
    [event] = AuditEvent.objects.filter(action="exchange.create")
    assert event.object_id == str(batch.pk) and PLACE not in json.dumps(event.detail)
    with pytest.raises(ActionRefused, match="place"):
        exchange_batch_create(
            actor=erin, planned_on=timezone.localdate(), place=" ", counterpart="x"
        )


def test_persons_are_added_from_the_registry(dave) -> None:
    batch = create_batch(dave)
    person = create_person(status="held")
    entry = exchange_entry_add(actor=dave, batch=batch, person=person)
    assert (entry.outcome, entry.active, entry.added_by) == ("pending", True, dave)
    [event] = AuditEvent.objects.filter(action="exchange.entry_add")
    assert event.detail == {"entry": entry.pk, "person": person.pk}
    with pytest.raises(ActionRefused, match="on this batch already"):
        exchange_entry_add(actor=dave, batch=batch, person=person)


def test_a_person_in_an_active_batch_cannot_join_another(dave, erin) -> None:
    person = create_person("Петренко", status="held")
    first = create_batch(dave)
    second = create_batch(erin)
    exchange_entry_add(actor=dave, batch=first, person=person)
    with pytest.raises(ActionRefused, match=r"is already on exchange batch #\d+") as refused:
        exchange_entry_add(actor=erin, batch=second, person=person)
    assert f"already on exchange batch #{first.pk}" in refused.value.message
    assert "Петренко" in refused.value.message
    assert not ExchangeEntry.objects.filter(batch=second).exists()


def test_once_withdrawn_or_the_batch_cancelled_he_is_free_again(dave) -> None:
    person = create_person(status="held")
    first, [entry] = _confirmed_batch(dave, person)
    exchange_entry_set_outcome(actor=dave, entry=entry, outcome="withdrawn")
    second = create_batch(dave)
    exchange_entry_add(actor=dave, batch=second, person=person)
    # Taking the withdrawal back would make him active twice: refused.
    with pytest.raises(ActionRefused, match="only one active batch"):
        exchange_entry_set_outcome(actor=dave, entry=entry, outcome="pending")
    exchange_batch_cancel(actor=dave, batch=second)
    assert not ExchangeEntry.objects.filter(batch=second, active=True).exists()
    exchange_entry_set_outcome(actor=dave, entry=entry, outcome="pending")
    entry.refresh_from_db()
    assert (entry.outcome, entry.active) == ("pending", True)


def test_the_database_itself_refuses_a_second_active_entry(dave) -> None:
    """Bypass the services: the partial unique index is the last word, on any database."""
    person = create_person(status="held")
    now = timezone.now()
    first, second = create_batch(dave), create_batch(dave)
    ExchangeEntry.objects.create(batch=first, person=person, added_at=now)
    with (
        pytest.raises(IntegrityError, match=ONE_ACTIVE_ENTRY),
        transaction.atomic(),
    ):
        ExchangeEntry.objects.create(batch=second, person=person, added_at=now)
    # Inactive entries are history and do not count.
    ExchangeEntry.objects.create(
        batch=second, person=person, added_at=now, outcome="withdrawn", active=False
    )
    assert ExchangeEntry.objects.filter(person=person).count() == 2


def test_the_service_turns_a_lost_race_into_a_refusal(dave, monkeypatch) -> None:
    """Two officers add him at once: the check passes for both, the database stops one."""
    person = create_person(status="held")
    first, second = create_batch(dave), create_batch(dave)
    exchange_entry_add(actor=dave, batch=first, person=person)
    monkeypatch.setattr(exchanges, "_refuse_active_elsewhere", lambda person, batch: None)
    with pytest.raises(ActionRefused, match="just put on another active batch"):
        exchange_entry_add(actor=dave, batch=second, person=person)
    assert ExchangeEntry.objects.filter(person=person).count() == 1


def test_merged_dead_or_handed_over_persons_are_refused(dave, erin) -> None:
    batch = create_batch(dave)
    keep = create_person("Оставлен", status="held")
    merged = create_person("Слит", status="held")
    Person.objects.filter(pk=merged.pk).update(merged_into=keep)
    with pytest.raises(ActionRefused, match=f"merged into #{keep.pk}"):
        exchange_entry_add(actor=dave, batch=batch, person=merged)
    with pytest.raises(ActionRefused, match="dead"):
        exchange_entry_add(actor=dave, batch=batch, person=create_person(status="dead"))
    handover = create_handover(erin)
    with pytest.raises(ActionRefused, match="handed over to his family"):
        exchange_entry_add(actor=dave, batch=batch, person=handover.person)


def test_persons_are_added_while_the_batch_is_a_draft(dave) -> None:
    batch, _entries = _confirmed_batch(dave, create_person(status="held"))
    with pytest.raises(ActionRefused, match="back to draft"):
        exchange_entry_add(actor=dave, batch=batch, person=create_person("Второй", status="held"))
    exchange_batch_reopen(actor=dave, batch=batch)
    exchange_entry_add(actor=dave, batch=batch, person=create_person("Второй", status="held"))
    assert batch.entries.count() == 2


def test_an_empty_list_cannot_be_confirmed(dave) -> None:
    with pytest.raises(ActionRefused, match="empty"):
        exchange_batch_confirm(actor=dave, batch=create_batch(dave))


# --- outcomes -------------------------------------------------------------------------------


def test_exchanged_is_recorded_on_a_confirmed_batch_only(dave) -> None:
    batch = create_batch(dave)
    entry = exchange_entry_add(actor=dave, batch=batch, person=create_person(status="held"))
    with pytest.raises(ActionRefused, match="Confirm the batch"):
        exchange_entry_set_outcome(actor=dave, entry=entry, outcome="exchanged")
    exchange_batch_confirm(actor=dave, batch=batch)
    exchange_entry_set_outcome(actor=dave, entry=entry, outcome="exchanged")
    entry.refresh_from_db()
    assert (entry.outcome, entry.active, entry.outcome_by) == ("exchanged", True, dave)
    with pytest.raises(ActionRefused, match="already"):
        exchange_entry_set_outcome(actor=dave, entry=entry, outcome="exchanged")
    with pytest.raises(ActionRefused, match="set him back to pending"):
        exchange_batch_reopen(actor=dave, batch=batch)


def test_withdrawn_and_refused_release_the_person_and_keep_a_sealed_note(erin) -> None:
    batch, [a, b] = _confirmed_batch(
        erin, create_person("А", status="held"), create_person("Б", status="held")
    )
    exchange_entry_set_outcome(actor=erin, entry=a, outcome="withdrawn", note="снят стороной")
    exchange_entry_set_outcome(actor=erin, entry=b, outcome="refused", note="отказался сам")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.active, b.active, a.note) == (False, False, "снят стороной")
    details = [e.detail for e in AuditEvent.objects.filter(action="exchange.entry_outcome")]
    assert [(d["from"], d["to"]) for d in details] == [
        ("pending", "withdrawn"),
        ("pending", "refused"),
    ]
    assert "снят" not in json.dumps(details, ensure_ascii=False)


# --- completion -----------------------------------------------------------------------------


def test_completion_writes_the_status_events_for_the_persons_exchanged(carol) -> None:
    exchanged, withdrawn, refused = (
        create_person(s, status="held") for s in ("Обменян", "Снят", "Отказ")
    )
    batch, [a, b, c] = _confirmed_batch(carol, exchanged, withdrawn, refused)
    exchange_entry_set_outcome(actor=carol, entry=a, outcome="exchanged")
    exchange_entry_set_outcome(actor=carol, entry=b, outcome="withdrawn")
    exchange_entry_set_outcome(actor=carol, entry=c, outcome="refused")

    exchange_batch_complete(actor=carol, batch=batch)

    batch.refresh_from_db()
    assert (batch.status, batch.completed_by) == ("completed", carol)
    assert batch.source.kind == "official_list" and f"#{batch.pk}" in batch.source.title
    [event] = StatusEvent.objects.filter(source=batch.source)
    assert (event.person, event.status, event.verification) == (exchanged, "exchanged", "confirmed")
    assert (event.occurred_on, event.place) == (batch.planned_on, PLACE)
    assert event.recorded_by == carol  # the system wrote it, because carol completed the batch
    for person, status in ((exchanged, "exchanged"), (withdrawn, "held"), (refused, "held")):
        person.refresh_from_db()
        assert person.current_status == status
    assert not ExchangeEntry.objects.filter(batch=batch, active=True).exists()
    [audit] = AuditEvent.objects.filter(action="exchange.complete")
    assert audit.actor == carol
    assert audit.detail["status_events"] == [event.pk]
    assert (audit.detail["exchanged"], audit.detail["withdrawn"], audit.detail["refused"]) == (
        1,
        1,
        1,
    )
    assert PLACE not in json.dumps(audit.detail, ensure_ascii=False)
    with pytest.raises(ActionRefused, match="cannot change"):
        exchange_entry_set_outcome(actor=carol, entry=a, outcome="withdrawn")


def test_pending_entries_block_completion(carol) -> None:
    batch, [a, _b] = _confirmed_batch(
        carol, create_person("А", status="held"), create_person("Б", status="held")
    )
    exchange_entry_set_outcome(actor=carol, entry=a, outcome="exchanged")
    before = _state(batch)
    with pytest.raises(ActionRefused, match="1 on the list have no outcome"):
        exchange_batch_complete(actor=carol, batch=batch)
    assert _state(batch) == before


def test_completion_needs_a_confirmed_batch_someone_exchanged_and_the_day_come(carol) -> None:
    draft = create_batch(carol)
    with pytest.raises(ActionRefused, match="confirmed"):
        exchange_batch_complete(actor=carol, batch=draft)
    batch, [entry] = _confirmed_batch(carol, create_person(status="held"))
    exchange_entry_set_outcome(actor=carol, entry=entry, outcome="withdrawn")
    with pytest.raises(ActionRefused, match="cancel the batch instead"):
        exchange_batch_complete(actor=carol, batch=batch)
    exchange_entry_set_outcome(actor=carol, entry=entry, outcome="exchanged")
    ExchangeBatch.objects.filter(pk=batch.pk).update(
        planned_on=timezone.localdate() + timedelta(days=1)
    )
    with pytest.raises(ActionRefused, match="once it has taken place"):
        exchange_batch_complete(actor=carol, batch=batch)


def test_completion_is_all_or_nothing(carol, monkeypatch) -> None:
    """The third status event fails: no event, no source and no change of the batch remain."""
    persons = [create_person(f"Обменян{n}", status="held") for n in range(4)]
    batch, entries = _confirmed_batch(carol, *persons)
    for entry in entries:
        exchange_entry_set_outcome(actor=carol, entry=entry, outcome="exchanged")
    before = _state(batch)
    real = exchanges.status_event_add
    calls: list[int] = []

    def failing_third(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(exchanges, "status_event_add", failing_third)
    with pytest.raises(RuntimeError, match=r"the database went away"):
        exchange_batch_complete(actor=carol, batch=batch)
    assert len(calls) == 3
    assert _state(batch) == before


def test_a_cancelled_batch_frees_everyone_and_cannot_change(dave) -> None:
    batch, [entry] = _confirmed_batch(dave, create_person(status="held"))
    exchange_batch_cancel(actor=dave, batch=batch)
    entry.refresh_from_db()
    assert not entry.active
    with pytest.raises(ActionRefused, match="Only a confirmed batch"):
        exchange_batch_complete(actor=dave, batch=batch)
    with pytest.raises(ActionRefused, match="cannot change"):
        exchange_batch_update(
            actor=dave, batch=batch, planned_on=batch.planned_on, place="x", counterpart="y"
        )


def test_a_merged_record_blocks_completion(carol) -> None:
    keep = create_person("Оставлен", status="held")
    person = create_person("Слит", status="held")
    batch, [entry] = _confirmed_batch(carol, person)
    exchange_entry_set_outcome(actor=carol, entry=entry, outcome="exchanged")
    Person.objects.filter(pk=person.pk).update(merged_into=keep)
    with pytest.raises(ActionRefused, match=f"#{keep.pk}"):
        exchange_batch_complete(actor=carol, batch=batch)


def test_only_a_person_in_custody_goes_on_a_list(carol) -> None:
    released = create_person("Отпущен", status="released")
    with pytest.raises(ActionRefused, match="not as held"):
        exchange_entry_add(actor=carol, batch=create_batch(carol), person=released)


def test_a_death_recorded_before_completion_is_not_overwritten(carol) -> None:
    from lifeline.registry.services import status_event_add

    person = create_person("Погиб", status="held")
    batch, [entry] = _confirmed_batch(carol, person)
    exchange_entry_set_outcome(actor=carol, entry=entry, outcome="exchanged")
    status_event_add(
        actor=SYSTEM,
        person=person,
        status="dead",
        verification="confirmed",
        new_source={"kind": "official_list", "title": "list", "reliability": "high"},
        occurred_on=timezone.localdate(),
    )
    with pytest.raises(ActionRefused, match="not as held"):
        exchange_batch_complete(actor=carol, batch=batch)
    person.refresh_from_db()
    assert person.current_status == "dead"
    assert not StatusEvent.objects.filter(person=person, status="exchanged").exists()


def test_an_entry_put_back_on_the_list_is_checked_again(carol) -> None:
    person = create_person("Вернули", status="held")
    batch, [entry] = _confirmed_batch(carol, person)
    exchange_entry_set_outcome(actor=carol, entry=entry, outcome="withdrawn")
    create_handover(carol, person=person)  # meanwhile his family comes for him
    with pytest.raises(ActionRefused, match="handed over"):
        exchange_entry_set_outcome(actor=carol, entry=entry, outcome="pending")
