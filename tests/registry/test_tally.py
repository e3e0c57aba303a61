"""The registry's counts kept for the dashboard and the public page: taken by the worker's sweep,
shown with their time, recounted by a page only when no worker keeps them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from lifeline.core.hooks import hook_handlers, hook_run
from lifeline.registry.models import RegistryTally
from lifeline.registry.tally import (
    registry_counts,
    registry_status_counts,
    registry_tally_current,
    registry_tally_if_due,
    registry_tally_refresh,
)
from lifeline.reports import selectors
from tests.factories import login_staff
from tests.reports.helpers import create_people, create_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _console_language() -> Iterator[None]:
    with translation.override("en"):
        yield


def _age(seconds: float) -> None:
    """Make the kept count `seconds` old."""
    RegistryTally.objects.update(computed_at=timezone.now() - timedelta(seconds=seconds))


def _held(user: Any) -> tuple[Any, ...]:
    with translation.override("en"):  # a request before may have switched the language
        table = selectors.registry_by_status_verification(user=user)
    return next(row[1:] for row in table.rows if row[0] == "held")


def test_counts_by_status_and_the_level_of_the_newest_event_in_it() -> None:
    keep = create_person(
        "Keep",
        [("captured", "confirmed", date(2024, 1, 1)), ("held", "probable", date(2024, 2, 1))],
    )
    create_person(
        "Twice", [("held", "reported", date(2024, 3, 1)), ("held", "confirmed", date(2024, 1, 1))]
    )
    create_person("Unknown")  # no event: not yet known (not "missing"), level not recorded
    create_person("Dup", [("dead", "confirmed", None)], merged_into=keep)

    assert registry_counts() == {
        ("held", "probable"): 1,
        ("held", "reported"): 1,
        ("unknown", ""): 1,
    }


def test_totals_per_status_from_the_kept_count() -> None:
    create_people(2, "held", "confirmed")
    create_people(1, "held", "reported")
    create_person("Unknown")
    by_status, tally = registry_status_counts()
    assert by_status == {"held": 3, "unknown": 1}
    assert tally == RegistryTally.objects.get()


def test_the_dashboard_shows_the_kept_count_and_when_it_was_taken(
    client: Client, carol: Any
) -> None:
    create_people(3, "held", "confirmed")
    login_staff(client, carol)
    html = client.get(reverse("reports:dashboard")).content.decode()
    taken = timezone.localtime(RegistryTally.objects.get().computed_at)
    assert f"As of {taken:%H:%M}: the registry is counted every few minutes" in html

    create_people(2, "held", "confirmed", prefix="Later")
    assert _held(carol) == (0, 0, 3, 0, 3)  # kept: not recounted for a view


def test_the_sweep_recounts_once_the_interval_has_passed(carol: Any, settings: Any) -> None:
    settings.REGISTRY_TALLY_SECONDS = 300
    create_people(3, "held", "confirmed")
    first = registry_tally_current()
    create_people(2, "held", "confirmed", prefix="Later")

    registry_tally_if_due()  # not due yet
    assert RegistryTally.objects.get().computed_at == first.computed_at
    assert _held(carol) == (0, 0, 3, 0, 3)

    _age(301)
    hook_run("worker_sweep")
    assert RegistryTally.objects.get().computed_at > first.computed_at
    assert _held(carol) == (0, 0, 5, 0, 5)


def test_the_sweep_is_registered_for_the_worker() -> None:
    assert registry_tally_if_due in hook_handlers("worker_sweep")


def test_a_page_recounts_when_no_worker_has_for_twice_the_interval(
    carol: Any, settings: Any
) -> None:
    settings.REGISTRY_TALLY_SECONDS = 300
    create_people(3, "held", "confirmed")
    registry_tally_refresh()
    create_people(2, "held", "confirmed", prefix="Later")
    _age(599)
    assert _held(carol) == (0, 0, 3, 0, 3)
    _age(601)
    assert _held(carol) == (0, 0, 5, 0, 5)


def test_a_count_from_another_day_gives_its_date_too(
    client: Client, carol: Any, settings: Any
) -> None:
    settings.REGISTRY_TALLY_SECONDS = 7 * 24 * 3600  # no recount in this test
    registry_tally_refresh()
    login_staff(client, carol)
    assert re.search(r"As of \d\d:\d\d:", client.get(reverse("reports:dashboard")).content.decode())
    _age(2 * 24 * 3600)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert re.search(r"As of \d{4}-\d\d-\d\d \d\d:\d\d:", html)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "As of"), ("ru", "По состоянию на"), ("uk", "Станом на")],
)
def test_the_public_page_says_when_the_counts_were_taken(
    client: Client, language: str, words: str
) -> None:
    create_people(6, "dead", "reported")
    with translation.override(language):
        url = reverse("public:statistics")
    html = client.get(url).content.decode()
    taken = timezone.localtime(RegistryTally.objects.get().computed_at)
    assert re.search(rf'{words} <time datetime="[^"]+">{taken:%H:%M}</time>', html)
