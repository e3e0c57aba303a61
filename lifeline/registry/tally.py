"""The registry's counts by status and verification level: counted in one pass, kept, and read.

A count of a million persons takes seconds, so pages never wait for it: the worker's sweep
recounts every REGISTRY_TALLY_SECONDS and stores the result with its time (RegistryTally),
and the dashboard and the public statistics (reports) read that row and say when it was
taken; `registry_status_counts` gives its totals per status for the registry's own pages. A
page counts for itself only when there is no count yet, or when it is more than twice that
old (no worker is running).
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import pgettext

from lifeline.registry.models import Person, PersonStatus, RegistryTally, StatusEvent

# A person with no status event at all has a status (the column's default) but no verification
# level. Nothing is known of him: he is counted as STATUS_UNKNOWN, never under that default.
NOT_RECORDED = ""
STATUS_UNKNOWN = "unknown"
TALLY_ID = 1


def count_status_label(status: str) -> str:
    """A status as the counts name it, STATUS_UNKNOWN included; an unknown code as it is."""
    if status == STATUS_UNKNOWN:
        return pgettext("person status", "not yet known")
    return str(PersonStatus(status).label) if status in PersonStatus.values else status


def registry_counts() -> dict[tuple[str, str], int]:
    """Persons by (current status, verification of the event that set it); merged ones left out.

    `Person.current_status` is the status of the person's newest status event (by date, then
    time recorded, then id: `StatusEvent.sort_key`); its verification is not stored on the
    person, so it is read from his newest event in that status. A person with none is counted
    as (STATUS_UNKNOWN, NOT_RECORDED): no report says he is missing, so he is not counted so,
    whatever his stored default says. Two aggregates: persons by status, and those newest
    events by status and level, ranked in one window over the events rather than one subquery
    per person. Not access-checked: callers check, or publish only suppressed counts.
    """
    persons = Person.objects.filter(merged_into__isnull=True)
    by_status: dict[str, int] = dict(
        persons.order_by().values_list("current_status").annotate(n=Count("id"))
    )
    ranked = (
        StatusEvent.objects.filter(
            person__merged_into__isnull=True, status=F("person__current_status")
        )
        .annotate(day=Coalesce("occurred_on", TruncDate("recorded_at", tzinfo=UTC)))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("person_id")],
                order_by=[F("day").desc(), F("recorded_at").desc(), F("id").desc()],
            )
        )
        .order_by()
        .values("status", "verification", "rank")
    )
    # Django would group the outer count inside the window's query: the count is written here.
    inner, params = ranked.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ranked.status, ranked.verification, COUNT(*) "  # noqa: S608 - no input
            f"FROM ({inner}) ranked WHERE ranked.rank = 1 "
            "GROUP BY ranked.status, ranked.verification",
            params,
        )
        counts = {(status, level): n for status, level, n in cursor.fetchall()}
    for status, n in by_status.items():
        recorded = sum(m for (s, _level), m in counts.items() if s == status)
        if n > recorded:
            unknown = counts.get((STATUS_UNKNOWN, NOT_RECORDED), 0)
            counts[(STATUS_UNKNOWN, NOT_RECORDED)] = unknown + n - recorded
    return counts


@transaction.atomic
def registry_tally_refresh() -> RegistryTally:
    """Count the registry now and keep the count with its time."""
    counts = registry_counts()
    tally, _ = RegistryTally.objects.update_or_create(
        id=TALLY_ID,
        defaults={
            "counts": [[status, level, n] for (status, level), n in sorted(counts.items())],
            "computed_at": timezone.now(),
        },
    )
    return tally


def _older_than(tally: RegistryTally | None, seconds: float) -> bool:
    return tally is None or timezone.now() - tally.computed_at >= timedelta(seconds=seconds)


def registry_tally_if_due() -> None:
    """The worker's sweep: recount once REGISTRY_TALLY_SECONDS have passed since the last count."""
    tally = RegistryTally.objects.filter(id=TALLY_ID).first()
    if _older_than(tally, _interval()):
        _recount_unless_fresh(_interval())


def registry_status_counts() -> tuple[dict[str, int], RegistryTally]:
    """Persons per current status from the latest count (merged ones left out), and the count."""
    tally = registry_tally_current()
    by_status: dict[str, int] = {}
    for (status, _level), n in tally.as_dict().items():
        by_status[status] = by_status.get(status, 0) + n
    return by_status, tally


def registry_tally_current() -> RegistryTally:
    """The latest count; counted now if there is none, or if no worker has recounted it."""
    tally = RegistryTally.objects.filter(id=TALLY_ID).first()
    if tally is None or _older_than(tally, 2 * _interval()):
        return _recount_unless_fresh(2 * _interval())
    return tally


@transaction.atomic
def _recount_unless_fresh(seconds: float) -> RegistryTally:
    # One recount at a time (several workers, or page views while no worker runs): whoever
    # waited for the row's lock finds the count fresh and reads it.
    tally = RegistryTally.objects.select_for_update().filter(id=TALLY_ID).first()
    if tally is not None and not _older_than(tally, seconds):
        return tally
    return registry_tally_refresh()


def _interval() -> float:
    return float(settings.REGISTRY_TALLY_SECONDS)
