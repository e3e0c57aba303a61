"""Match quality of the engine, and of a plain fuzzy baseline, on the labelled evaluation set.

Run: `.venv/bin/python benchmarks/match_quality.py [--registry 100000] [--queries-per-variant 200]
[--negatives-per-variant 50] [--seed 1]`

Prints, overall and by variant type: precision, recall and F1 on pairs at the threshold (a pair
is a query and a candidate proposed above the threshold; it is true when the candidate is the
person sought), top-1 accuracy and recall@10 (over queries whose person is in the registry).
The baseline is rapidfuzz `token_sort_ratio` on unidecode'd "surname given patronymic year"
strings, top 10 over the whole registry; its threshold is the one that maximises its own F1 on
this very data (so the baseline is flattered, not handicapped). Writes the figures as JSON to
var/benchmarks/match_quality.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.evalset import VARIANTS, EvalQuery, EvalSet, build_evalset  # noqa: E402
from lifeline.matching.types import PersonRecord  # noqa: E402

OUT = ROOT / "var" / "benchmarks" / "match_quality.json"
TOP_K = 10
TARGETS = {"recall@10": 0.99, "top1": 0.95, "top1_per_variant": 0.90, "f1": 0.95}

Ranked = list[tuple[int, float]]
"""(record id, score) best first, at most TOP_K."""


@dataclass
class Figures:
    queries: int
    positives: int
    precision: float
    recall: float
    f1: float
    top1: float
    recall_at_10: float
    proposed_pairs: int


def figures(queries: Sequence[EvalQuery], results: Sequence[Ranked], threshold: float) -> Figures:
    """Pair precision/recall/F1 at `threshold`, top-1 and recall@10, for these queries."""
    positives = top1 = at10 = true_pairs = proposed = 0
    for query, ranked in zip(queries, results, strict=True):
        above = [rid for rid, score in ranked if score > threshold]
        proposed += len(above)
        if query.truth_id is None:
            continue
        positives += 1
        ids = [rid for rid, _ in ranked]
        top1 += bool(ids) and ids[0] == query.truth_id
        at10 += query.truth_id in ids
        true_pairs += query.truth_id in above
    precision = true_pairs / proposed if proposed else 1.0
    recall = true_pairs / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Figures(
        queries=len(queries),
        positives=positives,
        precision=precision,
        recall=recall,
        f1=f1,
        top1=top1 / positives if positives else 0.0,
        recall_at_10=at10 / positives if positives else 0.0,
        proposed_pairs=proposed,
    )


def by_variant(evalset: EvalSet, results: Sequence[Ranked], threshold: float) -> dict[str, Figures]:
    table = {"overall": figures(evalset.queries, results, threshold)}
    for variant in VARIANTS:
        chosen = [i for i, q in enumerate(evalset.queries) if q.variant == variant]
        table[variant] = figures(
            [evalset.queries[i] for i in chosen], [results[i] for i in chosen], threshold
        )
    return table


def calibration(queries: Sequence[EvalQuery], results: Sequence[Ranked]) -> list[dict]:
    """For every proposed (query, candidate) pair, by score decile: how often it is the truth.

    A calibrated score reads as a probability: pairs scored about 0.8 are right about 80 % of
    the time. Negative queries count too: each of their candidates is a false pair.
    """
    bins = [{"low": i / 10, "pairs": 0, "true": 0, "score_sum": 0.0} for i in range(10)]
    for query, ranked in zip(queries, results, strict=True):
        for record_id, score in ranked:
            row = bins[min(int(score * 10), 9)]
            row["pairs"] += 1
            row["true"] += record_id == query.truth_id
            row["score_sum"] += score
    return [
        {
            "scores": f"{row['low']:.1f}-{row['low'] + 0.1:.1f}",
            "pairs": row["pairs"],
            "mean_score": row["score_sum"] / row["pairs"],
            "observed_true": row["true"] / row["pairs"],
        }
        for row in bins
        if row["pairs"]
    ]


# --- The engine --------------------------------------------------------------------------------


def run_engine(evalset: EvalSet) -> tuple[list[Ranked], float, dict[str, float]]:
    """Each query's top 10 from the engine's MatchIndex, its threshold, and timings."""
    from benchmarks.engine import engine_query
    from lifeline.matching import DEFAULT_THRESHOLD, MatchIndex  # type: ignore[attr-defined]

    started = time.perf_counter()
    index = MatchIndex(evalset.records)
    built = time.perf_counter()
    results: list[Ranked] = []
    for query in evalset.queries:
        candidates = index.search(engine_query(query), k=TOP_K)
        ranked = sorted(((c.record_id, c.score) for c in candidates), key=lambda c: -c[1])
        results.append(ranked[:TOP_K])
    done = time.perf_counter()
    timings = {
        "build_seconds": built - started,
        "mean_query_ms": 1000 * (done - built) / max(len(evalset.queries), 1),
    }
    return results, float(DEFAULT_THRESHOLD), timings


# --- The baseline ------------------------------------------------------------------------------


def _baseline_key(text: str) -> str:
    from rapidfuzz.utils import default_process
    from unidecode import unidecode

    # token_sort_ratio is ratio() on the sorted tokens; sorting once here is the same score.
    return " ".join(sorted(default_process(unidecode(text)).split()))


def _record_string(record: PersonRecord) -> str:
    name = record.names[0]
    year = str(record.birth_year) if record.birth_year else ""
    return " ".join(p for p in (name.surname, name.given_name, name.patronymic, year) if p)


_CHOICES: dict[int, str] = {}


def _baseline_top(keys: list[str]) -> list[Ranked]:
    from rapidfuzz import fuzz, process

    results = []
    for key in keys:
        found = process.extract(
            key, _CHOICES, scorer=fuzz.ratio, processor=None, limit=TOP_K, score_cutoff=30
        )
        results.append([(int(rid), score / 100) for _, score, rid in found])
    return results


def run_baseline(evalset: EvalSet) -> tuple[list[Ranked], float, dict[str, float]]:
    """Top 10 by token_sort_ratio over the whole registry; the threshold maximising its F1."""
    started = time.perf_counter()
    _CHOICES.clear()
    _CHOICES.update({r.id: _baseline_key(_record_string(r)) for r in evalset.records})
    keys = [_baseline_key(q.baseline_string()) for q in evalset.queries]
    workers = len(os.sched_getaffinity(0))
    chunks = [keys[i::workers] for i in range(workers)]
    # Forked workers share the registry strings; results are interleaved back into order.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_baseline_top, chunks)
    results: list[Ranked] = [[] for _ in keys]
    for worker, part in enumerate(parts):
        results[worker::workers] = part
    threshold = max(
        (t / 100 for t in range(30, 100)),
        key=lambda t: figures(evalset.queries, results, t).f1,
    )
    return results, threshold, {"seconds": time.perf_counter() - started}


# --- Report ------------------------------------------------------------------------------------


def _row(name: str, count: int, engine: Figures | None, baseline: Figures) -> str:
    def cells(f: Figures | None) -> str:
        if f is None:
            return f"{'—':>6} {'—':>6} {'—':>6} {'—':>6} {'—':>6}"
        values = (f.precision, f.recall, f.f1, f.top1, f.recall_at_10)
        return " ".join(f"{v:6.3f}" for v in values)

    return f"{name:<17}{count:>6}  {cells(engine)}  │ {cells(baseline)}"


def report(
    engine: dict[str, Figures] | None,
    baseline: dict[str, Figures],
    engine_threshold: float | None,
    baseline_threshold: float,
) -> None:
    header = "P      R      F1     top1   R@10"
    print(f"{'variant':<17}{'n':>6}  {'engine ' + header:<38}│ baseline {header}")
    for name, base in baseline.items():
        print(_row(name, base.positives, engine[name] if engine else None, base))
    print()
    if engine_threshold is not None:
        print(f"engine threshold: DEFAULT_THRESHOLD = {engine_threshold:.3f}")
    print(
        f"baseline threshold: {baseline_threshold:.2f} (token_sort_ratio/100), the value that "
        "maximises the baseline's own F1 on this data"
    )
    if engine is None:
        print("engine: not available (lifeline.matching has no MatchIndex yet)")
        return
    overall = engine["overall"]
    worst = min(VARIANTS, key=lambda v: engine[v].top1)
    checks = [
        ("recall@10 overall", overall.recall_at_10, TARGETS["recall@10"]),
        ("top-1 overall", overall.top1, TARGETS["top1"]),
        (f"top-1 worst variant ({worst})", engine[worst].top1, TARGETS["top1_per_variant"]),
        ("F1 at DEFAULT_THRESHOLD", overall.f1, TARGETS["f1"]),
    ]
    print("\ntargets:")
    for label, value, target in checks:
        verdict = "met" if value >= target else "NOT MET"
        print(f"  {label:<40} {value:6.3f}  target ≥ {target:.2f}  {verdict}")


def misses(evalset: EvalSet, results: Sequence[Ranked], per_variant: int = 5) -> list[dict]:
    """A few queries per variant whose person was not ranked first, to look at."""
    records = {r.id: r for r in evalset.records}
    shown: dict[str, int] = {}
    out = []
    for query, ranked in zip(evalset.queries, results, strict=True):
        if query.truth_id is None or (ranked and ranked[0][0] == query.truth_id):
            continue
        if shown.get(query.variant, 0) >= per_variant:
            continue
        shown[query.variant] = shown.get(query.variant, 0) + 1
        top = records[ranked[0][0]] if ranked else None
        truth = records[query.truth_id]
        out.append(
            {
                "variant": query.variant,
                "query": query.baseline_string(),
                "query_date": [query.birth_year, query.birth_month, query.birth_day],
                "truth": asdict(truth.names[0]),
                "truth_date": [truth.birth_year, truth.birth_month, truth.birth_day],
                "truth_rank": [rid for rid, _ in ranked].index(query.truth_id) + 1
                if query.truth_id in [rid for rid, _ in ranked]
                else None,
                "top": asdict(top.names[0]) if top else None,
                "top_score": ranked[0][1] if ranked else None,
            }
        )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=int, default=100_000)
    parser.add_argument("--queries-per-variant", type=int, default=200)
    parser.add_argument("--negatives-per-variant", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    evalset = build_evalset(
        registry_size=args.registry,
        queries_per_variant=args.queries_per_variant,
        negatives_per_variant=args.negatives_per_variant,
        seed=args.seed,
    )
    positives = sum(q.truth_id is not None for q in evalset.queries)
    print(
        f"evaluation set: {len(evalset.records):,} registry persons ({evalset.registry_size:,} "
        f"distractors + {evalset.truth_count:,} sought), {positives:,} queries + "
        f"{len(evalset.queries) - positives:,} negative queries, seed {args.seed}, generated in "
        f"{evalset.seconds:.1f} s\n"
    )
    base_results, base_threshold, base_timing = run_baseline(evalset)
    baseline = by_variant(evalset, base_results, base_threshold)
    engine: dict[str, Figures] | None = None
    engine_threshold: float | None = None
    engine_timing: dict[str, float] = {}
    engine_misses: list[dict] = []
    engine_calibration: list[dict] = []
    try:
        engine_results, engine_threshold, engine_timing = run_engine(evalset)
    except ImportError as error:
        print(f"(engine not importable: {error})\n")
    else:
        engine = by_variant(evalset, engine_results, engine_threshold)
        engine_misses = misses(evalset, engine_results)
        engine_calibration = calibration(evalset.queries, engine_results)
    report(engine, baseline, engine_threshold, base_threshold)
    if engine_calibration:
        print("\ncalibration of the engine's score (every top-10 pair, by score decile):")
        print("  scores    pairs  mean score  observed share that is the truth")
        for row in engine_calibration:
            print(
                f"  {row['scores']}  {row['pairs']:6d}  {row['mean_score']:10.3f}"
                f"  {row['observed_true']:.3f}"
            )
    if engine_timing:
        print(
            f"\nengine: index built in {engine_timing['build_seconds']:.1f} s, "
            f"{engine_timing['mean_query_ms']:.1f} ms per query (parse + search, all cores "
            "free; see match_speed.py for latency)"
        )
    print(f"baseline: {base_timing['seconds']:.1f} s for all queries")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "arguments": vars(args),
                "registry_persons": len(evalset.records),
                "truth_persons": evalset.truth_count,
                "queries": len(evalset.queries),
                "positive_queries": positives,
                "generation_seconds": evalset.seconds,
                "targets": TARGETS,
                "engine": {
                    "threshold": engine_threshold,
                    "timing": engine_timing,
                    "figures": {k: asdict(v) for k, v in engine.items()} if engine else None,
                    "misses": engine_misses,
                    "calibration": engine_calibration,
                },
                "baseline": {
                    "method": "rapidfuzz token_sort_ratio on unidecode'd strings, top 10",
                    "threshold": base_threshold,
                    "threshold_choice": "maximises the baseline's F1 on this data",
                    "figures": {k: asdict(v) for k, v in baseline.items()},
                },
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
