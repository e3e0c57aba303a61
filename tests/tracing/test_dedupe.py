"""Registry de-duplication with Splink: planted duplicates are found among realistic persons."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from lifeline.core.models import AuditEvent
from lifeline.demo.names import SyntheticPerson, generate_persons, romanize
from lifeline.registry.models import NameForm, Person
from lifeline.tracing.models import DuplicatePair
from lifeline.tracing.services import duplicates
from tests.conftest import IMMEDIATE_TASKS
from tests.factories import login_staff
from tests.registry.conftest import create_person

pytestmark = pytest.mark.django_db
PLANTED = 5
LATIN_SYSTEM = {"ru": "icao9303", "uk": "kmu2010"}


def _typo(name: str) -> str:
    """Two neighbouring letters swapped near the end: a slip of the keyboard."""
    if len(name) < 4:
        return name
    i = len(name) - 3
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _save(p: SyntheticPerson, surname: str, given: str, patronymic: str) -> Person:
    person = Person(
        surname=surname, given_name=given, patronymic=patronymic, sex=p.sex,
        birth_year=p.birth_year, birth_month=p.birth_month, birth_day=p.birth_day,
        place_of_birth=p.place_of_birth, unit=p.unit,
    )  # fmt: skip
    person.refresh_search_fields()
    return person


def _registry(count: int) -> list[tuple[int, int]]:
    """`count` demo persons plus PLANTED re-recordings of some, in Latin letters with a typo."""
    people = generate_persons(count, seed=11)
    rows = [_save(p, p.surname, p.given_name, p.patronymic) for p in people]
    originals = people[:: count // PLANTED][:PLANTED]
    for p in originals:
        _system, surname, given, _patronymic = romanize(
            p.surname, p.given_name, p.patronymic, system=LATIN_SYSTEM[p.language]
        )
        rows.append(_save(p, surname, _typo(given), ""))
    saved = Person.objects.bulk_create(rows)
    NameForm.objects.bulk_create(
        NameForm(
            person=person,
            surname=person.surname,
            given_name=person.given_name,
            patronymic=person.patronymic,
            script="cyrl",
            is_primary=True,
        )  # fmt: skip
        for person in saved
    )
    step = count // PLANTED
    return [(saved[i * step].pk, saved[count + i].pk) for i in range(PLANTED)]


def test_planted_duplicates_are_found_among_300_persons(dave: Any) -> None:
    planted = _registry(300)
    run = duplicates.duplicates_find(actor=dave)
    found = set(DuplicatePair.objects.values_list("left_id", "right_id"))
    assert set(planted) <= found
    assert run.persons == 300 + PLANTED
    assert len(found) <= PLANTED + 3, "few false positives among namesakes"
    event = AuditEvent.objects.get(action="person.dedupe")
    assert event.detail == {"persons": 305, "pairs": run.pairs, "new": run.new}


def test_a_dismissed_pair_stays_dismissed(dave: Any) -> None:
    create_person(birth_year=1995, birth_month=3, birth_day=14)
    create_person(
        surname="Kuzminov", given_name="Maksim", birth_year=1995, birth_month=3, birth_day=14
    )
    duplicates.duplicates_find(actor=dave)
    pair = DuplicatePair.objects.get()
    duplicates.duplicate_dismiss(actor=dave, pair=pair)
    duplicates.duplicates_find(actor=dave)
    assert DuplicatePair.objects.get().state == DuplicatePair.State.DISMISSED


def test_a_tiny_registry_is_handled(dave: Any) -> None:
    assert duplicates.duplicates_find(actor=dave).pairs == 0
    create_person()
    assert duplicates.duplicates_find(actor=dave).pairs == 0


def test_the_screen_lists_pairs_and_merges_one(client: Client, dave: Any, settings: Any) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    keep = create_person(birth_year=1995, birth_month=3, birth_day=14)
    other = create_person(
        surname="Kuzminov", given_name="Maksim", birth_year=1995, birth_month=3, birth_day=14
    )
    login_staff(client, dave)
    page = client.post("/console/tracing/duplicates/find/", follow=True).content.decode()
    assert "being compared in the background" in page
    assert "Kuzminov Maksim" in page
    pair = DuplicatePair.objects.get()
    run = AuditEvent.objects.get(action="person.dedupe")
    assert run.actor == dave, "the worker runs it as the officer who asked"
    reads = AuditEvent.objects.filter(action="person.view", detail__purpose="duplicate")
    assert reads.count() == 2
    response = client.post(f"/console/tracing/duplicates/{pair.pk}/merge/", {"keep": "left"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.merged_into == keep
    pair.refresh_from_db()
    assert pair.state == DuplicatePair.State.MERGED


def test_the_command_lists_duplicates() -> None:
    create_person(birth_year=1995, birth_month=3, birth_day=14)
    create_person(
        surname="Kuzminov", given_name="Maksim", birth_year=1995, birth_month=3, birth_day=14
    )
    out = StringIO()
    call_command("match", "dedupe", stdout=out)
    text = out.getvalue()
    assert "2 persons compared: 1 likely duplicate pairs, 1 new." in text
    assert "Kuzminov Maksim" in text


def test_namesakes_are_not_duplicates_in_a_large_registry() -> None:
    """1,500 distinct persons, many sharing a surname: none is proposed as a duplicate.

    A model that counted the engine's several surname spellings as separate evidence, or let
    EM learn "same surname" as the match class, proposed hundreds of pairs here.
    """
    from lifeline.tracing.dedupe import find_duplicates
    from lifeline.tracing.engine import records

    people = generate_persons(1500, seed=23)
    seen = {(p.surname, p.given_name, p.patronymic, p.birth_year) for p in people}
    assert len(seen) == len(people)
    Person.objects.bulk_create(_save(p, p.surname, p.given_name, p.patronymic) for p in people)
    pairs = find_duplicates(records())
    assert len(pairs) <= 3, pairs[:5]
