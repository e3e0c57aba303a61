"""What the purge deletes for each kind of data, in batches; callers add the audit and the run.

Each kind has one or more steps. A step selects the rows due (older than the kind's days) and
deletes a batch of them, with whatever depends on them. Rows are deleted, not blanked, except
the enquirer's details: they are columns of an enquiry that the tracing record keeps, so those
columns are emptied. What stays: the registry (persons, name forms, status events, sources),
the cases with their timelines, enquiries and disclosures, and the audit log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from lifeline.cases.models import Case, CaseEvent, ReplyDraft
from lifeline.core import crypto
from lifeline.core.models import ThrottleBucket
from lifeline.intake.models import Attachment, Contact, Conversation
from lifeline.registry.models import RegistryExport
from lifeline.tracing.models import Disclosure, Enquiry

# Rows of the step's own table per batch (cases, for messages): one transaction and one audit
# event each, so a long first purge never holds locks for long.
BATCH_SIZE = 200

# The note left on a case's timeline; stored as written, so in the console's first language.
PURGED_NOTE = "Messages and attachments deleted under the retention policy ({counts})."


@dataclass(frozen=True)
class Step:
    kind: str
    table: str  # what one unit of the step is, in counts: "cases", "sessions"
    due: Callable[[datetime], QuerySet]  # the rows due for deletion, given the cut-off
    remove: Callable[[list], Counter[str]]  # delete a batch by primary key; rows per table
    preview: Callable[[QuerySet], dict[str, int]] = field(default=lambda due: {})


# --- messages and attachments of closed cases ---------------------------------------------------


def _messages_due(cutoff: datetime) -> QuerySet:
    return Case.objects.filter(closed_at__lt=cutoff).filter(
        Exists(Contact.objects.filter(case=OuterRef("pk")))
        | Exists(ReplyDraft.objects.filter(case=OuterRef("pk")))
    )


def _messages_preview(due: QuerySet) -> dict[str, int]:
    contacts = Contact.objects.filter(case__in=due)
    return {
        "messages": contacts.count(),
        "attachments": Attachment.objects.filter(contact__in=contacts).count(),
    }


def _messages_remove(case_ids: list[int]) -> Counter[str]:
    """Delete the cases' messages, files, reply drafts and emptied conversations; note it.

    A disclosure or enquiry keeps its own record of what was said and to whom; it only loses
    its link to the message that carried it.
    """
    counts: Counter[str] = Counter()
    contacts = Contact.objects.filter(case_id__in=case_ids)
    Disclosure.objects.filter(contact__in=contacts).update(contact=None)
    Enquiry.objects.filter(source_contact__in=contacts).update(source_contact=None)
    counts["reply drafts"] += ReplyDraft.objects.filter(case_id__in=case_ids).delete()[0]
    counts["attachments"] += Attachment.objects.filter(contact__in=contacts).delete()[0]
    per_case = Counter(contacts.values_list("case_id", flat=True))
    conversation_ids = set(contacts.values_list("conversation_id", flat=True)) - {None}
    counts["messages"] += contacts.delete()[0]
    # A conversation holds the person's channel identity (chat, address, number): it goes with
    # the last of its messages. If he writes again, the inbox starts a new one.
    counts["conversations"] += (
        Conversation.objects.filter(Q(case_id__in=case_ids) | Q(id__in=conversation_ids))
        .exclude(Exists(Contact.objects.filter(conversation=OuterRef("pk"))))
        .delete()[0]
    )
    now = timezone.now()
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=case_id,
            kind=CaseEvent.Kind.NOTE,
            at=now,
            text=PURGED_NOTE.format(counts=f"{per_case.get(case_id, 0)} messages"),
        )
        for case_id in case_ids
    )
    return counts


# --- the enquirer's details after the enquiry ended ---------------------------------------------


def _enquirer_due(cutoff: datetime) -> QuerySet:
    # Encrypted columns cannot be compared in SQL, but their length can: "" is what is erased.
    ended = Q(case__closed_at__lt=cutoff) | Q(status=Enquiry.Status.CLOSED, updated_at__lt=cutoff)
    held = Q(name_length__gt=0) | Q(contact_length__gt=0) | Q(note_length__gt=0)
    return (
        Enquiry.objects.filter(ended)
        .alias(
            name_length=Length("enquirer_name"),
            contact_length=Length("enquirer_contact"),
            note_length=Length("verification_note"),
        )
        .filter(held)
    )


def _enquirer_remove(enquiry_ids: list[int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    counts["enquirers"] += Enquiry.objects.filter(id__in=enquiry_ids).update(
        enquirer_name="", enquirer_contact="", verification_note=""
    )
    # A disclosure keeps what was said and who approved it; the name it was addressed to goes.
    counts["disclosure recipients"] += Disclosure.objects.filter(enquiry_id__in=enquiry_ids).update(
        recipient=""
    )
    return counts


# --- the inbox ----------------------------------------------------------------------------------


def _payloads_due(cutoff: datetime) -> QuerySet:
    # The inbox drops the payload once an item is processed (intake.inbox); this catches any it
    # did not. A failed item keeps its payload for a retry until "failed intake" removes it.
    # The column is sealed, so "is it empty" is asked of its length: longer than the sealed
    # "{}" (under a key id of today's length) means something is in it.
    prefix = Contact._meta.get_field("payload").prefix  # type: ignore[union-attr]
    empty = len(prefix) + len(crypto.encrypt("{}", context="retention.length"))
    return (
        Contact.objects.filter(
            direction=Contact.Direction.IN, state=Contact.State.PROCESSED, received_at__lt=cutoff
        )
        .alias(payload_length=Length("payload"))
        .filter(payload_length__gt=empty)
    )


def _payloads_remove(contact_ids: list[int]) -> Counter[str]:
    contacts = Contact.objects.filter(id__in=contact_ids)
    return Counter({"payloads": contacts.update(payload={})})


def _failed_due(cutoff: datetime) -> QuerySet:
    return Contact.objects.filter(
        direction=Contact.Direction.IN, state=Contact.State.FAILED, received_at__lt=cutoff
    )


def _failed_remove(contact_ids: list[int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    contacts = Contact.objects.filter(id__in=contact_ids)
    Disclosure.objects.filter(contact__in=contacts).update(contact=None)
    Enquiry.objects.filter(source_contact__in=contacts).update(source_contact=None)
    ReplyDraft.objects.filter(contact__in=contacts).update(contact=None)
    counts["attachments"] += Attachment.objects.filter(contact__in=contacts).delete()[0]
    counts["failed items"] += contacts.delete()[0]
    return counts


# --- exports and logins -------------------------------------------------------------------------


def _exports_due(cutoff: datetime) -> QuerySet:
    return RegistryExport.objects.filter(
        Q(approved_at__lt=cutoff) | Q(approved_at__isnull=True, drafted_at__lt=cutoff)
    )


def _exports_remove(export_ids: list[int]) -> Counter[str]:
    return Counter({"exports": RegistryExport.objects.filter(id__in=export_ids).delete()[0]})


def _sessions_due(cutoff: datetime) -> QuerySet:
    return Session.objects.filter(expire_date__lt=cutoff)


def _sessions_remove(keys: list[str]) -> Counter[str]:
    return Counter({"sessions": Session.objects.filter(session_key__in=keys).delete()[0]})


def _buckets_due(cutoff: datetime) -> QuerySet:
    return ThrottleBucket.objects.filter(window_start__lt=cutoff)


def _buckets_remove(keys: list[str]) -> Counter[str]:
    return Counter({"throttle counters": ThrottleBucket.objects.filter(key__in=keys).delete()[0]})


STEPS: tuple[Step, ...] = (
    Step("messages", "cases", _messages_due, _messages_remove, _messages_preview),
    Step("enquirer", "enquirers", _enquirer_due, _enquirer_remove),
    Step("payloads", "payloads", _payloads_due, _payloads_remove),
    Step("failed_intake", "failed items", _failed_due, _failed_remove),
    Step("exports", "exports", _exports_due, _exports_remove),
    Step("logins", "sessions", _sessions_due, _sessions_remove),
    Step("logins", "throttle counters", _buckets_due, _buckets_remove),
)
