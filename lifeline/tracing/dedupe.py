"""Whole-registry de-duplication with Splink (DuckDB here; the same settings run on Spark).

The input is the engine's normalised columns of every record, so the batch pass and the
enquiry matcher agree on what a name is. Comparisons follow the columns' names: a key or a
date part, sex or initial must be equal; any other column (a spelling, a phonetic code) is
compared by Jaro-Winkler similarity. Pairs are only generated within a block (same surname key,
or same birth year).

Training: from `MIN_FOR_U` persons the u probabilities are estimated by random sampling; the m
probabilities stay at their priors unless `train_m=True`. Expectation maximisation needs real
duplicates to learn from: on a registry with few of them (the demo has none) it converges on
"same surname" as the match class and proposes every pair of namesakes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lifeline.matching.types import PersonRecord
from lifeline.tracing import engine

logger = logging.getLogger(__name__)
# Splink narrates every step at INFO; the command prints its own summary.
logging.getLogger("splink").setLevel(logging.WARNING)

DEFAULT_THRESHOLD = 0.9
MIN_FOR_U = 50
MIN_FOR_EM = 1000  # with train_m, EM runs only on a registry at least this large
SEED = 42
ID = "unique_id"

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


@dataclass(frozen=True)
class Pair:
    left_id: int  # always the lower id
    right_id: int
    probability: float


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(value) if isinstance(value, list | tuple) else str(value)
    return text or None


def rows(records: Sequence[PersonRecord]) -> list[dict[str, Any]]:
    """One flat row per record: its id and the engine's normalised columns, as text."""
    out = []
    for record in records:
        columns = engine.normalised_columns(record)
        row: dict[str, Any] = {name: _text(value) for name, value in columns.items() if name != ID}
        row[ID] = record.id
        out.append(row)
    return out


def _settings(columns: list[str], n: int) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    present = set(columns)
    comparisons: list[Any] = []
    for null_column, levels, else_m in _COMPARISONS:
        usable = [level for level in levels if level[1] in present]
        if null_column not in present or not usable:
            continue
        creators: list[Any] = [cll.NullLevel(null_column)]
        for kind, column, m in usable:
            level = (
                cll.ExactMatchLevel(column)
                if kind == "exact"
                else cll.JaroWinklerLevel(column, _JARO_THRESHOLD)
            )
            creators.append(level.configure(m_probability=m))
        creators.append(cll.ElseLevel().configure(m_probability=else_m))
        comparisons.append(
            cl.CustomComparison(comparison_levels=creators, output_column_name=null_column)
        )
    blocking = [c for c in ("surname_key", "birth_year") if c in present]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=ID,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(c) for c in blocking],
        # About one person in fifty recorded twice.
        probability_two_random_records_match=min(0.5, 0.02 / max(n - 1, 1)),
        retain_matching_columns=False,
    ), blocking


def find_duplicates(
    records: Sequence[PersonRecord], *, threshold: float = DEFAULT_THRESHOLD, train_m: bool = False
) -> list[Pair]:
    """Pairs of records that are likely one person, most likely first."""
    if len(records) < 2:
        return []
    table = rows(records)
    columns = sorted({name for row in table for name in row if name != ID})
    for row in table:
        for column in columns:
            row.setdefault(column, None)
    if not columns:
        return []
    from splink import DuckDBAPI, Linker

    settings, blocking = _settings(columns, len(table))
    if not blocking:
        return []
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(table), settings, log_level=None)
    if len(table) >= MIN_FOR_U:
        pairs = len(table) * (len(table) - 1) / 2
        linker.training.estimate_u_using_random_sampling(
            max_pairs=min(pairs, 1e7), seed=SEED, min_count_per_level=None, num_chunks=1
        )
    if train_m and len(table) >= MIN_FOR_EM:
        _train_m(linker, blocking)
    result = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    ).as_record_list()
    found = [
        Pair(
            left_id=min(int(r[f"{ID}_l"]), int(r[f"{ID}_r"])),
            right_id=max(int(r[f"{ID}_l"]), int(r[f"{ID}_r"])),
            probability=float(r["match_probability"]),
        )
        for r in result
    ]
    best: dict[tuple[int, int], Pair] = {}
    for pair in found:
        key = (pair.left_id, pair.right_id)
        if key not in best or best[key].probability < pair.probability:
            best[key] = pair
    return sorted(best.values(), key=lambda p: (-p.probability, p.left_id, p.right_id))


def _train_m(linker: Any, blocking: list[str]) -> None:
    """Estimate m by EM in a block; on a registry where it does not converge, keep the priors."""
    from splink import block_on
    from splink.internals.exceptions import SplinkException

    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(blocking[0]), fix_u_probabilities=True
        )
    except (SplinkException, ValueError, ZeroDivisionError) as error:
        logger.warning("Splink EM did not converge (%s); keeping the prior m", type(error).__name__)
