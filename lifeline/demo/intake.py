"""The demo's failed intake: Telegram updates the worker could not process."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from django.conf import settings

from lifeline.intake.inbox import retry_delay
from lifeline.intake.models import Channel, Contact

# Inbound Telegram updates that failed: (error, hours ago, still being retried). The error is
# its type only, as the inbox records it; a failed one has used up every attempt.
FAILED_INTAKE = (("ValueError", 30, False), ("TimedOut", 75, False), ("NetworkError", 0.2, True))
RETRIED_ATTEMPTS = 3


def failed_intake(rng: random.Random, now: datetime) -> int:
    """Telegram updates the worker could not process, for the failed-intake page."""
    contacts = []
    for error, hours, retrying in FAILED_INTAKE:
        # Not from the seeded generator: a second load must not meet the first one's updates.
        update_id = 10**8 + secrets.randbelow(9 * 10**8)
        attempts = RETRIED_ATTEMPTS if retrying else settings.INBOX_MAX_ATTEMPTS
        state = Contact.State.PENDING if retrying else Contact.State.FAILED
        contacts.append(
            Contact(
                channel=Channel.TELEGRAM,
                external_id=str(update_id),
                direction=Contact.Direction.IN,
                received_at=now - timedelta(hours=hours * rng.uniform(0.8, 1.2)),
                # An update with no message: a retry files it, with nothing to file it under.
                payload={"update_id": update_id},
                state=state,
                attempts=attempts,
                last_error=error,
                next_attempt_at=now + retry_delay(attempts) if retrying else None,
            )
        )
    return len(Contact.objects.bulk_create(contacts))
