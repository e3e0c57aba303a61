"""Matching a whole list against the registry (issue 15 §2): a list of N rows, nothing written.

Run: `.venv/bin/python benchmarks/list_match.py [--persons 100000] [--rows 2000] [--known 0.3]
[--database lifeline_bench_lists] [--keep]`.

Loads N synthetic persons into a fresh PostgreSQL database (as `import_scale.py` does), writes
an Excel-style CSV list (cp1251, semicolons) of `--rows` rows, `--known` of them persons in the
registry, and times `lists.list_match_create` (read, check, match against the registry and
within the list, store the rows), the first page of the result table (100 rows, audited) and
the XLSX download of every row (audited). Prints each figure, the bands and the load average.
The database is dropped unless `--keep`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.databases import database_drop, database_fresh  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--known", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--database", default="lifeline_bench_lists")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = database_fresh(args.database)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="lifeline.settings",
        LIFELINE_DATA_DIR=str(ROOT / "var" / f"bench-{args.database}"),
        LIFELINE_DEV_KEYS="1",
        DATABASE_URL=url,
    )
    os.environ.pop("LIFELINE_TESTING", None)
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.import_scale import _file
    from benchmarks.registry_million import match_keys_reindex, registry_load
    from lifeline.accounts.models import User
    from lifeline.core.actors import SYSTEM
    from lifeline.registry.lists import list_file_for, list_match_create, list_page_for
    from lifeline.registry.models import NameForm, Person, StatusEvent
    from tests.factories import create_user

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        registry_load(persons=args.persons, seed=args.seed, sealed_share=0.05)
        print(
            f"registry of {Person.objects.count():,} persons loaded in "
            f"{time.perf_counter() - started:.0f} s; {match_keys_reindex()}",
            flush=True,
        )
        data = _file(args.rows, args.known, 0.0, args.seed)
        before = (Person.objects.count(), NameForm.objects.count(), StatusEvent.objects.count())
        officer: User = create_user("bench_officer", roles=["tracing_officer"])
        columns = {"full_name": "ФИО", "birth_date": "Дата рождения", "unit": "В/ч"}
        t0 = time.perf_counter()
        listed = list_match_create(
            actor=SYSTEM, data=data, filename="list.csv", columns=columns, kind="exchange"
        )
        t1 = time.perf_counter()
        page = list_page_for(user=officer, list_id=listed.pk)
        t2 = time.perf_counter()
        _name, content = list_file_for(user=officer, list_id=listed.pk, kind="xlsx")
        t3 = time.perf_counter()
        after = (Person.objects.count(), NameForm.objects.count(), StatusEvent.objects.count())
        assert after == before, "a list match wrote to the registry"
        print(f"list: {args.rows:,} rows, {len(data) / 1024:.0f} KB; bands {listed.counts}")
        print(f"read, check, match and store the list: {t1 - t0:.1f} s")
        print(f"first page of the table ({len(page.object_list)} rows, audited): {t2 - t1:.2f} s")
        print(f"XLSX of every row ({len(content) / 1024:.0f} KB, audited): {t3 - t2:.1f} s")
        print(f"load average: {open('/proc/loadavg').read().strip()}")  # noqa: SIM115
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_drop(args.database)


if __name__ == "__main__":
    main()
