"""Time `lifeline backup` and `lifeline restore` (with all its checks) for the demo and for
100,000 persons, on SQLite and PostgreSQL; print the times and sizes.

Run: `.venv/bin/python benchmarks/backup_restore.py [--persons 100000] [--engines sqlite,postgresql]
[--no-demo]`. Each case fills a fresh source database (PostgreSQL `lifeline_bench_backup_src`,
created afresh, or a throw-away SQLite file), backs it up to a throw-away key pair, and restores
into a fresh, empty target (`lifeline_bench_backup_dst`). The persons are bulk-created through the
registry models: a primary name form each, and health, place of detention and notes sealed with
the field keys. `backup_s`/`restore_s` are wall-clock for the whole command, as an administrator
sees it, Python and Django start-up and system checks included (printed separately);
`backup_work_s`/`restore_work_s` are the work alone, as each command reports it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.databases import database_drop, database_fresh  # noqa: E402

SRC, DST = "lifeline_bench_backup_src", "lifeline_bench_backup_dst"


def _lifeline(*args: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "lifeline.cli", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"lifeline {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return took, done.stdout


def _fill_persons(n: int) -> None:
    """In a child process whose DATABASE_URL is the source: n persons, 2,000 per INSERT."""
    import django

    django.setup()
    from django.db import transaction

    from lifeline.registry.models import NameForm, Person

    rng = random.Random(1)
    surnames = ["Иванов", "Коваленко", "Шевченко", "Петров", "Бондаренко", "Смирнов", "Мельник"]
    given = ["Иван", "Олег", "Андрій", "Сергей", "Дмитро", "Николай", "Богдан", "Павел"]
    for start in range(0, n, 2000):
        people, names = [], []
        for _ in range(start, min(n, start + 2000)):
            person = Person(
                surname=rng.choice(surnames),
                given_name=rng.choice(given),
                birth_year=rng.randrange(1960, 2006),
                health=f"wounded, left arm; seen {rng.randrange(1, 28)} March",
                place_of_detention=f"camp {rng.randrange(1, 40)}",
                notes="reported by a fellow soldier" if rng.random() < 0.3 else "",
            )
            person.refresh_search_fields()
            people.append(person)
        with transaction.atomic():
            Person.objects.bulk_create(people)
            for person in people:
                form = NameForm(
                    person=person, surname=person.surname, given_name=person.given_name,
                    script=NameForm.Script.CYRILLIC, is_primary=True,
                )  # fmt: skip
                form.refresh_search_fields()
                names.append(form)
            NameForm.objects.bulk_create(names)


def _fresh(engine: str, folder: Path, name: str) -> str:
    if engine == "sqlite":
        path = folder / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return database_fresh(name)


def _db_bytes(engine: str, url: str) -> int:
    if engine == "sqlite":
        return Path(url.removeprefix("sqlite:///")).stat().st_size
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def _case(engine: str, scenario: str, persons: int, folder: Path, base: dict[str, str]) -> None:
    src = _fresh(engine, folder, SRC)
    env = {**base, "DATABASE_URL": src}
    _lifeline("migrate", "--no-input", env=env)
    started = time.perf_counter()
    if scenario == "demo":
        _lifeline("demo", env=env)
    else:
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--fill-persons", str(persons)],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
    filled = time.perf_counter() - started
    out = folder / f"{engine}-{scenario}.backup"
    out.unlink(missing_ok=True)
    took_backup, said = _lifeline(
        "backup", "--recipient", str(folder / "backup.pub"), "--out", str(out), env=env
    )
    dst = _fresh(engine, folder, DST)
    took_restore, restored = _lifeline(
        "restore", str(out), "--identity", str(folder / "backup.key"),
        env={**base, "DATABASE_URL": dst},
    )  # fmt: skip
    print(
        json.dumps(
            {
                "engine": engine,
                "data": scenario,
                "rows": said.split(" rows in ")[0].rsplit(", ", 1)[-1],
                "filled_s": round(filled, 1),
                "database_MB": round(_db_bytes(engine, src) / 1e6, 1),
                "backup_s": round(took_backup, 2),
                "backup_work_s": float(re.findall(r" in ([0-9.]+) s", said)[0]),
                "backup_MB": round(out.stat().st_size / 1e6, 1),
                "restore_s": round(took_restore, 2),
                "restore_work_s": float(re.findall(r" in ([0-9.]+) s", restored)[0]),
            }
        ),
        flush=True,
    )
    assert "match the manifest" in restored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--fill-persons", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
    if args.fill_persons:
        _fill_persons(args.fill_persons)
        return
    folder = Path(tempfile.mkdtemp(prefix="lifeline-bench-backup-"))
    base = {**os.environ, "LIFELINE_DEV_KEYS": "1", "LIFELINE_DATA_DIR": str(folder)}
    base.pop("LIFELINE_TESTING", None)
    base["LOG_LEVEL"] = "ERROR"
    _lifeline(
        "backup", "keygen", "--private", str(folder / "backup.key"),
        "--public", str(folder / "backup.pub"), env=base,
    )  # fmt: skip
    startup, _ = _lifeline("check", env={**base, "DATABASE_URL": f"sqlite:///{folder}/x.sqlite3"})
    print(json.dumps({"python_and_django_startup_s": round(startup, 2)}), flush=True)
    scenarios = ([] if args.no_demo else ["demo"]) + [f"{args.persons} persons"]
    for engine in args.engines.split(","):
        for scenario in scenarios:
            _case(engine, scenario, args.persons, folder, base)
    if "postgresql" in args.engines:
        database_drop(SRC, DST)


if __name__ == "__main__":
    main()
