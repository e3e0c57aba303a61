"""`lifeline audit verify`, full and incremental, on a log of 10 million events (PostgreSQL).

Run: `.venv/bin/python benchmarks/audit_verify_scale.py [--events 10000000] [--after 10000]`

It fills a throw-away database (`lifeline_bench_audit_verify` on 127.0.0.1:5432) with N events
spread over the log's 16 chains, each correctly keyed and chained (COPY, in batches), signs a
checkpoint, records `--after` more events through `audit_record` (the log keeps growing between
checkpoints), and times:
- a full verification (every event's HMAC recomputed, every chain walked from its start);
- an incremental one (each chain from the latest checkpoint; older checkpoints looked up).
`--reuse` keeps the filled database from an earlier run (it is kept at the end; `--drop` drops
it). Nothing is downloaded; the events are synthetic.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "lifeline_bench_audit_verify"
BATCH = 50_000


def _django(reuse: bool) -> None:
    """Django on the benchmark's database, with dev keys kept in var/benchmarks/audit_verify (the
    checkpoints and the audit key must outlive a run for --reuse)."""
    from benchmarks.databases import ADMIN_URL, database_fresh

    data = ROOT / "var" / "benchmarks" / "audit_verify"
    data.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
    os.environ.update(LIFELINE_DEV_KEYS="1", LIFELINE_DATA_DIR=str(data))
    os.environ.pop("LIFELINE_TESTING", None)
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"
    os.environ["DATABASE_URL"] = url if reuse else database_fresh(DB_NAME)
    import django

    django.setup()
    if not reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _fill(n: int, rng: random.Random) -> None:
    """N keyed, chained events in the 16 chains, written with COPY; the heads set to match."""
    from django.db import connection
    from django.utils import timezone

    from lifeline.core.actions import Action
    from lifeline.core.audit import GENESIS, _digest
    from lifeline.core.models import AUDIT_SHARDS, AuditEvent, AuditHead

    actions = [a.value for a in Action]
    start = timezone.now() - timedelta(days=365)
    step = timedelta(days=365) / n
    prev = dict.fromkeys(range(1, AUDIT_SHARDS + 1), GENESIS)
    counts = dict.fromkeys(prev, 0)
    columns = (
        "at, actor_id, actor_kind, action, object_type, object_id, detail, prev_hash, hash, shard"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        for first in range(0, n, BATCH):
            with raw.copy(f"COPY core_auditevent ({columns}) FROM STDIN") as copy:
                for i in range(first, min(n, first + BATCH)):
                    shard = rng.randint(1, AUDIT_SHARDS)
                    event = AuditEvent(
                        at=start + step * i,
                        actor_kind="system",
                        action=rng.choice(actions),
                        object_type="registry.person",
                        object_id=str(rng.randrange(1, 1_000_000)),
                        detail={"purpose": "view"},
                        prev_hash=prev[shard],
                        shard=shard,
                    )
                    event.hash = prev[shard] = _digest(prev[shard], event)
                    counts[shard] += 1
                    copy.write_row(
                        (
                            event.at, None, event.actor_kind, event.action, event.object_type,
                            event.object_id, json.dumps(event.detail), event.prev_hash,
                            event.hash, shard,
                        )
                    )  # fmt: skip
            done = min(n, first + BATCH)
            rate = done / (time.perf_counter() - started)
            print(f"\r  filled {done:,} of {n:,} ({rate:,.0f}/s)", end="", flush=True)
        print()
        for shard, last in prev.items():
            AuditHead.objects.filter(id=shard).update(last_hash=last, count=counts[shard])
        cursor.execute("ANALYZE core_auditevent")
    print(f"filled {n:,} events in {time.perf_counter() - started:.0f} s")


def _timed(label: str, fn: Any) -> Any:
    started = time.perf_counter()
    result = fn()
    print(f"{label:<44}{time.perf_counter() - started:>9.1f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--after", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    _django(args.reuse)
    from django.conf import settings
    from django.db import transaction

    from lifeline.core.actors import SYSTEM
    from lifeline.core.audit import audit_record, audit_verify
    from lifeline.core.checkpoints import checkpoint_write
    from lifeline.core.models import AuditEvent

    if not args.reuse:
        Path(settings.AUDIT_CHECKPOINT_FILE).unlink(missing_ok=True)
        _fill(args.events, random.Random(1))
        checkpoint_write()
        for i in range(args.after):
            with transaction.atomic():
                audit_record(actor=SYSTEM, action="contact.process", detail={"n": i})
    total = AuditEvent.objects.count()
    print(f"log: {total:,} events in 16 chains; checkpoints in {settings.AUDIT_CHECKPOINT_FILE}")
    quick = _timed(
        "incremental verify (from the latest checkpoint)", lambda: audit_verify(full=False)
    )
    print(f"  intact={quick.intact} checked={quick.checked:,} hashed={quick.hashed:,}")
    full = _timed("full verify (every hash recomputed)", lambda: audit_verify(full=True))
    print(f"  intact={full.intact} checked={full.checked:,} hashed={full.hashed:,}")
    if args.drop:
        from django.db import connections

        from benchmarks.databases import database_drop

        connections.close_all()
        database_drop(DB_NAME)


if __name__ == "__main__":
    main()
