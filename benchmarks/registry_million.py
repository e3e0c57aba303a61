"""Every console screen, the public statistics and matching, on a registry of a million persons.

Run: `.venv/bin/python benchmarks/registry_million.py [--persons 1000000] [--reuse] [--drop]
[--parts match,pages] [--requests 20] [--match-timeout 600]`.

Loads N synthetic persons (names drawn by `lifeline.demo.names`: Russian and Ukrainian, namesakes
as in life, a Latin name form for about a third) with 1-3 status events each into PostgreSQL
database `lifeline_bench_million`, with COPY, indexes built afterwards; plus 500 open family
enquiries on their cases. The database is kept: `--reuse` measures it again without loading,
`--drop` drops it at the end. Its field keys live in var/bench-<database>/ so a reused database
still decrypts.

Then measures, each in a fresh process as a web worker would be, through Django's test client
logged in as a staff user: the first match after the process starts, "match again" warm, the
re-match of 500 open enquiries after a registry change, then every page warm (p50 and p95 of
`--requests` requests, and the SQL queries of one request), and the process's RSS after
warm-up. A step that takes longer than `--match-timeout` seconds is printed as "timeout".
Figures are noisy on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.databases import ADMIN_URL, database_drop, database_fresh  # noqa: E402

DB_NAME = "lifeline_bench_million"
ENQUIRIES = 500
CHUNK = 50_000
STAFF = "bench_officer"
# Tables filled with COPY: their secondary indexes are dropped first and built afterwards.
BULK_TABLES = ("registry_person", "registry_nameform", "registry_statusevent")


# --- Environment ------------------------------------------------------------------------------


def _environment(db_name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="lifeline.settings",
        LIFELINE_DATA_DIR=str(ROOT / "var" / f"bench-{db_name}"),
        LIFELINE_DEV_KEYS="1",
        DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0] + f"/{db_name}",
    )
    env.pop("LIFELINE_TESTING", None)
    return env


def _django(db_name: str) -> None:
    os.environ.update(_environment(db_name))
    os.environ.pop("LIFELINE_TESTING", None)
    import django

    django.setup()


def _database_exists(db_name: str) -> bool:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
    return row is not None


# --- Loading ----------------------------------------------------------------------------------


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


class _Table:
    """Rows of one model gathered as COPY text, in the order of its concrete columns."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.columns = [f.column for f in model._meta.concrete_fields]
        self.lines: list[str] = []

    def add(self, **values: Any) -> None:
        self.lines.append("\t".join(_copy_text(values[c]) for c in self.columns) + "\n")

    def flush(self, cursor: Any) -> int:
        table = self.model._meta.db_table
        columns = ", ".join(self.columns)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write("".join(self.lines))
        written = len(self.lines)
        self.lines = []
        return written


class _Sealer:
    """Seals a value for a column and row exactly as the model field does on save."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, field: str, value: str, row_key: uuid.UUID) -> str:
        if not value:
            return ""
        holder = type("Row", (), {"row_key": row_key, "pk": None})()
        return str(self.model._meta.get_field(field).seal_for(value, holder))


def _indexes_drop(cursor: Any) -> list[str]:
    """Drop the secondary indexes of the bulk tables; return their definitions to rebuild."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = ANY(%s) AND i.indexname NOT IN (
            SELECT c.conname FROM pg_constraint c WHERE c.contype IN ('p', 'u', 'x'))
        """,
        [list(BULK_TABLES)],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def _history(rng: random.Random, today: date) -> list[tuple[str, date]]:
    from lifeline.demo.common import weighted
    from lifeline.demo.registry import STATUS_PATHS

    statuses = weighted(rng, STATUS_PATHS)[-3:]  # 1-3 events each
    latest = today - timedelta(days=5)
    day = latest - timedelta(days=rng.randint(30, 900))
    steps = []
    for status in statuses:
        steps.append((status, min(day, latest)))
        day += timedelta(days=rng.randint(3, 200))
    return steps


def registry_load(*, persons: int, seed: int, sealed_share: float) -> dict[str, Any]:
    """COPY `persons` synthetic persons with name forms and status events into the database."""
    from django.db import connection, transaction
    from django.utils import timezone

    from lifeline.demo.common import weighted
    from lifeline.demo.names import generate_persons
    from lifeline.demo.registry import (
        HEALTH,
        SOURCE_KINDS_FOR_STATUS,
        VERIFICATION_BY_RELIABILITY,
        _place,
        _sources,
    )
    from lifeline.registry.models import NameForm, Person, StatusEvent
    from lifeline.registry.text import fold

    rng = random.Random(seed)
    now = timezone.now()
    today = now.date()
    started = time.perf_counter()
    sources = _sources(rng, now)
    by_kind: dict[str, list[Any]] = {}
    for source in sources:
        by_kind.setdefault(source.kind, []).append(source)
    person_rows, form_rows, event_rows = _Table(Person), _Table(NameForm), _Table(StatusEvent)
    seal_person, seal_event = _Sealer(Person), _Sealer(StatusEvent)
    counts = {"persons": 0, "name_forms": 0, "status_events": 0, "sealed_persons": 0}
    form_id = event_id = 0
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own, for COPY
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK checks per row
        rebuild = _indexes_drop(cursor)
        for first in range(0, persons, CHUNK):
            size = min(CHUNK, persons - first)
            for offset, p in enumerate(generate_persons(size, seed=seed * 1000 + first // CHUNK)):
                person_id = first + offset + 1
                steps = _history(rng, today)
                sealed = rng.random() < sealed_share
                counts["sealed_persons"] += sealed
                row_key = uuid.uuid4()
                status = steps[-1][0]
                places = [_place(rng, s) if sealed else "" for s, _day in steps]
                detention = places[-1] if status in ("held", "transferred", "hospitalised") else ""
                created = datetime.combine(steps[0][1], datetime.min.time(), tzinfo=UTC)
                person_rows.add(
                    id=person_id,
                    surname=p.surname,
                    given_name=p.given_name,
                    patronymic=p.patronymic,
                    sex=p.sex,
                    birth_year=p.birth_year,
                    birth_month=p.birth_month,
                    birth_day=p.birth_day,
                    place_of_birth=p.place_of_birth,
                    father_name="",
                    mother_maiden_name="",
                    rank=p.rank,
                    service_number=p.service_number,
                    unit=p.unit,
                    power=p.power,
                    unit_folded=fold(p.unit)[:100],
                    current_status=status,
                    row_key=row_key,
                    health=seal_person("health", rng.choice(HEALTH) if sealed else "", row_key),
                    place_of_detention=seal_person("place_of_detention", detention, row_key),
                    grave_location="",
                    notes="",
                    inform_family="unknown",
                    created_at=created.isoformat(),
                    updated_at=created.isoformat(),
                    merged_into_id=None,
                    merged_at=None,
                )
                first_source = None
                recorded = created
                for (step_status, day), place in zip(steps, places, strict=True):
                    kinds = SOURCE_KINDS_FOR_STATUS[step_status]
                    source = rng.choice(by_kind[rng.choice(kinds)])
                    first_source = first_source or source
                    recorded = max(
                        datetime.combine(day, datetime.min.time(), tzinfo=UTC)
                        + timedelta(hours=rng.randint(6, 72)),
                        recorded + timedelta(minutes=1),
                    )
                    event_id += 1
                    event_key = uuid.uuid4()
                    event_rows.add(
                        id=event_id,
                        person_id=person_id,
                        status=step_status,
                        occurred_on=day.isoformat(),
                        row_key=event_key,
                        place=seal_event("place", place, event_key),
                        source_id=source.pk,
                        verification=weighted(rng, VERIFICATION_BY_RELIABILITY[source.reliability]),
                        note="",
                        recorded_by_id=None,
                        recorded_at=min(recorded, now).isoformat(),
                    )
                names = [("cyrl", "", p.surname, p.given_name, p.patronymic)]
                names += [("latn", system, *parts) for system, *parts in p.latin_forms]
                for script, system, surname, given_name, patronymic in names:
                    form_id += 1
                    form_rows.add(
                        id=form_id,
                        person_id=person_id,
                        surname=surname,
                        given_name=given_name,
                        patronymic=patronymic,
                        script=script,
                        language=p.language,
                        transliteration=system,
                        source_id=first_source.pk,
                        is_primary=script == "cyrl",
                        surname_folded=fold(surname)[:100],
                        given_name_folded=fold(given_name)[:100],
                        patronymic_folded=fold(patronymic)[:100],
                    )
            counts["persons"] += person_rows.flush(cursor)
            counts["name_forms"] += form_rows.flush(cursor)
            counts["status_events"] += event_rows.flush(cursor)
            print(
                f"  {counts['persons']:,} persons in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
        copied = time.perf_counter()
        for definition in rebuild:
            cursor.execute(definition)
        for table in BULK_TABLES:
            # Our own table names, not input.
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")  # noqa: S608
        counts["copy_seconds"] = round(copied - started, 1)
        counts["index_seconds"] = round(time.perf_counter() - copied, 1)
    return counts


def enquiries_load(*, count: int, seed: int) -> None:
    """Open family-enquiry cases with an enquiry each, as the console does, without matching.

    Each seeks a registry person, by his Cyrillic name or a Latin spelling of it, with his
    birth year; matching is what the measurements then time.
    """
    from django.db import transaction

    from lifeline.cases.models import CaseKind
    from lifeline.cases.services import case_open
    from lifeline.core.actions import Action
    from lifeline.core.actors import SYSTEM
    from lifeline.core.audit import audit_record
    from lifeline.registry.models import NameForm, Person
    from lifeline.tracing.models import Enquiry

    rng = random.Random(seed)
    last = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for _ in range(count):
        person = Person.objects.get(pk=rng.randint(1, last))
        latin = (
            NameForm.objects.filter(person=person, script="latn").first()
            if rng.random() < 0.4
            else None
        )
        name = latin or person
        with transaction.atomic():
            case = case_open(actor=SYSTEM, kind=CaseKind.FAMILY_ENQUIRY, language="ru")
            moment = case.created_at
            enquiry = Enquiry.objects.create(
                case=case,
                enquirer_name="Синтетическая Мать",
                relationship="mother",
                sought_surname=name.surname,
                sought_given_name=name.given_name,
                sought_patronymic=name.patronymic if rng.random() < 0.6 else "",
                sought_birth_year=person.birth_year,
                created_at=moment,
                updated_at=moment,
            )
            audit_record(
                actor=SYSTEM,
                action=Action.ENQUIRY_OPEN,
                obj=enquiry,
                detail={"case": case.pk, "fields": ["sought_surname"]},
            )


def staff_create() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username=STAFF)
    for role in ("tracing_officer", "supervisor", "registrar"):
        user.groups.add(Group.objects.get_or_create(name=role)[0])


def match_keys_reindex() -> str:
    """Fill the match-key table, where the code has one (`lifeline match reindex`)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    started = time.perf_counter()
    try:
        call_command("match", "reindex")
    except CommandError as missing:
        return f"no match reindex here ({missing})"
    return f"match reindex took {time.perf_counter() - started:.0f} s"


def load(args: argparse.Namespace) -> None:
    database_fresh(args.db_name)
    _django(args.db_name)
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"loading {args.persons:,} persons into {args.db_name}", flush=True)
    counts = registry_load(persons=args.persons, seed=args.seed, sealed_share=args.sealed_share)
    staff_create()
    enquiries_load(count=ENQUIRIES, seed=args.seed)
    print(f"  {match_keys_reindex()}", flush=True)
    connection.close()
    # VACUUM sets the visibility map, so index-only scans work as on a settled database.
    import psycopg

    with psycopg.connect(_environment(args.db_name)["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    counts["load_seconds"] = round(time.perf_counter() - started, 1)
    print(
        "loaded: {persons:,} persons, {name_forms:,} name forms, {status_events:,} status "
        "events ({sealed_persons:,} persons with sealed fields); COPY {copy_seconds} s, "
        "indexes {index_seconds} s, all {load_seconds} s".format(**counts),
        flush=True,
    )


# --- Measuring (in child processes) -------------------------------------------------------------


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _emit(**row: Any) -> None:
    print("ROW " + json.dumps(row), flush=True)


class _Browser:
    """A logged-in staff client that times requests and counts their SQL queries."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        setup_test_environment(debug=False)  # lets the test client's host in
        user = get_user_model().objects.get(username=STAFF)
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
        self.client = Client()
        self.client.force_login(user)
        session = self.client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        self.anonymous = Client()

    def request(self, method: str, path: str, *, public: bool = False) -> tuple[float, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.anonymous if public else self.client
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = getattr(client, method)(path)
            took = (time.perf_counter() - started) * 1000
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{method.upper()} {path} answered {response.status_code}")
        return took, len(queries.captured_queries)

    def row(
        self,
        name: str,
        paths: list[str],
        *,
        requests: int,
        method: str = "get",
        public: bool = False,
        budget: float = 60.0,
    ) -> None:
        """Time `requests` requests over `paths` in turn, after one untimed warm-up request."""
        first, _ = self.request(method, paths[0], public=public)
        timings, counts = [], []
        started = time.perf_counter()
        for i in range(requests):
            took, n = self.request(method, paths[i % len(paths)], public=public)
            timings.append(took)
            counts.append(n)
            if time.perf_counter() - started > budget and len(timings) >= 5:
                break
        _emit(
            name=name,
            first_ms=round(first, 1),
            p50_ms=round(statistics.median(timings), 1),
            p95_ms=round(_percentile(timings, 95), 1),
            queries=max(counts),
            n=len(timings),
        )


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def _enquiry_ids() -> list[int]:
    from lifeline.tracing.models import Enquiry

    return list(Enquiry.objects.order_by("id").values_list("id", flat=True))


def child_match(requests: int) -> None:
    """A fresh process: its first match, then warm matches, a re-match sweep and its RSS."""
    from django.urls import reverse

    browser = _Browser()
    ids = _enquiry_ids()
    rng = random.Random(7)
    started = time.perf_counter()
    took, n = browser.request("post", reverse("tracing:enquiry_match", args=[ids[0]]))
    _emit(
        name="first match after a process start",
        first_ms=round(took, 1),
        queries=n,
        process_s=round(time.perf_counter() - started, 1),
    )
    paths = [reverse("tracing:enquiry_match", args=[i]) for i in rng.sample(ids, 20)]
    browser.row("match again (POST, redirect)", paths, method="post", requests=requests)
    _rematch_row(rng)
    _emit(name="RSS after matching", rss_mb=round(_rss_mb()))


def _rematch_row(rng: random.Random) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lifeline.registry.models import Person
    from lifeline.tracing import tasks

    last = Person.objects.order_by("-id").values_list("id", flat=True).first() or 1
    timings, counts = [], []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            tasks.enquiries_rematch.func(rng.randint(1, last))  # type: ignore[attr-defined]
            timings.append((time.perf_counter() - started) * 1000)
        counts.append(len(queries.captured_queries))
    _emit(
        name=f"re-match after a registry change ({ENQUIRIES} enquiries)",
        first_ms=round(timings[0], 1),
        p50_ms=round(statistics.median(timings), 1),
        p95_ms=round(max(timings), 1),
        queries=max(counts),
        n=len(timings),
    )


def child_pages(requests: int) -> None:
    """A fresh process: every page, warm; then its RSS."""
    from django.urls import reverse

    from lifeline.registry.models import Person

    browser = _Browser()
    rng = random.Random(11)
    ids = _enquiry_ids()
    last = Person.objects.order_by("-id").values_list("id", flat=True).first() or 1
    search = reverse("registry:search")
    enquiries = [reverse("tracing:enquiry", args=[i]) for i in rng.sample(ids, 20)]
    persons = [reverse("registry:person", args=[rng.randint(1, last)]) for _ in range(20)]
    rows: list[tuple[str, list[str], bool]] = [
        ("enquiry page", enquiries, False),
        ("registry search: Cyrillic surname", [f"{search}?surname=Иванов"], False),
        ("registry search: Cyrillic, page 2", [f"{search}?surname=Иванов&page=2"], False),
        ("registry search: Latin spelling", [f"{search}?surname=Ivanov"], False),
        ("registry search: Latin, page 2", [f"{search}?surname=Ivanov&page=2"], False),
        ("person page", persons, False),
        ("queue", [reverse("cases:queue")], False),
        ("enquiries list", [reverse("tracing:enquiries")], False),
        ("dashboard", [reverse("reports:dashboard")], False),
        ("public statistics", [reverse("public:statistics")], True),
    ]
    _recount_row()
    for name, paths, public in rows:
        browser.row(name, paths, requests=requests, public=public)
    _emit(name="RSS after the pages", rss_mb=round(_rss_mb()))


def _recount_row() -> None:
    """The worker's recount of the registry's counts, where the code keeps them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        from lifeline.registry.tally import registry_tally_refresh
    except ImportError:
        return  # counted for each page view instead
    timings = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            registry_tally_refresh()
            timings.append((time.perf_counter() - started) * 1000)
    _emit(
        name="registry recount (worker's sweep, not a page)",
        first_ms=round(timings[0], 1),
        p50_ms=round(statistics.median(timings), 1),
        p95_ms=round(max(timings), 1),
        queries=len(queries.captured_queries),
        n=len(timings),
    )


def _run_child(args: argparse.Namespace, which: str) -> list[dict[str, Any]]:
    """Run one measuring process; the rows it printed before the timeout, if it hit one."""
    command = [sys.executable, __file__, "--child", which, "--db-name", args.db_name]
    command += ["--requests", str(args.requests)]
    process = subprocess.Popen(  # noqa: S603 - this very script, in a fresh process
        command, env=_environment(args.db_name), stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    rows: list[dict[str, Any]] = []
    timed_out = False
    try:
        out, _ = process.communicate(timeout=args.match_timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        timed_out = True
    for line in out.splitlines():
        if line.startswith("ROW "):
            rows.append(json.loads(line[4:]))
        else:
            print(line)
    if timed_out:
        rows.append({"name": f"({which}: the rest)", "timeout": args.match_timeout})
    elif process.returncode:
        rows.append({"name": f"({which}: failed, exit {process.returncode})"})
    return rows


def _cell(row: dict[str, Any], key: str) -> str:
    if "timeout" in row:
        return "timeout" if key == "first_ms" else ""
    value = row.get(key)
    return "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def report(rows: list[dict[str, Any]], *, persons: int, loads: list[str]) -> None:
    print(f"\n{persons:,} persons, {ENQUIRIES} open enquiries; load average {' / '.join(loads)}")
    header = ("what", "first ms", "p50 ms", "p95 ms", "SQL queries", "n", "RSS MB")
    keys = ("first_ms", "p50_ms", "p95_ms", "queries", "n", "rss_mb")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [row["name"], *(_cell(row, k) for k in keys)]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--db-name", default=DB_NAME)
    parser.add_argument("--reuse", action="store_true", help="measure the loaded database again")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--match-timeout", type=float, default=600.0, help="seconds per process")
    parser.add_argument(
        "--sealed-share", type=float, default=0.05, help="persons with sealed fields"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--parts", default="match,pages", help="what to measure: match, pages or both"
    )
    parser.add_argument("--child", choices=("match", "pages"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _django(args.db_name)
        {"match": child_match, "pages": child_pages}[args.child](args.requests)
        return
    loads = [f"{x:.1f}" for x in os.getloadavg()]
    if not (args.reuse and _database_exists(args.db_name)):
        load(args)
    elif _migrate_pending(args):
        print("  applied the migrations the reused database lacked", flush=True)
    if not args.load_only:
        rows = [row for part in args.parts.split(",") for row in _run_child(args, part)]
        loads.append(" ".join(f"{x:.1f}" for x in os.getloadavg()))
        report(rows, persons=args.persons, loads=loads)
        out = ROOT / "var" / "benchmarks" / "registry_million.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"persons": args.persons, "load": loads, "rows": rows}))
    if args.drop:
        database_drop(args.db_name)


def _migrate_pending(args: argparse.Namespace) -> bool:
    """Apply migrations the reused database lacks; re-index match keys if there were any."""
    _django(args.db_name)
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", verbosity=0)
    print(f"  {match_keys_reindex()}", flush=True)
    connection.close()
    return True


if __name__ == "__main__":
    main()
