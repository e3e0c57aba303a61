"""Time `lifeline keys destroy` (its dry run, then the destruction) over 100,000 persons, on SQLite
and PostgreSQL; print the times and the database's size before and after.

Run: `.venv/bin/python benchmarks/destruction.py [--persons 100000] [--engines sqlite,postgresql]`.
Each engine gets its own throw-away data folder (the destruction shreds it) and database
(PostgreSQL `lifeline_bench_destroy`, created afresh and dropped at the end), filled as
`backup_restore.py` fills it: a primary name form each and three sealed fields. Times are
wall-clock for the whole command, Python and Django start-up included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.backup_restore import _db_bytes, _fresh, _lifeline  # noqa: E402
from benchmarks.databases import database_drop  # noqa: E402

NAME = "lifeline_bench_destroy"


def _case(engine: str, persons: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"lifeline-bench-destroy-{engine}-"))
    env = {**os.environ, "LIFELINE_DEV_KEYS": "1", "LIFELINE_DATA_DIR": str(folder)}
    env.pop("LIFELINE_TESTING", None)
    env["LOG_LEVEL"] = "ERROR"
    url = _fresh(engine, folder, NAME)
    env["DATABASE_URL"] = url
    _lifeline("migrate", "--no-input", env=env)
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "benchmarks" / "backup_restore.py"), "--fill-persons",
         str(persons)],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    before = _db_bytes(engine, url)
    took_dry, dry = _lifeline("keys", "destroy", "--dry-run", env=env)
    phrase = re.findall(r"--confirm (destroy-[0-9a-f]{8})", dry)[0]
    took, said = _lifeline("keys", "destroy", "--confirm", phrase, env=env)
    print(
        json.dumps(
            {
                "engine": engine,
                "persons": persons,
                "rows_erased": int(re.findall(r"erased (\d+) rows", said)[0]),
                "database_MB_before": round(before / 1e6, 1),
                "database_MB_after": round(_db_bytes(engine, url) / 1e6, 1),
                "dry_run_s": round(took_dry, 2),
                "destroy_s": round(took, 2),
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    print(json.dumps({"load": os.getloadavg()}), flush=True)
    for engine in args.engines.split(","):
        _case(engine, args.persons)
    if "postgresql" in args.engines:
        database_drop(NAME)


if __name__ == "__main__":
    main()
