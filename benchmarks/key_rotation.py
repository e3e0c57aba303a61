"""Time `lifeline keys rotate --reencrypt` over a registry of persons with encrypted fields.

Run: `LIFELINE_DEV_KEYS=1 .venv/bin/python benchmarks/key_rotation.py [--persons 100000]
[--batch-size 500] [--sqlite]`. Fills a fresh database (PostgreSQL `lifeline_bench_rotation`,
created afresh, or a throw-away SQLite file) with persons whose four encrypted fields are set
(health, place of detention, grave location, notes), puts a new key first in the ring, and prints
the re-encryption time, then the time of a second run that finds every row already re-sealed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.databases import django_fresh  # noqa: E402


def _fill(n: int) -> float:
    from django.db import transaction

    from lifeline.registry.models import Person

    started = time.perf_counter()
    for start in range(0, n, 2000):
        batch = [
            Person(
                surname=f"Surname{i}",
                given_name="Ivan",
                health=f"wounded in the left arm, case {i}",
                place_of_detention=f"camp {i % 40}, barrack {i % 12}",
                grave_location="" if i % 3 else f"plot {i}",
                notes=f"seen by a witness on day {i % 300}",
            )
            for i in range(start, min(start + 2000, n))
        ]
        with transaction.atomic():
            Person.objects.bulk_create(batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--db-name", default="lifeline_bench_rotation")
    args = parser.parse_args()
    django_fresh(db_name=None if args.sqlite else args.db_name)

    from django.conf import settings
    from django.db import connection

    from lifeline.core import crypto
    from lifeline.core.keys import field_keys_verify
    from lifeline.core.rotation import key_uses, keys_reencrypt

    filled = _fill(args.persons)
    print(f"{connection.vendor}: {args.persons:,} persons filled in {filled:.1f} s")
    settings.FIELD_ENCRYPTION_KEYS = [
        crypto.generate_key_spec("k2"),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert field_keys_verify() is None
    started = time.perf_counter()
    report = keys_reencrypt(batch_size=args.batch_size)
    took = time.perf_counter() - started
    rows = sum(report.resealed.values())
    print(
        f"re-encrypted {rows:,} rows in {report.batches} batches of {args.batch_size}: "
        f"{took:.1f} s ({rows / took:,.0f} rows/s)"
    )
    from lifeline.core.models import KeyRotation

    KeyRotation.objects.all().delete()
    started = time.perf_counter()
    keys_reencrypt(batch_size=args.batch_size)
    print(f"a second pass, every row already under k2: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    assert key_uses("k1") == {}
    print(f"retire check (no value under k1): {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
