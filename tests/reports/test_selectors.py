"""The dashboard's numbers, against data built by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from lifeline.reports import selectors
from lifeline.reports.selectors import percentile, period_start
from lifeline.tracing.models import Enquiry
from tests.reports.helpers import (
    create_case,
    create_contact,
    create_enquiry,
    create_person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _console_language() -> Iterator[None]:
    """The console's language: the tables' labels are compared as English text."""
    with translation.override("en"):
        yield


def _rows(table: selectors.Table) -> dict[Any, tuple[Any, ...]]:
    return {row[0]: row[1:] for row in table.rows}


def test_contacts_per_channel_and_week(carol: Any) -> None:
    start = period_start(4)
    hour = timedelta(hours=1)
    create_contact("web", start + hour)
    create_contact("web", start + 2 * hour)
    create_contact("telegram", start + 3 * hour)
    create_contact("phone", start + timedelta(weeks=2) + hour)
    create_contact("whatsapp", start + timedelta(weeks=3) + hour)
    create_contact("email", start - hour)  # the week before the period
    create_contact("web", start + hour, direction="out")  # a reply, not a message received

    table = selectors.contacts_per_channel_week(user=carol, weeks=4)

    assert table.columns == (
        "Week starting", "web form", "Telegram", "e-mail", "phone", "WhatsApp", "Total"
    )  # fmt: skip
    weeks = [(start.date() + timedelta(weeks=i)).isoformat() for i in range(4)]
    assert [row[0] for row in table.rows] == weeks
    assert _rows(table) == {
        weeks[0]: (2, 1, 0, 0, 0, 3),
        weeks[1]: (0, 0, 0, 0, 0, 0),
        weeks[2]: (0, 0, 0, 1, 0, 1),
        weeks[3]: (0, 0, 0, 0, 1, 1),
    }
    assert table.footer == ("Total", 2, 1, 0, 1, 1, 5)


def test_weeks_follow_the_local_time_zone(carol: Any, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Kyiv"
    start = period_start(2)  # a Monday, 00:00 in Kyiv: Sunday evening in UTC
    assert start.utcoffset() != timedelta(0)
    create_contact("web", start + timedelta(minutes=30))
    create_contact("web", start - timedelta(minutes=30))

    table = selectors.contacts_per_channel_week(user=carol, weeks=2)

    assert table.rows[0][0] == timezone.localdate(start).isoformat()
    assert table.footer is not None and table.footer[-1] == 1


def test_cases_opened_and_closed_per_kind(carol: Any) -> None:
    start = period_start(4)
    inside, before = start + timedelta(days=1), start - timedelta(days=1)
    create_case("surrender", created_at=inside)
    create_case("surrender", created_at=inside, status="closed", closed_at=inside)
    create_case("surrender", created_at=before, status="closed", closed_at=inside)
    create_case("surrender", created_at=before, status="closed", closed_at=before)
    create_case("handover", created_at=before, status="verifying")
    create_case("assistance", created_at=inside, status="done")  # done is not closed

    table = selectors.cases_opened_closed_per_kind(user=carol, weeks=4)

    assert _rows(table) == {
        "surrender": (2, 2, 1),
        "family enquiry": (0, 0, 0),
        "handover": (0, 0, 1),
        "assistance": (1, 0, 1),
        "other": (0, 0, 0),
    }
    assert table.footer == ("Total", 3, 2, 3)


def test_first_response_median_and_p90(carol: Any) -> None:
    now = timezone.now()
    for minutes in (10, 20, 30, 40, 50, 60, 70, 80, 90, 300):
        create_case("surrender", created_at=now, first_response_at=now + timedelta(minutes=minutes))
    create_case("other", created_at=now, first_response_at=now + timedelta(minutes=5))
    create_case("other", created_at=now)  # not answered yet
    old = now - timedelta(days=100)
    create_case("other", created_at=old, first_response_at=old + timedelta(days=3))

    table = selectors.first_response_times(user=carol, days=90)

    rows = _rows(table)
    # Median of the ten: (50 + 60) / 2; nearest-rank p90: the 9th of ten.
    assert rows["surrender"] == (10, 55, 90, 0)
    assert rows["other"] == (1, 5, 5, 1)
    assert rows["handover"] == (0, None, None, 0)
    assert table.footer == ("All kinds", 11, 50, 90, 1)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1.0], 90) == 1.0
    assert percentile([3.0, 1.0, 2.0], 90) == 3.0
    assert percentile(list(map(float, range(1, 101))), 90) == 90.0


def test_open_enquiries_by_age(carol: Any) -> None:
    now = timezone.now()
    create_enquiry(now - timedelta(days=2))
    create_enquiry(now - timedelta(days=10), status=Enquiry.Status.MATCHED)
    create_enquiry(now - timedelta(days=20))
    create_enquiry(now - timedelta(days=40))
    create_enquiry(now - timedelta(days=200))
    create_enquiry(now - timedelta(days=300), status=Enquiry.Status.ANSWERED)
    create_enquiry(now - timedelta(days=400), status=Enquiry.Status.CLOSED)

    table = selectors.open_enquiries_by_age(user=carol)

    assert table.rows == (
        ("Less than a week", 1, 2),
        ("1 to 4 weeks", 2, 20),
        ("1 to 3 months", 1, 40),
        ("More than 3 months", 1, 200),
    )
    assert table.footer == ("All open", 5, 200)


def test_registry_by_status_and_verification(carol: Any) -> None:
    keep = create_person(
        "Keep",
        [("captured", "confirmed", date(2024, 1, 1)), ("held", "probable", date(2024, 2, 1))],
    )
    # The newest held event sets the level, whatever order the events were recorded in.
    create_person(
        "Twice", [("held", "reported", date(2024, 3, 1)), ("held", "confirmed", date(2024, 1, 1))]
    )
    create_person("Dead", [("dead", "confirmed", None)])
    create_person("Unknown")  # no event: not yet known (never "missing"), level not recorded
    create_person("Dup", [("held", "confirmed", None)], merged_into=keep)

    table = selectors.registry_by_status_verification(user=carol)

    assert table.columns == (
        "Status",
        "reported",
        "probable",
        "confirmed",
        "not recorded",
        "Total",
    )
    rows = _rows(table)
    assert rows["held"] == (1, 1, 0, 0, 2)
    assert rows["dead"] == (0, 0, 1, 0, 1)
    assert rows["missing"] == (0, 0, 0, 0, 0)
    assert rows["not yet known"] == (0, 0, 0, 1, 1)
    assert rows["captured"] == (0, 0, 0, 0, 0)
    assert table.footer == ("Total", 1, 1, 1, 1, 4)  # the merged record is not counted


def test_an_undated_event_counts_from_the_day_it_was_recorded(carol: Any) -> None:
    now = timezone.now()
    create_person(
        "Late",
        [("held", "confirmed", (now - timedelta(days=30)).date()), ("held", "reported", None)],
        recorded_at=now,
    )
    assert _rows(selectors.registry_by_status_verification(user=carol))["held"] == (
        1,
        0,
        0,
        0,
        1,
    )


@pytest.mark.parametrize("username", ["alice", "bob", "dave", "erin", "mallory"])
def test_every_table_refuses_users_without_the_permission(
    username: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(username)
    for slug in selectors.DASHBOARD_TABLES:
        with pytest.raises(PermissionDenied, match=r"^reports\.view$"):
            selectors.dashboard_table(user=user, slug=slug)
