"""`lifeline keys split`: the configured field keys as k-of-n shares (SLIP-39 word lists)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.key_shares import SharesRefused, key_split


class Command(BaseCommand):
    help = (
        "Split each configured field key into SHARES shares, any THRESHOLD of which give it back "
        "(`lifeline keys join`). Run it on the server, hand each share to a different person, "
        "and clear the terminal: the shares are the keys."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shares", type=int, default=5, help="how many shares (n)")
        parser.add_argument("--threshold", type=int, default=3, help="how many join (k)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            split = key_split(
                settings.FIELD_ENCRYPTION_KEYS,
                threshold=options["threshold"],
                shares=options["shares"],
            )
        except SharesRefused as refused:
            raise CommandError(str(refused)) from None
        k, n = options["threshold"], options["shares"]
        for key_id, shares in split.items():
            self.stdout.write(f"Field key {key_id}: {n} shares, any {k} of which give it back.")
            for number, share in enumerate(shares, start=1):
                self.stdout.write(f"  share {number} of {n} (key {key_id}): {share}")
