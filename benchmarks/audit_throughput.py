"""Audited actions per second with 1, 4 and 16 concurrent writers, on PostgreSQL.

Run: `.venv/bin/python benchmarks/audit_throughput.py [--seconds 10] [--writers 1,4,16]`

It creates a throw-away database (`lifeline_bench_audit_tp` on 127.0.0.1:5432, or
--admin-url), migrates it, adds 1,000 persons, and forks one process per writer (as gunicorn
workers are processes). Each writer loops: one transaction that reads a random person (the
person page's read) and records `person.view` with `audit_record`, as the console does. It
prints, per writer count, the audited actions per second over the run, the p50/p99 time of one
transaction, and then verifies the chain (and, if checkpoints are written, checks them). The
database is dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lifeline_bench_audit_tp"
PERSONS = 1_000


def _setup(admin_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.databases import django_fresh

    django_fresh(db_name=DB_NAME, admin_url=admin_url)
    from lifeline.registry.models import Person

    Person.objects.bulk_create(Person(surname=f"Тестов{i}") for i in range(PERSONS))


def _drop(admin_url: str) -> None:
    from django.db import connections

    from benchmarks.databases import database_drop

    connections.close_all()
    database_drop(DB_NAME, admin_url=admin_url)


def _writer(seconds: float, start_at: float, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from django.db import connection, transaction

    from lifeline.core.actions import Action
    from lifeline.core.actors import SYSTEM
    from lifeline.core.audit import audit_record
    from lifeline.registry.models import Person

    connection.close()  # the parent's socket is not ours
    ids = list(Person.objects.values_list("pk", flat=True))
    rng = random.Random(os.getpid())
    times: list[float] = []
    while time.monotonic() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    while (t0 := time.monotonic()) < end:
        with transaction.atomic():
            person = Person.objects.get(pk=rng.choice(ids))
            audit_record(actor=SYSTEM, action=Action.PERSON_VIEW, obj=person)
        times.append(time.monotonic() - t0)
    connection.close()
    out.put(times)


def _run(writers: int, seconds: float) -> tuple[float, float, float]:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    start_at = time.monotonic() + 1.0
    procs = [ctx.Process(target=_writer, args=(seconds, start_at, out)) for _ in range(writers)]
    for proc in procs:
        proc.start()
    times = [t for _ in procs for t in out.get()]
    for proc in procs:
        proc.join()
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return len(times) / seconds, statistics.median(times) * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writers", default="1,4,16")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    _setup(args.admin_url)
    try:
        cpus = os.cpu_count()
        print(f"audited person reads, {args.seconds:.0f} s per run, PostgreSQL, {cpus} CPUs")
        print(f"{'writers':>8} {'actions/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
        for writers in (int(w) for w in args.writers.split(",")):
            rate, p50, p99 = _run(writers, args.seconds)
            print(f"{writers:>8} {rate:>10.0f} {p50:>8.2f} {p99:>8.2f}", flush=True)
        from lifeline.core.audit import audit_verify

        t0 = time.monotonic()
        report = audit_verify()
        print(
            f"verify: {'intact' if report.intact else 'BROKEN'}, {report.checked} events, "
            f"{time.monotonic() - t0:.1f} s"
        )
        if not report.intact:
            sys.exit(1)
    finally:
        _drop(args.admin_url)


if __name__ == "__main__":
    main()
