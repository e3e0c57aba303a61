"""`lifeline purge [--dry-run]`: delete what the retention policy no longer lets us keep."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lifeline.retention.kinds import KINDS
from lifeline.retention.selectors import policy_days, purge_preview
from lifeline.retention.services import purge_run


class Command(BaseCommand):
    help = "Delete data older than the retention policy allows (--dry-run: only count it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would go; delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = policy_days()
        if options["dry_run"]:
            preview = purge_preview()
            self.stdout.write("Dry run: nothing is deleted. What would go, per kind:")
            for key in KINDS:
                counts = ", ".join(f"{n} {table}" for table, n in preview[key].items()) or "none"
                self.stdout.write(f"  {key} (kept {days[key]} days): {counts}")
            return
        run = purge_run()
        counts = ", ".join(f"{n} {table}" for table, n in sorted(run.counts.items()))
        self.stdout.write(f"Purged: {counts or 'nothing was due'}.")
