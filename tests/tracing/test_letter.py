"""An enquiry written only as a letter: the sought person as the engine read him, confirmed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lifeline.core.models import AuditEvent
from lifeline.tracing import engine
from lifeline.tracing.models import Enquiry
from tests.factories import login_staff
from tests.tracing.conftest import create_enquiry

pytestmark = pytest.mark.django_db

LETTER = (
    "Живу в Германии. Ищу сына, Кузьминова Максима Сергеевича 1995 г.р., в/ч 12345, "
    "пропал под Херсоном"
)


def _letter_only(text: str = LETTER) -> Enquiry:
    return create_enquiry(
        sought_surname="", sought_given_name="", sought_birth_year=None, sought_text=text
    )


def _russian(client: Client, user: Any) -> Client:
    user.console_language = "ru"
    user.save(update_fields=["console_language"])
    login_staff(client, user)
    return client


def test_the_letter_is_read_into_the_fields_it_leaves_empty(db: Any) -> None:
    assert engine.letter_reading(_letter_only()) == {
        "sought_surname": "Кузьминов",
        "sought_given_name": "Максим",
        "sought_patronymic": "Сергеевич",
        "sought_birth_year": 1995,
        "sought_unit": "в/ч 12345",
        "sought_place": "Херсон",
    }
    typed = create_enquiry(sought_text=LETTER, sought_unit="в/ч 777", sought_place="Одесса")
    assert engine.letter_reading(typed) == {}  # what the family typed is what counts
    assert engine.letter_reading(create_enquiry()) == {}


def test_the_page_shows_what_was_read_and_marks_it(client: Client, bob: Any) -> None:
    enquiry = _letter_only()
    page = _russian(client, bob).get(f"/console/tracing/{enquiry.pk}/").content.decode()
    for value in ("Кузьминов Максим Сергеевич", "1995", "в/ч 12345", "Херсон"):
        assert f'{value} <span class="muted">(прочитано из письма)</span>' in page
    assert "Германия" not in page  # the writer's own country is not where he was lost
    assert "?from=letter" in page


def test_the_officer_confirms_a_correction_and_it_is_saved_and_audited(
    client: Client, bob: Any
) -> None:
    enquiry = _letter_only()
    url = f"/console/tracing/{enquiry.pk}/edit/?from=letter"
    form = _russian(client, bob).get(url).content.decode()
    assert 'value="Кузьминов"' in form and 'value="Херсон"' in form
    assert "система прочитала из письма" in form
    answers = {
        "sought_surname": "Кузьминов",
        "sought_given_name": "Максим",
        "sought_patronymic": "Сергеевич",
        "sought_birth_year": "1995",
        "sought_unit": "в/ч 12346",  # corrected by the officer
        "sought_place": "Херсон",
        "sought_text": LETTER,
        "relationship": "mother",
        "enquirer_name": "Кузьминова Ольга",
    }
    assert client.post(url, answers).status_code == 302
    enquiry.refresh_from_db()
    assert (enquiry.sought_name, enquiry.sought_birth_year, enquiry.sought_unit) == (
        "Кузьминов Максим Сергеевич",
        1995,
        "в/ч 12346",
    )
    event = AuditEvent.objects.filter(action="enquiry.update", object_id=str(enquiry.pk)).get()
    assert {"sought_surname", "sought_unit", "sought_place"} <= set(event.detail["fields"])
    page = client.get(f"/console/tracing/{enquiry.pk}/").content.decode()
    assert "прочитано из письма" not in page and "?from=letter" not in page
