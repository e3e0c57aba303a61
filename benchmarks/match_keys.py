"""Matching through the database's key table at registry scale (issue 13 §1).

Loads synthetic persons (with their Latin spellings, their match keys) and open family
enquiries into a throw-away PostgreSQL database (or SQLite), then measures:
- the first match in a fresh process (Django set up, nothing cached), and its RSS;
- a warm enquiry match (the service the enquiry page's "match again" calls): p50/p95, queries;
- the candidate search alone (engine.search): p50/p95;
- registry search by a Cyrillic surname, its Latin spelling, and page 2;
- re-matching every open enquiry after one registry person changed;
- `lifeline match reindex`, with the keys current and with every key to write.

    .venv/bin/python benchmarks/match_keys.py [--persons 200000] [--enquiries 500] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.databases import database_drop, django_fresh  # noqa: E402

DB_NAME = "lifeline_keys_bench"
BATCH = 5000


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _pct(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"p50 {_ms(statistics.median(values))}, p95 {_ms(p95)} (n={len(values)})"


def persons_store(records: list[Any]) -> None:
    """Registry rows for the engine's records, as the registry's services would write them
    (keys left out: the caller writes those its own way)."""
    from lifeline.registry.models import NameForm, Person
    from lifeline.registry.text import fold

    Person.objects.bulk_create(
        Person(
            pk=r.id,
            surname=r.names[0].surname,
            given_name=r.names[0].given_name,
            patronymic=r.names[0].patronymic,
            sex=r.sex,
            birth_year=r.birth_year,
            birth_month=r.birth_month,
            birth_day=r.birth_day,
            unit=r.unit,
            unit_folded=fold(r.unit),
            place_of_birth=r.place_of_birth,
            service_number=f"SN{r.id:07d}",
        )
        for r in records
    )
    NameForm.objects.bulk_create(
        NameForm(
            person_id=r.id,
            surname=n.surname,
            given_name=n.given_name,
            patronymic=n.patronymic,
            surname_folded=fold(n.surname),
            given_name_folded=fold(n.given_name),
            patronymic_folded=fold(n.patronymic),
            script="latn" if i else "cyrl",
            is_primary=i == 0,
        )
        for r in records
        for i, n in enumerate(r.names)
    )


def _load(persons: int, enquiries: int) -> list[int]:
    """The registry and the open enquiries; returns the enquiries' ids."""
    from django.db import connection, transaction
    from django.utils import timezone

    from benchmarks.evalset import build_evalset
    from lifeline.cases.models import Case
    from lifeline.matching import blocking
    from lifeline.registry.matchkeys import grams_rebuild
    from lifeline.registry.models import MatchKey
    from lifeline.tracing.models import Enquiry

    started = time.perf_counter()
    evalset = build_evalset(
        registry_size=persons, queries_per_variant=max(1, enquiries // 17 + 1), seed=11
    )
    print(f"generated {len(evalset.records)} persons in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    keys = 0
    for start in range(0, len(evalset.records), BATCH):
        batch = evalset.records[start : start + BATCH]
        with transaction.atomic():
            persons_store(batch)
            rows = [(key, r.id) for r in batch for key in blocking.record_keys(r)]
            keys += len(rows)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    with cursor.connection.cursor().copy(
                        "COPY registry_matchkey (key, person_id) FROM STDIN"
                    ) as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                MatchKey.objects.bulk_create(MatchKey(key=k, person_id=i) for k, i in rows)
    now = timezone.now()
    queries = evalset.queries[:enquiries]
    cases = Case.objects.bulk_create(
        Case(
            reference=f"LF-BN{n:02d}-{n:04d}"[:12],
            kind="family_enquiry",
            created_at=now,
            updated_at=now,
        )
        for n in range(len(queries))
    )
    made = Enquiry.objects.bulk_create(
        Enquiry(
            case=case,
            sought_surname=q.surname,
            sought_given_name=q.given_name,
            sought_patronymic=q.patronymic,
            sought_birth_year=q.birth_year,
            sought_birth_month=q.birth_month,
            sought_birth_day=q.birth_day,
            sought_text=q.text,
            created_at=now,
            updated_at=now,
        )
        for case, q in zip(cases, queries, strict=True)
    )
    started_grams = time.perf_counter()
    skeletons = grams_rebuild()  # the keys went in by COPY, past keys_refresh
    print(f"trigrams of {skeletons} surname skeletons: {time.perf_counter() - started_grams:.1f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    print(
        f"loaded {len(evalset.records)} persons, {keys} keys "
        f"({keys / len(evalset.records):.1f} a person), {len(made)} open enquiries "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return [e.pk for e in made]


_FIRST_MATCH = """
import sys, time
started = time.perf_counter()
import lifeline.wsgi  # as a gunicorn worker starts: Django set up, the name tables loaded
from lifeline.core.actors import SYSTEM
from lifeline.tracing.models import Enquiry
from lifeline.tracing.services.enquiries import enquiry_match
set_up = time.perf_counter() - started
enquiry = Enquiry.objects.get(pk=int(sys.argv[1]))
t = time.perf_counter()
summary = enquiry_match(actor=SYSTEM, enquiry=enquiry)
first = time.perf_counter() - t
# VmHWM, not ru_maxrss: that one keeps the parent's peak across fork and exec.
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
rss = int(status["VmHWM"].split()[0]) / 1024
print(f"{set_up:.3f} {first:.3f} {rss:.0f} {summary.shown}")
"""


def _first_match(enquiry_id: int) -> None:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _FIRST_MATCH, str(enquiry_id)],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    set_up, first, rss, shown = float(out[0]), float(out[1]), out[2], out[3]
    print(
        f"first match in a fresh process: {_ms(first)} (the worker's start before it, "
        f"lifeline.wsgi with the name tables: {_ms(set_up)}); "
        f"peak RSS {rss} MB; {shown} candidates"
    )


def _warm(enquiry_ids: list[int], rounds: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lifeline.core.actors import SYSTEM
    from lifeline.tracing import engine
    from lifeline.tracing.models import Enquiry
    from lifeline.tracing.services.enquiries import enquiry_match

    enquiries = list(Enquiry.objects.filter(pk__in=enquiry_ids[:rounds]))
    for enquiry in enquiries[:20]:  # the name tables and feature caches warm
        engine.search(engine.enquiry_query(enquiry))
    searches, matches, search_queries, match_queries = [], [], [], []
    for enquiry in enquiries:
        query = engine.enquiry_query(enquiry)
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            engine.search(query)
            searches.append(time.perf_counter() - t)
        search_queries.append(len(captured))
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            enquiry_match(actor=SYSTEM, enquiry=enquiry)
            matches.append(time.perf_counter() - t)
        match_queries.append(len(captured))
    print(f"candidate search (engine.search): {_pct(searches)}; SQL queries {max(search_queries)}")
    _misspelt_search(enquiries)
    print(
        f"enquiry match (service, writes candidates): {_pct(matches)}; SQL queries "
        f"median {statistics.median(match_queries):.0f}, max {max(match_queries)}"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this process's peak RSS (it generated and loaded the registry): {rss:.0f} MB")


def _misspelt_search(enquiries: list[Any]) -> None:
    """engine.search with two letters of each sought surname swapped and no year: the exact
    keys find (almost) nobody, so near spellings are looked up (lifeline.matching.fuzzy)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lifeline.matching import blocking, query_from_fields
    from lifeline.registry.matchkeys import key_weights
    from lifeline.tracing import engine

    searches, queries, near = [], [], 0
    for enquiry in enquiries:
        s = enquiry.sought_surname
        if len(s) < 6:
            continue
        query = query_from_fields(
            surname=s[:2] + s[3] + s[2] + s[4:], given_name=enquiry.sought_given_name
        )
        keys = blocking.query_keys(query)
        near += bool(set(key_weights(keys)) - keys)
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            engine.search(query)
            searches.append(time.perf_counter() - t)
        queries.append(len(captured))
    print(
        f"candidate search, misspelt surname, no year (engine.search): {_pct(searches)}; "
        f"{near} of {len(searches)} looked up near spellings; SQL queries {max(queries)}"
    )


def _registry_search() -> None:
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lifeline.accounts.models import User
    from lifeline.registry.selectors import PersonSearch, person_search_for

    user = User.objects.create_user(username="bench-registrar")
    user.groups.add(Group.objects.get_or_create(name="registrar")[0])
    searches = {
        "Cyrillic surname (Иванов)": (PersonSearch(surname="Иванов"), 1),
        "Latin spelling (Ivanov)": (PersonSearch(surname="Ivanov"), 1),
        "Latin spelling, page 2": (PersonSearch(surname="Ivanov"), 2),
        "surname + given name (Kovalenko Oleksandr)": (
            PersonSearch(surname="Kovalenko", given_name="Oleksandr"),
            1,
        ),
        "part of a surname (Кузьм)": (PersonSearch(surname="Кузьм"), 1),
        "misspelt surname (Kovalneko)": (PersonSearch(surname="Kovalneko"), 1),
        "service number": (PersonSearch(service_number="SN0001234"), 1),
        "status only (missing), page 2": (PersonSearch(status="missing"), 2),
        "given name only (Aleksandr)": (PersonSearch(given_name="Aleksandr"), 1),
    }
    for label, (criteria, page) in searches.items():
        times = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as captured:
                t = time.perf_counter()
                found = person_search_for(user=user, criteria=criteria, page=page)
                list(found)
                times.append(time.perf_counter() - t)
        print(
            f"registry search, {label}: {_pct(times)}; {found.paginator.count} matches, "
            f"{len(captured)} SQL queries"
        )


def _rematch(enquiry_ids: list[int]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lifeline.core.actors import SYSTEM
    from lifeline.registry.models import Person
    from lifeline.tracing.models import Enquiry
    from lifeline.tracing.services.enquiries import enquiries_rematch_person

    open_count = Enquiry.objects.filter(status=Enquiry.Status.OPEN).count()
    person_ids = list(Person.objects.order_by("?").values_list("pk", flat=True)[:5])
    for person_id in person_ids:
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            flagged = enquiries_rematch_person(actor=SYSTEM, person_id=person_id)
            took = time.perf_counter() - t
        print(
            f"re-match of {open_count} open enquiries after person #{person_id} changed: "
            f"{took:.2f} s, {len(captured)} SQL queries, {len(flagged)} flagged"
        )


def _reindex() -> None:
    from lifeline.registry.matchkeys import keys_reindex
    from lifeline.registry.models import MatchKey, Person

    persons = Person.objects.count()
    t = time.perf_counter()
    keys_reindex()
    took = time.perf_counter() - t
    print(f"match reindex, keys already current: {took:.1f} s ({persons / took:.0f} persons/s)")
    MatchKey.objects.all().delete()
    t = time.perf_counter()
    keys_reindex(restart=True)
    took = time.perf_counter() - t
    print(f"match reindex, every key rewritten: {took:.1f} s ({persons / took:.0f} persons/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--enquiries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=200, help="warm matches timed")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--db-name", default=DB_NAME)
    parser.add_argument("--keep", action="store_true", help="leave the database for a look")
    parser.add_argument("--no-reindex", action="store_true", help="skip timing the reindex")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    django_fresh(db_name=None if args.sqlite else args.db_name)
    try:
        enquiry_ids = _load(args.persons, args.enquiries)
        _first_match(enquiry_ids[-1])
        _first_match(enquiry_ids[-2])
        _warm(enquiry_ids, args.rounds)
        _registry_search()
        _rematch(enquiry_ids)
        if not args.no_reindex:
            _reindex()
    finally:
        print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
        if not args.sqlite and not args.keep:
            from django.db import connections

            connections.close_all()
            database_drop(args.db_name)


if __name__ == "__main__":
    main()
