"""Whole-registry de-duplication with Splink (DuckDB here; the same settings run on Spark).

The input is the engine's normalised columns of every record, so the batch pass and the
enquiry matcher agree on what a name is. Comparisons follow the columns' names: a key or a
date part, sex or initial must be equal; any other column (a spelling, a phonetic code) is
compared by Jaro-Winkler similarity. Pairs are only generated within a block (same surname key,
or same birth year).

Splink's training needs data: below `MIN_FOR_U` persons the model keeps its priors, and only
from `MIN_FOR_EM` persons are the m probabilities estimated by expectation maximisation.
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
MIN_FOR_EM = 1000
SEED = 42
ID = "unique_id"

# Priors per level, best level first and "else" last (null levels take none).
_EXACT_M, _EXACT_U = [0.9, 0.1], [0.02, 0.98]
_FUZZY_THRESHOLDS = [0.95, 0.85]
_FUZZY_M, _FUZZY_U = [0.75, 0.12, 0.08, 0.05], [0.005, 0.01, 0.04, 0.945]


@dataclass(frozen=True)
class Pair:
    left_id: int  # always the lower id
    right_id: int
    probability: float


_EXACT_MARKS = ("key", "year", "month", "day", "sex", "initial", "_code", "_id")


def _is_exact(column: str) -> bool:
    """Keys, date parts and single letters are equal or not; spellings may be near."""
    return any(mark in column for mark in _EXACT_MARKS)


def _is_blocking(column: str) -> bool:
    return ("surname" in column and "key" in column) or column == "birth_year"


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
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons: list[Any] = []
    for column in columns:
        if _is_exact(column):
            comparisons.append(
                cl.ExactMatch(column).configure(m_probabilities=_EXACT_M, u_probabilities=_EXACT_U)
            )
        else:
            comparisons.append(
                cl.JaroWinklerAtThresholds(column, _FUZZY_THRESHOLDS).configure(
                    m_probabilities=_FUZZY_M, u_probabilities=_FUZZY_U
                )
            )
    blocking = [c for c in columns if _is_blocking(c)] or [c for c in columns if _is_exact(c)]
    if not blocking:
        # No key column: the first letters of the surname will do.
        blocking = [f"substr({c}, 1, 3)" for c in columns if "surname" in c][:1]
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
    records: Sequence[PersonRecord], *, threshold: float = DEFAULT_THRESHOLD
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
    if len(table) >= MIN_FOR_EM:
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
