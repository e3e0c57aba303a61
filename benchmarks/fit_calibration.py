"""Fit the score's calibration (SLOPE, INTERCEPT in lifeline/matching/weights.py) by Platt scaling.

Run: `.venv/bin/python benchmarks/fit_calibration.py [--seed 2]`
The fit uses an evaluation set with a different seed from the one `match_quality.py` reports
on (seed 1), so the reported calibration is measured on data the fit has not seen. It prints
the fitted constants; copy them into weights.py by hand.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.engine import engine_query  # noqa: E402
from benchmarks.evalset import build_evalset  # noqa: E402
from lifeline.matching import MatchIndex, weights  # noqa: E402


def _logit(score: float) -> float:
    p = min(max(score, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def platt(xs: list[float], ys: list[int], iterations: int = 50) -> tuple[float, float]:
    """Logistic regression of y on x (two parameters) by Newton's method."""
    a, b = 1.0, 0.0
    for _ in range(iterations):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in zip(xs, ys, strict=True):
            z = max(min(a * x + b, 50.0), -50.0)
            p = 1.0 / (1.0 + math.exp(-z))
            ga += (p - y) * x
            gb += p - y
            w = p * (1 - p)
            haa += w * x * x
            hab += w * x
            hbb += w
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        a -= (hbb * ga - hab * gb) / det
        b -= (haa * gb - hab * ga) / det
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--registry", type=int, default=100_000)
    parser.add_argument("--queries-per-variant", type=int, default=150)
    args = parser.parse_args()
    evalset = build_evalset(
        registry_size=args.registry,
        queries_per_variant=args.queries_per_variant,
        negatives_per_variant=50,
        seed=args.seed,
    )
    index = MatchIndex(evalset.records)
    xs: list[float] = []
    ys: list[int] = []
    for query in evalset.queries:
        for candidate in index.search(engine_query(query), k=10):
            xs.append(_logit(candidate.score))
            ys.append(int(candidate.record_id == query.truth_id))
    a, b = platt(xs, ys)
    slope = a * weights.SLOPE
    intercept = a * weights.INTERCEPT + b
    print(f"{len(xs):,} top-10 pairs, {sum(ys):,} true, seed {args.seed}")
    print(f"current: SLOPE = {weights.SLOPE}, INTERCEPT = {weights.INTERCEPT}")
    print(f"fitted:  SLOPE = {slope:.3f}, INTERCEPT = {intercept:.3f}")


if __name__ == "__main__":
    main()
