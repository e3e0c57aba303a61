"""`lifeline restore FILE --identity PRIVATE_KEY`: restore a backup into an empty database."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into the configured database, which must be empty, then check it: "
        "schema, row counts, audit chain and head, and that the configured field keys read it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file")
        parser.add_argument("--identity", required=True, type=Path, help="private key file (PEM)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            report = backup_restore(path=options["file"], identity=options["identity"])
        except BackupError as error:
            raise CommandError(f"Nothing restored: {error}.") from None
        manifest = report.manifest
        made = f"made {manifest['created']} by Lifeline {manifest['lifeline_version']}"
        if not report.ok:
            raise CommandError(
                f"Restored the backup {made}, but it does not check out:\n- "
                + "\n- ".join(report.problems)
            )
        self.stdout.write(
            f"Restored the backup {made} in {time.monotonic() - started:.1f} s: "
            f"{sum(manifest['row_counts'].values()):,} rows in "
            f"{len(manifest['row_counts'])} tables match the manifest; audit chain intact "
            f"({report.audit_checked:,} events, head as recorded); the field keys read "
            f"{report.sampled} sampled encrypted values."
        )
        for note in report.notes:
            self.stdout.write(note)
