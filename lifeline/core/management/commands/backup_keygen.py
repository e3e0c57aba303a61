"""`lifeline backup keygen --private FILE --public FILE`: a key pair for encrypting backups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.backup import BackupError, recipient_keygen


class Command(BaseCommand):
    help = (
        "Write a new backup key pair: the public key stays on the server for `lifeline backup "
        "--recipient`; the private key (written 0600) is for `lifeline restore --identity` and "
        "belongs OFF the server."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--private", required=True, type=Path, help="private key file to write")
        parser.add_argument("--public", required=True, type=Path, help="public key file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fingerprint = recipient_keygen(options["private"], options["public"])
        except (BackupError, OSError) as error:
            raise CommandError(f"No key written: {error}.") from None
        self.stdout.write(
            f"Backup key pair {fingerprint} written. Copy {options['private']} off this server "
            "(and keep a second copy apart), then delete it here: whoever holds it and the "
            "field keys can read every backup."
        )
