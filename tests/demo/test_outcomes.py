"""The demo's outcomes, exports, failed intake and statistics: no page of the console is empty."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from lifeline.cases.models import Case, CaseKind
from lifeline.demo.builder import demo_load
from lifeline.intake.models import Contact
from lifeline.intake.selectors import contact_list_troubled
from lifeline.outcomes.models import (
    ASSISTANCE_TRANSITIONS,
    AssistanceItem,
    ExchangeBatch,
    ExchangeOutcome,
    Handover,
    OutcomeOffer,
)
from lifeline.registry.models import Person, RegistryExport, StatusEvent
from lifeline.tracing.models import Enquiry

pytestmark = pytest.mark.django_db

# The case status each handover stage puts its case in.
CASE_STATUS_OF_STAGE = {
    "verify": "new",
    "schedule": "verifying",
    "steps": "scheduled",
    "completed": "completed",
}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    settings.DEV_KEYS = True


@pytest.fixture
def loaded(db) -> None:  # type: ignore[no-untyped-def]
    demo_load(persons=200, cases=40, seed=7)


def test_exchange_batches_completed_confirmed_and_draft(loaded: None) -> None:
    batches = {b.status: b for b in ExchangeBatch.objects.all()}
    assert set(batches) == {"completed", "confirmed", "draft"}
    completed = batches["completed"]
    entries = list(completed.entries.select_related("person"))
    exchanged = [e.person for e in entries if e.outcome == ExchangeOutcome.EXCHANGED]
    assert exchanged and not any(e.active for e in entries)
    assert {p.current_status for p in exchanged} == {"exchanged"}
    for person in exchanged:
        newest = max(person.status_events.all(), key=lambda e: e.sort_key)
        assert (newest.status, newest.verification) == ("exchanged", "confirmed")
        assert newest.source_id == completed.source_id
        assert newest.occurred_on == completed.planned_on
    confirmed = batches["confirmed"].entries.all()
    assert confirmed.filter(outcome="pending", active=True).exists()
    assert batches["draft"].entries.filter(outcome="pending", active=True).exists()
    today = timezone.localdate()
    assert completed.planned_on < today < batches["confirmed"].planned_on


def test_a_handover_at_each_stage(loaded: None) -> None:
    handovers = list(Handover.objects.select_related("case", "person"))
    assert {h.stage for h in handovers} == set(CASE_STATUS_OF_STAGE)
    for handover in handovers:
        assert handover.case.status == CASE_STATUS_OF_STAGE[handover.stage]
        done = handover.steps.filter(done_at__isnull=False).count()
        assert handover.steps.count() == 5
        if handover.stage == "completed":
            assert done == 5 and handover.person.current_status == "handed_over"
            assert handover.completed_at is not None
            assert handover.source is not None
            assert StatusEvent.objects.filter(
                person=handover.person, status="handed_over", source=handover.source
            ).exists()
        else:
            assert handover.person.current_status in {
                "captured",
                "held",
                "transferred",
                "hospitalised",
            }
        if handover.is_verified:
            assert handover.relative_name and handover.relationship and handover.documents
    steps = [h for h in handovers if h.stage == "steps"]
    assert {h.steps.filter(done_at__isnull=False).count() for h in steps} >= {0, 5}
    # A handover case moves past "new" only on its handover's page.
    for case in Case.objects.filter(kind=CaseKind.HANDOVER).exclude(status__in=["new", "closed"]):
        assert Handover.objects.filter(case=case).exists()
    assert len({h.person_id for h in handovers}) == len(handovers)


def test_assistance_items_with_their_history(loaded: None) -> None:
    items = list(AssistanceItem.objects.prefetch_related("events"))
    assert items and len({e.to_status for i in items for e in i.events.all()}) >= 3
    assert {i.case.kind for i in items} <= {CaseKind.ASSISTANCE, CaseKind.SURRENDER}
    for item in items:
        events = list(item.events.all())
        assert (events[0].from_status, events[0].to_status) == ("", "requested")
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in ASSISTANCE_TRANSITIONS[after.from_status]
            assert after.at >= before.at
        assert events[-1].to_status == item.status and item.updated_at == events[-1].at
    assert any(len(i.events.all()) > 1 for i in items)


def test_outcomes_offered_on_surrender_cases(loaded: None) -> None:
    offers = OutcomeOffer.objects.select_related("case")
    assert offers.exists() and {o.case.kind for o in offers} == {CaseKind.SURRENDER}
    chosen = Counter(o.case_id for o in offers if o.chosen)
    assert chosen and set(chosen.values()) == {1}
    for offer in offers:
        assert offer.offered_at >= offer.case.created_at
        if offer.chosen:
            assert offer.chosen_at is not None and offer.chosen_at >= offer.offered_at


def test_an_approved_export_and_a_draft(loaded: None) -> None:
    approved = RegistryExport.objects.get(approved_at__isnull=False)
    assert approved.approved_by_id != approved.drafted_by_id
    content = bytes(approved.content or b"")
    assert hashlib.sha256(content).hexdigest() == approved.sha256
    assert approved.row_count and content.decode("utf-8-sig").count("\n") == approved.row_count + 1
    draft = RegistryExport.objects.get(approved_at__isnull=True)
    assert draft.content is None and draft.drafted_by.username == "registrar"


def test_failed_intake_is_listed_without_content(loaded: None) -> None:
    troubled = list(contact_list_troubled())
    failed = [c for c in troubled if c.state == Contact.State.FAILED]
    assert len(failed) >= 2 and len(troubled) > len(failed)
    assert {c.last_error for c in failed} >= {"ValueError"}
    for contact in troubled:
        assert contact.direction == "in" and contact.case is None and contact.attempts > 0
        assert re.fullmatch(r"[A-Za-z]+", contact.last_error)  # an error type, never a text
        assert set(contact.payload) == {"update_id"}


def test_enquiries_are_dated_from_the_message_that_asked(loaded: None) -> None:
    enquiries = list(Enquiry.objects.select_related("source_contact"))
    assert enquiries
    for enquiry in enquiries:
        assert enquiry.source_contact is not None
        assert enquiry.created_at == enquiry.source_contact.received_at
    assert any(timezone.now() - e.created_at > timedelta(days=7) for e in enquiries)


def test_public_statistics_show_small_counts_suppressed_and_large_ones(
    loaded: None, client: Client
) -> None:
    cache.clear()  # the page's counts are cached
    html = client.get("/en/statistics/").content.decode()
    cells = re.findall(r"<td>(.*?)</td>", html, re.S)
    assert '<span class="small">fewer than 5</span>' in cells
    assert any(cell.isdigit() and int(cell) >= 5 for cell in cells)
    assert Person.objects.count() == 200
