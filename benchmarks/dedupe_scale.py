"""Whole-registry de-duplication (`lifeline match dedupe`) at scale: time, peak memory, recall.

Run: `.venv/bin/python benchmarks/dedupe_scale.py [--sizes 200000,1000000] [--dup-share 0.02]
[--seed 1] [--backend duckdb|spark] [--blocking narrow|wide] [--legacy FILE] [--postgres DB_NAME]
[--rss-cap-gb 12]`

Each size runs in a fresh child process, which generates the registry lazily (persons drawn by
lifeline.demo.names, so namesakes occur as in life) and streams it into the same
`lifeline.tracing.dedupe.find_duplicates` the command calls; only the database read is left
out. After each original person, with probability `--dup-share`, a planted duplicate follows:
the same person as another source recorded him, one of the evaluation set's variants
(benchmarks/evalset.py: a transliteration, a typo, a diminutive, the Ukrainian or Russian form,
no patronymic, a partial or mistyped date of birth, the surname's other gender form), with the
full date of birth 60 % of the time and the unit and place each kept half the time.

Printed per size: the seconds of the dedupe alone (generating the persons is timed apart and
left out), the child's peak RSS (getrusage; and sampled with its own children, for Spark's
JVM), pairs found, the planted pairs found (recall), the planted pairs that some blocking rule
lets through (the most any threshold could find), and the load average before and after.

`--blocking wide` uses the rules before issue 13 (same surname key, or same birth year) to
check on a small registry that the narrow rules lose none of the pairs found.
`--postgres DB_NAME` loads the registry into a throw-away PostgreSQL database first and times the
command's whole service (`duplicates_find`: the database read, the linkage, storing the pairs);
the peak RSS then covers the loading too.
`--legacy FILE` runs another version of dedupe.py instead (e.g. the one before issue 13:
`git show 6345f82:lifeline/tracing/dedupe.py > /tmp/dedupe_before.py`); it is given a list of
records, as its caller did. `--rss-cap-gb` kills a child whose RSS passes the cap.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"peak_rss_gb_at_1m": 4.0, "seconds_at_1m": 600.0}
# Ways one person comes to be recorded twice (evalset variant names).
DUPLICATE_VARIANTS = (
    "exact",
    "translit_icao",
    "translit_kmu2010",
    "translit_bgn",
    "typo",
    "no_patronymic",
    "diminutive",
    "ukrainian_form",
    "russian_form",
    "partial_dob",
    "female_form",
)
DUPLICATE_ID = 10**9  # planted duplicates are numbered from here
WIDE = (("surname_key",), ("birth_year",))


@dataclass
class Registry:
    """Generates persons and planted duplicates as they are read; keeps only the pair list."""

    persons: int
    dup_share: float
    seed: int
    planted: dict[tuple[int, int], str] = field(default_factory=dict)
    blockable: int = 0  # planted pairs that agree on every column of some rule
    seconds: float = 0.0  # spent generating, left out of the dedupe's time

    def records(self, rules: tuple[tuple[str, ...], ...]) -> Iterator[Any]:
        from benchmarks.evalset import make_variant
        from lifeline.demo.names import _person
        from lifeline.matching import normalised_columns
        from lifeline.matching.types import NameVariant, PersonRecord

        rng = random.Random(f"dedupe-{self.seed}")
        for i in range(1, self.persons + 1):
            started = time.perf_counter()
            person = _person(rng)
            record = PersonRecord(
                id=i,
                names=(NameVariant(person.surname, person.given_name, person.patronymic),),
                sex=person.sex,
                birth_year=person.birth_year,
                birth_month=person.birth_month,
                birth_day=person.birth_day,
                unit=person.unit,
                place_of_birth=person.place_of_birth,
            )
            twin = None
            if rng.random() < self.dup_share:
                variant = rng.choice(DUPLICATE_VARIANTS)
                query = make_variant(variant, person, rng)
                if query is not None and not query.text:
                    twin = PersonRecord(
                        id=DUPLICATE_ID + len(self.planted),
                        names=(NameVariant(query.surname, query.given_name, query.patronymic),),
                        sex=person.sex,
                        birth_year=query.birth_year,
                        birth_month=query.birth_month,
                        birth_day=query.birth_day,
                        unit=person.unit if rng.random() < 0.5 else "",
                        place_of_birth=person.place_of_birth if rng.random() < 0.5 else "",
                    )
                    self.planted[(i, twin.id)] = variant
                    a, b = normalised_columns(record), normalised_columns(twin)
                    if any(all(a[c] and a[c] == b[c] for c in rule) for rule in rules):
                        self.blockable += 1
            self.seconds += time.perf_counter() - started
            yield record
            if twin is not None:
                yield twin


def _load(registry: Registry, rules: tuple[tuple[str, ...], ...]) -> float:
    """Bulk-insert the registry into the throw-away database; the seconds it took."""
    from itertools import islice

    from lifeline.registry.models import Person

    started = time.perf_counter()
    records = registry.records(rules)
    while batch := list(islice(records, 5000)):
        persons = []
        for record in batch:
            name = record.names[0]
            person = Person(
                pk=record.id, surname=name.surname, given_name=name.given_name,
                patronymic=name.patronymic, sex=record.sex, birth_year=record.birth_year,
                birth_month=record.birth_month, birth_day=record.birth_day,
                place_of_birth=record.place_of_birth, unit=record.unit,
            )  # fmt: skip
            person.refresh_search_fields()
            persons.append(person)
        Person.objects.bulk_create(persons)
    return time.perf_counter() - started


def child(args: argparse.Namespace) -> None:
    from lifeline.tracing import dedupe

    rules = WIDE if args.blocking == "wide" or args.legacy else dedupe.BLOCKING
    registry = Registry(args.persons, args.dup_share, args.seed)
    load_seconds = 0.0
    if args.postgres:
        from benchmarks.databases import database_drop, django_fresh

        django_fresh(db_name=args.postgres)
        load_seconds = _load(registry, rules)
    started = time.perf_counter()
    if args.postgres:
        from django.db import connections

        from lifeline.core.actors import SYSTEM
        from lifeline.tracing.models import DuplicatePair
        from lifeline.tracing.services.duplicates import duplicates_find

        spark = dedupe.Spark() if args.backend == "spark" else None
        duplicates_find(actor=SYSTEM, spark=spark)
        pairs = [
            dedupe.Pair(left, right, p)
            for left, right, p in DuplicatePair.objects.values_list(
                "left_id", "right_id", "probability"
            )
        ]
        registry.seconds = 0.0  # generated while loading, before the clock started
        connections.close_all()
        database_drop(args.postgres)
    elif args.legacy:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
        import django

        django.setup()  # the old module imports the app's engine; no database is touched
        spec = importlib.util.spec_from_file_location("dedupe_legacy", args.legacy)
        assert spec is not None and spec.loader is not None
        legacy = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = legacy
        spec.loader.exec_module(legacy)
        pairs = legacy.find_duplicates(list(registry.records(rules)))
    else:
        spark = dedupe.Spark() if args.backend == "spark" else None
        pairs = dedupe.find_duplicates(registry.records(rules), spark=spark, blocking=rules)
    seconds = time.perf_counter() - started - registry.seconds
    found = {(p.left_id, p.right_id) for p in pairs}
    by_variant: dict[str, list[int]] = {}
    for pair, variant in registry.planted.items():
        by_variant.setdefault(variant, [0, 0])
        by_variant[variant][0] += 1
        by_variant[variant][1] += pair in found
    hits = sum(pair in found for pair in registry.planted)
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "generation_seconds": round(registry.seconds, 1),
                "load_seconds": round(load_seconds, 1),
                "records": args.persons + len(registry.planted),
                "planted": len(registry.planted),
                "pairs": len(found),
                "planted_found": hits,
                "recall": round(hits / max(len(registry.planted), 1), 4),
                "blocking_recall": round(registry.blockable / max(len(registry.planted), 1), 4),
                "other_pairs": len(found) - hits,
                "by_variant": by_variant,
                "pair_list": sorted(found) if args.pairs else None,
            }
        )
    )


def run(size: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--child", "--persons", str(size),
        "--dup-share", str(args.dup_share), "--seed", str(args.seed),
        "--backend", args.backend, "--blocking", args.blocking,
    ]  # fmt: skip
    if args.legacy:
        command += ["--legacy", args.legacy]
    if args.pairs:
        command += ["--pairs"]
    if args.postgres:
        command += ["--postgres", args.postgres]
    load_before = os.getloadavg()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    capped, tree_peak = _watch(process.pid, args.rss_cap_gb)
    _pid, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read() if process.stdout else ""
    result: dict[str, Any] = {
        "persons": size,
        "backend": args.backend,
        "blocking": "legacy" if args.legacy else args.blocking,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "peak_rss_gb": round(usage.ru_maxrss / 2**20, 2),  # ru_maxrss is in KiB on Linux
        "peak_rss_with_children_gb": round(tree_peak, 2),
        "load_before": [round(x, 1) for x in load_before],
        "load_after": [round(x, 1) for x in os.getloadavg()],
    }
    if capped:
        result["killed"] = f"RSS passed {args.rss_cap_gb} GB"
    elif status != 0:
        result["failed"] = status
    else:
        result.update(json.loads(output.strip().splitlines()[-1]))
    return result


def _watch(pid: int, cap_gb: float) -> tuple[bool, float]:
    """Wait for the child to end, killing it if its RSS passes `cap_gb`.

    Returns whether it was killed and the peak RSS, in GB, of the child and its own children
    together (Spark's JVM is one), sampled every half second.
    """
    peak = 0
    while True:
        try:
            if "State:\tZ" in Path(f"/proc/{pid}/status").read_text():
                return False, peak / 2**20
        except FileNotFoundError:
            return False, peak / 2**20
        own = _rss_kb(pid)
        peak = max(peak, own + sum(_rss_kb(child) for child in _children(pid)))
        if own > cap_gb * 2**20:
            os.kill(pid, 9)
            return True, peak / 2**20
        time.sleep(0.5)


def _rss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if "VmRSS" in line), 0)


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(child) for child in found]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--dup-share", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--blocking", choices=("narrow", "wide"), default="narrow")
    parser.add_argument("--legacy", default=None, help="another dedupe.py to run instead")
    parser.add_argument("--rss-cap-gb", type=float, default=12.0)
    parser.add_argument("--pairs", action="store_true", help="print the pairs found too")
    parser.add_argument(
        "--postgres",
        default=None,
        metavar="DB_NAME",
        help="load the registry into this throw-away PostgreSQL database (dropped after) and "
        "run the command's service, database read and pair storage included",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--persons", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = arguments()
    if args.child:
        child(args)
        return
    print(f"targets: {TARGETS}")
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(run(size, args)), flush=True)


if __name__ == "__main__":
    main()
