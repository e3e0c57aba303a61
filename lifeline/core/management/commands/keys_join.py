"""`lifeline keys join KEY_ID`: a field key entry back from enough of its shares."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.key_shares import SharesRefused, key_join


class Command(BaseCommand):
    help = (
        "Read shares of one field key, one per line, on standard input (an empty line ends), "
        "and print its entry for LIFELINE_FIELD_KEYS, 'id:base64'."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key_id", help="the key's id, printed beside its shares (k1, ...)")

    def handle(self, *args: Any, **options: Any) -> None:
        shares = []
        for line in sys.stdin:
            if not line.strip():
                break
            shares.append(line)
        try:
            entry = key_join(options["key_id"], shares)
        except SharesRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(entry)
