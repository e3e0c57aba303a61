"""Reads of the inbox: the items that need a person's eye."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from lifeline.intake.models import Contact


def contact_list_troubled(*, now: datetime | None = None) -> QuerySet[Contact]:
    """Items that need a person's eye: failed for good, being retried, or overdue.

    Overdue: due longer ago than the sweep's lease, so no worker is taking them (is the
    worker running?). An item a worker is on right now (its attempt started and its lease
    has not run out) is no trouble yet. Newest trouble first.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.INBOX_LEASE_SECONDS)
    waiting = Q(state__in=[Contact.State.PENDING, Contact.State.QUEUED])
    in_flight = Q(last_error=Contact.WORKER_STOPPED, next_attempt_at__gt=now)
    return (
        Contact.objects.filter(
            Q(state=Contact.State.FAILED)
            | (waiting & Q(attempts__gt=0) & ~in_flight)
            | (waiting & Q(next_attempt_at__lt=cutoff))
        )
        .select_related("case")
        .order_by("-received_at", "-id")
    )
