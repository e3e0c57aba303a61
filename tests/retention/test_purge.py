"""The purge: what it deletes for each kind, what it keeps, its batches' audit, the dry run."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from lifeline.cases.models import CaseEvent
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent, ThrottleBucket
from lifeline.intake.models import Attachment, Contact, Conversation
from lifeline.registry.models import Person, RegistryExport
from lifeline.retention import purge
from lifeline.retention.models import PurgeRun
from lifeline.retention.selectors import purge_preview
from lifeline.retention.services import purge_if_due, purge_run, retention_policy_update
from lifeline.tracing.models import Disclosure, Enquiry
from tests.factories import create_person
from tests.retention.helpers import closed_case

pytestmark = pytest.mark.django_db


def test_messages_of_a_case_closed_past_the_policy_are_deleted_and_the_case_kept() -> None:
    old = closed_case(days_ago=400, body="старое сообщение", file=b"old file text\n")
    recent = closed_case(days_ago=10, body="недавнее сообщение")
    person = create_person(surname="Кузьминов")
    enquiry = Enquiry.objects.create(
        case=old,
        source_contact=old.contacts.get(),
        enquirer_name="Мария",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    disclosure = Disclosure.objects.create(
        enquiry=enquiry,
        person=person,
        text="held",
        drafted_by=_user(),
        drafted_at=timezone.now(),
        contact=old.contacts.get(),
    )

    run = purge_run()

    assert not Contact.objects.filter(case=old).exists()
    assert not Attachment.objects.filter(contact__case=old).exists()
    assert not Conversation.objects.filter(case=old).exists()
    assert Contact.objects.filter(case=recent).count() == 1
    old.refresh_from_db()  # the case, its timeline, its enquiry and disclosure stay
    disclosure.refresh_from_db()
    assert disclosure.contact_id is None and disclosure.text == "held"
    assert Person.objects.filter(pk=person.pk).exists()
    note = CaseEvent.objects.filter(case=old, kind=CaseEvent.Kind.NOTE).get()
    assert "retention policy" in note.text and "1 messages" in note.text
    assert run.counts["messages"] == 1 and run.counts["attachments"] == 1
    [event] = AuditEvent.objects.filter(action=Action.RETENTION_PURGE, detail__kind="messages")
    assert event.actor_kind == AuditEvent.ActorKind.SYSTEM
    assert event.detail["deleted"]["messages"] == 1
    assert "старое" not in str(event.detail)


def _user() -> Any:
    from tests.factories import create_user

    return create_user("drafter", roles=["tracing_officer"])


def test_the_enquirer_s_details_are_erased_after_the_enquiry_ended() -> None:
    old = closed_case(days_ago=400, body="x")
    recent = closed_case(days_ago=5, body="y")
    now = timezone.now()
    ended = Enquiry.objects.create(
        case=old, enquirer_name="Мария", enquirer_contact="+380501112233", created_at=now,
        updated_at=now, sought_surname="Кузьминов",
    )  # fmt: skip
    running = Enquiry.objects.create(
        case=recent, enquirer_name="Ольга", created_at=now, updated_at=now
    )

    assert purge_preview()["enquirer"]["enquirers"] == 1
    purge_run()

    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.enquirer_name, ended.enquirer_contact) == ("", "")
    assert ended.sought_surname == "Кузьминов"  # what was asked stays with the tracing record
    assert running.enquirer_name == "Ольга"
    assert purge_preview()["enquirer"]["enquirers"] == 0  # erased once, not again each day


def test_failed_intake_payloads_exports_and_login_records_go_after_their_days() -> None:
    now = timezone.now()
    failed = Contact.objects.create(
        channel="telegram", external_id="f1", direction="in", received_at=now - timedelta(days=100),
        body="", payload={"text": "raw"}, state=Contact.State.FAILED,
    )  # fmt: skip
    fresh_failed = Contact.objects.create(
        channel="telegram", external_id="f2", direction="in", received_at=now,
        body="", payload={"text": "raw"}, state=Contact.State.FAILED,
    )  # fmt: skip
    kept_payload = Contact.objects.create(
        channel="telegram", external_id="p1", direction="in", received_at=now - timedelta(days=40),
        body="b", payload={"update_id": 7, "text": "raw"}, state=Contact.State.PROCESSED,
    )  # fmt: skip
    dropped = Contact.objects.create(
        channel="telegram", external_id="p2", direction="in", received_at=now - timedelta(days=40),
        body="b", payload={}, state=Contact.State.PROCESSED,
    )  # fmt: skip
    drafter = _user()
    RegistryExport.objects.create(
        since=now.date(), until=now, format="csv", drafted_by=drafter,
        drafted_at=now - timedelta(days=200),
    )  # fmt: skip
    RegistryExport.objects.create(
        since=now.date(), until=now, format="csv", drafted_by=drafter, drafted_at=now
    )
    Session.objects.create(
        session_key="a" * 32, session_data="x", expire_date=now - timedelta(days=30)
    )
    Session.objects.create(
        session_key="b" * 32, session_data="x", expire_date=now + timedelta(hours=1)
    )
    ThrottleBucket.objects.create(key="k1", window_start=now - timedelta(days=30), hits=3)
    ThrottleBucket.objects.create(key="k2", window_start=now, hits=3)

    preview = purge_preview()
    assert preview["failed_intake"]["failed items"] == 1
    assert preview["payloads"]["payloads"] == 1  # the one still holding a payload, not "{}"
    assert preview["exports"]["exports"] == 1
    assert preview["logins"] == {"sessions": 1, "throttle counters": 1}

    purge_run()

    assert list(Contact.objects.filter(state="failed")) == [fresh_failed]
    assert not Contact.objects.filter(pk=failed.pk).exists()
    kept_payload.refresh_from_db()
    dropped.refresh_from_db()
    assert kept_payload.payload == {} and kept_payload.body == "b"
    assert RegistryExport.objects.count() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert list(ThrottleBucket.objects.values_list("key", flat=True)) == ["k2"]


def test_the_policy_set_by_the_administrator_decides_what_goes() -> None:
    case = closed_case(days_ago=40, body="x")
    assert purge_preview()["messages"]["cases"] == 0
    retention_policy_update(actor=SYSTEM, days={"messages": 30})
    assert purge_preview()["messages"] == {"cases": 1, "messages": 1, "attachments": 0}
    purge_run()
    assert not case.contacts.exists()


def test_each_batch_is_one_audit_event_with_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lifeline.retention.services.BATCH_SIZE", 2)
    for _ in range(5):
        closed_case(days_ago=400, body="x")
    purge_run()
    events = AuditEvent.objects.filter(action=Action.RETENTION_PURGE, detail__kind="messages")
    assert [e.detail["deleted"]["messages"] for e in events.order_by("id")] == [2, 2, 1]
    assert purge.BATCH_SIZE == 200  # the module's own figure is untouched


def test_the_dry_run_counts_and_deletes_nothing() -> None:
    closed_case(days_ago=400, body="секрет в сообщении", file=b"file\n")
    out = StringIO()
    call_command("purge", "--dry-run", stdout=out)
    report = out.getvalue()
    assert "messages (kept 365 days): 1 cases, 1 messages, 1 attachments" in report
    assert "секрет" not in report
    assert Contact.objects.count() == 1 and PurgeRun.objects.count() == 0
    assert not AuditEvent.objects.filter(action=Action.RETENTION_PURGE).exists()

    out = StringIO()
    call_command("purge", stdout=out)
    assert "1 messages" in out.getvalue()
    assert Contact.objects.count() == 0


def test_the_worker_purges_once_a_day() -> None:
    closed_case(days_ago=400, body="x")
    assert purge_if_due() is not None
    closed_case(days_ago=400, body="y")
    assert purge_if_due() is None  # a day has not passed
    assert Contact.objects.count() == 1
    PurgeRun.objects.update(started_at=timezone.now() - timedelta(days=1, minutes=1))
    assert purge_if_due() is not None
    assert Contact.objects.count() == 0


def test_the_purge_is_in_the_worker_s_sweep(settings: Any) -> None:
    assert "lifeline.retention.services.purge_if_due" in settings.LIFELINE_HOOKS["worker_sweep"]


def test_the_registry_and_the_audit_log_stay_whole() -> None:
    from lifeline.core.audit import audit_verify
    from lifeline.registry.models import NameForm, Source, StatusEvent

    create_person(surname="Кузьминов")
    closed_case(days_ago=4000, body="x", file=b"f\n")
    tables = (Person, NameForm, StatusEvent, Source)
    before = {model: model.objects.count() for model in tables}
    events_before = list(AuditEvent.objects.values_list("id", flat=True))
    retention_policy_update(actor=SYSTEM, days=dict.fromkeys(purge_preview(), 1))

    purge_run()

    assert {model: model.objects.count() for model in tables} == before
    assert before[Person] == 1
    assert set(events_before) <= set(AuditEvent.objects.values_list("id", flat=True))
    assert audit_verify().intact
