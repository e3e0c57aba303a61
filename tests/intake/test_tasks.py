"""Processing inbound contacts in the background: idempotent, failures kept visible."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lifeline.cases.models import Case
from lifeline.cases.services import case_reply
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from lifeline.intake.tasks import contact_process
from tests.public.helpers import open_case

pytestmark = pytest.mark.django_db


def test_processing_marks_the_contact_once_and_touches_the_case() -> None:
    case, _ = open_case()
    contact = Contact.objects.get()
    Case.objects.filter(pk=case.pk).update(
        waiting_since=None, updated_at=timezone.now() - timedelta(days=1)
    )
    contact_process.call(contact.pk)
    contact.refresh_from_db()
    case.refresh_from_db()
    assert (contact.state, contact.attempts, contact.last_error) == ("processed", 1, "")
    assert contact.processed_at is not None
    assert case.waiting_since == contact.received_at
    assert timezone.now() - case.updated_at < timedelta(minutes=1)

    processed_at = contact.processed_at
    contact_process.call(contact.pk)
    contact.refresh_from_db()
    assert (contact.attempts, contact.processed_at) == (1, processed_at)
    assert AuditEvent.objects.filter(action="contact.process").count() == 1


def test_an_existing_wait_is_kept() -> None:
    case, _ = open_case()
    earlier = timezone.now() - timedelta(hours=3)
    Case.objects.filter(pk=case.pk).update(waiting_since=earlier)
    contact_process.call(Contact.objects.get().pk)
    case.refresh_from_db()
    assert case.waiting_since == earlier


def test_processing_links_the_case_of_the_conversation() -> None:
    case, _ = open_case()
    Contact.objects.update(case=None)
    contact_process.call(Contact.objects.get().pk)
    assert Contact.objects.get().case == case


def test_a_failure_is_retried_later_and_recorded_without_content(
    monkeypatch: pytest.MonkeyPatch, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    open_case(body="Тайное сообщение")
    contact = Contact.objects.get()
    DBTaskResult.objects.all().delete()

    def broken(case: Any, **kwargs: Any) -> None:
        raise RuntimeError("Тайное сообщение could not be parsed")

    real_save = Case.save
    monkeypatch.setattr(Case, "save", broken)
    with django_capture_on_commit_callbacks(execute=True):
        contact_process.call(contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.attempts, contact.last_error) == ("pending", 1, "RuntimeError")
    assert contact.processed_at is None
    delay = contact.next_attempt_at - timezone.now()
    assert timedelta(seconds=settings.INBOX_RETRY_BASE_SECONDS - 5) < delay
    retry = AuditEvent.objects.get(action="contact.retry")
    assert retry.detail == {"error": "RuntimeError", "attempts": 1}
    # The retry is queued for later, and the task's own record holds no message text.
    queued = DBTaskResult.objects.get()
    assert queued.run_after > timezone.now()
    assert "Тайное" not in str(queued.args_kwargs)

    # A later run, once the fault is gone, processes it.
    monkeypatch.setattr(Case, "save", real_save)
    contact_process.call(contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.attempts, contact.last_error) == ("processed", 2, "")


def test_a_contact_that_keeps_failing_is_marked_failed_for_a_person(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.INBOX_MAX_ATTEMPTS = 3
    open_case()
    contact = Contact.objects.get()

    def broken(case: Any, **kwargs: Any) -> None:
        raise RuntimeError("still broken")

    monkeypatch.setattr(Case, "save", broken)
    for _ in range(3):
        contact_process.call(contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.attempts, contact.next_attempt_at) == ("failed", 3, None)
    assert AuditEvent.objects.filter(action="contact.fail").count() == 1
    # A failed contact is not processed again by a stray task; only the retry button does that.
    contact_process.call(contact.pk)
    contact.refresh_from_db()
    assert contact.attempts == 3


def test_an_unknown_contact_is_a_no_op() -> None:
    assert contact_process.call(999_999) is None


def test_outbound_contacts_are_left_alone(alice: Any) -> None:
    case, _ = open_case()
    reply = case_reply(actor=alice, case=case, body="Ответ")
    contact_process.call(reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.attempts) == ("sent", 0)


@pytest.mark.django_db(transaction=True)
def test_the_immediate_backend_processes_a_web_submission(
    client: Client, immediate_tasks: None
) -> None:
    client.post("/write/other/", {"message": "Привет"})
    client.post("/write/surrender/", {"message": "Привет"})
    assert list(Contact.objects.values_list("state", flat=True)) == ["processed", "processed"]


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_enqueued_task(client: Client) -> None:
    client.post("/write/other/", {"message": "Привет"})
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert Contact.objects.get().state == "processed"
