"""The answer box starts from a template: the confirmed person's status, in the enquirer's
language, saying only what may be disclosed; the officer edits it and a supervisor approves."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.core.models import AuditEvent
from lifeline.registry.models import Person, PersonStatus
from lifeline.tracing import answers
from lifeline.tracing.models import Disclosure, Enquiry, MatchCandidate
from lifeline.tracing.services import candidates, disclosures
from tests.cases.helpers import create_case
from tests.factories import login_staff
from tests.registry.conftest import create_person
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db

HELD_ON = date(2024, 3, 14)


def _confirmed(person: Person, officer: Any, language: str = "ru") -> Enquiry:
    """A verified enquiry, made in `language`, with `person` confirmed."""
    case = create_case("family_enquiry", inbound="Ищу сына", language=language)
    enquiry = create_enquiry(case)
    candidate, _ = MatchCandidate.objects.get_or_create(
        enquiry=enquiry,
        person=person,
        defaults={"score": 0.9, "proposed_at": enquiry.created_at, "scored_at": enquiry.created_at},
    )
    candidates.candidate_confirm(actor=officer, candidate=candidate)
    return disclosures.enquirer_verify(
        actor=officer, enquiry=Enquiry.objects.get(pk=enquiry.pk), how="callback"
    )


def _answer_box(client: Client, enquiry: Enquiry) -> str:
    page = client.get(reverse("tracing:enquiry", args=[enquiry.pk]))
    assert page.status_code == 200
    form = page.context["disclosure_form"]
    return str(form.initial["text"])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "По нашим данным, Кузьминов Максим Сергеевич находится в плену с 14.03.2024."),
        ("uk", "За нашими даними, Кузьминов Максим Сергеевич перебуває в полоні з 14.03.2024."),
        (
            "en",
            "According to our records, Кузьминов Максим Сергеевич has been held as a prisoner "
            "of war since 14 March 2024.",
        ),
    ],
)
def test_the_answer_starts_from_the_status_in_the_enquirers_language(
    language: str, expected: str, bob: Any, client: Client
) -> None:
    person = create_person(
        events=[("captured", "confirmed", date(2024, 3, 1)), ("held", "confirmed", HELD_ON)],
        place_of_detention="СИЗО-2, Таганрог",
        health="ранение левой руки",
    )
    enquiry = _confirmed(person, bob, language)
    login_staff(client, bob)
    text = _answer_box(client, enquiry)
    assert expected in text
    # Where he is held, his health and the registry's own words are never in the template.
    for secret in ("Таганрог", "СИЗО", "ранение"):
        assert secret not in text


def test_the_officer_edits_it_and_nothing_goes_out_without_approval(
    bob: Any, carol: Any, client: Client
) -> None:
    enquiry = _confirmed(create_person(events=[("held", "confirmed", HELD_ON)]), bob)
    login_staff(client, bob)
    edited = _answer_box(client, enquiry) + "\n\nС уважением, бюро."
    response = client.post(reverse("tracing:disclosure_draft", args=[enquiry.pk]), {"text": edited})
    assert response.status_code == 302
    draft = Disclosure.objects.get(enquiry=enquiry)
    assert (draft.state, draft.text) == (Disclosure.State.DRAFT, edited.strip())
    assert not enquiry.case.contacts.filter(direction="out").exists()
    disclosures.disclosure_approve(actor=carol, disclosure=draft)
    assert enquiry.case.contacts.get(direction="out").body == edited.strip()


def test_every_status_has_a_text_in_every_language() -> None:
    statuses = answers.templates()["statuses"]
    assert set(PersonStatus.values) | {answers.UNKNOWN} <= set(statuses)
    for status in statuses:
        for language in answers.LANGUAGES:
            known = answers.Known(name="N", status=status, on=HELD_ON, confirmed=True)
            text = answers.answer_start(known, language)
            assert "{" not in text and "N" in text, (status, language)


@pytest.mark.parametrize(
    ("known", "present", "absent"),
    [
        # A woman's death is worded for her in Russian and Ukrainian.
        (
            answers.Known(name="Оксана", status="dead", on=HELD_ON, confirmed=True, female=True),
            "Оксана скончалась 14.03.2024.",
            "скончался",
        ),
        # A report not yet confirmed says so.
        (
            answers.Known(name="Иван", status="held", on=None, confirmed=False),
            "Иван находится в плену. Эти сведения пока не подтверждены.",
            " с ",
        ),
        # No status event: unknown, not missing, and no promise of a date.
        (
            answers.Known(name="Иван", status=answers.UNKNOWN, on=None, confirmed=False),
            "В наших записях есть Иван, но нынешнее местонахождение нам неизвестно.",
            "подтверждены",
        ),
        # He asked that his family not be informed: the answer names no one, says nothing.
        (
            answers.Known(name="Иван", status="held", on=HELD_ON, confirmed=True, withheld=True),
            "Сейчас мы не можем сообщить вам сведения в ответ на ваш запрос.",
            "Иван",
        ),
        # No one confirmed yet.
        (None, "пока не нашли сведений о человеке, которого вы ищете", "плену"),
    ],
)
def test_what_the_template_says_and_what_it_does_not(
    known: answers.Known | None, present: str, absent: str
) -> None:
    text = answers.answer_start(known, "ru")
    assert present in text
    assert absent not in text


def test_an_unknown_language_falls_back_to_the_sites(settings: Any) -> None:
    settings.LANGUAGE_CODE = "ru"
    assert answers.answer_language("uk-UA") == "uk"
    assert answers.answer_language("") == "ru"
    assert answers.answer_language("de") == "ru"


def test_building_the_template_is_an_audited_read_of_the_person(bob: Any, client: Client) -> None:
    person = create_person(events=[("held", "confirmed", HELD_ON)])
    enquiry = _confirmed(person, bob)
    login_staff(client, bob)
    _answer_box(client, enquiry)
    purposes = {
        event.detail["purpose"]
        for event in AuditEvent.objects.filter(action="person.view", object_id=str(person.pk))
    }
    assert "answer" in purposes


def test_a_withheld_person_is_flagged_to_the_officer(bob: Any, client: Client) -> None:
    person = create_person(events=[("held", "confirmed", HELD_ON)], inform_family="no")
    enquiry = _confirmed(person, bob)
    login_staff(client, bob)
    page = client.get(reverse("tracing:enquiry", args=[enquiry.pk]))
    assert "asked on his capture card that his family not be informed" in page.content.decode()
    assert person.surname not in page.context["disclosure_form"].initial["text"]


def test_after_drafting_the_draft_is_shown_and_no_second_empty_form(
    bob: Any, client: Client
) -> None:
    enquiry = _confirmed(create_person(events=[("held", "confirmed", HELD_ON)]), bob)
    login_staff(client, bob)
    draft_url = reverse("tracing:disclosure_draft", args=[enquiry.pk])
    before = client.get(reverse("tracing:enquiry", args=[enquiry.pk])).content.decode()
    assert f'action="{draft_url}"' in before
    client.post(draft_url, {"text": "Ваш сын в плену."})
    after = client.get(reverse("tracing:enquiry", args=[enquiry.pk])).content.decode()
    assert f'action="{draft_url}"' not in after
    assert "Ваш сын в плену." in after
    assert "awaits approval" in after


def test_a_refused_second_draft_keeps_the_officers_text_and_says_why(
    bob: Any, client: Client
) -> None:
    enquiry = _confirmed(create_person(events=[("held", "confirmed", HELD_ON)]), bob)
    login_staff(client, bob)
    draft_url = reverse("tracing:disclosure_draft", args=[enquiry.pk])
    client.post(draft_url, {"text": "Первый ответ."})
    # From a page opened before the first draft was saved.
    response = client.post(draft_url, {"text": "Второй ответ."})
    assert response.status_code == 400
    body = response.content.decode()
    assert "An answer already awaits approval." in body
    assert "Второй ответ." in body
    assert Disclosure.objects.filter(enquiry=enquiry).count() == 1
