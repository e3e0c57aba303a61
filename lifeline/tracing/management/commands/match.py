"""`lifeline match dedupe`: find likely duplicate persons in the whole registry (Splink).

On DuckDB in this process by default; `--backend spark` runs the same job on Spark (the `spark`
extra), in process (`local[2]`) or on a cluster (`--spark-master`, docs/operations.md).

`lifeline match reindex`: rebuild the persons' match keys after a change to the key rules.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.actors import SYSTEM
from lifeline.registry.matchkeys import REINDEX_BATCH, keys_reindex, keys_state
from lifeline.tracing.dedupe import Spark
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
        dedupe.add_argument(
            "--backend",
            choices=("duckdb", "spark"),
            default="duckdb",
            help="DuckDB in this process (default), or Spark (pip install 'lifeline[spark]')",
        )
        dedupe.add_argument(
            "--spark-master",
            default=Spark.master,
            help=f"Spark master URL, e.g. spark://host:7077 or yarn (default {Spark.master})",
        )
        dedupe.add_argument(
            "--spark-conf",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a Spark setting, e.g. spark.executor.memory=8g (repeatable)",
        )
        dedupe.add_argument(
            "--spark-checkpoint-dir",
            default=None,
            help="a folder every executor reaches (hdfs://..., s3a://...) for intermediate tables",
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
        spark = _spark(options) if options["backend"] == "spark" else None
        run = duplicates_find(actor=SYSTEM, threshold=options["threshold"], spark=spark)
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


def _spark(options: dict[str, Any]) -> Spark:
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise CommandError("Spark is not installed: pip install 'lifeline[spark]'") from error
    conf = []
    for item in options["spark_conf"]:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--spark-conf wants KEY=VALUE, not {item!r}")
        conf.append((key.strip(), value.strip()))
    return Spark(
        master=options["spark_master"],
        conf=tuple(conf),
        checkpoint_dir=options["spark_checkpoint_dir"],
    )
