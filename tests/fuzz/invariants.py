"""What must hold after any input, however hostile: the fuzz tests check these after each one.

- Nothing half-written: every case has its conversation and its first contact, and every
  inbound contact and every case its audit event.
- Every item can finish: once the worker has had a go, every inbound item is PROCESSED or
  FAILED (visible in Failed intake), or PENDING with attempts left and a time it is due.
"""

from __future__ import annotations

from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from lifeline.cases.models import Case
from lifeline.core.models import AuditEvent
from lifeline.intake.inbox import contact_process
from lifeline.intake.models import Contact

# Bounded and the same on every run: a fixed number of examples, drawn from a fixed seed, no
# example database (CI starts clean), and no deadline (a shared CI machine is slow at times).
FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _audited(model: str, pks: set[int]) -> set[int]:
    ids = AuditEvent.objects.filter(object_type=model, object_id__in=[str(pk) for pk in pks])
    return {int(pk) for pk in ids.values_list("object_id", flat=True)}


def assert_nothing_half_written() -> None:
    cases = set(Case.objects.values_list("pk", flat=True))
    with_conversation = set(
        Case.objects.filter(conversations__isnull=False).values_list("pk", flat=True)
    )
    with_contact = set(Case.objects.filter(contacts__isnull=False).values_list("pk", flat=True))
    assert cases <= with_conversation, "a case without its conversation"
    assert cases <= with_contact, "a case without its contact"
    assert cases <= _audited("cases.case", cases), "a case without its audit event"
    inbound = set(Contact.objects.filter(direction="in").values_list("pk", flat=True))
    assert inbound <= _audited("intake.contact", inbound), "a contact without its audit event"


def process_everything() -> None:
    """Run the worker's task once for every pending inbound item, as the queue would."""
    for pk in Contact.objects.filter(direction="in", state="pending").values_list("pk", flat=True):
        contact_process(contact_id=pk)


def assert_every_item_can_finish() -> None:
    inbound = Contact.objects.filter(direction="in").exclude(state=Contact.State.PROCESSED)
    rows = inbound.values_list("pk", "state", "attempts", "next_attempt_at", "last_error")
    for pk, state, attempts, due, error in rows:
        label = f"contact {pk} is {state} after {attempts} attempts ({error})"
        if state == Contact.State.PENDING:
            assert attempts < settings.INBOX_MAX_ATTEMPTS and due is not None, label
        else:
            assert state == Contact.State.FAILED, label


def not_filed() -> list[str]:
    """Inbound items the worker could not file, with their error: each is a bug to look at."""
    inbound = Contact.objects.filter(direction="in").exclude(state=Contact.State.PROCESSED)
    rows = inbound.values_list("channel", "state", "last_error")
    return [f"{channel}: {state} {error}" for channel, state, error in rows]
