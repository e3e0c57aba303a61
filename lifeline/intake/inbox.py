"""The durable inbox and the outbound queue: the services every channel shares.

Inbound: a channel's endpoint calls `inbox_receive`, which commits the raw item (unique on
channel + external id) before the endpoint acknowledges it. A background task then runs
`contact_process`: the channel's adapter files the item under a conversation and a case, and
the apps above are told through the `contact_filed` hook (lifeline/core/hooks.py), all in one
transaction, so a worker killed half-way leaves nothing half-written and the item is simply
processed again. Each attempt is counted, and committed, before it starts: an item that kills
its worker every time (a picture that exhausts memory) still uses up its attempts. Failures
are retried with backoff; when the attempts run out the item is FAILED and waits in the
console's failed-intake list for someone to press retry.

Outbound: `message_queue` commits a QUEUED contact; `contact_deliver` sends it through the
adapter, pacing each conversation and retrying like inbound work. A message may be sent twice if
the worker dies between the provider's answer and our commit; it is never silently dropped.

`inbox_sweep` re-queues whatever is overdue: a task lost with a dead worker or a queue that
could not be written to. Processing is idempotent, so an extra task costs only a no-op.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult, get_date_max

from lifeline.core.access import Perm, require_perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM, Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.crypto import UndecryptableField
from lifeline.core.fields import Unreadable, require_readable
from lifeline.core.hooks import hook_run
from lifeline.core.locks import row_lock
from lifeline.core.lookup import lookup_hash, lookup_hashes
from lifeline.intake.adapters import SendLater, SendRefused, adapter_for
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.intake.text import require_storable

if TYPE_CHECKING:
    from lifeline.cases.models import Case

logger = logging.getLogger(__name__)

# Outbound text may carry a receipt's secret, which we keep only until it has been sent.
SECRET_PLACEHOLDER = "[[secret]]"  # noqa: S105 (a marker, not a secret)
SECRET_SENT = "••••-••••-••••-••••"  # noqa: S105 (what is left once it is sent)
SECRET_UNSENT = "(not delivered)"  # noqa: S105 (what is left when it could not be sent)
# Longer than any provider retries a delivery (Telegram: a day; mail relays: five days).
REDELIVERY_WINDOW = timedelta(days=7)
# The tasks (in intake.tasks, which imports this module) that carry the work.
PROCESS_TASK = "lifeline.intake.tasks.contact_process"
DELIVER_TASK = "lifeline.intake.tasks.contact_deliver"


# --- Conversations and receipts ------------------------------------------------------------


def identity_hash(*, channel: str, identity: str) -> str:
    """A keyed hash that finds a conversation by its identity without storing it in clear."""
    return lookup_hash(f"{channel}:{identity}".encode())


def conversation_for(*, channel: str, identity: str, language: str = "") -> Conversation:
    """The conversation of a channel identity (chat id, address, number), made on first use.

    Call inside a transaction. Two first messages racing on one identity end in one
    conversation: the loser's insert fails on the unique constraint and it reads the winner's.
    While the lookup keys rotate, a conversation hashed under an older key is found too, and
    re-hashed under the current one.
    """
    hashes = lookup_hashes(f"{channel}:{identity}".encode())
    key = hashes[0]
    found = sorted(
        Conversation.objects.filter(channel=channel, identity_hash__in=hashes),
        key=lambda c: hashes.index(c.identity_hash),
    )
    if found:
        conversation = found[0]
        if conversation.identity_hash != key:
            conversation.identity_hash = key
            conversation.save(update_fields=["identity_hash"])
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                channel=channel,
                identity_hash=key,
                identity=identity,
                language=language,
                created_at=timezone.now(),
            )
    except IntegrityError:
        return Conversation.objects.get(channel=channel, identity_hash=key)


def conversations_rehash(*, model: Any = None, batch_size: int = 500) -> tuple[int, int]:
    """Re-hash every conversation's identity under the current lookup key, batch by batch.

    The identity is stored encrypted, so the hash is recomputed from it. Returns (re-hashed,
    unreadable: identities the field keys cannot open, left as they were). `model` lets a
    migration pass its historical model.
    """
    model = model or Conversation
    rehashed = unreadable = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                model._base_manager.select_for_update()
                .filter(pk__gt=last)
                .exclude(identity_hash="")
                .order_by("pk")[:batch_size]
            )
            for row in rows:
                identity = row.identity
                if isinstance(identity, Unreadable) or not identity:
                    unreadable += 1
                    continue
                key = lookup_hash(f"{row.channel}:{identity}".encode())
                if key != row.identity_hash:
                    model._base_manager.filter(pk=row.pk).update(identity_hash=key)
                    rehashed += 1
        if len(rows) < batch_size:
            return rehashed, unreadable
        last = rows[-1].pk


# --- Inbound -------------------------------------------------------------------------------


def inbox_receive(
    *, channel: str, external_id: str, payload: dict[str, Any], language: str = ""
) -> Contact | None:
    """Commit one delivery from a channel; None if it was delivered before.

    Returns only once the row is committed, so the caller may then acknowledge the delivery.
    A duplicate (the same channel and external id, even delivered concurrently) writes nothing.
    An id seen only longer ago than any provider retries (REDELIVERY_DAYS) is a new item
    that reuses an old id (Telegram draws update ids afresh after a quiet week): it is kept
    under the id with the time appended. Raises the database's error if the row could not be
    written: answer the channel with a temporary failure (503) so that it delivers again.
    Raises UnstorableText, before writing anything, for a NUL or a lone surrogate (which no
    retry would fix): channels answer it with 400.
    """
    require_storable({"external_id": external_id, "payload": payload, "language": language})
    key = external_id[:100]
    contact = _inbox_insert(channel=channel, key=key, payload=payload, language=language)
    if contact is None:
        earlier = Contact.objects.filter(channel=channel, external_id=key).first()
        if earlier is None or earlier.received_at > timezone.now() - REDELIVERY_WINDOW:
            return None  # a re-delivery
        reused = f"{key}@{timezone.now():%Y%m%dT%H%M%S.%f}"
        contact = _inbox_insert(channel=channel, key=reused, payload=payload, language=language)
        if contact is None:
            return None
    _enqueue(PROCESS_TASK, contact.pk)
    return contact


def _inbox_insert(
    *, channel: str, key: str, payload: dict[str, Any], language: str
) -> Contact | None:
    """The committed row, or None if (channel, key) is taken."""
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            contact = Contact.objects.create(
                channel=channel,
                external_id=key,
                direction=Contact.Direction.IN,
                received_at=now,
                language=language,
                payload=payload,
                state=Contact.State.PENDING,
                next_attempt_at=now,
            )
            audit_record(
                actor=SYSTEM,
                action=Action.CONTACT_RECEIVE,
                obj=contact,
                detail={"channel": channel},
            )
    except IntegrityError:
        if Contact.objects.filter(channel=channel, external_id=key).exists():
            return None
        raise
    return contact


def _enqueue(task_path: str, contact_id: int, *, at: datetime | None = None) -> None:
    """Queue background work for a committed contact; a failure only delays it (the sweep)."""
    task = import_string(task_path)
    try:
        (task.using(run_after=at) if at else task).enqueue(contact_id)
    except Exception:
        # The row is committed and due, so `inbox_sweep` queues it again; say so, no content.
        logger.warning("could not queue %s for contact %s", task_path, contact_id, exc_info=True)


def enqueue_after_commit(task_path: str, contact_id: int, *, at: datetime | None = None) -> None:
    transaction.on_commit(lambda: _enqueue(task_path, contact_id, at=at))


def contact_process(*, contact_id: int) -> Contact | None:
    """Process one inbound contact through its channel's adapter. Running it twice is a no-op.

    Returns the contact, or None if it does not exist. An error in the adapter is not raised:
    it is recorded on the contact (its type only, since its text may quote the message) and a
    retry is scheduled, or the contact is marked FAILED when the attempts are used up.
    """
    contact = Contact.objects.filter(pk=contact_id, direction=Contact.Direction.IN).first()
    if contact is None or contact.state != Contact.State.PENDING:
        return contact
    contact, started = _attempt_start(contact_id=contact_id)
    if not started or contact is None:
        return contact
    try:
        require_readable(contact)  # sealed under a key we do not have: no retry can help
        adapter = adapter_for(contact.channel)
        fetched = adapter.fetch(contact)
        with transaction.atomic(durable=True):
            contact = Contact.objects.select_for_update().get(pk=contact_id)
            if contact.state != Contact.State.PENDING:
                return contact
            adapter.interpret(contact, fetched)
            _processed(contact, awaits_reply=adapter.awaits_reply(contact))
    except Exception as error:
        logger.warning("processing contact %s failed: %s", contact_id, type(error).__name__)
        return _attempt_failed(
            contact_id=contact_id,
            error=error,
            task=PROCESS_TASK,
            give_up=isinstance(error, UndecryptableField),
        )
    return contact


def _attempt_start(*, contact_id: int) -> tuple[Contact | None, bool]:
    """Count an attempt at a PENDING contact and commit it; whether this task may now go on.

    Committed before the work, so that a worker killed by the item (out of memory, SIGKILL)
    has used an attempt: once they are all used that way, the item is FAILED, not retried for
    ever. While an attempt runs the item is leased, so that a second task for it (the sweep's,
    or a stray one) does not start another attempt; a lease that runs out means the worker died.
    """
    with transaction.atomic(durable=True):
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None or contact.state != Contact.State.PENDING:
            return contact, False
        now = timezone.now()
        leased = contact.next_attempt_at is not None and contact.next_attempt_at > now
        if contact.worker_stopped and leased:
            return contact, False  # a worker is on it; the sweep comes if it dies
        if contact.attempts >= settings.INBOX_MAX_ATTEMPTS:
            # Only attempts that never ended leave an item pending with none left.
            logger.warning("contact %s stopped its worker on every attempt", contact_id)
            _fail(contact)
            return contact, False
        contact.attempts += 1
        contact.last_error = Contact.WORKER_STOPPED
        contact.next_attempt_at = now + timedelta(seconds=settings.INBOX_LEASE_SECONDS)
        contact.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    return contact, True


def _processed(contact: Contact, *, awaits_reply: bool) -> None:
    now = timezone.now()
    if contact.case_id is None and contact.conversation_id is not None:
        contact.case_id = (
            Conversation.objects.filter(pk=contact.conversation_id)
            .values_list("case_id", flat=True)
            .first()
        )
    contact.state = Contact.State.PROCESSED
    contact.processed_at = now
    contact.next_attempt_at = None
    contact.last_error = ""
    contact.payload = {}  # collect the minimum: what we need is now in the contact's fields
    contact.save(
        update_fields=[
            "case",
            "state",
            "processed_at",
            "next_attempt_at",
            "last_error",
            "payload",
        ]
    )
    # The apps above the inbox take it from here (settings.LIFELINE_HOOKS): the case comes
    # back to the queue, a family's message opens its enquiry. Before the audit record, so
    # that rows are locked in the order the case services take them: case, then audit head.
    hook_run("contact_filed", contact=contact, awaits_reply=awaits_reply)
    audit_record(
        actor=SYSTEM,
        action=Action.CONTACT_PROCESS,
        obj=contact,
        detail={"attempts": contact.attempts, "case": contact.case_id},
    )


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the `attempts`-th failure: 30 s, 1 min, 2 min, ... up to an hour."""
    base = settings.INBOX_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _attempt_failed(
    *, contact_id: int, error: BaseException, task: str, give_up: bool = False
) -> Contact | None:
    """Record how the attempt counted at its start failed; retry later, or give up."""
    with transaction.atomic(durable=True):
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None or contact.state not in (Contact.State.PENDING, Contact.State.QUEUED):
            return contact
        contact.last_error = type(error).__name__[:500]
        if give_up or contact.attempts >= settings.INBOX_MAX_ATTEMPTS:
            _fail(contact)
            return contact
        contact.next_attempt_at = timezone.now() + retry_delay(contact.attempts)
        enqueue_after_commit(task, contact.pk, at=contact.next_attempt_at)
        contact.save(update_fields=["last_error", "next_attempt_at"])
        audit_record(
            actor=SYSTEM,
            action=Action.CONTACT_RETRY,
            obj=contact,
            detail={"error": contact.last_error, "attempts": contact.attempts},
        )
    return contact


def _fail(contact: Contact) -> None:
    """Mark a locked contact FAILED: it waits in the failed-intake list for a person."""
    contact.state = Contact.State.FAILED
    contact.next_attempt_at = None
    update = ["state", "next_attempt_at", "last_error"]
    if "secret" in contact.fields:
        # A receipt that never reached the person is useless; do not keep its secret.
        contact.body = contact.body.replace(SECRET_PLACEHOLDER, SECRET_UNSENT)
        contact.fields = {k: v for k, v in contact.fields.items() if k != "secret"}
        update += ["body", "fields"]
    contact.save(update_fields=update)
    audit_record(
        actor=SYSTEM,
        action=Action.CONTACT_FAIL,
        obj=contact,
        detail={"error": contact.last_error, "attempts": contact.attempts},
    )


def contact_retry(*, actor: Actor, contact: Contact) -> Contact:
    """Put a FAILED contact back in its queue (the console's retry button)."""
    require_perm(actor, Perm.INTAKE_MANAGE)
    with transaction.atomic(durable=True):
        contact = row_lock(contact)
        if contact.state != Contact.State.FAILED:
            return contact
        inbound = contact.direction == Contact.Direction.IN
        contact.state = Contact.State.PENDING if inbound else Contact.State.QUEUED
        contact.next_attempt_at = timezone.now()
        # A fresh set of attempts with backoff; the audit log keeps the earlier ones.
        previous, contact.attempts = contact.attempts, 0
        contact.save(update_fields=["state", "next_attempt_at", "attempts"])
        audit_record(
            actor=actor, action=Action.CONTACT_REQUEUE, obj=contact, detail={"attempts": previous}
        )
        task = PROCESS_TASK if inbound else DELIVER_TASK
        enqueue_after_commit(task, contact.pk)
    return contact


# --- Outbound ------------------------------------------------------------------------------


def message_queue(
    *,
    actor: Actor,
    conversation: Conversation,
    case: Case | None,
    body: str,
    language: str = "",
    secret: str = "",
    fields: dict[str, Any] | None = None,
) -> Contact:
    """Queue a message to the person on `conversation`; it is sent once this transaction commits.

    `actor` is the staff user replying, or SYSTEM (a bot's receipt or menu).
    `secret` replaces SECRET_PLACEHOLDER in `body` when sending and is erased once sent.
    A web conversation needs no sending: its status page shows the message at once.
    """
    require_perm_or_system(actor, Perm.CASE_WORK)
    if case is not None:
        # The case's row before the audit chain's head, as case_reply takes them: the other
        # order could deadlock a bot's reply against an operator's on the same case.
        # Locked through the case's own class: the inbox imports nothing of the case files.
        locked = type(case).objects.select_for_update().filter(pk=case.pk)
        list(locked.values_list("pk", flat=True))
    now = timezone.now()
    web = conversation.channel == Channel.WEB
    stored_fields = dict(fields or {})
    if secret:
        stored_fields["secret"] = secret
    contact = Contact.objects.create(
        channel=conversation.channel,
        external_id=uuid.uuid4().hex,
        direction=Contact.Direction.OUT,
        conversation=conversation,
        case=case,
        received_at=now,
        language=language or conversation.language or (case.language if case else ""),
        body=body,
        fields=stored_fields,
        author=staff_of(actor),
        state=Contact.State.SENT if web else Contact.State.QUEUED,
        processed_at=now if web else None,
        next_attempt_at=None if web else now,
    )
    audit_record(
        actor=actor,
        action=Action.CONTACT_SEND,
        obj=contact,
        detail={"channel": conversation.channel, "case": case.pk if case else None},
    )
    if not web:
        enqueue_after_commit(DELIVER_TASK, contact.pk)
    return contact


def message_undelivered(*, channel: str, provider_id: str, error: str) -> Contact | None:
    """Mark a SENT message FAILED: its provider reported later that it could not deliver it.

    WhatsApp takes a message, then says in a status callback that it failed (the 24-hour
    window, a number that cannot receive it). The message then shows as failed on its case
    and in Failed intake, like one refused at once. `error` names the provider's error code,
    never content. A report for a message we do not know, or already failed, changes nothing.
    """
    if not provider_id:
        return None
    with transaction.atomic(durable=True):
        contact = (
            Contact.objects.select_for_update()
            .filter(
                channel=channel,
                direction=Contact.Direction.OUT,
                provider_id=provider_id[:255],
                state=Contact.State.SENT,
            )
            .first()
        )
        if contact is None:
            return None
        contact.last_error = error[:500]
        _fail(contact)
    return contact


def _outbound_text(contact: Contact) -> str:
    return contact.body.replace(SECRET_PLACEHOLDER, str(contact.fields.get("secret", "")))


def contact_deliver(*, contact_id: int) -> Contact | None:
    """Send one QUEUED outbound contact through its adapter; a no-op for anything else.

    Each conversation is paced by its adapter's `send_interval_seconds`: a message that comes
    too soon is put off until the conversation's next free slot, not sent early. Messages on a
    conversation go out in the order they were queued. A task that comes before the message
    is due (a second task, while another is sending it) does nothing.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        contact = (
            Contact.objects.select_for_update()
            .filter(pk=contact_id, direction=Contact.Direction.OUT)
            .first()
        )
        if contact is None or contact.state != Contact.State.QUEUED:
            return contact
        if contact.next_attempt_at and contact.next_attempt_at > now:
            return contact  # being sent, or due later: its own task will come
        adapter = adapter_for(contact.channel)
        conversation = Conversation.objects.select_for_update().get(contacts=contact)
        earlier = (
            Contact.objects.filter(
                conversation=conversation,
                direction=Contact.Direction.OUT,
                state=Contact.State.QUEUED,
                pk__lt=contact.pk,
            )
            .order_by("pk")
            .first()
        )
        wait_until = conversation.next_send_at
        if earlier is not None:
            # Behind the earlier message: try again a moment after it is due.
            after_earlier = (earlier.next_attempt_at or now) + timedelta(seconds=1)
            wait_until = max(wait_until or now, after_earlier)
        if wait_until and wait_until > now:
            contact.next_attempt_at = wait_until
            contact.save(update_fields=["next_attempt_at"])
            enqueue_after_commit(DELIVER_TASK, contact.pk, at=wait_until)
            return contact
        if contact.attempts >= settings.INBOX_MAX_ATTEMPTS:
            # Only sends that never ended (the worker died) leave a message queued with none left.
            logger.warning("contact %s stopped its worker on every attempt", contact_id)
            _fail(contact)
            return contact
        conversation.next_send_at = now + timedelta(seconds=adapter.send_interval_seconds)
        conversation.save(update_fields=["next_send_at"])
        # Counted before sending, as inbound work is (see _attempt_start); and while we are
        # sending, the sweep must not think the message is lost.
        previous_error, contact.last_error = contact.last_error, Contact.WORKER_STOPPED
        contact.attempts += 1
        contact.next_attempt_at = now + timedelta(seconds=settings.INBOX_LEASE_SECONDS)
        contact.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    try:
        provider_id = adapter.send(contact, _outbound_text(contact))
    except SendLater as later:
        return _send_postponed(
            contact_id=contact_id, seconds=later.seconds, previous_error=previous_error
        )
    except SendRefused as refused:
        logger.warning("contact %s was refused by its channel", contact_id)
        return _attempt_failed(
            contact_id=contact_id, error=refused, task=DELIVER_TASK, give_up=True
        )
    except Exception as error:
        logger.warning("sending contact %s failed: %s", contact_id, type(error).__name__)
        return _attempt_failed(contact_id=contact_id, error=error, task=DELIVER_TASK)
    return _sent(contact_id=contact_id, provider_id=provider_id)


def _send_postponed(*, contact_id: int, seconds: float, previous_error: str) -> Contact:
    with transaction.atomic(durable=True):
        contact = Contact.objects.select_for_update().get(pk=contact_id)
        at = timezone.now() + timedelta(seconds=max(seconds, 1.0))
        contact.next_attempt_at = at
        # Being asked to wait is no failed attempt: give back the one counted at the start.
        contact.attempts = max(contact.attempts - 1, 0)
        contact.last_error = previous_error
        contact.save(update_fields=["next_attempt_at", "attempts", "last_error"])
        Conversation.objects.filter(contacts=contact).update(next_send_at=at)
        enqueue_after_commit(DELIVER_TASK, contact.pk, at=at)
    return contact


def _sent(*, contact_id: int, provider_id: str) -> Contact:
    with transaction.atomic(durable=True):
        contact = Contact.objects.select_for_update().get(pk=contact_id)
        contact.state = Contact.State.SENT
        contact.processed_at = timezone.now()
        contact.next_attempt_at = None
        contact.last_error = ""
        contact.provider_id = provider_id[:255]
        update = ["state", "processed_at", "next_attempt_at", "last_error"]
        if "secret" in contact.fields:
            contact.body = contact.body.replace(SECRET_PLACEHOLDER, SECRET_SENT)
            contact.fields = {k: v for k, v in contact.fields.items() if k != "secret"}
            update += ["body", "fields"]
        contact.save(update_fields=[*update, "provider_id"])
        audit_record(
            actor=SYSTEM,
            action=Action.CONTACT_SENT,
            obj=contact,
            detail={"channel": contact.channel, "attempts": contact.attempts},
        )
    return contact


# --- Recovery ------------------------------------------------------------------------------


def inbox_sweep(*, now: datetime | None = None) -> int:
    """Queue again every contact whose work is overdue by more than the lease; return how many.

    Overdue means: due for processing or sending, and not done INBOX_LEASE_SECONDS later, which
    happens when a worker died mid-task or the task could not be queued. While the queue itself
    is behind (a task due longer ago than the lease still waits), nothing is re-queued: more
    tasks would not make the workers faster, and the lost ones are found once it has caught up.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.INBOX_LEASE_SECONDS)
    overdue = Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True)
    work = [
        (Contact.State.PENDING, Contact.Direction.IN, PROCESS_TASK),
        (Contact.State.QUEUED, Contact.Direction.OUT, DELIVER_TASK),
    ]
    count = 0
    for state, direction, task in work:
        if _queue_behind(task, cutoff):
            continue
        with transaction.atomic():
            # Locked and marked together, so two workers' sweeps never queue an item twice.
            ids = list(
                Contact.objects.select_for_update(skip_locked=True)
                .filter(overdue, state=state, direction=direction)
                .order_by("id")
                .values_list("id", flat=True)[: settings.INBOX_SWEEP_BATCH]
            )
            Contact.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for contact_id in ids:
            _enqueue(task, contact_id)
        count += len(ids)
    if count:
        logger.info("inbox sweep queued %d overdue contacts", count)
    return count


def _queue_behind(task_path: str, cutoff: datetime) -> bool:
    """Whether a task of `task_path`, due before `cutoff`, is still waiting for a worker."""
    due_long_ago = Q(run_after__lte=cutoff) | Q(run_after=get_date_max(), enqueued_at__lt=cutoff)
    return DBTaskResult.objects.ready().filter(task_path=task_path).filter(due_long_ago).exists()
