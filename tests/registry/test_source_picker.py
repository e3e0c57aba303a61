"""A registrar finds the source among fifty and more: grouped by kind, and narrowed by a word."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.registry.models import Source, StatusEvent
from tests.factories import login_staff
from tests.registry.conftest import create_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(db: Any) -> list[Source]:
    made = [
        Source(kind=kind, title=f"{kind} list {n:02d}", reliability="medium")
        for n in range(12)
        for kind in ("official_list", "interview", "witness", "media", "family")
    ]
    made.append(Source(kind="document", title="Военный билет АВ 123456", reliability="high"))
    return Source.objects.bulk_create(made)


def _options(page: str) -> dict[str, list[str]]:
    """The picker's options, under the label of their <optgroup>."""
    picker = re.search(r'<select name="source".*?</select>', page, flags=re.S)
    assert picker, "no source picker"
    groups = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', picker[0], flags=re.S)
    return {label: re.findall(r">([^<]+)</option>", body) for label, body in groups}


@pytest.mark.parametrize("page", ["registry:status_event_add", "registry:name_form_add"])
def test_the_sources_are_grouped_by_kind(
    client: Client, dave: Any, sources: list[Source], page: str
) -> None:
    login_staff(client, dave)
    person = create_person()
    groups = _options(client.get(reverse(page, args=[person.pk])).content.decode())
    assert list(groups) == [
        "identity or military document",
        "official list",
        "interview",
        "witness report",
        "media or open source",
        "family report",
    ]
    assert groups["identity or military document"] == ["Военный билет АВ 123456"]
    assert groups["interview"] == [f"interview list {n:02d}" for n in range(12)]
    assert sum(len(titles) for titles in groups.values()) == 61


def test_a_word_narrows_the_list_and_the_event_is_recorded_from_it(
    client: Client, dave: Any, sources: list[Source]
) -> None:
    login_staff(client, dave)
    person = create_person()
    url = reverse("registry:status_event_add", args=[person.pk])
    page = client.get(url, {"sources": "билет"}).content.decode()
    assert _options(page) == {"identity or military document": ["Военный билет АВ 123456"]}
    assert 'value="билет"' in page and "1 source in the list below" in page

    chosen = Source.objects.get(kind="document")
    response = client.post(
        f"{url}?sources=билет",
        {"status": "held", "verification": "confirmed", "source": chosen.pk},
    )
    assert response.status_code == 302
    assert StatusEvent.objects.get(person=person).source == chosen


def test_a_source_outside_the_narrowed_list_is_refused(
    client: Client, dave: Any, sources: list[Source]
) -> None:
    login_staff(client, dave)
    person = create_person()
    url = reverse("registry:status_event_add", args=[person.pk])
    other = Source.objects.get(title="media list 03")
    response = client.post(
        f"{url}?sources=билет", {"status": "held", "verification": "confirmed", "source": other.pk}
    )
    assert response.status_code == 400
    assert not StatusEvent.objects.filter(person=person).exists()


def test_a_russian_registrar_reads_the_groups_in_russian(
    client: Client, dave: Any, sources: list[Source]
) -> None:
    dave.console_language = "ru"
    dave.save(update_fields=["console_language"])
    login_staff(client, dave)
    page = client.get(reverse("registry:status_event_add", args=[create_person().pk]))
    groups = _options(page.content.decode())
    assert "официальный список" in groups and "official list" not in groups
