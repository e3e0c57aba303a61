"""Reads of the public site: the receipt check that opens a visitor's case, and what he may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape

from lifeline.cases.models import Case
from lifeline.cases.selectors import contact_list_for_case
from lifeline.cases.workflows import ANSWERED, INITIAL, workflow_for
from lifeline.core import crypto
from lifeline.core.actions import Action
from lifeline.core.actors import PUBLIC
from lifeline.core.audit import audit_record
from lifeline.core.receipts import (
    Receipt,
    check_secret_fast,
    hash_secret,
    needs_rehash,
    verify_secret_slow,
)
from lifeline.core.throttle import throttle_take
from lifeline.intake.models import Channel, Contact
from lifeline.public.form_tokens import RECEIPT_SECONDS, form_external_id, form_secret

ARGON2_BUDGET_SCOPE = "receipt.argon2"

# What a visitor may learn of a case's state: four words, never the internal workflow.
PUBLIC_RECEIVED = "received"
PUBLIC_IN_PROGRESS = "in_progress"
PUBLIC_ANSWERED = "answered"
PUBLIC_CLOSED = "closed"

# A public page weighs under 50 KB with its stylesheet, so the status page shows the newest
# messages whose text (as the page escapes it) fits this budget, and links to earlier ones. A
# single message over the budget still gets a page of its own: it is at most 10,000 characters.
THREAD_PAGE_BYTES = 30 * 1024
THREAD_PAGE_MESSAGES = 20
_CURSOR_CONTEXT = "intake.thread_before"


@dataclass(frozen=True)
class FormSubmission:
    case: Case
    # None once RECEIPT_SECONDS have passed: then the secret is shown to nobody.
    receipt: Receipt | None


def web_submission_for_token(*, form_token: str) -> FormSubmission | None:
    """The case a public form sent with `form_token` opened, and its receipt while it may show."""
    contact = (
        Contact.objects.filter(channel=Channel.WEB, external_id=form_external_id(form_token))
        .select_related("case")
        .first()
    )
    if contact is None or contact.case is None:
        return None
    if timezone.now() - contact.received_at > timedelta(seconds=RECEIPT_SECONDS):
        return FormSubmission(case=contact.case, receipt=None)
    receipt = Receipt(reference=contact.case.reference, secret=form_secret(form_token))
    return FormSubmission(case=contact.case, receipt=receipt)


@dataclass(frozen=True)
class ThreadPage:
    contacts: list[Contact]  # oldest first
    # The `before` value of the page of earlier contacts; None when this page starts the thread.
    earlier: str | None
    # False on the pages `earlier` leads to: newer contacts than these exist.
    newest: bool


def _shown_bytes(contact: Contact) -> int:
    texts = [contact.body, *(str(value) for value in contact.fields.values())]
    return sum(len(escape(text).encode()) for text in texts)


def _cursor_seal(*, case: Case, contact: Contact) -> str:
    # Sealed, and bound to the case: a contact's id would tell whoever reads the address (or
    # the browser history) how many messages the hotline handles.
    return crypto.encrypt(str(contact.pk), context=f"{_CURSOR_CONTEXT}.{case.pk}")


def _cursor_open(*, case: Case, before: str) -> int | None:
    if len(before) > 200:
        return None
    try:
        value = crypto.decrypt(before, context=f"{_CURSOR_CONTEXT}.{case.pk}")
    except Exception:
        # Tampered, truncated, from another case, or sealed with a retired key.
        return None
    return int(value) if value.isascii() and value.isdigit() else None


def contact_page_for_case(*, case: Case, before: str | None = None) -> ThreadPage:
    """One page of `case`'s thread for the status page: the newest contacts that fit, oldest first.

    `before` is the `earlier` of a page: this page then ends just before that page's first
    contact. A value that does not open, or names no contact of `case`, gives the newest page.
    """
    contacts = contact_list_for_case(case=case)
    anchor_id = _cursor_open(case=case, before=before) if before else None
    anchor = None
    if anchor_id is not None:
        anchor = contacts.filter(pk=anchor_id).values("pk", "received_at").first()
    if anchor is not None:
        contacts = contacts.filter(
            Q(received_at__lt=anchor["received_at"])
            | Q(received_at=anchor["received_at"], pk__lt=anchor["pk"])
        )
    candidates = list(contacts.reverse()[: THREAD_PAGE_MESSAGES + 1])
    shown: list[Contact] = []
    used = 0
    for contact in candidates[:THREAD_PAGE_MESSAGES]:
        size = _shown_bytes(contact)
        if shown and used + size > THREAD_PAGE_BYTES:
            break
        shown.append(contact)
        used += size
    earlier = _cursor_seal(case=case, contact=shown[-1]) if len(shown) < len(candidates) else None
    return ThreadPage(contacts=shown[::-1], earlier=earlier, newest=anchor is None)


def case_public_status(*, case: Case) -> str:
    """The case's state in public words, from what has happened on it.

    - PUBLIC_CLOSED: the case is in a terminal state of its kind's workflow.
    - PUBLIC_ANSWERED: we have written to him since his latest message, or the case records
      its answer, and nothing he wrote is waiting for us: the reply is on the page.
    - PUBLIC_IN_PROGRESS: someone has taken the case, moved it on, or replied before; his
      newest message, if any, is with a person who knows the case.
    - PUBLIC_RECEIVED: nobody has acted on it yet.
    Read from the workflow of the case's kind, not from the state's name: a handover that is
    "completed" is still open until someone closes it.
    """
    if case.status in workflow_for(case.kind).terminal:
        return PUBLIC_CLOSED
    replied = case.first_response_at is not None
    if case.waiting_since is None and (replied or case.status == ANSWERED):
        return PUBLIC_ANSWERED
    if case.status == INITIAL and case.assignee_id is None and not replied:
        return PUBLIC_RECEIVED
    return PUBLIC_IN_PROGRESS


@dataclass(frozen=True)
class ReceiptCheck:
    case: Case | None
    # Not a verdict on the secret: the site-wide argon2 budget is spent, so an old receipt
    # could not be checked now. Only receipts issued before keyed hashes can get this answer.
    blocked: bool = False


def case_get_for_receipt(*, reference: str, secret: str) -> ReceiptCheck:
    """The case that `reference` (normalised) and `secret` open.

    No reference is ever locked: a wrong secret costs one HMAC and is refused at once, so
    guessing 80-bit secrets is hopeless and cheap for us, and the right secret always opens.
    Only a receipt stored before keyed hashes needs argon2; anonymous requests share a small
    site-wide budget of those, and a right one rewrites the stored hash so it never needs
    argon2 again (the one write this read makes). See docs/decisions/0004-guessing-throttle.md.
    """
    case = Case.objects.filter(reference=reference).exclude(secret_hash="").first()
    stored = case.secret_hash if case else None
    verdict = check_secret_fast(stored, secret)
    if verdict is None:
        if not throttle_take(
            scope=ARGON2_BUDGET_SCOPE,
            subject="anonymous",
            limit=settings.RECEIPT_ARGON2_BUDGET,
            window_seconds=settings.RECEIPT_ARGON2_WINDOW,
        ):
            return ReceiptCheck(case=None, blocked=True)
        verdict = verify_secret_slow(stored or "", secret)
    if not verdict or case is None:
        return ReceiptCheck(case=None)
    if needs_rehash(case.secret_hash):
        _secret_rehash(case=case, secret=secret)
    return ReceiptCheck(case=case)


@transaction.atomic
def _secret_rehash(*, case: Case, secret: str) -> None:
    old = case.secret_hash
    case.secret_hash = hash_secret(secret)
    # Guarded by the old value: two visitors opening the same old receipt at once write once.
    if Case.objects.filter(pk=case.pk, secret_hash=old).update(secret_hash=case.secret_hash):
        audit_record(actor=PUBLIC, action=Action.CASE_RECEIPT_REHASHED, obj=case)
