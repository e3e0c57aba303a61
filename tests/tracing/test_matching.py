"""Enquiry to candidates: public and staff enquiries are parsed, matched and reviewed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from lifeline.intake.tasks import contact_process
from lifeline.registry.models import Person
from lifeline.tracing.models import Enquiry, MatchCandidate
from lifeline.tracing.services import candidates, enquiries
from lifeline.tracing.services.common import TracingRefused
from tests.cases.helpers import create_case
from tests.factories import login_staff
from tests.public.helpers import open_case
from tests.registry.conftest import create_person
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db


def _top(enquiry: Enquiry) -> MatchCandidate:
    return enquiry.candidates.order_by("-score", "id")[0]


def test_a_public_family_form_opens_a_matched_enquiry_once(sought: Person) -> None:
    case, _receipt = open_case(
        kind="family_enquiry",
        body="Ищу сына, пропал под Херсоном",
        sought_surname="Кузьминов",
        sought_given_name="Максим",
        sought_birth="14.03.1995",
        sought_last_place="Херсон",
        relationship="mother",
        enquirer_name="Ольга",
    )
    contact = Contact.objects.get(case=case)
    contact_process.call(contact.pk)
    contact_process.call(contact.pk)

    enquiry = Enquiry.objects.get()
    assert enquiry.case == case
    assert (enquiry.sought_surname, enquiry.sought_given_name) == ("Кузьминов", "Максим")
    assert (enquiry.sought_birth_year, enquiry.sought_birth_month, enquiry.sought_birth_day) == (
        1995,
        3,
        14,
    )
    assert enquiry.sought_place == "Херсон"
    assert enquiry.sought_text == "Ищу сына, пропал под Херсоном"
    assert _top(enquiry).person == sought
    assert enquiry.candidates.count() <= enquiries.TOP_CANDIDATES


def test_other_cases_open_no_enquiry(db: Any) -> None:
    case, _receipt = open_case(kind="surrender", body="Хочу сдаться")
    contact_process.call(Contact.objects.get(case=case).pk)
    assert not Enquiry.objects.exists()


def test_an_enquiry_belongs_to_a_family_enquiry_case(bob: Any) -> None:
    with pytest.raises(TracingRefused, match=r"только у обращений вида «запрос семьи»"):
        enquiries.enquiry_open(actor=bob, case=create_case("surrender"), data={})


def test_latin_spelling_finds_the_cyrillic_record(sought: Person) -> None:
    enquiry = create_enquiry(sought_surname="Kuzminov", sought_given_name="Maksim")
    top = _top(enquiry)
    assert top.person == sought
    assert top.explanation and {"field", "contribution", "text"} <= set(top.explanation[0])


def test_a_misspelt_surname_still_finds_him(sought: Person) -> None:
    create_person(given_name="Пётр", birth_year=1971)  # a namesake: Кузьминов too
    enquiry = create_enquiry(sought_surname="Kusnimov", sought_birth_year=None)
    assert sought.pk in {c.person_id for c in enquiry.candidates.all()}


def test_enquiry_audit_never_holds_the_names(sought: Person) -> None:
    create_enquiry()
    for event in AuditEvent.objects.all():
        assert "Kuzminov" not in str(event.detail)
        assert "Кузьминов" not in str(event.detail)


def test_confirming_links_the_person_and_only_one_may_be_confirmed(
    bob: Any, sought: Person
) -> None:
    enquiry = create_enquiry()
    top = _top(enquiry)
    candidates.candidate_confirm(actor=bob, candidate=top)
    enquiry.refresh_from_db()
    assert (enquiry.person, enquiry.status) == (sought, Enquiry.Status.MATCHED)

    # A second candidate, whoever the engine retrieved besides him.
    namesake = create_person(surname="Кузьмин", given_name="Максим", birth_year=1994)
    other = MatchCandidate.objects.create(
        enquiry=enquiry, person=namesake, score=0.1, proposed_at=top.proposed_at,
        scored_at=top.scored_at,
    )  # fmt: skip
    with pytest.raises(TracingRefused, match=r"По этому запросу уже подтверждён другой человек"):
        candidates.candidate_confirm(actor=bob, candidate=other)
    with pytest.raises(TracingRefused, match=r"«подтверждено» не может перейти в «отклонён»"):
        candidates.candidate_reject(actor=bob, candidate=top)  # undo first

    candidates.candidate_reopen(actor=bob, candidate=top)
    enquiry.refresh_from_db()
    assert (enquiry.person, enquiry.status) == (None, Enquiry.Status.OPEN)
    assert AuditEvent.objects.filter(action="candidate.review").count() == 2


def test_a_rejected_candidate_is_never_proposed_again(bob: Any, sought: Person) -> None:
    enquiry = create_enquiry()
    top = _top(enquiry)
    candidates.candidate_reject(actor=bob, candidate=top)

    enquiries.enquiry_match(actor=bob, enquiry=enquiry)
    enquiries.enquiries_rematch_person(actor=SYSTEM, person_id=sought.pk)
    top.refresh_from_db()
    assert top.state == MatchCandidate.State.REJECTED
    assert enquiry.candidates.filter(person=sought).count() == 1
    enquiry.refresh_from_db()
    assert not enquiry.needs_review


def test_those_without_the_right_cannot_review(alice: Any, dave: Any, sought: Person) -> None:
    top = _top(create_enquiry())
    for user in (alice, dave):
        with pytest.raises(PermissionDenied, match=r"^enquiry\.work$"):
            candidates.candidate_confirm(actor=user, candidate=top)


def test_the_page_shows_candidates_and_audits_each_person_read(
    client: Client, bob: Any, sought: Person
) -> None:
    enquiry = create_enquiry()
    login_staff(client, bob)
    response = client.get(f"/console/tracing/{enquiry.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Кузьминов Максим Сергеевич" in page
    assert AuditEvent.objects.filter(action="enquiry.view", object_id=str(enquiry.pk)).exists()
    reads = AuditEvent.objects.filter(action="person.view", detail__purpose="candidate")
    shown = enquiry.candidates.count()
    assert reads.count() == shown
    assert str(sought.pk) in set(reads.values_list("object_id", flat=True))


def test_staff_enter_an_enquiry_and_review_through_the_pages(
    client: Client, bob: Any, sought: Person
) -> None:
    case = create_case("family_enquiry", inbound="Ищу мужа")
    login_staff(client, bob)
    response = client.post(
        "/console/tracing/new/",
        {
            "case": case.reference,
            "relationship": "spouse",
            "sought_text": "Kusminow Maxim, 1995, military unit 12345",
        },
    )
    enquiry = Enquiry.objects.get()
    assert response.status_code == 302
    assert enquiry.created_by == bob
    top = _top(enquiry)
    assert top.person == sought
    client.post(f"/console/tracing/candidate/{top.pk}/review/", {"action": "confirm"})
    enquiry.refresh_from_db()
    assert enquiry.person == sought


def test_the_queue_lists_open_enquiries_needing_review_first(client: Client, bob: Any) -> None:
    older = create_enquiry()
    newer = create_enquiry()
    Enquiry.objects.filter(pk=newer.pk).update(needs_review=True)
    login_staff(client, bob)
    page = client.get("/console/tracing/").content.decode()
    assert page.index(f"#{newer.pk}<") < page.index(f"#{older.pk}<")
    mine = client.get("/console/tracing/?who=mine").content.decode()
    assert f"#{older.pk}<" not in mine


def test_a_new_person_puts_an_open_enquiry_back_in_the_queue(
    settings: Any, django_capture_on_commit_callbacks: Any, bob: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    enquiry = create_enquiry()
    assert not enquiry.candidates.exists()
    with django_capture_on_commit_callbacks(execute=True):
        person = create_person(birth_year=1995)
    enquiry.refresh_from_db()
    assert enquiry.needs_review
    assert enquiry.candidates.get().person == person
    assert AuditEvent.objects.filter(action="enquiry.rematch").count() == 1

    # A change that brings nothing new leaves the review done.
    enquiries.enquiry_match(actor=bob, enquiry=enquiry)
    with django_capture_on_commit_callbacks(execute=True):
        create_person(surname="Петренко", given_name="Тарас", birth_year=1970)
    enquiry.refresh_from_db()
    assert not enquiry.needs_review
