"""`lifeline audit verify`: walk the audit hash chain and report the first break."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lifeline.core.actors import SYSTEM
from lifeline.core.auditlog import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (the result is recorded, for the console to show)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify(actor=SYSTEM)
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event {report.first_broken_id} "
                f"after {report.checked} intact events."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events.")
