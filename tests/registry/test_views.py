"""Registry console pages: who may open them, forms and their errors, create -> detail."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry import selectors
from lifeline.registry.models import Person, Source, StatusEvent
from lifeline.registry.services import name_form_add
from tests.factories import login_staff
from tests.registry.conftest import create_person

pytestmark = pytest.mark.django_db

READERS = ["bob", "carol", "dave", "erin"]
NOT_READERS = ["alice", "frank", "mallory"]
NOT_EDITORS = ["alice", "bob", "carol", "erin", "frank", "mallory"]


def _edit_urls(pk: int) -> list[str]:
    return [
        reverse("registry:person_create"),
        reverse("registry:person_edit", args=[pk]),
        reverse("registry:name_form_add", args=[pk]),
        reverse("registry:status_event_add", args=[pk]),
    ]


def _read_urls(pk: int) -> list[str]:
    return [reverse("registry:search"), reverse("registry:person", args=[pk])]


@pytest.mark.parametrize("user", NOT_READERS)
def test_these_users_are_refused_reading(user, request, client, person) -> None:
    login_staff(client, request.getfixturevalue(user))
    for url in _read_urls(person.pk):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("user", NOT_EDITORS)
def test_these_users_are_refused_editing(user, request, client, person) -> None:
    login_staff(client, request.getfixturevalue(user))
    for url in _edit_urls(person.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"surname": "Иванов"}).status_code == 403, url
    assert Person.objects.count() == 1


@pytest.mark.parametrize("user", READERS)
def test_readers_may_search_and_view(user, request, client, person) -> None:
    login_staff(client, request.getfixturevalue(user))
    for url in _read_urls(person.pk):
        assert client.get(url).status_code == 200, url


def test_the_registrar_may_open_every_form(client, dave, person) -> None:
    login_staff(client, dave)
    for url in _edit_urls(person.pk):
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login(client, person) -> None:
    response = client.get(reverse("registry:person", args=[person.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_search_page_finds_cyrillic_in_any_case(client, bob, person) -> None:
    name_form_add(actor=SYSTEM, person=person, surname="Kuzminov", given_name="Maksim")
    login_staff(client, bob)
    response = client.get(reverse("registry:search"), {"surname": "КУЗЬМИНОВ"})
    assert response.status_code == 200
    assert "Кузьминов Максим Сергеевич" in response.content.decode()
    assert "14.03.1995" in response.content.decode()
    response = client.get(reverse("registry:search"), {"given_name": "MAKSIM"})
    assert reverse("registry:person", args=[person.pk]) in response.content.decode()
    assert AuditEvent.objects.filter(action="person.search").count() == 2


def test_empty_search_lists_nobody_and_is_not_audited(client, bob, person) -> None:
    login_staff(client, bob)
    response = client.get(reverse("registry:search"))
    assert "Кузьминов" not in response.content.decode()
    # The counts at the top say when they were taken (the worker recounts every few minutes).
    assert re.search(r"1 person.*As of <time datetime=", response.content.decode(), re.S)
    assert not AuditEvent.objects.filter(action="person.search").exists()


def test_search_pagination_keeps_the_query(client, bob, db) -> None:
    for i in range(30):
        create_person(surname=f"Петров{i:02d}")
    login_staff(client, bob)
    response = client.get(reverse("registry:search"), {"surname": "петров"})
    body = response.content.decode()
    assert "Петров24" in body and "Петров25" not in body
    assert "surname=%D0%BF%D0%B5%D1%82%D1%80%D0%BE%D0%B2&amp;page=2" in body
    response = client.get(reverse("registry:search"), {"surname": "петров", "page": 2})
    assert "Петров25" in response.content.decode()


def test_detail_shows_the_record_and_audits(client, bob, person, source) -> None:
    from lifeline.registry.services import status_event_add

    status_event_add(actor=SYSTEM, person=person, status="held", verification="confirmed",
                     source=source, occurred_on=date(2024, 7, 2), place="СИЗО-2")  # fmt: skip
    login_staff(client, bob)
    body = client.get(reverse("registry:person", args=[person.pk])).content.decode()
    for text in ["Кузьминов Максим Сергеевич", "в/ч 12345", "02.07.2024", "СИЗО-2",
                 source.title, "official list", "confirmed", "high"]:  # fmt: skip
        assert text in body, text
    # A reader without the edit right is not offered the forms.
    assert reverse("registry:person_edit", args=[person.pk]) not in body
    [event] = AuditEvent.objects.filter(action="person.view")
    assert event.actor == bob and event.object_id == str(person.pk)


def test_unknown_person_is_404(client, bob) -> None:
    login_staff(client, bob)
    assert client.get(reverse("registry:person", args=[12345])).status_code == 404


def _person_post(**overrides: str) -> dict[str, str]:
    data = {
        "surname": "Бондаренко",
        "given_name": "Олександр",
        "patronymic": "Петрович",
        "name_language": "uk",
        "sex": "m",
        "birth_year": "1999",
        "birth_month": "",
        "birth_day": "",
        "unit": "93 ОМБр",
        "health": "легке поранення",
        "inform_family": "yes",
    }
    data.update(overrides)
    return data


def test_create_then_detail(client, dave) -> None:
    login_staff(client, dave)
    response = client.post(reverse("registry:person_create"), _person_post(), follow=True)
    person = Person.objects.get()
    assert response.redirect_chain[-1][0] == reverse("registry:person", args=[person.pk])
    body = response.content.decode()
    assert "Бондаренко Олександр Петрович" in body and "легке поранення" in body
    assert person.birth_year == 1999 and person.birth_month is None
    assert person.name_forms.get().language == "uk"
    assert AuditEvent.objects.filter(action="person.create", actor=dave).count() == 1


def _form_errors(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The form's errors, after checking each is shown on the page."""
    html = response.content.decode()
    with translation.override("en"):  # the console's language, as the page was rendered
        form_errors = response.context["form"].errors.items()
        errors = {f: [str(m) for m in msgs] for f, msgs in form_errors}
    for messages in errors.values():
        for message in messages:
            assert escape(message) in html
    return errors


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"surname": ""}, "surname", None),
        ({"birth_month": "2", "birth_day": "30"}, "birth_day", "does not exist in that month"),
        ({"birth_year": "", "birth_month": "5"}, "birth_year", "Give the year"),
        ({"birth_day": "5"}, "birth_month", "Give the month"),
        ({"birth_month": "13"}, "birth_month", None),
        ({"birth_year": "1850"}, "birth_year", None),
        ({"birth_year": "2090"}, "birth_year", "The year is in the future."),
        ({"inform_family": "maybe"}, "inform_family", None),
    ],
)
def test_create_shows_clear_errors(client, dave, overrides, field, message) -> None:
    login_staff(client, dave)
    response = client.post(reverse("registry:person_create"), _person_post(**overrides))
    assert response.status_code == 400
    errors = _form_errors(response)
    assert list(errors) == [field]
    if message:
        assert message in errors[field][0]
    assert not Person.objects.exists()


def test_leap_day_is_a_real_date(client, dave) -> None:
    login_staff(client, dave)
    data = _person_post(birth_year="1996", birth_month="2", birth_day="29")
    assert client.post(reverse("registry:person_create"), data).status_code == 302


def test_edit_form_is_filled_and_saves(client, dave, person) -> None:
    login_staff(client, dave)
    form = client.get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    assert 'value="Кузьминов"' in form and 'value="1995"' in form
    data = _person_post(surname="Кузьминов", given_name="Максим", patronymic="Сергеевич",
                        birth_year="1995", birth_month="3", birth_day="14", unit="в/ч 54321",
                        rank="ефрейтор", health="", name_language="", sex="",
                        inform_family="unknown")  # fmt: skip
    response = client.post(reverse("registry:person_edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.unit == "в/ч 54321" and person.rank == "ефрейтор"
    [event] = AuditEvent.objects.filter(action="person.update")
    assert sorted(event.detail["fields"]) == ["rank", "unit"]


def test_name_form_add_view(client, dave, person, source) -> None:
    login_staff(client, dave)
    url = reverse("registry:name_form_add", args=[person.pk])
    response = client.post(url, {"surname": "Kuzminov", "given_name": "Maksim",
                                 "transliteration": "icao", "source": source.pk})  # fmt: skip
    assert response.status_code == 302
    form = person.name_forms.get(script="latn")
    assert form.source == source and form.transliteration == "icao"
    assert "surname" in _form_errors(client.post(url, {"surname": ""}))


def test_status_event_add_with_existing_source(client, dave, person, source) -> None:
    login_staff(client, dave)
    url = reverse("registry:status_event_add", args=[person.pk])
    response = client.post(url, {"status": "captured", "occurred_on": "2024-05-01",
                                 "verification": "confirmed", "source": source.pk,
                                 "place": "Курская обл."})  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.current_status == "captured"
    assert StatusEvent.objects.get().place == "Курская обл."


def test_status_event_add_with_a_new_source_inline(client, dave, person) -> None:
    login_staff(client, dave)
    url = reverse("registry:status_event_add", args=[person.pk])
    response = client.post(url, {"status": "hospitalised", "verification": "reported",
                                 "new_source_title": "Звонок матери", "new_source_kind": "family",
                                 "new_source_reliability": "low"})  # fmt: skip
    assert response.status_code == 302
    assert StatusEvent.objects.get().source.kind == "family"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "__all__", "Pick an existing source or describe a new one."),
        ({"new_source_title": "Звонок"}, "new_source_kind", "Needed for a new source."),
        (
            {
                "occurred_on": "2999-01-01",
                "new_source_title": "x",
                "new_source_kind": "media",
                "new_source_reliability": "low",
            },
            "occurred_on",
            "The date is in the future.",
        ),  # fmt: skip
        ({"occurred_on": "2024-02-30", "source": "999"}, "occurred_on", None),
    ],
)
def test_status_event_errors(client, dave, person, data, field, message) -> None:
    login_staff(client, dave)
    url = reverse("registry:status_event_add", args=[person.pk])
    response = client.post(url, {"status": "held", "verification": "reported", **data})
    assert response.status_code == 400
    errors = _form_errors(response)
    assert field in errors
    if message:
        assert message in errors[field]
    assert not StatusEvent.objects.exists() and not Source.objects.exists()


def test_status_event_both_sources_is_an_error(client, dave, person, source) -> None:
    login_staff(client, dave)
    url = reverse("registry:status_event_add", args=[person.pk])
    response = client.post(url, {"status": "held", "verification": "reported",
                                 "source": source.pk, "new_source_title": "x"})  # fmt: skip
    assert "not both" in _form_errors(response)["__all__"][0]


def test_search_page_ranks_a_german_spelling_with_its_score(client, bob, db) -> None:
    create_person(surname="Гончаренко", given_name="Вячеслав", birth_year=1990)
    create_person(surname="Гончаров", given_name="Вячеслав", patronymic="Дмитриевич",
                  birth_year=1990)  # fmt: skip
    login_staff(client, bob)
    response = client.get(
        reverse("registry:search"), {"surname": "Gontscharow", "given_name": "Wjatscheslaw"}
    )
    html = response.content.decode()
    row = r"<tr>\s*<td><a [^>]*>([^<]+)</a>.*?<td class=\"score\">([\d.,]+)</td>"
    rows = re.findall(row, html, re.S)
    assert rows and rows[0][0] == "Гончаров Вячеслав Дмитриевич"
    assert float(rows[0][1].replace(",", ".")) > 0
    assert AuditEvent.objects.filter(action="person.search").count() == 1


@pytest.fixture
def bondarenko(db) -> Person:  # type: ignore[no-untyped-def]
    """Already in the registry: the person `_person_post` describes, spelled in Russian."""
    return create_person(surname="Бондаренко", given_name="Александр", patronymic="Петрович",
                         birth_year=1999, unit="93 ОМБр")  # fmt: skip


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def test_a_near_duplicate_is_shown_and_nothing_is_created_until_chosen(
    client, dave, bondarenko
) -> None:
    login_staff(client, dave)
    response = client.post(reverse("registry:person_create"), _person_post())
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("registry:person", args=[bondarenko.pk]) in html
    assert f'name="duplicate" value="{bondarenko.pk}"' in html
    assert 'name="duplicate" value="new"' in html and "csrfmiddlewaretoken" in html
    assert _hidden(html, "surname") == "Бондаренко" and _hidden(html, "health") == escape(
        "легке поранення"
    )
    assert Person.objects.count() == 1
    [read] = AuditEvent.objects.filter(action="person.view", actor=dave)
    assert read.object_id == str(bondarenko.pk)
    assert read.detail["purpose"] == "duplicate_check"


def test_choosing_a_new_person_creates_him(client, dave, bondarenko) -> None:
    login_staff(client, dave)
    response = client.post(reverse("registry:person_create"), _person_post(duplicate="new"))
    new = Person.objects.exclude(pk=bondarenko.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person", args=[new.pk])
    assert new.given_name == "Олександр"


def test_choosing_the_same_person_adds_a_name_form_and_no_person(client, dave, bondarenko) -> None:
    login_staff(client, dave)
    post = _person_post(duplicate=str(bondarenko.pk))
    response = client.post(reverse("registry:person_create"), post)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person", args=[bondarenko.pk])
    assert Person.objects.count() == 1
    spellings = {(f.given_name, f.language) for f in bondarenko.name_forms.all()}
    assert ("Олександр", "uk") in spellings
    assert not AuditEvent.objects.filter(action="person.create", actor=dave).exists()


def test_no_match_above_the_threshold_creates_at_once(client, dave, db) -> None:
    create_person(surname="Бондаренко", given_name="Сергей", birth_year=1960)
    login_staff(client, dave)
    response = client.post(reverse("registry:person_create"), _person_post())
    assert response.status_code == 302
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("en", "2 more persons with a name spelled or sounding like this one were not compared"),
        ("ru", "Ещё 2 человека с похожими по написанию или звучанию именами не сравнивались"),
    ],
)
def test_the_search_page_says_how_many_namesakes_were_not_compared(
    client, bob, monkeypatch: pytest.MonkeyPatch, language, notice
) -> None:
    monkeypatch.setattr(selectors, "SCORED", 3)
    for given in ["Олег", "Иван", "Пётр", "Сергей", "Андрей"]:
        create_person(surname="Кравченко", given_name=given)
    bob.console_language = language
    bob.save(update_fields=["console_language"])
    login_staff(client, bob)
    html = client.get(reverse("registry:search"), {"surname": "Kravchenko"}).content.decode()
    assert notice in html
    assert len(re.findall(r'<td class="score">', html)) == 3
    html = client.get(
        reverse("registry:search"), {"surname": "Kravchenko", "given_name": "Oleg"}
    ).content.decode()
    # The given name brings him first; the others, ranked lower, are still not all compared.
    assert re.search(r"<td><a [^>]*>Кравченко Олег ", html.split("<tbody>")[1].split("</tr>")[0])
    assert notice in html
