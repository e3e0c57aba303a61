"""`lifeline backup --recipient PUBLIC_KEY --out FILE`: an encrypted backup with its manifest."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database (pg_dump, or SQLite's online backup) with a "
        "manifest, encrypted to a recipient's public key (`lifeline backup keygen` makes one). "
        "The field keys are not in it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--recipient", required=True, type=Path, help="public key file (PEM)")
        parser.add_argument("--out", required=True, type=Path, help="the backup file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = backup_create(recipient=options["recipient"], out=options["out"])
        except (BackupError, OSError) as error:
            raise CommandError(f"No backup written: {error}.") from None
        manifest = result.manifest
        self.stdout.write(
            f"Backup written to {result.path} ({result.size:,} bytes) in "
            f"{time.monotonic() - started:.1f} s: {manifest['engine']}, "
            f"{sum(manifest['row_counts'].values()):,} rows in {len(manifest['row_counts'])} "
            f"tables, {manifest['audit_head']['count']:,} audit events, field keys "
            f"{', '.join(manifest['field_keys'])}. Test it: `lifeline restore` into an empty "
            "database."
        )
