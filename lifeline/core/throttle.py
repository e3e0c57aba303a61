"""Fixed-window counters kept in the database, shared by every web process.

Two uses: counting failed attempts per subject (a login name), and budgets of costly work that
anonymous requests may cause site-wide (argon2 checks). They never count per client: we do not
store or use visitors' addresses, so there is no client to count.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lifeline.core.models import ThrottleBucket


def throttle_key(*, scope: str, subject: str) -> str:
    # Hashed so that the table never holds a username or reference in clear.
    return hashlib.sha256(f"{scope}\x00{subject}".encode()).hexdigest()


def throttle_is_blocked(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    """True when `subject` has used up its `limit` attempts in the current window."""
    bucket = ThrottleBucket.objects.filter(key=throttle_key(scope=scope, subject=subject)).first()
    if bucket is None:
        return False
    if timezone.now() - bucket.window_start >= timedelta(seconds=window_seconds):
        return False
    return bucket.hits >= limit


def throttle_hit(*, scope: str, subject: str, window_seconds: int) -> None:
    """Count one failed attempt against `subject`."""
    throttle_take(scope=scope, subject=subject, limit=sys.maxsize, window_seconds=window_seconds)


def throttle_take(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    """Spend one unit of `subject`'s budget of `limit` per window; False when none is left.

    A refused take spends nothing, so a budget that is spent refills when its window ends.
    """
    key = throttle_key(scope=scope, subject=subject)
    now = timezone.now()
    with transaction.atomic():
        bucket, created = ThrottleBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"window_start": now, "hits": 1}
        )
        if created:
            return limit >= 1
        if now - bucket.window_start >= timedelta(seconds=window_seconds):
            bucket.window_start, bucket.hits = now, 1
            bucket.save(update_fields=["window_start", "hits"])
            return limit >= 1
        if bucket.hits >= limit:
            return False
        ThrottleBucket.objects.filter(key=key).update(hits=F("hits") + 1)
        return True


def throttle_reset(*, scope: str, subject: str) -> None:
    ThrottleBucket.objects.filter(key=throttle_key(scope=scope, subject=subject)).delete()
