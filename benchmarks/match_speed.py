"""Build time, memory and query latency of the engine's MatchIndex at 10k, 100k and 1M persons.

Run: `.venv/bin/python benchmarks/match_speed.py [--sizes 10000,100000,1000000] [--queries 1000]
[--seed 1] [--no-tracemalloc]`

Each size runs in a fresh process pinned to ONE CPU (os.sched_setaffinity), so that the memory
figures are that index's alone and the latency is one core's. The registry is drawn by
lifeline.demo.names and cached in var/benchmarks/ (the first 1M run generates it). The queries
are a mix of all the evaluation set's variant types (benchmarks/evalset.py), a tenth of them for
persons not in the registry. Reported: build time; RSS growth over the build (/proc/self/statm);
the tracemalloc peak of a traced build in another process (slower; skip with
--no-tracemalloc); query
latency p50/p95/p99 for the top 10, both search alone and parse + search.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.evalset import (  # noqa: E402
    VARIANTS,
    EvalQuery,
    make_variant,
    registry_records,
)
from lifeline.demo.names import _person  # noqa: E402
from lifeline.matching.types import PersonRecord  # noqa: E402

CACHE = ROOT / "var" / "benchmarks"
OUT = CACHE / "match_speed.json"
TARGETS = {"p95_ms_at_1m": 50.0, "index_gb": 2.0, "build_seconds": 300.0}
NEGATIVE_SHARE = 0.1


def registry(count: int, *, seed: int) -> tuple[list[PersonRecord], float]:
    """The first `count` registry persons (a prefix of the same stream at every size), and the
    seconds it took to generate them (0 when read from the cache)."""
    path = CACHE / f"registry-{count}-seed{seed}.pickle"
    if path.exists():
        with path.open("rb") as file:
            return pickle.load(file), 0.0  # noqa: S301 - our own cache file
    started = time.perf_counter()
    records = registry_records(count, seed=seed)
    seconds = time.perf_counter() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        pickle.dump(records, file, protocol=pickle.HIGHEST_PROTOCOL)
    return records, seconds


def speed_queries(count: int, *, seed: int) -> list[EvalQuery]:
    """Mixed-variant queries: persons among the first 5,000 of the registry (so in every size)
    and, for a tenth, persons drawn afresh (very likely not in it)."""
    registry_rng = random.Random(f"distractors-{seed}")
    in_registry = [_person(registry_rng) for _ in range(5_000)]
    fresh_rng = random.Random(f"speed-negatives-{seed}")
    rng = random.Random(f"speed-{seed}")
    queries: list[EvalQuery] = []
    while len(queries) < count:
        variant = VARIANTS[len(queries) % len(VARIANTS)]
        negative = rng.random() < NEGATIVE_SHARE
        person = _person(fresh_rng) if negative else rng.choice(in_registry)
        query = make_variant(variant, person, rng)
        if query is not None:
            queries.append(query)
    return queries


def _rss_bytes() -> int:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _pin_and_warm(workload: Sequence[EvalQuery], records: Sequence[PersonRecord]) -> int:
    """Pin this process to one CPU and load the engine's lazy tables with a tiny index, so that
    the figures that follow are the index's own."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    from benchmarks.engine import engine_query
    from lifeline.matching import MatchIndex  # type: ignore[attr-defined]

    warm = MatchIndex(list(records[:50]))
    for query in workload[: len(VARIANTS)]:
        warm.search(engine_query(query), k=10)
    return cpu


def measure(size: int, *, queries: int, seed: int) -> dict[str, object]:
    """Build time, RSS growth and latency for one size, in this (fresh) process."""
    from benchmarks.engine import engine_query
    from lifeline.matching import MatchIndex  # type: ignore[attr-defined]

    records, generated = registry(size, seed=seed)
    workload = speed_queries(queries, seed=seed)
    cpu = _pin_and_warm(workload, records)
    gc.collect()
    rss_before = _rss_bytes()
    started = time.perf_counter()
    index = MatchIndex(records)
    build_seconds = time.perf_counter() - started
    gc.collect()
    rss_growth = _rss_bytes() - rss_before

    search_ms: list[float] = []
    total_ms: list[float] = []
    for query in workload:
        t0 = time.perf_counter()
        parsed = engine_query(query)
        t1 = time.perf_counter()
        index.search(parsed, k=10)
        t2 = time.perf_counter()
        search_ms.append(1000 * (t2 - t1))
        total_ms.append(1000 * (t2 - t0))
    return {
        "size": size,
        "cpu": cpu,
        "generation_seconds": generated,
        "build_seconds": build_seconds,
        "rss_growth_mb": rss_growth / 2**20,
        "rss_total_mb": _rss_bytes() / 2**20,
        "queries": len(workload),
        **{f"search_p{p}_ms": _percentile(search_ms, p / 100) for p in (50, 95, 99)},
        **{f"total_p{p}_ms": _percentile(total_ms, p / 100) for p in (50, 95, 99)},
        "search_mean_ms": statistics.fmean(search_ms),
    }


def traced_peak(size: int, *, seed: int) -> dict[str, object]:
    """The tracemalloc peak of one build, in its own fresh process (tracing slows the build)."""
    from lifeline.matching import MatchIndex  # type: ignore[attr-defined]

    records, _ = registry(size, seed=seed)
    _pin_and_warm(speed_queries(len(VARIANTS), seed=seed), records)
    gc.collect()
    tracemalloc.start()
    index = MatchIndex(records)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del index
    return {"tracemalloc_peak_mb": peak / 2**20}


def _run_child(size: int, args: argparse.Namespace, mode: str) -> dict[str, object]:
    command = [sys.executable, __file__, f"--{mode}", str(size)]
    command += ["--queries", str(args.queries), "--seed", str(args.seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"size {size} ({mode}) failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(results: list[dict[str, object]]) -> None:
    print(
        f"{'persons':>10} {'build s':>8} {'RSS+ MB':>8} {'traced MB':>9} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} │ {'parse+search p95':>16}"
    )
    for r in results:
        traced = r.get("tracemalloc_peak_mb")
        traced_text = f"{traced:9.0f}" if isinstance(traced, float) else f"{'—':>9}"
        print(
            f"{r['size']:>10,} {r['build_seconds']:8.1f} {r['rss_growth_mb']:8.0f} {traced_text} "
            f"{r['search_p50_ms']:7.1f} {r['search_p95_ms']:7.1f} {r['search_p99_ms']:7.1f} │ "
            f"{r['total_p95_ms']:16.1f}"
        )
    largest = max(results, key=lambda r: int(str(r["size"])))
    print(f"\ntargets (at {int(str(largest['size'])):,} persons, on one core):")
    checks = [
        (
            "top-10 p95 (search)",
            float(str(largest["search_p95_ms"])),
            TARGETS["p95_ms_at_1m"],
            "ms",
        ),
        (
            "index memory (RSS growth)",
            float(str(largest["rss_growth_mb"])) / 1024,
            TARGETS["index_gb"],
            "GB",
        ),
        ("build time", float(str(largest["build_seconds"])), TARGETS["build_seconds"], "s"),
    ]
    for label, value, target, unit in checks:
        verdict = "met" if value < target else "NOT MET"
        print(f"  {label:<28} {value:8.2f} {unit:<2}  target < {target:g} {unit}  {verdict}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--traced-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, queries=args.queries, seed=args.seed)))
        return
    if args.traced_child:
        print(json.dumps(traced_peak(args.traced_child, seed=args.seed)))
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    # Generate (or read) the largest registry once; smaller sizes are its prefixes.
    started = time.perf_counter()
    largest, generated = registry(sizes[-1], seed=args.seed)
    for size in sizes[:-1]:
        path = CACHE / f"registry-{size}-seed{args.seed}.pickle"
        if not path.exists():
            with path.open("wb") as file:
                pickle.dump(largest[:size], file, protocol=pickle.HIGHEST_PROTOCOL)
    del largest
    how = f"generated in {generated:.1f} s" if generated else "read from the cache"
    print(f"registry of {sizes[-1]:,} persons {how} ({time.perf_counter() - started:.1f} s)\n")
    results = []
    for size in sizes:
        result = _run_child(size, args, "child")
        if not args.no_tracemalloc:
            result |= _run_child(size, args, "traced-child")
        results.append(result)
        print(f"  {size:,}: done", file=sys.stderr)
    report(results)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"targets": TARGETS, "results": results}, indent=2), "utf-8")
    print(f"\nwritten: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
