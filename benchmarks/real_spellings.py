"""Match quality on real published spellings (rigour's Wikidata name groups), per convention.

Run: `.venv/bin/python benchmarks/real_spellings.py [--registry 50000] [--per-convention 300]
[--seed 1] [--bench-python var/bench-venv/bin/python] [--synthetic]`

The spellings are read from the rigour wheel installed in the benchmark's own environment
(`--bench-python`; see benchmarks/README.md for how it is made), never downloaded; the set is
built by benchmarks/realset.py. Prints, per spelling convention, the number of examples and the
top-1 and recall@10 of the engine (lifeline.matching.MatchIndex), of the rapidfuzz baseline of
match_quality.py, and of nomenklatura's logic-v2 (run in the benchmark environment, on
candidates from nomenklatura's own blocking index) when that environment has nomenklatura.
`--synthetic` also runs the same three on the synthetic set of match_quality.py. Writes the
figures as JSON to var/benchmarks/real_spellings.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.evalset import EvalQuery, build_evalset  # noqa: E402
from benchmarks.match_quality import (  # noqa: E402
    TOP_K,
    Figures,
    Ranked,
    figures,
    misses,
    run_baseline,
    run_engine,
)
from benchmarks.realset import RealSet, build_real_set  # noqa: E402
from lifeline.matching.types import PersonRecord  # noqa: E402

OUT = ROOT / "var" / "benchmarks" / "real_spellings.json"
BENCH_PYTHON = ROOT / "var" / "bench-venv" / "bin" / "python"
TARGET_TOP1 = 0.95  # issue 14: for every convention with at least MIN_EXAMPLES examples
MIN_EXAMPLES = 30
LOGIC_V2_THRESHOLD = 0.7  # yente's default match threshold for logic-v2


def rigour_groups(bench_python: Path) -> str:
    """The text of rigour's person-name groups, read from the benchmark environment's rigour."""
    script = ROOT / "benchmarks" / "rigour_names.py"
    done = subprocess.run(  # noqa: S603 - our own script, our own interpreter
        [str(bench_python), str(script)], check=True, capture_output=True, text=True
    )
    return done.stdout


def run_logic_v2(
    bench_python: Path,
    records: Sequence[PersonRecord],
    queries: Sequence[EvalQuery],
    pools: Sequence[Ranked],
) -> list[Ranked] | None:
    """Each query's top 10 by nomenklatura's logic-v2, or None if it is not installed there.

    logic-v2 is a scorer, not a search: it ranks the candidates in `pools` (the union of the
    engine's and the baseline's top 10). nomenklatura's own blocking index wants a statement
    store; feeding it is the hook left for a fairer retrieval.
    """
    check = subprocess.run(  # noqa: S603
        [str(bench_python), "-c", "import nomenklatura.matching.logic_v2"], capture_output=True
    )
    if check.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as folder:
        given = Path(folder) / "input.json"
        taken = Path(folder) / "output.json"
        given.write_text(
            json.dumps(
                {
                    "records": [asdict(r) for r in records],
                    "queries": [asdict(q) for q in queries],
                    "candidates": [[rid for rid, _ in pool] for pool in pools],
                    "top_k": TOP_K,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        script = ROOT / "benchmarks" / "logic_v2_runner.py"
        subprocess.run(  # noqa: S603
            [str(bench_python), str(script), str(given), str(taken)], check=True
        )
        ranked = json.loads(taken.read_text(encoding="utf-8"))
    return [[(int(rid), float(score)) for rid, score in row] for row in ranked]


def _pools(results: dict[str, list[Ranked]]) -> list[Ranked]:
    pools: list[Ranked] = []
    for engine, baseline in zip(results["engine"], results["baseline"], strict=True):
        ids = dict.fromkeys(rid for rid, _ in engine + baseline)
        pools.append([(rid, 0.0) for rid in ids])
    return pools


def per_convention(realset: RealSet, results: Sequence[Ranked]) -> dict[str, Figures]:
    labels = sorted({e.convention for e in realset.examples})
    table = {"overall": figures(realset.queries, results, 1.0)}
    for label in labels:
        chosen = [i for i, e in enumerate(realset.examples) if e.convention == label]
        table[label] = figures(
            [realset.queries[i] for i in chosen], [results[i] for i in chosen], 1.0
        )
    return table


def print_table(tables: dict[str, dict[str, Figures]]) -> None:
    systems = list(tables)
    head = "".join(f"  {s + ' top1':>16} {'R@10':>6}" for s in systems)
    print(f"{'convention':<36}{'n':>5}{head}")
    first = tables[systems[0]]
    order = ["overall"] + sorted(
        (k for k in first if k != "overall"), key=lambda k: -first[k].positives
    )
    for label in order:
        cells = "".join(
            f"  {tables[s][label].top1:16.3f} {tables[s][label].recall_at_10:6.3f}" for s in systems
        )
        print(f"{label:<36}{first[label].positives:>5}{cells}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=int, default=50_000)
    parser.add_argument("--per-convention", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bench-python", type=Path, default=BENCH_PYTHON)
    parser.add_argument("--synthetic", action="store_true", help="also the synthetic set")
    args = parser.parse_args(argv)

    realset = build_real_set(
        rigour_groups(args.bench_python),
        registry_size=args.registry,
        per_convention=args.per_convention,
        seed=args.seed,
    )
    print(
        f"real spellings: {realset.source}; {len(realset.records):,} registry persons "
        f"({realset.registry_size:,} namesakes + {realset.truth_count:,} sought), "
        f"{len(realset.examples):,} queries, seed {args.seed}, built in {realset.seconds:.1f} s; "
        f"load {os.getloadavg()[0]:.2f}\n"
    )
    results: dict[str, list[Ranked]] = {}
    results["engine"], _threshold, timing = run_engine(realset)  # type: ignore[arg-type]
    results["baseline"], _t, _ = run_baseline(realset)  # type: ignore[arg-type]
    logic_v2 = run_logic_v2(args.bench_python, realset.records, realset.queries, _pools(results))
    if logic_v2 is None:
        print(f"(logic-v2: nomenklatura is not installed in {args.bench_python}'s environment)\n")
    else:
        results["logic-v2"] = logic_v2
    tables = {name: per_convention(realset, ranked) for name, ranked in results.items()}
    print_table(tables)
    engine = tables["engine"]
    short = [
        k
        for k, f in engine.items()
        if k != "overall" and f.positives >= MIN_EXAMPLES and f.top1 < TARGET_TOP1
    ]
    print(
        f"\ntarget top-1 ≥ {TARGET_TOP1} for every convention with ≥ {MIN_EXAMPLES} examples: "
        + ("met" if not short else f"NOT MET for {len(short)}: " + ", ".join(short))
    )
    print(f"engine: index built in {timing['build_seconds']:.1f} s, load {os.getloadavg()[0]:.2f}")

    synthetic: dict[str, dict[str, dict]] = {}
    if args.synthetic:
        evalset = build_evalset(registry_size=100_000, seed=args.seed)
        positives = [q for q in evalset.queries if q.truth_id is not None]
        print(f"\nsynthetic set (match_quality.py defaults): {len(positives):,} positive queries")
        engine_ranked, threshold, _ = run_engine(evalset)
        base_ranked, base_threshold, _ = run_baseline(evalset)
        rows = {
            "engine": figures(evalset.queries, engine_ranked, threshold),
            "baseline": figures(evalset.queries, base_ranked, base_threshold),
        }
        synthetic_v2 = run_logic_v2(
            args.bench_python,
            evalset.records,
            evalset.queries,
            _pools({"engine": engine_ranked, "baseline": base_ranked}),
        )
        if synthetic_v2 is not None:
            rows["logic-v2"] = figures(evalset.queries, synthetic_v2, LOGIC_V2_THRESHOLD)
        for name, f in rows.items():
            print(
                f"  {name:<10} top1 {f.top1:.3f}  R@10 {f.recall_at_10:.3f}  "
                f"precision at threshold {f.precision:.3f}"
            )
        synthetic = {name: asdict(f) for name, f in rows.items()}

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "arguments": {k: str(v) for k, v in vars(args).items()},
                "source": realset.source,
                "registry_persons": len(realset.records),
                "truth_persons": realset.truth_count,
                "load": os.getloadavg()[0],
                "figures": {
                    name: {k: asdict(f) for k, f in table.items()} for name, table in tables.items()
                },
                "engine_misses": misses(realset, results["engine"]),  # type: ignore[arg-type]
                "examples": [
                    {"convention": e.convention, "source": e.source, **asdict(e.query)}
                    for e in realset.examples
                ],
                "synthetic": synthetic,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
