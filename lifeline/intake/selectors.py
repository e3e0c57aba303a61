"""Reads of the inbox, and the receipt check that gives a visitor access to his case."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from lifeline.cases.models import Case
from lifeline.core.receipts import verify_secret
from lifeline.core.throttle import throttle_hit, throttle_is_blocked, throttle_reset
from lifeline.intake.models import Contact

THROTTLE_SCOPE = "intake.status"

# What a visitor may learn of a case's state: three words, never the internal workflow.
PUBLIC_RECEIVED = "received"
PUBLIC_IN_PROGRESS = "in_progress"
PUBLIC_CLOSED = "closed"
_CLOSED_WORDS = ("closed", "rejected", "completed")


def contact_list_for_case(*, case: Case) -> QuerySet[Contact]:
    """Every inbound and outbound item of `case`, oldest first."""
    return Contact.objects.filter(case=case).order_by("received_at", "id")


def case_public_status(*, case: Case) -> str:
    """The case's state in public words: PUBLIC_RECEIVED, PUBLIC_IN_PROGRESS or PUBLIC_CLOSED."""
    if case.status == "new":
        return PUBLIC_RECEIVED
    if any(word in case.status for word in _CLOSED_WORDS):
        return PUBLIC_CLOSED
    return PUBLIC_IN_PROGRESS


@dataclass(frozen=True)
class ReceiptCheck:
    case: Case | None
    blocked: bool = False


def case_get_for_receipt(*, reference: str, secret: str) -> ReceiptCheck:
    """The case that `reference` (normalised) and `secret` open, counting failures.

    Every answer costs one argon2 verification, whether the reference exists, the secret is
    wrong or the reference is blocked, so timing tells nothing. Failures for an unknown
    reference count too, so being blocked does not reveal that a reference exists either.
    """
    if throttle_is_blocked(
        scope=THROTTLE_SCOPE,
        subject=reference,
        limit=settings.STATUS_THROTTLE_LIMIT,
        window_seconds=settings.STATUS_THROTTLE_WINDOW,
    ):
        verify_secret(None, secret)
        return ReceiptCheck(case=None, blocked=True)
    case = Case.objects.filter(reference=reference).first()
    if verify_secret(case.secret_hash if case else None, secret) and case is not None:
        throttle_reset(scope=THROTTLE_SCOPE, subject=reference)
        return ReceiptCheck(case=case)
    throttle_hit(
        scope=THROTTLE_SCOPE, subject=reference, window_seconds=settings.STATUS_THROTTLE_WINDOW
    )
    return ReceiptCheck(case=None)
