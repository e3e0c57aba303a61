"""Time the console queue on a night shift: 500 open cases among many closed ones.

Run: `LIFELINE_DEV_KEYS=1 .venv/bin/python benchmarks/queue_page.py [--closed 20000]
[--sqlite]`. Fills a fresh database (PostgreSQL `lifeline_bench_queue`, created afresh, or a
throw-away SQLite file) with 500 open cases (5 % urgent, 30 % assigned, 70 % waiting, half
with a first message and no summary) and `--closed` closed ones, then prints the median of 10
runs in ms, and the queries, of: the full queue page, page 8, the page's refresh (the
fragment its script fetches), and the EXPLAIN of page 1's query on PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.databases import django_fresh  # noqa: E402

DB_NAME = "lifeline_bench_queue"
OPEN = 500


def _fill(closed: int, rng: random.Random) -> None:
    from django.utils import timezone

    from lifeline.accounts.models import User
    from lifeline.cases.models import Case, Priority
    from lifeline.intake.models import Channel, Contact, Conversation

    now = timezone.now()
    staff = [User.objects.create_user(username=f"op{i}", password=None) for i in range(8)]
    cases = []
    for n in range(OPEN + closed):
        is_open = n < OPEN
        created = now - timedelta(minutes=rng.randint(1, 60 * 24 * (7 if is_open else 400)))
        cases.append(
            Case(
                reference=f"LF-{n:04X}-{rng.randrange(16**4):04X}"[-12:],
                kind=rng.choice(["surrender", "family_enquiry", "handover", "other"]),
                status=rng.choice(["new", "in_progress"]) if is_open else "closed",
                priority=Priority.URGENT if is_open and rng.random() < 0.05 else 0,
                assignee=rng.choice(staff) if is_open and rng.random() < 0.3 else None,
                summary="" if n % 2 else "Звонок: просит перезвонить после 22:00 по Киеву.",
                created_at=created,
                updated_at=created + timedelta(minutes=3),
                waiting_since=created if is_open and rng.random() < 0.7 else None,
                closed_at=None if is_open else created + timedelta(days=3),
            )
        )
    Case.objects.bulk_create(cases, batch_size=2000)
    for case in Case.objects.filter(pk__in=[c.pk for c in cases[:OPEN:2]]):
        conversation = Conversation.objects.create(
            channel=Channel.WEB, case=case, created_at=case.created_at
        )
        Contact.objects.create(
            channel=Channel.WEB,
            external_id=uuid.uuid4().hex,
            direction=Contact.Direction.IN,
            conversation=conversation,
            case=case,
            received_at=case.created_at,
            body="Здравствуйте. Мой сын пропал под Купянском в марте, последний звонок был 3-го.",
            state=Contact.State.PROCESSED,
        )


def _time(client: object, url: str, runs: int = 10) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=20_000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    django_fresh(db_name=None if args.sqlite else DB_NAME)

    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from lifeline.accounts.models import User
    from lifeline.cases.selectors import QueueFilters, case_queue_for

    started = time.perf_counter()
    _fill(args.closed, random.Random(16))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE main")
    print(f"{OPEN} open and {args.closed} closed cases in {time.perf_counter() - started:.1f} s")

    alice = User.objects.create_user(username="alice", password=None, two_factor_exempt=True)
    alice.groups.add(Group.objects.get_or_create(name="operator")[0])
    client = Client(SERVER_NAME="localhost")
    client.force_login(alice)
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    for label, url in [
        ("queue, page 1", "/console/"),
        ("queue, page 8", "/console/?page=8"),
        ("refresh (fragment)", f"/console/?fragment=rows&since={since}"),
        ("urgent only", "/console/?urgent=on"),
    ]:
        ms, queries = _time(client, url.replace("+00:00", "%2B00:00"))
        print(f"{label:20} {ms:7.1f} ms  {queries} queries")
    if connection.vendor == "postgresql":
        page = case_queue_for(user=alice, filters=QueueFilters())[:50]
        sql, params = page.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
