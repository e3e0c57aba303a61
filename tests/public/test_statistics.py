"""The public statistics page: counts only, small ones suppressed, light, in every language."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from lifeline.core.hooks import hook_run
from lifeline.registry.models import PersonStatus, RegistryTally
from tests.public.helpers import MAX_PAGE_BYTES, page_bytes
from tests.reports.helpers import create_people, create_person

pytestmark = pytest.mark.django_db

SURNAMES = ("Zvyagintsevsky", "Щербаконюк", "Quillfeatherby")
LANGUAGES = ("ru", "uk", "en")


def _url(language: str) -> str:
    with translation.override(language):
        return reverse("public:statistics")


def _cells(html: str, table: int = 0) -> list[list[str]]:
    """The text of every row of the n-th statistics table (header row left out)."""
    tables = re.findall(r'<table class="stats">(.*?)</table>', html, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", tables[table], re.S)[1:]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


@pytest.fixture
def registry(db: Any) -> None:
    # held/confirmed: 3 (small); missing: 12 reported, 8 confirmed; dead: 6 reported.
    create_people(3, "held", "confirmed")
    create_people(12, "missing", "reported")
    create_people(8, "missing", "confirmed")
    create_people(6, "dead", "reported")
    for surname in SURNAMES:
        create_person(surname, [("dead", "reported", None)])  # dead/reported: 9 in all
    create_person("Mergedovich", [("held", "confirmed", None)], merged_into=create_person("Kept"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_is_served_in_every_language(
    registry: None, client: Client, language: str
) -> None:
    url = _url(language)
    assert url == {"ru": "/statistics/", "uk": "/uk/statistics/", "en": "/en/statistics/"}[language]
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert "<script" not in html.lower()
    assert " style=" not in html
    assert page_bytes(response) < MAX_PAGE_BYTES
    for surname in (*SURNAMES, "Mergedovich", "Kept", "Anon"):
        assert surname not in html


def test_small_counts_show_as_fewer_than_5_and_nowhere_as_a_number(client: Client) -> None:
    create_people(3, "held", "confirmed")  # the only small count
    create_people(12, "missing", "reported")
    create_people(8, "missing", "probable")
    html = client.get(_url("en")).content.decode()
    assert "fewer than 5" in html
    every_cell = [cell for table in range(2) for row in _cells(html, table) for cell in row]
    assert "3" not in every_cell
    assert not re.search(r">\s*3\s*<", html)
    statuses = dict(row for row in _cells(html, 0))
    assert statuses["held"] == "fewer than 5"
    # With one small count hidden, the total would give it away: so another count is
    # withheld too, or the total is.
    hidden = [v for v in statuses.values() if v in {"fewer than 5", "withheld"}]
    assert len(hidden) >= 2


def test_no_table_has_a_single_hidden_count(registry: None, client: Client) -> None:
    html = client.get(_url("en")).content.decode()
    for table in range(2):
        hidden = [row[1] in {"fewer than 5", "withheld"} for row in _cells(html, table)]
        assert sum(hidden) != 1


def test_the_cross_table_of_status_and_level_is_not_published(
    registry: None, client: Client
) -> None:
    # Rows and columns of a published cross table can be combined to narrow a hidden count
    # down; the page publishes the two one-way tables only.
    html = client.get(_url("en")).content.decode()
    assert len(re.findall(r'<table class="stats">', html)) == 2


def test_merged_persons_are_not_counted(client: Client) -> None:
    target = create_person("Target", [("released", "confirmed", None)])
    create_people(5, "released", "confirmed")
    for i in range(5):
        create_person(f"Dup{i}", [("released", "confirmed", None)], merged_into=target)
    html = client.get(_url("en")).content.decode()
    released = next(row for row in _cells(html) if row[0] == "released")
    assert released[1] == "6"


def test_counts_are_kept_with_their_time_until_the_worker_recounts(client: Client) -> None:
    create_people(7, "exchanged", "probable")
    first = client.get(_url("en")).content.decode()
    create_people(7, "exchanged", "probable", prefix="Later")
    second = client.get(_url("en")).content.decode()
    assert second == first  # the same count, the same "as of"
    assert re.search(r'<time datetime="[^"]+">', first)

    RegistryTally.objects.update(computed_at=timezone.now() - timedelta(hours=1))
    hook_run("worker_sweep")
    third = client.get(_url("en")).content.decode()
    exchanged = next(row for row in _cells(third) if row[0] == "exchanged")
    assert exchanged[1] == "14"


def test_every_status_is_listed(client: Client) -> None:
    html = client.get(_url("en")).content.decode()
    with translation.override("en"):
        labels = [str(label) for label in PersonStatus.labels]
    assert [row[0] for row in _cells(html, 0)] == [*labels, "not yet known", "Total"]


def test_a_person_with_no_status_report_is_not_counted_as_missing(client: Client) -> None:
    # Adding a person to the registry tells nothing of his fate: he is "not yet known" until
    # a status report is filed, and the public "missing" count does not grow.
    create_people(6, "missing", "reported")
    create_people(7, "held", "confirmed")
    for i in range(5):
        create_person(f"Noreport{i}")
    statuses = dict(_cells(client.get(_url("en")).content.decode(), 0))
    assert statuses["missing"] == "6"
    assert statuses["not yet known"] == "5"
    assert statuses["Total"] == "18"


def test_the_page_accepts_get_only(client: Client) -> None:
    assert client.post(_url("en")).status_code in {403, 405}


@pytest.mark.parametrize(
    ("language", "plain"),
    [
        ("ru", "любое число от 1 до 4 показано как «меньше 5»"),
        ("uk", "будь-яке число від 1 до 4 показано як «менше 5»"),
        ("en", "any number from 1 to 4 reads “fewer than 5”"),
    ],
)
def test_the_note_on_hidden_counts_is_in_plain_words(
    client: Client, language: str, plain: str
) -> None:
    html = client.get(_url(language)).content.decode()
    assert plain in html
    assert "ноль — как" not in html and "a zero as" not in html
