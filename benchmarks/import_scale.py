"""Bulk import at scale (issue 15): 10,000 rows into a registry of 100,000 persons.

Run: `.venv/bin/python benchmarks/import_scale.py [--persons 100000] [--rows 10000]
[--known 0.3] [--bad 0.05] [--keep] [--db-name NAME] [--template NAME]`.

Loads N synthetic persons (`lifeline.demo.names`, with status events, by COPY as
registry_million.py does) into a fresh PostgreSQL database `lifeline_bench_import`, fills their
match keys, then writes an Excel-style CSV (cp1251, semicolons) of `--rows` rows: a share of
them (`--known`) persons already in the registry, spelled as a list would (the full name, the
date of birth as dd.mm.yyyy or the year), the rest new persons, and `--bad` rows with a
problem. Then times, as `lifeline import persons` does them: reading the file, matching against
the registry and within the file, storing the preview batch, and applying it in one
transaction, in bulk (persons, name forms, status events, keys, audit, hooks: docs/decisions/
0013), then undoing it. Prints each figure and the load average. The database is dropped
unless `--keep`.

`--template NAME` keeps the loaded registry as database NAME and, on the next run, copies it
instead of loading again (drop it by hand when done). `BENCH_PROFILE=FILE` profiles the apply,
`BENCH_PROFILE_MATCH=FILE` the reading and matching (cProfile; `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.databases import (  # noqa: E402
    database_copy,
    database_drop,
    database_exists,
    database_fresh,
)

DB_NAME = "lifeline_bench_import"


def _file(rows: int, known: float, bad: float, seed: int) -> bytes:
    """A list as a unit or an agency sends it: ФИО; дата рождения; звание; в/ч; статус; дата."""
    from lifeline.demo.names import generate_persons
    from lifeline.registry.models import Person

    rng = random.Random(seed)
    sample = list(
        Person.objects.order_by("?").values_list(
            "surname", "given_name", "patronymic", "birth_year", "birth_month", "birth_day",
            "rank", "unit",
        )[: int(rows * known)]
    )  # fmt: skip
    fresh = generate_persons(rows - len(sample), seed=seed + 7)
    lines = ["ФИО;Дата рождения;Звание;В/ч;Статус;Дата статуса"]
    for i in range(rows):
        if i < len(sample):
            surname, given, patronymic, year, month, day, rank, unit = sample[i]
        else:
            p = fresh[i - len(sample)]
            surname, given, patronymic = p.surname, p.given_name, p.patronymic
            year, month, day, rank, unit = p.birth_year, p.birth_month, p.birth_day, p.rank, p.unit
        born = f"{day:02d}.{month:02d}.{year}" if day and month else f"{year or ''}"
        name = f"{surname} {given} {patronymic}".strip()
        if rng.random() < bad:
            born = rng.choice(["32.13.1990", "вчера"])
        lines.append(f"{name};{born};{rank};{unit};в плену;{rng.randint(1, 28):02d}.03.2024")
    body = lines[1:]
    rng.shuffle(body)
    return "\r\n".join([lines[0], *body]).encode("cp1251", errors="replace")


@contextmanager
def _profiled(path: str | None) -> Iterator[None]:
    """cProfile what runs inside into `path`, when one is given."""
    if not path:
        yield
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--known", type=float, default=0.3)
    parser.add_argument("--bad", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--db-name", default=DB_NAME, help="the database to (re)create")
    parser.add_argument("--template", default="", help="a loaded registry kept to copy")
    args = parser.parse_args()

    db_name = args.db_name
    loaded = bool(args.template) and database_exists(args.template)
    if loaded:
        url = database_copy(args.template, db_name)
    else:
        url = database_fresh(db_name)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="lifeline.settings",
        LIFELINE_DATA_DIR=str(ROOT / "var" / f"bench-{args.template or db_name}"),
        LIFELINE_DEV_KEYS="1",
        DATABASE_URL=url,
    )
    os.environ.pop("LIFELINE_TESTING", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from benchmarks.registry_million import match_keys_reindex, registry_load
    from lifeline.core.actors import SYSTEM
    from lifeline.registry.imports import (
        _batch_store,
        import_batch_apply,
        import_batch_undo,
        import_mapping_save,
        import_preview,
    )
    from lifeline.registry.models import Person

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        if not loaded:
            registry_load(persons=args.persons, seed=args.seed, sealed_share=0.05)
            print(
                f"registry of {Person.objects.count():,} persons loaded in "
                f"{time.perf_counter() - started:.0f} s; {match_keys_reindex()}",
                flush=True,
            )
            if args.template:
                connections.close_all()
                database_copy(db_name, args.template)
        else:
            print(f"registry of {Person.objects.count():,} persons copied from {args.template}")
        data = _file(args.rows, args.known, args.bad, args.seed)
        mapping = import_mapping_save(
            actor=SYSTEM,
            name="bench",
            columns={
                "full_name": "ФИО", "birth_date": "Дата рождения", "rank": "Звание",
                "unit": "В/ч", "status": "Статус", "status_date": "Дата статуса",
            },
        )  # fmt: skip
        timings: dict[str, float] = {}
        stage_started = {"t": time.perf_counter()}

        def progress(stage: str, done: int, total: int) -> None:
            if done == total:
                now = time.perf_counter()
                timings[stage] = now - stage_started["t"]
                stage_started["t"] = now

        t0 = stage_started["t"] = time.perf_counter()
        with _profiled(os.environ.get("BENCH_PROFILE_MATCH")):
            preview = import_preview(
                actor=SYSTEM, data=data, filename="list.csv", mapping=mapping, progress=progress
            )
        t1 = time.perf_counter()
        batch = _batch_store(actor=SYSTEM, preview=preview, filename="list.csv", mapping=mapping)
        t2 = time.perf_counter()
        stage_started["t"] = t2
        with _profiled(os.environ.get("BENCH_PROFILE")):
            applied = import_batch_apply(
                actor=SYSTEM, batch=batch, hold_undecided=True, progress=progress
            )
        t3 = time.perf_counter()
        counts = preview.counts
        print(f"file: {args.rows:,} rows, {len(data) / 1024:.0f} KB, {preview.sheet.described()}")
        print(
            f"bands: same {counts['same']}, review {counts['review']}, new {counts['new']}, "
            f"invalid {counts['invalid']}, matching another row {counts['twins']}"
        )
        print(f"read, check and match against the registry: {timings.get('registry', 0):.1f} s")
        print(f"match within the file: {timings.get('file', 0):.1f} s")
        print(f"store the preview batch: {t2 - t1:.1f} s")
        print(f"apply (one transaction): {t3 - t2:.1f} s; {applied.batch.counts['applied']}")
        print(f"TOTAL read + match + preview + apply: {t3 - t0:.1f} s")
        undone = import_batch_undo(actor=SYSTEM, batch=applied.batch)
        print(
            f"undo (one transaction): {time.perf_counter() - t3:.1f} s; "
            f"{undone.state}, {Person.objects.count():,} persons in the registry again"
        )
        print(f"load average: {open('/proc/loadavg').read().strip()}")  # noqa: SIM115
    finally:
        if not args.keep:
            connections.close_all()
            database_drop(db_name)


if __name__ == "__main__":
    main()
