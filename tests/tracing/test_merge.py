"""Merging duplicate persons: everything moves to the record kept, nothing is lost."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry.models import Person, StatusEvent
from lifeline.registry.services import (
    RegistryRefused,
    name_form_add,
    person_merge,
    status_event_add,
)
from lifeline.tracing.models import Enquiry, MatchCandidate
from lifeline.tracing.services import candidates
from tests.registry.conftest import create_person, create_source
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(db: Any) -> tuple[Person, Person]:
    source = create_source()
    keep = create_person(birth_year=1995)
    merge = create_person(
        surname="Kuzminov", given_name="Maksim", birth_year=1995, birth_month=3, birth_day=14,
        unit="в/ч 12345",
    )  # fmt: skip
    name_form_add(actor=SYSTEM, person=merge, surname="Kusminow", given_name="Maxim")
    status_event_add(
        actor=SYSTEM, person=keep, status="captured", verification="confirmed", source=source,
        occurred_on=date(2024, 5, 1),
    )  # fmt: skip
    status_event_add(
        actor=SYSTEM, person=merge, status="held", verification="probable", source=source,
        occurred_on=date(2024, 6, 1), place="Лагерь №3",
    )  # fmt: skip
    return keep, merge


def test_merge_keeps_both_histories_on_the_record_kept(
    dave: Any, twins: tuple[Person, Person]
) -> None:
    keep, merge = twins
    events_before = StatusEvent.objects.count()
    person_merge(actor=dave, keep=keep, merge=merge)

    keep.refresh_from_db()
    merge.refresh_from_db()
    assert merge.merged_into == keep and merge.merged_at is not None
    assert StatusEvent.objects.count() == events_before
    assert sorted(e.status for e in keep.status_events.all()) == ["captured", "held"]
    assert keep.current_status == "held"  # the newest event, whichever record it came from
    spellings = {f.surname for f in keep.name_forms.all()}
    assert {"Кузьминов", "Kuzminov", "Kusminow"} <= spellings
    assert keep.name_forms.filter(is_primary=True).get().surname == "Кузьминов"
    assert (keep.birth_month, keep.unit) == (None, "в/ч 12345")  # only empty fields filled
    assert not merge.name_forms.exists()

    event = AuditEvent.objects.get(action="person.merge")
    assert event.object_id == str(keep.pk)
    assert event.detail["merged"] == merge.pk
    assert len(event.detail["status_events"]) == 1
    assert "Kuzminov" not in str(event.detail)


def test_merge_moves_enquiry_links_and_folds_candidates(
    dave: Any, bob: Any, twins: tuple[Person, Person]
) -> None:
    keep, merge = twins
    enquiry = create_enquiry()
    rows = {c.person_id: c for c in enquiry.candidates.all()}
    assert {keep.pk, merge.pk} <= set(rows)
    candidates.candidate_confirm(actor=bob, candidate=rows[merge.pk])

    person_merge(actor=dave, keep=keep, merge=merge)
    enquiry.refresh_from_db()
    assert enquiry.person == keep
    folded = MatchCandidate.objects.get(enquiry=enquiry, person=keep)
    assert folded.state == MatchCandidate.State.CONFIRMED
    assert not MatchCandidate.objects.filter(person=merge).exists()
    assert Enquiry.objects.filter(person=merge).count() == 0


def test_a_merged_person_is_matched_no_more(dave: Any, twins: tuple[Person, Person]) -> None:
    keep, merge = twins
    person_merge(actor=dave, keep=keep, merge=merge)
    enquiry = create_enquiry()
    assert merge.pk not in set(enquiry.candidates.values_list("person_id", flat=True))
    with pytest.raises(RegistryRefused, match=r"Одна из двух записей уже объединена с другой"):
        person_merge(actor=dave, keep=keep, merge=merge)


def test_merge_is_refused_to_those_without_the_right_and_for_one_person(
    bob: Any, alice: Any, dave: Any, twins: tuple[Person, Person]
) -> None:
    keep, merge = twins
    for user in (bob, alice):
        with pytest.raises(PermissionDenied, match=r"^registry\.merge$"):
            person_merge(actor=user, keep=keep, merge=merge)
    with pytest.raises(RegistryRefused, match=r"Запись нельзя объединить саму с собой"):
        person_merge(actor=dave, keep=keep, merge=keep)
    assert not AuditEvent.objects.filter(action="person.merge").exists()


def test_registry_pages_lead_from_the_merged_record_to_the_kept_one(
    dave: Any, twins: tuple[Person, Person], client: Any
) -> None:
    from lifeline.registry.selectors import PersonSearch, person_search_for
    from tests.factories import login_staff

    keep, merge = twins
    person_merge(actor=dave, keep=keep, merge=merge)
    found = person_search_for(user=dave, criteria=PersonSearch(birth_year=1995))
    assert [p.pk for p in found] == [keep.pk]

    login_staff(client, dave)
    merged_page = client.get(f"/console/registry/{merge.pk}/").content.decode()
    assert "merged into" in merged_page and f'href="/console/registry/{keep.pk}/"' in merged_page
    kept_page = client.get(f"/console/registry/{keep.pk}/").content.decode()
    assert f'href="/console/registry/{merge.pk}/"' in kept_page


@pytest.mark.parametrize("held_by", ["exchange", "handover"])
def test_exchange_entries_and_handovers_follow_the_record_kept(
    dave: Any, carol: Any, twins: tuple[Person, Person], held_by: str
) -> None:
    from lifeline.outcomes.models import ExchangeEntry, Handover
    from lifeline.outcomes.services.exchanges import exchange_entry_add
    from tests.outcomes.helpers import create_batch, create_handover

    keep, merge = twins
    if held_by == "exchange":
        moved = exchange_entry_add(actor=carol, batch=create_batch(carol), person=merge)
    else:
        moved = create_handover(carol, person=merge)
    person_merge(actor=dave, keep=keep, merge=merge)
    model = ExchangeEntry if held_by == "exchange" else Handover
    assert model.objects.get(pk=moved.pk).person == keep
    detail = AuditEvent.objects.get(action="person.merge").detail
    key = "exchange_entries" if held_by == "exchange" else "handovers"
    assert detail[key] == [moved.pk]


def test_two_records_on_active_exchange_lists_are_not_merged(
    dave: Any, carol: Any, twins: tuple[Person, Person]
) -> None:
    from lifeline.outcomes.services.exchanges import exchange_entry_add
    from tests.outcomes.helpers import create_batch

    keep, merge = twins
    exchange_entry_add(actor=carol, batch=create_batch(carol), person=keep)
    exchange_entry_add(actor=carol, batch=create_batch(carol), person=merge)
    with translation.override("en"), pytest.raises(RegistryRefused, match="exchange lists"):
        person_merge(actor=dave, keep=keep, merge=merge)
    merge.refresh_from_db()
    assert merge.merged_into is None


def test_the_merge_audit_lists_what_each_app_moved(dave: Any, twins: tuple[Person, Person]) -> None:
    keep, merge = twins
    person_merge(actor=dave, keep=keep, merge=merge)
    detail = AuditEvent.objects.get(action="person.merge").detail
    # Every app's part is named (PostgreSQL's jsonb keeps no key order, so compare the set).
    assert set(detail) == {
        "merged", "name_forms", "status_events", "enquiries", "candidates_folded",
        "exchange_entries", "handovers", "filled",
    }  # fmt: skip
