"""`lifeline audit verify`: walk the audit hash chain, hold it against the signed checkpoints."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.actors import SYSTEM
from lifeline.core.auditlog import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chains and their signed checkpoints (the result is recorded, "
        "for the console to show)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help=(
                "Recompute every event's hash from the start of each chain. Without it, each "
                "chain is recomputed from the latest signed checkpoint, and the older "
                "checkpoints' events are looked up (run --full weekly)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify(actor=SYSTEM, full=options["full"])
        if not report.intact:
            raise CommandError(
                f"Audit chain broken after {report.checked} intact events. {report.problem}"
            )
        how = "every hash recomputed" if options["full"] else "from the latest checkpoint"
        self.stdout.write(
            f"Audit chain intact: {report.checked} events ({report.hashed} hashed, {how})."
        )
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
