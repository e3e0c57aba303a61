"""A candidate's explanation in the officer's language, with human field names."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from lifeline.registry.explain import explained, worded
from lifeline.registry.models import Person
from tests.factories import login_staff
from tests.tracing.conftest import create_enquiry

TRANSLIT = "Kuzminov ≈ Кузьминов: same name across transliteration (German spelling)"


@pytest.mark.parametrize(
    ("language", "label", "text"),
    [
        (
            "ru",
            "Фамилия",
            "Kuzminov ≈ Кузьминов: то же имя в другой транслитерации (немецкое написание)",
        ),
        (
            "uk",
            "Прізвище",
            "Kuzminov ≈ Кузьминов: те саме ім'я в іншій транслітерації (німецьке написання)",
        ),
        ("en", "Surname", TRANSLIT),
    ],
)
def test_a_field_and_its_reason_in_each_console_language(
    language: str, label: str, text: str
) -> None:
    with translation.override(language):
        [line] = explained([{"field": "surname", "contribution": 4.2, "text": TRANSLIT}])
    assert (line["label"], line["contribution"], line["text"]) == (label, 4.2, text)


def test_an_imports_or_a_lists_stored_explanation_reads_the_same() -> None:
    stored = {"field": "surname", "weight": 4.2, "explanation": TRANSLIT}
    with translation.override("ru"):
        [line] = explained([stored])
    assert (line["label"], line["contribution"]) == ("Фамилия", 4.2)
    assert line["text"].endswith("то же имя в другой транслитерации (немецкое написание)")


def test_parameters_notes_and_plurals_are_worded_too() -> None:
    with translation.override("ru"):
        assert worded("born 1995 vs 1990: 5 years apart") == "1995 ↔ 1990: разница 5 лет"
        assert worded("born 1995 vs 1993: 2 years apart") == "1995 ↔ 1993: разница 2 года"
        assert worded("Максим = Максим: same surname (given name and surname swapped)") == (
            "Максим = Максим: та же фамилия (имя и фамилия переставлены)"
        )
        assert worded("Саша ≈ Александр: Саша is a short or Ukrainian form of Александр") == (
            "Саша ≈ Александр: Саша — краткая или украинская форма имени Александр"
        )
        assert worded("unit not known on both sides") == "известно не с обеих сторон"


def test_a_stored_text_the_engine_no_longer_writes_is_shown_as_stored() -> None:
    with translation.override("ru"):
        [line] = explained([{"field": "notes", "contribution": 0, "text": "checked by hand"}])
    assert (line["label"], line["text"]) == ("notes", "checked by hand")


@pytest.mark.django_db
def test_the_russian_console_shows_russian_field_names_and_reasons(
    client: Client, bob: Any, sought: Person
) -> None:
    bob.console_language = "ru"
    bob.save(update_fields=["console_language"])
    enquiry = create_enquiry(sought_surname="Kuzminov", sought_given_name="Maksim")
    login_staff(client, bob)
    page = client.get(f"/console/tracing/{enquiry.pk}/").content.decode()
    assert "Фамилия" in page and "Имя" in page and "Дата рождения" in page
    assert "то же имя в другой транслитерации" in page
    assert "год совпадает" in page
    for raw in ("given_name", "birth_date", "same name across transliteration", "year agrees"):
        assert raw not in page


def test_every_romanisation_convention_is_named_in_the_officers_language() -> None:
    from lifeline.matching.keys import readings
    from lifeline.registry.explain import STYLES

    labels = {reading.label for reading in readings()}
    assert labels - STYLES.keys() == set()
    with translation.override("ru"):
        untranslated = {label for label in labels if str(STYLES[label]) == label}
    assert untranslated == set()
