"""`lifeline match dedupe`: find likely duplicate persons in the whole registry (Splink).
`lifeline match reindex`: rebuild the persons' match keys after a change to the key rules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.actors import SYSTEM
from lifeline.registry.matchkeys import REINDEX_BATCH, keys_reindex, keys_state
from lifeline.tracing.models import DuplicatePair
from lifeline.tracing.services.duplicates import duplicates_find


class Command(BaseCommand):
    help = (
        "Matching jobs over the whole registry. `dedupe`: list and store likely duplicates. "
        "`reindex`: rebuild the match keys (after an upgrade that changed the key rules)."
    )

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

        reindex = commands.add_parser(
            "reindex",
            help="rebuild every person's match keys in batches, while the site stays up",
        )
        reindex.add_argument("--batch", type=int, default=REINDEX_BATCH, help="persons per batch")
        reindex.add_argument(
            "--restart", action="store_true", help="start again rather than resume"
        )
        reindex.add_argument(
            "--check",
            action="store_true",
            help="only say whether the keys are current; exit 1 when they are stale",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["job"] == "reindex":
            self._reindex(options)
            return
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

    def _reindex(self, options: dict[str, Any]) -> None:
        state = keys_state()
        if options["check"]:
            if state.stale:
                raise CommandError(
                    f"The match keys were made under key rules {state.stored or 'none'}; this "
                    f"version uses {state.current}. Run `lifeline match reindex`."
                )
            self.stdout.write(f"The match keys are current (key rules {state.current}).")
            return
        if state.building == state.current and state.cursor and not options["restart"]:
            self.stdout.write(f"Resuming after person #{state.cursor}.")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total} persons")

        changed = keys_reindex(
            batch=options["batch"], restart=options["restart"], progress=progress
        )
        self.stdout.write(f"Match keys rebuilt: {changed} persons' keys changed.")
