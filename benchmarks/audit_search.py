"""Time the audit log's console search on a large log: each filter, deep pages, the CSV export
and a whole-chain verification.

Run: `LIFELINE_DEV_KEYS=1 .venv/bin/python benchmarks/audit_search.py [--events 1000000]
[--sqlite]`. Fills a fresh database (PostgreSQL `lifeline_bench_audit`, created afresh, or a
throw-away SQLite file) with synthetic, correctly chained events: 20 staff users, the system and
the public, every action, 5 % of events naming a person in their detail, a year of dates. Then
prints, per search, the median of 5 runs in ms of what the screen does: count + one page of 50.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.databases import django_fresh  # noqa: E402

DB_NAME = "lifeline_bench_audit"
OBJECT_TYPES = ["cases.case", "registry.person", "tracing.enquiry", "intake.contact"]


def _fill(n: int, rng: random.Random) -> list[Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from lifeline.core.actions import Action
    from lifeline.core.audit import GENESIS, _digest
    from lifeline.core.models import AuditEvent, AuditHead

    users = [
        get_user_model().objects.create_user(username=f"staff{i:02d}", password=None)
        for i in range(20)
    ]
    actions = [a.value for a in Action]
    weights = [30 if a in ("person.view", "case.view", "contact.process") else 1 for a in actions]
    start = timezone.now() - timedelta(days=365)
    step = timedelta(days=365) / n
    prev, batch = GENESIS, []
    started = time.perf_counter()
    for i in range(n):
        who = rng.random()
        actor = rng.choice(users) if who < 0.7 else None
        kind = "staff" if actor else ("system" if who < 0.9 else "public")
        detail: dict[str, Any] = {"purpose": "view"}
        if rng.random() < 0.05:
            detail = {"person": rng.randrange(1, 200_000), "candidate": i}
        event = AuditEvent(
            at=start + step * i,
            actor=actor,
            actor_kind=kind,
            action=rng.choices(actions, weights)[0],
            object_type=rng.choice(OBJECT_TYPES),
            object_id=str(rng.randrange(1, 200_000)),
            detail=detail,
            prev_hash=prev,
        )
        event.hash = prev = _digest(prev, event)
        batch.append(event)
        if len(batch) == 20_000 or i == n - 1:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditHead.objects.update_or_create(id=1, defaults={"last_hash": prev, "count": n})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"filled {n:,} events in {time.perf_counter() - started:.0f} s ({connection.vendor})")
    return users


def _median_ms(fn: Any, runs: int = 5) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    django_fresh(db_name=None if args.sqlite else DB_NAME)
    rng = random.Random(args.seed)
    _fill(args.events, rng)

    from django.core.paginator import Paginator
    from django.utils import timezone

    from lifeline.core.audit import audit_verify
    from lifeline.core.auditlog import (
        EXPORT_LIMIT,
        PAGE_SIZE,
        AuditSearch,
        audit_events_matching,
    )
    from lifeline.core.models import AuditEvent

    a_person = AuditEvent.objects.filter(detail__has_key="person").order_by("-id").first()
    person = a_person.detail["person"] if a_person else 1
    some = AuditEvent.objects.order_by("-id")[500]
    month_ago = timezone.localdate() - timedelta(days=30)
    searches = {
        "no filter": AuditSearch(),
        "person": AuditSearch(person=person),
        "staff actor": AuditSearch(actor="staff07"),
        "system actor": AuditSearch(actor="system"),
        "rare action": AuditSearch(action="exchange.cancel"),
        "common action": AuditSearch(action="person.view"),
        "object": AuditSearch(object_type=some.object_type, object_id=some.object_id),
        "one week": AuditSearch(since=month_ago, until=month_ago + timedelta(days=6)),
        "actor + week": AuditSearch(
            actor="staff07", since=month_ago, until=month_ago + timedelta(days=6)
        ),
        "rare action + actor": AuditSearch(action="exchange.cancel", actor="staff07"),
    }
    print(f"{'search':<22}{'found':>10}{'page 1 ms':>12}{'page 100 ms':>13}")
    for label, search in searches.items():

        def page(number: int, search: AuditSearch = search) -> int:
            result = Paginator(audit_events_matching(search), PAGE_SIZE).get_page(number)
            list(result)
            return result.paginator.count

        found = page(1)
        first = _median_ms(lambda: page(1))
        deep = _median_ms(lambda: page(100))
        print(f"{label:<22}{found:>10,}{first:>12.1f}{deep:>13.1f}")

    export = _median_ms(lambda: list(audit_events_matching(AuditSearch())[:EXPORT_LIMIT]), runs=3)
    print(f"export of {EXPORT_LIMIT:,} rows (query and objects): {export:.0f} ms")
    started = time.perf_counter()
    report = audit_verify()
    took = time.perf_counter() - started
    print(f"verify whole chain: {report.checked:,} events, intact={report.intact}, {took:.1f} s")


if __name__ == "__main__":
    main()
