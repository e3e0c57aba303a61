"""A handover, the assistance catalogue and a case's panel read in the user's console language.

What the system stores for itself (a relationship, a checklist step, a seeded catalogue entry)
is stored as a code or an English source text and worded when shown; what staff wrote is shown
as written.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lifeline.outcomes.models import AssistanceType, Handover, HandoverStep
from tests.cases.helpers import create_case
from tests.factories import create_user, login_staff
from tests.outcomes.helpers import create_handover, create_type

pytestmark = pytest.mark.django_db

# The seeded catalogue (migration 0002) and the first checklist step, in each console language.
WORDED = {
    "en": ("identity documents", "medical care", "Medical check done", "mother"),
    "ru": (
        "документы, удостоверяющие личность",
        "медицинская помощь",
        "Медицинский осмотр проведён",
        "мать",
    ),
    "uk": (
        "документи, що посвідчують особу",
        "медична допомога",
        "Медичний огляд проведено",
        "мати",
    ),
}


def _console(language: str, roles: list[str]) -> Client:
    client = Client()
    user = create_user(f"{roles[0]}_{language}", roles=roles, console_language=language)
    login_staff(client, user)
    return client


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_the_handover_page_words_relationship_and_checklist_in_the_users_language(
    language: str, erin: Any
) -> None:
    handover = create_handover(erin, stage="scheduled")  # verified by an English console
    assert handover.relationship == "mother"
    page = (
        _console(language, ["caseworker"])
        .get(reverse("outcomes:handover", args=[handover.case_id]))
        .content.decode()
    )
    *_, step, relationship = WORDED[language]
    assert f"<dd>{relationship}</dd>" in page
    assert f'<span class="step-text">{step}</span>' in page
    for other, words in WORDED.items():
        if other != language:
            assert f"<dd>{words[3]}</dd>" not in page and words[2] not in page


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_seeded_catalogue_reads_in_the_users_language(language: str, erin: Any) -> None:
    create_type("юридическая консультация")  # typed by an admin: shown as typed
    catalogue = _console(language, ["admin"]).get(reverse("outcomes:catalogue")).content.decode()
    documents, medical, *_ = WORDED[language]
    assert f"<td>{documents}</td>" in catalogue and f"<td>{medical}</td>" in catalogue
    assert "<td>юридическая консультация</td>" in catalogue
    assert "identity documents" not in catalogue and "medical care" not in catalogue

    case = create_case("assistance")
    panel = _console(language, ["caseworker"]).get(reverse("cases:detail", args=[case.pk]))
    assert f">{medical}</option>" in panel.content.decode()


def test_a_renamed_catalogue_entry_and_a_typed_step_are_shown_as_written(erin: Any) -> None:
    renamed = AssistanceType.objects.get(name="medical care")
    renamed.name = "medical care (urgent)"
    assert renamed.label == "medical care (urgent)"
    handover = create_handover(erin)
    typed = HandoverStep(handover=handover, position=9, text="Медицинский осмотр проведён")
    with translation.override("uk"):
        assert AssistanceType(name="relocation").label == "переселення"
        assert typed.label == "Медицинский осмотр проведён"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("mother", "мати"),
        ("мать", "мати"),
        ("wife or husband", "дружина або чоловік"),
        ("тітка", "тітка"),
    ],
)
def test_a_relationship_stored_as_a_label_before_codes_is_still_worded(
    stored: str, shown: str
) -> None:
    with translation.override("uk"):
        assert Handover(relationship=stored).relationship_label == shown
