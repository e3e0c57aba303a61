"""The durable inbox every channel shares: commit, de-duplicate, retry, sweep, send, pace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lifeline.cases.models import Case
from lifeline.cases.services import case_open_for_conversation, receipt_draw
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.core.receipts import verify_secret
from lifeline.intake import inbox
from lifeline.intake.adapters import ChannelAdapter, SendLater, SendRefused
from lifeline.intake.models import Contact, Conversation
from lifeline.intake.text import UnstorableText
from tests.factories import login_staff

pytestmark = pytest.mark.django_db

FAKE = "tests.intake.test_inbox.FakeAdapter"


class FakeAdapter(ChannelAdapter):
    """A channel whose payload is {"chat": ..., "text": ...}; it can be told to fail."""

    channel = "telegram"
    send_interval_seconds = 60.0
    failures: ClassVar[list[BaseException]] = []
    sent: ClassVar[list[tuple[int, str]]] = []

    def interpret(self, contact: Contact, fetched: Any) -> None:
        if self.failures:
            raise self.failures.pop(0)
        conversation = inbox.conversation_for(channel="telegram", identity=contact.payload["chat"])
        if conversation.case is None:
            receipt = receipt_draw()
            case = case_open_for_conversation(
                actor=SYSTEM,
                conversation=conversation,
                kind="other",
                language="en",
                receipt=receipt,
            )
            inbox.message_queue(
                actor=SYSTEM,
                conversation=conversation,
                case=case,
                body=f"Your reference {case.reference}, secret {inbox.SECRET_PLACEHOLDER}",
                secret=receipt.secret,
            )
        contact.conversation = conversation
        contact.case = conversation.case
        contact.body = contact.payload["text"]
        contact.save(update_fields=["conversation", "case", "body"])

    def send(self, contact: Contact, text: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((contact.pk, text))
        return f"m{len(self.sent)}"


@pytest.fixture(autouse=True)
def fake_channel(settings: Any) -> Any:
    settings.LIFELINE_CHANNELS = {**settings.LIFELINE_CHANNELS, "telegram": FAKE}
    FakeAdapter.failures.clear()
    FakeAdapter.sent.clear()
    return FakeAdapter


def receive(external_id: str = "1", chat: str = "chat-1", text: str = "hello") -> Contact | None:
    return inbox.inbox_receive(
        channel="telegram", external_id=external_id, payload={"chat": chat, "text": text}
    )


def test_a_delivery_is_committed_pending_with_its_task_queued() -> None:
    contact = receive()
    assert contact is not None
    contact.refresh_from_db()
    assert (contact.state, contact.conversation, contact.body) == ("pending", None, "")
    assert contact.payload == {"chat": "chat-1", "text": "hello"}
    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [contact.pk], "kwargs": {}}
    assert AuditEvent.objects.filter(action="contact.receive").count() == 1


def test_a_duplicate_delivery_writes_nothing() -> None:
    assert receive() is not None
    assert receive() is None
    assert (Contact.objects.count(), DBTaskResult.objects.count()) == (1, 1)


def test_processing_files_the_item_and_drops_the_raw_payload() -> None:
    contact = receive()
    assert contact is not None
    inbox.contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.body, contact.payload) == ("processed", "hello", {})
    assert contact.case is not None and contact.case.waiting_since is not None
    # Processing twice changes nothing: no second case, no second receipt.
    inbox.contact_process(contact_id=contact.pk)
    assert (Case.objects.count(), Contact.objects.filter(direction="out").count()) == (1, 1)


def test_a_second_message_of_the_chat_lands_on_its_case() -> None:
    first, second = receive("1"), receive("2", text="again")
    assert first is not None and second is not None
    inbox.contact_process(contact_id=first.pk)
    inbox.contact_process(contact_id=second.pk)
    assert Case.objects.count() == 1
    assert Conversation.objects.count() == 1


def test_the_sweep_requeues_work_a_dead_worker_left_behind(settings: Any) -> None:
    contact = receive()
    assert contact is not None
    DBTaskResult.objects.all().delete()  # the task died with its worker
    assert inbox.inbox_sweep() == 0  # not overdue yet: a worker may still be on it
    later = timezone.now() + timedelta(seconds=settings.INBOX_LEASE_SECONDS + 1)
    assert inbox.inbox_sweep(now=later) == 1
    assert DBTaskResult.objects.get().args_kwargs["args"] == [contact.pk]
    # Queued once: the next sweep at the same moment finds nothing overdue.
    assert inbox.inbox_sweep(now=later) == 0


def test_the_receipt_secret_is_sent_then_forgotten(django_capture_on_commit_callbacks: Any) -> None:
    contact = receive()
    assert contact is not None
    inbox.contact_process(contact_id=contact.pk)
    reply = Contact.objects.get(direction="out")
    assert reply.state == "queued" and inbox.SECRET_PLACEHOLDER in reply.body
    inbox.contact_deliver(contact_id=reply.pk)
    [(_, text)] = FakeAdapter.sent
    secret = text.rsplit(" ", 1)[1]
    case = Case.objects.get()
    assert verify_secret(case.secret_hash, secret)
    reply.refresh_from_db()
    assert (reply.state, reply.provider_id) == ("sent", "m1")
    assert secret not in reply.body and "secret" not in reply.fields
    assert AuditEvent.objects.filter(action="contact.sent").count() == 1


def _queued_reply(alice: Any) -> Contact:
    contact = receive()
    assert contact is not None
    inbox.contact_process(contact_id=contact.pk)
    Contact.objects.filter(direction="out").update(state="sent")  # the receipt went already
    from lifeline.cases.services import case_reply

    return case_reply(actor=alice, case=Case.objects.get(), body="We read you.")


def test_a_conversation_is_paced(alice: Any) -> None:
    first = _queued_reply(alice)
    second = Contact.objects.create(
        channel="telegram",
        external_id="second",
        direction="out",
        conversation=first.conversation,
        case=first.case,
        received_at=timezone.now(),
        body="And another thing.",
        state="queued",
    )
    inbox.contact_deliver(contact_id=first.pk)
    inbox.contact_deliver(contact_id=second.pk)
    assert [pk for pk, _ in FakeAdapter.sent] == [first.pk]
    second.refresh_from_db()
    assert second.state == "queued"
    assert second.next_attempt_at > timezone.now() + timedelta(seconds=50)


def test_a_provider_that_asks_us_to_wait_is_waited_for(alice: Any) -> None:
    reply = _queued_reply(alice)
    FakeAdapter.failures.append(SendLater(90))
    inbox.contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.attempts) == ("queued", 0)
    assert reply.next_attempt_at > timezone.now() + timedelta(seconds=80)


def test_a_refused_message_fails_at_once_and_a_broken_send_is_retried(alice: Any) -> None:
    reply = _queued_reply(alice)
    FakeAdapter.failures.append(ConnectionError("network down"))
    inbox.contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.attempts, reply.last_error) == ("queued", 1, "ConnectionError")
    # A second task before the retry is due does nothing...
    inbox.contact_deliver(contact_id=reply.pk)
    assert len(FakeAdapter.sent) == 0 and FakeAdapter.failures == []
    # ...and once it is due, the refusal fails it for good.
    Conversation.objects.update(next_send_at=None)
    Contact.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    FakeAdapter.failures.append(SendRefused("blocked"))
    inbox.contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.last_error) == ("failed", "SendRefused")


def test_failed_intake_is_listed_and_retried_from_the_console(
    client: Client, alice: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.INBOX_MAX_ATTEMPTS = 1
    contact = receive()
    assert contact is not None
    FakeAdapter.failures.append(ValueError("unreadable"))
    inbox.contact_process(contact_id=contact.pk)
    login_staff(client, alice)
    page = client.get("/console/inbox/troubled/").content.decode()
    assert f"#{contact.pk}" in page and "ValueError" in page and "hello" not in page

    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/console/inbox/troubled/{contact.pk}/retry/")
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.state == "pending"
    assert DBTaskResult.objects.get().args_kwargs["args"] == [contact.pk]
    assert AuditEvent.objects.get(action="contact.requeue").actor_id == alice.pk
    inbox.contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    assert contact.state == "processed"
    assert f"#{contact.pk}" not in client.get("/console/inbox/troubled/").content.decode()


def test_retry_all_requeues_every_failed_item(client: Client, carol: Any, settings: Any) -> None:
    settings.INBOX_MAX_ATTEMPTS = 1
    for n in range(3):
        contact = receive(str(n), chat=f"chat-{n}")
        assert contact is not None
        FakeAdapter.failures.append(ValueError("unreadable"))
        inbox.contact_process(contact_id=contact.pk)
    login_staff(client, carol)
    client.post("/console/inbox/troubled/retry-all/")
    assert set(Contact.objects.values_list("state", flat=True)) == {"pending"}


def test_an_unreachable_database_answers_503_and_writes_nothing(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    # The database goes away in the middle of the web form's transaction.
    monkeypatch.setattr("lifeline.public.services.audit_record", down)
    response = client.post("/en/write/other/", {"message": "Hello"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "try again" in response.content.decode()
    assert (Case.objects.count(), Contact.objects.count(), Conversation.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_message_on_a_closed_case_reopens_it() -> None:
    first = receive("1")
    assert first is not None
    inbox.contact_process(contact_id=first.pk)
    Case.objects.update(status="closed", closed_at=timezone.now(), waiting_since=None)
    later = receive("2", text="I am writing again")
    assert later is not None
    inbox.contact_process(contact_id=later.pk)
    case = Case.objects.get()
    assert (case.status, case.closed_at) == ("in_progress", None)
    assert case.waiting_since == later.received_at
    reopened = case.events.get(kind="status")
    assert (reopened.from_value, reopened.to_value, reopened.actor) == (
        "closed",
        "in_progress",
        None,
    )
    assert AuditEvent.objects.filter(action="case.reopen").count() == 1


def test_the_console_shows_how_many_items_failed(
    client: Client, alice: Any, dave: Any, settings: Any
) -> None:
    settings.INBOX_MAX_ATTEMPTS = 1
    for n in range(2):
        contact = receive(str(n), chat=f"chat-{n}")
        assert contact is not None
        FakeAdapter.failures.append(ValueError("unreadable"))
        inbox.contact_process(contact_id=contact.pk)
    login_staff(client, alice)
    page = client.get("/console/").content.decode()
    assert '<span class="badge"' in page and ">2</span>" in page
    # A registrar has no failed-intake page, so no count either.
    client.logout()
    login_staff(client, dave)
    assert '<span class="badge"' not in client.get("/console/registry/").content.decode()


def test_messages_to_a_person_go_out_in_order(alice: Any) -> None:
    first = _queued_reply(alice)
    FakeAdapter.failures.append(ConnectionError("network down"))
    inbox.contact_deliver(contact_id=first.pk)  # fails; retried in 30 s
    second = Contact.objects.create(
        channel="telegram",
        external_id="second",
        direction="out",
        conversation=first.conversation,
        case=first.case,
        received_at=timezone.now(),
        body="And another thing.",
        state="queued",
    )
    Conversation.objects.update(next_send_at=None)
    inbox.contact_deliver(contact_id=second.pk)
    second.refresh_from_db()
    first.refresh_from_db()
    assert FakeAdapter.sent == []  # the second does not overtake the first
    assert second.next_attempt_at > first.next_attempt_at


def test_a_receipt_that_can_never_be_sent_loses_its_secret(alice: Any) -> None:
    contact = receive()
    assert contact is not None
    inbox.contact_process(contact_id=contact.pk)
    receipt = Contact.objects.get(direction="out")
    FakeAdapter.failures.append(SendRefused("blocked"))
    inbox.contact_deliver(contact_id=receipt.pk)
    receipt.refresh_from_db()
    assert receipt.state == "failed" and "secret" not in receipt.fields
    assert inbox.SECRET_PLACEHOLDER not in receipt.body and inbox.SECRET_UNSENT in receipt.body


def test_retry_starts_a_fresh_set_of_attempts(alice: Any, settings: Any) -> None:
    settings.INBOX_MAX_ATTEMPTS = 2
    contact = receive()
    assert contact is not None
    for _ in range(2):
        FakeAdapter.failures.append(ValueError("unreadable"))
        Contact.objects.filter(pk=contact.pk).update(next_attempt_at=timezone.now())
        inbox.contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.attempts) == ("failed", 2)
    inbox.contact_retry(actor=alice, contact=contact)
    FakeAdapter.failures.append(ValueError("unreadable"))
    inbox.contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.attempts) == ("pending", 1)  # retried again, with backoff
    assert AuditEvent.objects.get(action="contact.requeue").detail == {"attempts": 2}


def test_the_sweep_leaves_a_queue_that_is_only_behind(settings: Any) -> None:
    for n in range(3):
        assert receive(str(n), chat=f"chat-{n}") is not None
    later = timezone.now() + timedelta(seconds=settings.INBOX_LEASE_SECONDS + 1)
    # Their tasks still wait: the workers are behind, nothing is lost, nothing is added.
    assert inbox.inbox_sweep(now=later) == 0
    assert DBTaskResult.objects.count() == 3
    DBTaskResult.objects.all().delete()  # now they are lost
    assert inbox.inbox_sweep(now=later) == 3


def test_an_id_reused_long_after_is_a_new_item() -> None:
    first = receive("42")
    assert first is not None
    Contact.objects.filter(pk=first.pk).update(received_at=timezone.now() - timedelta(days=8))
    again = receive("42", text="a new message under an old update id")
    assert again is not None and again.pk != first.pk
    assert again.external_id.startswith("42@")
    # ...while a real re-delivery within the window is still one item.
    assert receive("43") is not None and receive("43") is None


class WorkerKilled(BaseException):
    """What the worker's process sees when it is killed: nothing after it runs, nothing commits.

    Not an Exception, as SIGKILL or the kernel's out-of-memory killer is not: no handler in
    the code records it, and the transaction it was in is rolled back with the connection.
    """


def test_an_item_that_kills_its_worker_every_time_ends_failed_for_a_person(
    client: Client, alice: Any, settings: Any
) -> None:
    contact = receive(text="a picture too big to open")
    assert contact is not None
    lease = timedelta(seconds=settings.INBOX_LEASE_SECONDS + 1)
    for _ in range(settings.INBOX_MAX_ATTEMPTS):
        FakeAdapter.failures.append(WorkerKilled())
        with pytest.raises(WorkerKilled):
            inbox.contact_process(contact_id=contact.pk)
        contact.refresh_from_db()
        assert contact.state == "pending"
        # The worker is gone; once its lease runs out the sweep queues the item again.
        Contact.objects.filter(pk=contact.pk).update(next_attempt_at=timezone.now() - lease)
        assert inbox.inbox_sweep() == 1
    # The next task does not run it again: every attempt it had ended with a dead worker.
    inbox.contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.attempts) == ("failed", settings.INBOX_MAX_ATTEMPTS)
    assert contact.last_error == Contact.WORKER_STOPPED and contact.next_attempt_at is None
    assert FakeAdapter.failures == []  # the last task did not touch the item
    assert AuditEvent.objects.get(action="contact.fail").detail == {
        "error": Contact.WORKER_STOPPED,
        "attempts": settings.INBOX_MAX_ATTEMPTS,
    }
    assert inbox.inbox_sweep(now=timezone.now() + lease) == 0  # never picked up again

    login_staff(client, alice)
    page = client.get("/console/inbox/troubled/").content.decode()
    assert f"#{contact.pk}" in page and "a picture too big" not in page
    assert "The worker stopped while working on this item" in page
    assert "Retry 1 failed item" in page


def test_an_item_a_worker_is_on_is_neither_taken_twice_nor_listed_as_trouble(
    client: Client, alice: Any
) -> None:
    contact = receive()
    assert contact is not None
    FakeAdapter.failures.append(WorkerKilled())
    with pytest.raises(WorkerKilled):
        inbox.contact_process(contact_id=contact.pk)
    contact.refresh_from_db()
    assert (contact.state, contact.attempts) == ("pending", 1)
    # Within its lease the item is still being worked on, as far as anyone can tell.
    assert inbox.contact_process(contact_id=contact.pk) is not None
    contact.refresh_from_db()
    assert contact.attempts == 1
    login_staff(client, alice)
    assert f"#{contact.pk}" not in client.get("/console/inbox/troubled/").content.decode()


@pytest.mark.parametrize(
    ("external_id", "text"), [("1\x00", "hello"), ("1", "nul\x00"), ("1", "half \ud83d")]
)
def test_text_no_database_can_store_is_refused_before_anything_is_written(
    external_id: str, text: str
) -> None:
    # Whatever channel hands it over: on PostgreSQL it would fail (and be retried) for ever.
    with pytest.raises(UnstorableText, match=r"a NUL or a lone surrogate"):
        receive(external_id, text=text)
    assert (Contact.objects.count(), AuditEvent.objects.count()) == (0, 0)
    assert not DBTaskResult.objects.exists()
