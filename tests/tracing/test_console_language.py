"""An officer reads an enquiry, its candidates and what he did in his console's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from lifeline.tracing.models import Disclosure, Enquiry, MatchCandidate
from tests.factories import create_user, login_staff
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db

# What each review says once done, in each console language.
DONE = {
    "en": {
        "confirm": "Candidate confirmed: the enquiry is linked to him.",
        "reopen": "The decision is taken back.",
        "reject": "Candidate rejected: he will not be proposed again.",
    },
    "ru": {
        "confirm": "Кандидат подтверждён: запрос связан с ним.",
        "reopen": "Решение отменено.",
        "reject": "Кандидат отклонён: больше он предлагаться не будет.",
    },
    "uk": {
        "confirm": "Кандидата підтверджено: запит пов’язано з ним.",
        "reopen": "Рішення скасовано.",
        "reject": "Кандидата відхилено: більше його не пропонуватимуть.",
    },
}


def _officer(language: str) -> Client:
    client = Client()
    login_staff(
        client,
        create_user(f"officer_{language}", roles=["tracing_officer"], console_language=language),
    )
    return client


def _top(enquiry: Enquiry) -> MatchCandidate:
    return enquiry.candidates.order_by("-score").first()  # type: ignore[return-value]


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_confirm_undo_and_reject_report_in_the_officers_language(
    language: str, sought: Any
) -> None:
    enquiry = create_enquiry()
    top = _top(enquiry)
    client = _officer(language)
    for action in ("confirm", "reopen", "reject"):
        # The public site's language (Russian by default) must not word the console's messages.
        response = client.post(
            f"/console/tracing/candidate/{top.pk}/review/",
            {"action": action},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="ru" if language == "en" else "en",
        )
        page = response.content.decode()
        assert DONE[language][action] in page
        others = [done[action] for other, done in DONE.items() if other != language]
        assert not [other for other in others if other in page]
    top.refresh_from_db()
    assert top.state == "rejected"


def test_an_english_officer_sees_no_cyrillic_but_the_data(sought: Any) -> None:
    enquiry = create_enquiry()
    client = _officer("en")
    client.post(f"/console/tracing/candidate/{_top(enquiry).pk}/review/", {"action": "confirm"})
    page = client.get(f"/console/tracing/{enquiry.pk}/").content.decode()
    assert "Candidate confirmed" in page
    notices = re.findall(r'<ul class="messages".*?</ul>', page, flags=re.S)
    assert notices and not re.search("[А-Яа-яІіЇїЄє]", "".join(notices))


@pytest.mark.parametrize(
    ("language", "relationship", "english"),
    [("ru", "мать", "mother"), ("uk", "мати", "mother"), ("en", "mother", "мать")],
)
def test_the_enquirers_relationship_is_shown_in_the_officers_language(
    language: str, relationship: str, english: str, sought: Any
) -> None:
    enquiry = create_enquiry(relationship="mother")
    Disclosure.objects.create(
        enquiry=enquiry,
        text="…",
        recipient="Кузьминова Ольга (mother)",
        drafted_by=create_user("drafter", roles=["tracing_officer"]),
        drafted_at=enquiry.created_at,
    )
    page = _officer(language).get(f"/console/tracing/{enquiry.pk}/").content.decode()
    assert f"<td>{relationship}</td>" in page
    assert f"Кузьминова Ольга ({relationship})" in page
    assert f"<td>{english}</td>" not in page and f"({english})" not in page


def test_a_recipient_written_otherwise_is_shown_as_written() -> None:
    assert Disclosure(recipient="Ольга (сестра)").recipient_shown == "Ольга (сестра)"
    assert Disclosure(recipient="? (?)").recipient_shown == "? (?)"
