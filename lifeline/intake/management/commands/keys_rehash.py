"""`lifeline keys rehash`: re-hash every conversation's identity under the current lookup key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import audit_record
from lifeline.intake.inbox import conversations_rehash


class Command(BaseCommand):
    help = (
        "After putting a new key first in LIFELINE_LOOKUP_KEYS and restarting: re-hash every "
        "conversation's identity under it; then the old key can leave the ring."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rehashed, unreadable = conversations_rehash()
        with transaction.atomic():
            audit_record(
                actor=SYSTEM,
                action=Action.KEYS_REHASH,
                detail={"conversations": rehashed, "unreadable": unreadable},
            )
        self.stdout.write(f"{rehashed} conversations re-hashed under the current lookup key.")
        if unreadable:
            self.stdout.write(
                f"{unreadable} conversations have identities the field keys cannot open: they "
                "keep their old hash, found only while its key stays in LIFELINE_LOOKUP_KEYS."
            )
