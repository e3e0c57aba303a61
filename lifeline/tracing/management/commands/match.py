"""`lifeline match dedupe`: find likely duplicate persons in the whole registry (Splink)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lifeline.core.actors import SYSTEM
from lifeline.tracing.models import DuplicatePair
from lifeline.tracing.services.duplicates import duplicates_find


class Command(BaseCommand):
    help = "Matching jobs over the whole registry. `dedupe`: list and store likely duplicates."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="job", required=True)
        dedupe = commands.add_parser("dedupe", help="find likely duplicate persons")
        dedupe.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="match probability from which a pair is listed (default 0.9)",
        )
        dedupe.add_argument(
            "--limit", type=int, default=50, help="how many open pairs to print (default 50)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = duplicates_find(actor=SYSTEM, threshold=options["threshold"])
        self.stdout.write(
            f"{run.persons} persons compared: {run.pairs} likely duplicate pairs, {run.new} new."
        )
        pairs = DuplicatePair.objects.filter(state=DuplicatePair.State.OPEN).select_related(
            "left", "right"
        )[: options["limit"]]
        for pair in pairs:
            self.stdout.write(
                f"{pair.probability:.3f}  #{pair.left_id} {pair.left.full_name}"
                f"  ~  #{pair.right_id} {pair.right.full_name}"
            )
