"""Whether the configured field keys are the ones that sealed this database's data.

Each field key leaves a canary row (`FieldKeyCanary`) the first time it is configured. A key
whose canary does not open is the wrong key; a canary whose key is not configured means data
sealed under a key that is missing. Either way Lifeline refuses to start, `check --deploy`
fails and `/healthz` answers 503, before a visitor's message is sealed, or read, with it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from lifeline.core import crypto
from lifeline.core.models import FieldKeyCanary, ServiceClosed

logger = logging.getLogger(__name__)


def _canaries() -> dict[str, str] | None:
    """Each pinned key id's canary; None for a database not migrated yet (nothing to check)."""
    if FieldKeyCanary._meta.db_table not in connection.introspection.table_names():
        return None
    return dict(FieldKeyCanary.objects.values_list("key_id", "token"))


def field_keys_problem() -> str | None:
    """What is wrong with the configured field keys, in one line without secrets; None if fine."""
    try:
        configured = crypto.key_ids()
    except ImproperlyConfigured as error:
        return str(error)
    if settings.LIFELINE_CLOSED:
        return "the keys were destroyed (lifeline keys destroy): the service is closed"
    canaries = _canaries()
    if canaries is not None and ServiceClosed.objects.exists():
        return "the keys were destroyed (lifeline keys destroy): the service is closed"
    if canaries is None:
        return None
    missing = sorted(k for k in canaries if k not in configured)
    if missing:
        return f"data here was sealed under field key(s) {', '.join(missing)}, not configured"
    wrong = sorted(k for k, token in canaries.items() if not crypto.canary_opens(k, token))
    if wrong:
        return f"field key(s) {', '.join(wrong)} are not the keys that sealed the data here"
    return None


def field_keys_verify() -> str | None:
    """Check the keys as `field_keys_problem` does; if they are fine, pin the new ones.

    Run at start (serve, worker, smtpd) and after migrate: a key configured for the first time
    gets its canary, so that a different key under its id is refused from then on.
    """
    problem = field_keys_problem()
    if problem is not None:
        return problem
    known = _canaries()
    new = [key_id for key_id in crypto.key_ids() if known is not None and key_id not in known]
    for key_id in new:
        try:
            with transaction.atomic():
                FieldKeyCanary.objects.create(key_id=key_id, token=crypto.canary_seal(key_id))
        except IntegrityError:
            pass  # another process pinned it at the same moment: read what it wrote
    return field_keys_problem() if new else None


def pin_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: a fresh database pins the configured keys; a wrong key stops migrate."""
    if using != "default":
        return
    problem = field_keys_verify()
    if problem is not None:
        raise CommandError(f"The field keys cannot read this database: {problem}.")


def field_keys_require() -> None:
    """At the start of a long-running command: refuse to run with keys that cannot read the data.

    A database that cannot be reached is not a key problem: the process starts, answers 503
    until the database is back, and /healthz checks the keys on every call.
    """
    try:
        problem = field_keys_verify()
    except DatabaseError:
        logger.warning("the field keys were not checked at start: the database is unreachable")
        return
    if problem is not None:
        raise CommandError(
            f"Refusing to start: the field keys cannot read this database: {problem}."
        )
