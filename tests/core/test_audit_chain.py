"""The audit log: events chain by hash, and `lifeline audit verify` finds any tampering."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from lifeline.core.actors import PUBLIC, SYSTEM
from lifeline.core.audit import audit_record, audit_verify
from lifeline.core.models import AuditEvent
from lifeline.registry.models import Person

pytestmark = pytest.mark.django_db


def _three_events(actor: object) -> list[AuditEvent]:
    person = Person.objects.create(surname="Петренко")
    with transaction.atomic():
        return [
            audit_record(actor=actor, action="person.view", obj=person),
            audit_record(actor=PUBLIC, action="case.public_view", detail={"n": 1}),
            audit_record(actor=SYSTEM, action="contact.process"),
        ]


def test_events_chain_and_verify(alice) -> None:  # type: ignore[no-untyped-def]
    first, second, third = _three_events(alice)
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert [e.actor_kind for e in (first, second, third)] == ["staff", "public", "system"]
    assert first.object_type == "registry.person"
    report = audit_verify()
    assert report.intact and report.checked == 3
    call_command("audit_verify")


def test_an_edited_event_breaks_the_chain(alice) -> None:  # type: ignore[no-untyped-def]
    _, second, _ = _three_events(alice)
    AuditEvent.objects.filter(pk=second.pk).update(action="person.export")
    report = audit_verify()
    assert report.first_broken_id == second.pk
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify")


def test_a_deleted_event_breaks_the_chain(alice) -> None:  # type: ignore[no-untyped-def]
    events = _three_events(alice)
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    assert not audit_verify().intact


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"must run inside the transaction it records"):
        audit_record(actor=SYSTEM, action="x")


def test_many_reads_chain_as_separate_events_in_few_queries(
    alice, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from lifeline.core.audit import audit_record_many

    people = [Person.objects.create(surname=f"Тестов{i}") for i in range(50)]
    _three_events(alice)
    with transaction.atomic(), django_assert_max_num_queries(4):
        events = audit_record_many(
            actor=alice, action="person.view", objs=people, detail={"purpose": "candidate"}
        )
    assert [e.object_id for e in events] == [str(p.pk) for p in people]
    assert AuditEvent.objects.filter(action="person.view").count() == 51
    report = audit_verify()
    assert report.intact and report.checked == 53
