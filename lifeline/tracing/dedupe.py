"""Whole-registry de-duplication with Splink: on DuckDB in process, or on Spark for a cluster.

The input is the engine's normalised columns of every record, so the batch pass and the
enquiry matcher agree on what a name is. Comparisons follow the columns' names: a key or a
date part, sex or initial must be equal; any other column (a spelling, a phonetic code) is
compared by Jaro-Winkler similarity.

Scale (docs/matching.md, benchmarks/dedupe_scale.py): records are turned into a compact Arrow
table a batch at a time, never a list of dicts; pairs are generated only within the narrow
blocks of `BLOCKING` (one wide block, "same birth year", made 16.6 billion pairs at a million
persons); DuckDB runs under a memory limit and spills to a temporary folder; only pairs above
the threshold come back to Python.

Training: the u probabilities are estimated on an evenly spaced sample of the registry, on
DuckDB, whichever backend predicts, so DuckDB and Spark score with one model. The m
probabilities stay at their priors unless `train_m=True`. Expectation maximisation needs real
duplicates to learn from: on a registry with few of them (the demo has none) it converges on
"same surname" as the match class and proposes every pair of namesakes.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from lifeline.matching import normalised_columns
from lifeline.matching.types import PersonRecord

if TYPE_CHECKING:
    import pyarrow as pa

logger = logging.getLogger(__name__)
# Splink narrates every step at INFO; the command prints its own summary.
logging.getLogger("splink").setLevel(logging.WARNING)
logging.getLogger("py4j").setLevel(logging.WARNING)

DEFAULT_THRESHOLD = 0.9
MIN_FOR_U = 50
MIN_FOR_EM = 1000  # with train_m, EM runs only on a registry at least this large
# The u probabilities come from every pair of an evenly spaced sample of this many persons
# (about 10 million pairs): enough for the rarest level, and the same sample on every backend.
U_SAMPLE = 4_500
U_CHUNKS = 5  # in parts of 2 million pairs, to keep the peak low
ID = "unique_id"
BATCH = 20_000  # records turned into columns at a time
# DuckDB's own limit; above it, it spills to a temporary folder. The process peaks at about
# this plus 0.5 GB of Python and the input table (docs/matching.md).
DUCKDB_MEMORY = "2GB"

# A pair is compared if it agrees on every column of at least one rule. Each rule is narrow
# enough to keep its blocks small at a million persons, and together they cover the ways one
# person is recorded twice (benchmarks/dedupe_scale.py counts the planted duplicates they let
# through, tests/tracing/test_dedupe_scale.py checks they lose no pair wider rules find):
BLOCKING: tuple[tuple[str, ...], ...] = (
    # the surname's spelling key: transliterations, Ukrainian and Russian forms, female forms
    ("surname_key", "birth_year"),
    ("surname_key", "given_initial"),  # ... with the birth year missing or mistyped
    ("surname_phonetic", "birth_year"),  # a typo that keeps the surname's sound
    # a surname beyond recognition: the rest of the name and the birth date must agree
    ("given_key", "patronymic_key", "birth_year"),
    ("given_key", "birth_year", "birth_month"),
    ("unit_key", "birth_year"),
)

# One comparison per fact, each with priors for its levels (best first, "else" last): the
# engine's several spellings of one surname are levels of one comparison, not separate
# comparisons, or the same evidence would be counted three times.
_COMPARISONS: list[tuple[str, list[tuple[str, str, float]], float]] = [
    # (column whose null means "unknown", [(level kind, column, m)], m of "else"); u is
    # estimated by random sampling.
    (
        "surname_key",
        [
            ("exact", "surname_key", 0.85),
            ("exact", "surname_phonetic", 0.08),
            ("jaro", "surname_exact", 0.05),
        ],
        0.02,
    ),
    ("given_key", [("exact", "given_key", 0.85), ("exact", "given_initial", 0.1)], 0.05),
    ("patronymic_key", [("exact", "patronymic_key", 0.85)], 0.15),
    ("birth_year", [("exact", "birth_year", 0.85)], 0.15),
    ("birth_month", [("exact", "birth_month", 0.9)], 0.1),
    ("birth_day", [("exact", "birth_day", 0.9)], 0.1),
    ("unit_key", [("exact", "unit_key", 0.7)], 0.3),
    ("place_key", [("jaro", "place_key", 0.6)], 0.4),
]
_JARO_THRESHOLD = 0.9
_PAIR_COLUMNS = f"{ID}_l, {ID}_r, match_probability"
_COLUMNS = tuple(
    sorted({c for null, levels, _ in _COMPARISONS for c in (null, *(lv[1] for lv in levels))})
)


@dataclass(frozen=True)
class Pair:
    left_id: int  # always the lower id
    right_id: int
    probability: float


@dataclass(frozen=True)
class Spark:
    """Where the Spark job runs: `local[2]` in process, or a cluster's master URL."""

    master: str = "local[2]"
    # Further Spark settings (spark.executor.memory, ...), as given to `--conf`.
    conf: tuple[tuple[str, str], ...] = ()
    # Where intermediate tables are written: a folder every executor reaches (hdfs://, s3a://).
    # Without it they are kept in the executors' memory and disks (`persist`).
    checkpoint_dir: str | None = None


def input_table(records: Iterable[PersonRecord]) -> pa.Table:
    """The records' normalised columns as one Arrow table, built a batch at a time.

    A million persons take about 150 MB here; as Python dicts they took several GB.
    """
    import pyarrow as pa

    schema = pa.schema([(ID, pa.int64()), *((c, pa.string()) for c in _COLUMNS)])
    batches = []
    it = iter(records)
    while batch := list(islice(it, BATCH)):
        columns: dict[str, list[Any]] = {name: [] for name in schema.names}
        for record in batch:
            row = normalised_columns(record)
            columns[ID].append(record.id)
            for name in _COLUMNS:
                columns[name].append(row.get(name) or None)
        batches.append(pa.record_batch(columns, schema=schema))
    return pa.Table.from_batches(batches, schema=schema)


def find_duplicates(
    records: Iterable[PersonRecord] | pa.Table,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    train_m: bool = False,
    spark: Spark | None = None,
    blocking: tuple[tuple[str, ...], ...] = BLOCKING,
    memory_limit: str = DUCKDB_MEMORY,
) -> list[Pair]:
    """Pairs of records that are likely one person, most likely first.

    On DuckDB in this process unless `spark` says where Spark runs.
    """
    import pyarrow as pa

    table = records if isinstance(records, pa.Table) else input_table(records)
    if table.num_rows < 2:
        return []
    present = [c for c in _COLUMNS if table.column(c).null_count < table.num_rows]
    table = table.select([ID, *present])
    settings, rules = _settings(present, table.num_rows, blocking)
    if settings is None or not rules:
        return []
    with tempfile.TemporaryDirectory(prefix="lifeline-dedupe-") as spill:
        model = _trained(table, settings, rules, train_m=train_m, spill=spill, memory=memory_limit)
        if spark is None:
            found = _predict_duckdb(table, model, threshold, spill=spill, memory=memory_limit)
        else:
            found = _predict_spark(table, model, rules, threshold, spark, spill=spill)
    best: dict[tuple[int, int], Pair] = {}
    for left, right, probability in found:
        pair = Pair(min(left, right), max(left, right), probability)
        key = (pair.left_id, pair.right_id)
        if key not in best or best[key].probability < pair.probability:
            best[key] = pair
    return sorted(best.values(), key=lambda p: (-p.probability, p.left_id, p.right_id))


# A comparison's name -> (m, u) of each of its levels but the null level; u None if not estimated.
Trained = dict[str, list[tuple[float, float | None]]]


def _settings(
    present: list[str],
    n: int,
    blocking: tuple[tuple[str, ...], ...],
    trained: Trained | None = None,
) -> tuple[Any, list[tuple[str, ...]]]:
    """Splink settings in the backend's own SQL; with the m and u of a `trained` model."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons: list[Any] = []
    for null_column, levels, else_m in _COMPARISONS:
        usable = [level for level in levels if level[1] in present]
        if null_column not in present or not usable:
            continue
        creators: list[Any] = [cll.NullLevel(null_column)]
        priors: list[tuple[float, float | None]] = [(m, None) for *_, m in usable]
        probabilities = (trained or {}).get(null_column, [*priors, (else_m, None)])
        for (kind, column, _m), (m, u) in zip(usable, probabilities, strict=False):
            level = (
                cll.ExactMatchLevel(column)
                if kind == "exact"
                else cll.JaroWinklerLevel(column, _JARO_THRESHOLD)
            )
            creators.append(_configured(level, m, u))
        creators.append(_configured(cll.ElseLevel(), *probabilities[-1]))
        comparisons.append(
            cl.CustomComparison(comparison_levels=creators, output_column_name=null_column)
        )
    if not comparisons:
        return None, []
    rules = [rule for rule in blocking if set(rule) <= set(present)]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=ID,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in rules],
        # About one person in fifty recorded twice.
        probability_two_random_records_match=min(0.5, 0.02 / max(n - 1, 1)),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    ), rules


def _configured(level: Any, m: float, u: float | None) -> Any:
    if u is None:
        return level.configure(m_probability=m)
    return level.configure(m_probability=m, u_probability=u)


def _duckdb(spill: str, memory: str) -> Any:
    import duckdb
    from splink import DuckDBAPI

    connection = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": memory,
            "temp_directory": spill,
            "preserve_insertion_order": False,
        },
    )
    return DuckDBAPI(connection)


def _trained(
    table: pa.Table,
    settings: Any,
    rules: list[tuple[str, ...]],
    *,
    train_m: bool,
    spill: str,
    memory: str,
) -> dict[str, Any]:
    """The model (settings with m and u) as a dict, trained on DuckDB for every backend."""
    from splink import Linker

    n = table.num_rows
    db_api = _duckdb(spill, memory)
    try:
        if n < MIN_FOR_U:
            model: dict[str, Any] = Linker(
                db_api.register(table), settings
            ).misc.save_model_to_json()
            return model
        step = max(1, n // U_SAMPLE)
        sample = table.take(list(range(0, n, step))[:U_SAMPLE])
        linker = Linker(db_api.register(sample), settings)
        pairs = sample.num_rows * (sample.num_rows - 1) / 2
        # Every pair of the sample: no random draw, so every backend gets the same u.
        linker.training.estimate_u_using_random_sampling(
            max_pairs=pairs, min_count_per_level=None, num_chunks=U_CHUNKS
        )
        model = linker.misc.save_model_to_json()
        if train_m and n >= MIN_FOR_EM:
            linker = Linker(db_api.register(table), model)
            _train_m(linker, rules)
            model = linker.misc.save_model_to_json()
        return model
    finally:
        db_api.duckdb_con.close()  # its memory goes back before the prediction starts


def _predict_duckdb(
    table: pa.Table, model: dict[str, Any], threshold: float, *, spill: str, memory: str
) -> list[tuple[int, int, float]]:
    from splink import Linker

    db_api = _duckdb(spill, memory)
    try:
        linker = Linker(db_api.register(table), model)
        result = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        rows = result.as_duckdbpyrelation().select(_PAIR_COLUMNS).fetchall()
    finally:
        db_api.duckdb_con.close()
    return [(int(left), int(right), float(p)) for left, right, p in rows]


def _predict_spark(
    table: pa.Table,
    model: dict[str, Any],
    rules: list[tuple[str, ...]],
    threshold: float,
    spark: Spark,
    *,
    spill: str,
) -> list[tuple[int, int, float]]:
    from splink import Linker, SparkAPI

    # The model's SQL is DuckDB's: the settings are made again in Spark's, with its m and u.
    present = [c for c in table.column_names if c != ID]
    settings, _rules = _settings(
        present, table.num_rows, tuple(rules), trained=_probabilities(model)
    )
    session = spark_session(spark, spill)
    try:
        db_api = SparkAPI(
            spark_session=session,
            break_lineage_method="parquet" if spark.checkpoint_dir else "persist",
        )
        # The input as the executors' own blocks: left as the driver's local data, Spark
        # copies all of it into the plan of every query and runs out of memory.
        persons = session.createDataFrame(table).repartition(db_api.num_partitions_on_repartition)
        linker = Linker(db_api.register(persons.localCheckpoint()), settings)
        result = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        rows = result.as_spark_dataframe().selectExpr(*_PAIR_COLUMNS.split(", ")).collect()
    finally:
        session.stop()  # its local folder is about to go; the JVM stays for a next session
    return [(int(r[0]), int(r[1]), float(r[2])) for r in rows]


def _probabilities(model: dict[str, Any]) -> Trained:
    return {
        comparison["output_column_name"]: [
            (level["m_probability"], level.get("u_probability"))
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level")
        ]
        for comparison in model["comparisons"]
    }


def spark_session(spark: Spark, spill: str) -> Any:
    """A Spark session with Splink's similarity functions from the jar inside the splink wheel.

    Nothing is downloaded: the jar is a file of the installed package, and Spark ships it to
    the executors of a cluster itself.
    """
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (
        SparkSession.builder.master(spark.master)
        .appName("lifeline-dedupe")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if spark.master.startswith("local"):
        # One JVM does all the work: a heap for it (Spark's default of 1 GB runs out at
        # 200,000 persons), a few partitions rather than 200, no network.
        builder = (
            builder.config("spark.driver.memory", "3g")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.local.dir", spill)
        )
    for key, value in spark.conf:
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if spark.checkpoint_dir:
        session.sparkContext.setCheckpointDir(spark.checkpoint_dir)
    return session


def _train_m(linker: Any, rules: list[tuple[str, ...]]) -> None:
    """Estimate m by EM in a block; on a registry where it does not converge, keep the priors."""
    from splink import block_on
    from splink.internals.exceptions import SplinkException

    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rules[0]), fix_u_probabilities=True
        )
    except (SplinkException, ValueError, ZeroDivisionError) as error:
        logger.warning("Splink EM did not converge (%s); keeping the prior m", type(error).__name__)
