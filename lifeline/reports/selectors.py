"""The dashboard's tables and the public statistics: counts computed in SQL, never individuals.

The registry's counts are the worker's, kept with their time (registry/tally.py): at a million
persons they take seconds. The other tables count cases, messages and enquiries, here.

Each staff table is one function returning a `Table`; the dashboard page, its charts and its
CSV/XLSX exports all render that same object, so they cannot disagree.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseKind
from lifeline.cases.workflows import terminal_states
from lifeline.core.access import Perm, require_perm
from lifeline.intake.models import Channel, Contact
from lifeline.registry.models import PersonStatus, Verification
from lifeline.registry.tally import (
    NOT_RECORDED,
    STATUS_UNKNOWN,
    count_status_label,
    registry_tally_current,
)
from lifeline.reports.suppression import Entry, suppress
from lifeline.tracing.models import Enquiry

Cell = str | int | float | None

PERIOD_WEEKS = (4, 12, 26, 52)
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class Table:
    """A titled table: column headers, body rows and an optional totals row."""

    slug: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footer: tuple[Cell, ...] | None = None
    # When its counts were taken, for a table kept rather than counted for the page.
    as_of: datetime | None = None

    def all_rows(self) -> list[tuple[Cell, ...]]:
        """Header, body and footer: what an export writes."""
        return [self.columns, *self.rows, *([self.footer] if self.footer else [])]


def period_start(weeks: int) -> datetime:
    """Monday 00:00 (current time zone) of the first of the last `weeks` weeks, this one too."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    return timezone.make_aware(datetime.combine(monday, time.min))


def contacts_per_channel_week(*, user: User, weeks: int = DEFAULT_WEEKS) -> Table:
    """Inbound messages per channel and week (every state: a failed message still came in)."""
    require_perm(user, Perm.REPORTS_VIEW)
    start = period_start(weeks)
    counts = (
        Contact.objects.filter(direction=Contact.Direction.IN, received_at__gte=start)
        .annotate(week=TruncWeek("received_at", output_field=DateField()))
        .values_list("week", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_week: dict[tuple[date, str], int] = {(w, ch): n for w, ch, n in counts}
    channels = list(Channel.values)
    channels += sorted({ch for _w, ch in by_week} - set(channels))
    mondays = [timezone.localdate(start) + timedelta(weeks=i) for i in range(weeks)]
    return _cross_table(
        slug="contacts",
        title=gettext("Messages received per channel and week"),
        corner=gettext("Week starting"),
        rows=[(monday, monday.isoformat()) for monday in mondays],
        columns=[(ch, _channel_label(ch)) for ch in channels],
        counts=by_week,
    )


def _cross_table(
    *,
    slug: str,
    title: str,
    corner: str,
    rows: list[tuple[Any, str]],
    columns: list[tuple[Any, str]],
    counts: dict[tuple[Any, Any], int],
) -> Table:
    """Counts by (row key, column key) as a table with a total per row and per column."""
    body: list[tuple[Cell, ...]] = []
    for row_key, row_label in rows:
        row = [counts.get((row_key, column_key), 0) for column_key, _label in columns]
        body.append((row_label, *row, sum(row)))
    totals = [sum(counts.get((r, c), 0) for r, _l in rows) for c, _label in columns]
    return Table(
        slug=slug,
        title=title,
        columns=(corner, *(label for _key, label in columns), gettext("Total")),
        rows=tuple(body),
        footer=(gettext("Total"), *totals, sum(totals)),
    )


def cases_opened_closed_per_kind(*, user: User, weeks: int = DEFAULT_WEEKS) -> Table:
    """Per case kind: cases opened and closed in the period, and cases open now."""
    require_perm(user, Perm.REPORTS_VIEW)
    start = period_start(weeks)
    terminal = terminal_states()
    counts = {
        row["kind"]: row
        for row in Case.objects.order_by()
        .values("kind")
        .annotate(
            opened=Count("id", filter=Q(created_at__gte=start)),
            closed=Count("id", filter=Q(closed_at__gte=start, status__in=terminal)),
            open_now=Count("id", filter=~Q(status__in=terminal)),
        )
    }
    keys = ("opened", "closed", "open_now")
    rows = [
        (_kind_label(kind), *(counts.get(kind, {}).get(k, 0) for k in keys))
        for kind in _with_extras(CaseKind.values, counts)
    ]
    return Table(
        slug="cases",
        title=gettext("Cases opened and closed per kind"),
        columns=(gettext("Kind"), gettext("Opened"), gettext("Closed"), gettext("Open now")),
        rows=tuple(rows),
        footer=(gettext("Total"), *(sum(int(r[i] or 0) for r in rows) for i in (1, 2, 3))),
    )


def first_response_times(*, user: User, days: int = 90) -> Table:
    """Minutes from a case's opening to its first reply: median and 90th percentile per kind.

    Over the cases opened in the last `days` days. Only the durations are read (one number per
    answered case); SQLite has no percentile function, and the same code must run on both.
    """
    require_perm(user, Perm.REPORTS_VIEW)
    since = timezone.now() - timedelta(days=days)
    recent = Case.objects.filter(created_at__gte=since).order_by()
    waiting: dict[str, int] = dict(
        recent.filter(first_response_at__isnull=True).values_list("kind").annotate(n=Count("id"))
    )
    durations: dict[str, list[float]] = {}
    answered = recent.filter(first_response_at__isnull=False).annotate(
        took=ExpressionWrapper(F("first_response_at") - F("created_at"), DurationField())
    )
    for kind, took in answered.values_list("kind", "took"):
        durations.setdefault(kind, []).append(took.total_seconds() / 60)
    rows = [
        (_kind_label(kind), *_response_row(durations.get(kind, []), waiting.get(kind, 0)))
        for kind in _with_extras(CaseKind.values, durations.keys() | waiting.keys())
    ]
    everything = [minutes for values in durations.values() for minutes in values]
    return Table(
        slug="first-response",
        title=gettext("Time to first response (cases opened in the last %(days)d days)")
        % {"days": days},
        columns=(
            gettext("Kind"),
            gettext("Answered"),
            gettext("Median, minutes"),
            gettext("90th percentile, minutes"),
            gettext("Not answered yet"),
        ),
        rows=tuple(rows),
        footer=(gettext("All kinds"), *_response_row(everything, sum(waiting.values()))),
    )


def _response_row(minutes: list[float], waiting: int) -> tuple[Cell, ...]:
    if not minutes:
        return (0, None, None, waiting)
    return (
        len(minutes),
        round(statistics.median(minutes)),
        round(percentile(minutes, 90)),
        waiting,
    )


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# (key, at least this old, younger than this); the last bucket has no upper bound.
AGE_BUCKETS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("week", timedelta(0), timedelta(weeks=1)),
    ("month", timedelta(weeks=1), timedelta(weeks=4)),
    ("quarter", timedelta(weeks=4), timedelta(days=91)),
    ("older", timedelta(days=91), None),
)


def open_enquiries_by_age(*, user: User) -> Table:
    """Open enquiries (open or matched, not yet answered) by how long they have been open."""
    require_perm(user, Perm.REPORTS_VIEW)
    now = timezone.now()
    aggregates: dict[str, Any] = {}
    for key, youngest, oldest in AGE_BUCKETS:
        # The youngest bucket has no lower edge, so a clock a little ahead loses nothing.
        in_bucket = Q(created_at__lte=now - youngest) if youngest else Q()
        if oldest is not None:
            in_bucket &= Q(created_at__gt=now - oldest)
        aggregates[f"{key}_n"] = Count("id", filter=in_bucket)
        aggregates[f"{key}_since"] = Min("created_at", filter=in_bucket)
    aggregates["all_n"] = Count("id")
    aggregates["all_since"] = Min("created_at")
    found = Enquiry.objects.filter(
        status__in=[Enquiry.Status.OPEN, Enquiry.Status.MATCHED]
    ).aggregate(**aggregates)
    labels = {
        "week": gettext("Less than a week"),
        "month": gettext("1 to 4 weeks"),
        "quarter": gettext("1 to 3 months"),
        "older": gettext("More than 3 months"),
    }

    def days_open(since: datetime | None) -> int | None:
        return None if since is None else (now - since).days

    rows = [
        (labels[key], found[f"{key}_n"], days_open(found[f"{key}_since"]))
        for key, _y, _o in AGE_BUCKETS
    ]
    return Table(
        slug="enquiries",
        title=gettext("Open enquiries by how long they have been open"),
        columns=(gettext("Open for"), gettext("Enquiries"), gettext("Oldest, days open")),
        rows=tuple(rows),
        footer=(gettext("All open"), found["all_n"], days_open(found["all_since"])),
    )


def registry_statuses() -> list[str]:
    """The statuses the registry's counts list: the recorded ones, then "not yet known"."""
    return [*PersonStatus.values, STATUS_UNKNOWN]


def registry_levels() -> list[str]:
    return [*Verification.values, NOT_RECORDED]


def registry_by_status_verification(*, user: User) -> Table:
    """Persons in the registry by current status and the verification level of that status."""
    require_perm(user, Perm.REPORTS_VIEW)
    tally = registry_tally_current()
    counts = tally.as_dict()
    statuses = _with_extras(registry_statuses(), {s for s, _l in counts})
    table = _cross_table(
        slug="registry",
        title=gettext("Registry: persons by current status and verification level"),
        corner=gettext("Status"),
        rows=[(status, status_label(status)) for status in statuses],
        columns=[(level, level_label(level)) for level in registry_levels()],
        counts=counts,
    )
    return replace(table, as_of=tally.computed_at)


# The dashboard's tables in page order; also the table names an export accepts.
DASHBOARD_TABLES: dict[str, Callable[..., Table]] = {
    "contacts": lambda *, user, weeks: contacts_per_channel_week(user=user, weeks=weeks),
    "cases": lambda *, user, weeks: cases_opened_closed_per_kind(user=user, weeks=weeks),
    "first-response": lambda *, user, weeks: first_response_times(user=user, days=weeks * 7),
    "enquiries": lambda *, user, weeks: open_enquiries_by_age(user=user),
    "registry": lambda *, user, weeks: registry_by_status_verification(user=user),
}


def dashboard_table(*, user: User, slug: str, weeks: int = DEFAULT_WEEKS) -> Table:
    """One table of the dashboard by its name (KeyError for an unknown name)."""
    return DASHBOARD_TABLES[slug](user=user, weeks=weeks)


def dashboard_tables(*, user: User, weeks: int = DEFAULT_WEEKS) -> list[Table]:
    require_perm(user, Perm.REPORTS_VIEW)
    return [make(user=user, weeks=weeks) for make in DASHBOARD_TABLES.values()]


# --- Public statistics (GC III Art. 13: counts, never individuals) ------------------------


@dataclass(frozen=True)
class PublicStatistics:
    """What the public page shows: suppressed counts by status and by level, and when computed.

    Two one-way tables, not their cross table: a reader who combines the rows and columns of a
    published cross table can narrow hidden counts down across lines, which a line-by-line
    suppression does not see. In a one-way table every hidden count lies on one line with its
    total, so the line-by-line check is exact. The staff dashboard keeps the cross table.
    """

    computed_at: datetime  # when the registry was counted
    statuses: tuple[str, ...]  # codes, labelled in the visitor's language when rendered
    levels: tuple[str, ...]
    by_status: tuple[Entry, ...]
    by_level: tuple[Entry, ...]
    total: Entry


def public_statistics() -> PublicStatistics:
    """The public counts, from the registry's latest tally: one row read, cheap under load.

    Open to anyone by design: it holds suppressed counts only (see suppression.py).
    """
    tally = registry_tally_current()
    counts = tally.as_dict()
    statuses = tuple(_with_extras(registry_statuses(), {s for s, _l in counts}))
    levels = tuple(registry_levels())
    by_status = suppress(
        [[sum(n for (s, _l), n in counts.items() if s == status)] for status in statuses]
    )
    by_level = suppress(
        [[sum(n for (_s, lv), n in counts.items() if lv == level)] for level in levels]
    )
    # One grand total on the page: hidden if either table needs it hidden.
    total = by_status.column_totals[0]
    if by_level.column_totals[0].hidden:
        total = by_level.column_totals[0]
    return PublicStatistics(
        computed_at=tally.computed_at,
        statuses=statuses,
        levels=levels,
        by_status=tuple(row[0] for row in by_status.cells),
        by_level=tuple(row[0] for row in by_level.cells),
        total=total,
    )


def status_label(status: str) -> str:
    return count_status_label(status)


def level_label(level: str) -> str:
    if level == NOT_RECORDED:
        return pgettext("verification level", "not recorded")
    return str(Verification(level).label) if level in Verification.values else level


def _kind_label(kind: str) -> str:
    return str(CaseKind(kind).label) if kind in CaseKind.values else kind


def _channel_label(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else channel


def _with_extras(known: Sequence[str], seen: Any) -> list[str]:
    """The known codes in their order, then any other code the data holds (sorted)."""
    return [*known, *sorted(set(seen) - set(known))]
