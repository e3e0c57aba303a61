"""`lifeline audit verify`: walk the audit hash chain, hold it against the signed checkpoints."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lifeline.core.actors import SYSTEM
from lifeline.core.auditlog import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain and its signed checkpoints (the result is recorded, "
        "for the console to show)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify(actor=SYSTEM)
        if not report.intact:
            raise CommandError(
                f"Audit chain broken after {report.checked} intact events. {report.problem}"
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events.")
        if report.latest is None:
            self.stdout.write(
                "No checkpoints yet: a truncated or re-hashed chain cannot be detected until "
                "one is written (`lifeline audit checkpoint`, or the worker)."
            )
        else:
            self.stdout.write(
                f"{report.checkpoints} signed checkpoints verified; the latest, "
                f"{report.latest.at}, at {report.latest.count} events."
            )
