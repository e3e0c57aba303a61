"""`lifeline match dedupe`: find likely duplicate persons in the whole registry (Splink).

On DuckDB in this process by default; `--backend spark` runs the same job on Spark (the `spark`
extra), in process (`local[2]`) or on a cluster (`--spark-master`, docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lifeline.core.actors import SYSTEM
from lifeline.tracing.dedupe import Spark
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

    def handle(self, *args: Any, **options: Any) -> None:
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
