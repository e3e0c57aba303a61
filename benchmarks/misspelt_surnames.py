"""Recall of misspelt surnames with and without near spellings (issue 14 §3), in MatchIndex.

Run: `.venv/bin/python benchmarks/misspelt_surnames.py [--size 1000000] [--persons 600] [--seed 5]`

Persons drawn from match_speed.py's registry (cached in var/benchmarks/; the first run at a size
generates it) are sought by their Cyrillic surname with one or two random slips (a letter
replaced, dropped, added, or two swapped; the first letter kept) and their given name, with and
without the birth year. Reported: recall@10 of the very person (with no year, namesakes of the
same names are as good an answer, so this understates), with near spellings and with the exact
keys only (`fuzzy.NEAR_BELOW = 0`), and search p95 over these queries, in one process pinned
to one CPU.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.match_speed import _percentile, registry  # noqa: E402
from lifeline.matching import MatchIndex, Query, fuzzy, query_from_fields  # noqa: E402
from lifeline.matching.types import PersonRecord  # noqa: E402

LETTERS = "абвгдежзийклмнопрстуфхцчшщыьэюя"


def misspell(surname: str, slips: int, rng: random.Random) -> str:
    """The surname with `slips` random slips of the pen after its first letter."""
    letters = list(surname.lower())
    for _ in range(slips):
        kind = rng.choice("rdas")
        i = rng.randrange(1, len(letters))
        if kind == "r":
            letters[i] = rng.choice(LETTERS)
        elif kind == "d" and len(letters) > 4:
            del letters[i]
        elif kind == "a":
            letters.insert(i, rng.choice(LETTERS))
        elif kind == "s" and i < len(letters) - 1:
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
    return "".join(letters)


def cases(records: list[PersonRecord], count: int, seed: int) -> list[tuple[str, int, Query]]:
    rng = random.Random(seed)
    out = []
    for record in rng.sample(records, count):
        name = record.names[0]
        if len(name.surname) < 5 or record.birth_year is None:
            continue
        for slips in (1, 2):
            surname = misspell(name.surname, slips, rng)
            given = name.given_name
            with_year = query_from_fields(
                surname=surname, given_name=given, birth_year=record.birth_year
            )
            out.append((f"{slips} slip(s), with year", record.id, with_year))
            out.append(
                (
                    f"{slips} slip(s), no year",
                    record.id,
                    query_from_fields(surname=surname, given_name=given),
                )
            )
    return out


def run(index: MatchIndex, found: list[tuple[str, int, Query]]) -> tuple[dict[str, float], float]:
    hits: dict[str, list[int]] = {}
    times = []
    for label, record_id, query in found:
        started = time.perf_counter()
        top = [c.record_id for c in index.search(query, k=10)]
        times.append(1000 * (time.perf_counter() - started))
        tally = hits.setdefault(label, [0, 0])
        tally[0] += record_id in top
        tally[1] += 1
    return {label: n / total for label, (n, total) in sorted(hits.items())}, _percentile(
        times, 0.95
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=600)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    records, _generated = registry(args.size, seed=1)
    found = cases(records, args.persons, args.seed)
    started = time.perf_counter()
    index = MatchIndex(records)
    print(
        f"{len(records):,} persons, index built in {time.perf_counter() - started:.1f} s; "
        f"{len(found)} misspelt queries; load {os.getloadavg()[0]:.2f}\n"
    )
    near, near_p95 = run(index, found)
    below = fuzzy.NEAR_BELOW
    fuzzy.NEAR_BELOW = 0
    exact, exact_p95 = run(index, found)
    fuzzy.NEAR_BELOW = below
    print(f"{'queries':<24} {'exact keys R@10':>16} {'with near R@10':>15}")
    for label in near:
        print(f"{label:<24} {exact[label]:16.3f} {near[label]:15.3f}")
    print(f"{'search p95':<24} {exact_p95:13.1f} ms {near_p95:12.1f} ms")


if __name__ == "__main__":
    main()
