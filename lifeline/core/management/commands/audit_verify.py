"""`lifeline audit verify`: walk the audit hash chain and report the first break."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lifeline.core.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event {report.first_broken_id} "
                f"after {report.checked} intact events."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events.")
