"""`lifeline keys check`: whether the configured field keys can read this database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lifeline.core.closure import service_closed
from lifeline.core.keys import field_keys_require


class Command(BaseCommand):
    help = (
        "Check that the configured field keys opened this database's canaries, and pin a newly "
        "configured key. Exits non-zero with the reason if not; `lifeline serve` runs it first."
    )
    # `serve` waits for this command: skip the other checks, which `check --deploy` runs.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        if service_closed():
            # `serve` goes on, to answer every page that the service is closed.
            self.stdout.write("The keys were destroyed: Lifeline answers only that it is closed.")
            return
        field_keys_require()
        self.stdout.write("The field keys can read this database.")
