"""`lifeline audit checkpoint`: sign the audit chain's head and append it outside the database."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lifeline.core.checkpoints import checkpoint_file, checkpoint_write, public_key_text


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of the audit chains (count and head hash of each, time) to "
        "LIFELINE_AUDIT_CHECKPOINT_FILE and the lifeline.audit.checkpoint log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public-key",
            action="store_true",
            help="Print the Ed25519 key that verifies the checkpoints, and write none.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["public_key"]:
            self.stdout.write(public_key_text())
            return
        mark = checkpoint_write()
        self.stdout.write(
            f"Checkpoint at {mark.count} events in {len(mark.chains)} chains, {mark.at}, "
            f"appended to {checkpoint_file()}."
        )
