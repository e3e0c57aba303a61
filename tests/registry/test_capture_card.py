"""The capture card (GC III Annex IV B): its content, the PDF, who may print it, and the audit."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from lifeline.core.access import PERMISSION_MATRIX, Perm
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.registry.capture_card import card_for, health_state, render_pdf
from lifeline.registry.selectors import status_history
from lifeline.registry.services import person_update, status_event_add
from tests.factories import login_staff
from tests.registry.conftest import create_person

pytestmark = pytest.mark.django_db

TODAY = date.today()  # noqa: DTZ011
PRINTERS = ["bob", "carol", "dave", "erin"]
REFUSED = ["alice", "frank", "mallory"]
LABELS = [
    "CAPTURE CARD FOR PRISONER OF WAR",
    "Power on which the prisoner depends",
    "First names (in full)",
    "First name of father",
    "Date of birth",
    "Place of birth",
    "Rank",
    "Service number",
    "Address of family",
    "Taken prisoner on",
    "Slightly wounded",
    "My present address",
    "Signature",
    "may be forwarded to his family",
    "КАРТОЧКА ВОЕННОПЛЕННОГО О ВЗЯТИИ В ПЛЕН",
    "Фамилия",
    "Имя отца",
]


@pytest.fixture
def prisoner(db, source):  # type: ignore[no-untyped-def]
    person = create_person(
        birth_year=1995, birth_month=3, birth_day=14, place_of_birth="г. Курск",
        father_name="Сергей", rank="рядовой", service_number="АБ-123456",
        power="Российская Федерация", health="лёгкое ранение левой руки",
        inform_family="no",
    )  # fmt: skip
    status_event_add(actor=SYSTEM, person=person, status="captured", verification="confirmed",
                     source=source, occurred_on=date(2024, 5, 1), place="с. Суджа")  # fmt: skip
    status_event_add(actor=SYSTEM, person=person, status="held", verification="confirmed",
                     source=source, occurred_on=date(2024, 5, 3),
                     place="СИЗО-2, Таганрог")  # fmt: skip
    status_event_add(actor=SYSTEM, person=person, status="transferred", verification="confirmed",
                     source=source, occurred_on=date(2024, 6, 1), place="Лагерь №3")  # fmt: skip
    person.refresh_from_db()
    return person


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join((reader.pages[0].extract_text() or "").split())


def test_the_pdf_holds_the_card_fields_and_his_cyrillic_name(client, dave, prisoner) -> None:
    login_staff(client, dave)
    response = client.get(reverse("registry:capture_card", args=[prisoner.pk]))
    assert response.status_code == 200
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in [*LABELS, "Кузьминов", "Максим Сергеевич", "Сергей", "14.03.1995",
                     "г. Курск", "рядовой", "АБ-123456", "Российская Федерация",
                     "01.05.2024", "СИЗО-2, Таганрог", "Лагерь №3"]:  # fmt: skip
        assert expected in text, expected
    # Where he was captured is not on the card, nor the registry's health note (only its tick
    # box: the Annex allows no remarks); the document's metadata names no one.
    assert "Суджа" not in text
    assert "ранение левой руки" not in text
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata.title == "Capture card"
    assert not any("Кузьминов" in str(value) for value in metadata.values())


def test_the_pdf_is_a_download_that_is_not_cached(client, bob, prisoner) -> None:
    login_staff(client, bob)
    response = client.get(reverse("registry:capture_card", args=[prisoner.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="capture-card-{prisoner.pk}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_printing_is_audited_as_a_read_of_the_record(client, erin, prisoner) -> None:
    login_staff(client, erin)
    client.get(reverse("registry:capture_card", args=[prisoner.pk]))
    [event] = AuditEvent.objects.filter(action="person.capture_card")
    assert event.actor == erin and event.object_id == str(prisoner.pk)
    assert event.object_type == "registry.person"
    assert not AuditEvent.objects.filter(action="person.view").exists()


def test_the_permission_matrix_lets_these_roles_print() -> None:
    holders = {role for role, perms in PERMISSION_MATRIX.items() if Perm.REGISTRY_VIEW in perms}
    assert holders == {"caseworker", "tracing_officer", "registrar", "supervisor"}


@pytest.mark.parametrize("user", REFUSED)
def test_these_users_are_refused(user, request, client, prisoner) -> None:
    login_staff(client, request.getfixturevalue(user))
    assert client.get(reverse("registry:capture_card", args=[prisoner.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="person.capture_card").exists()


@pytest.mark.parametrize("user", PRINTERS)
def test_these_users_may_print(user, request, client, prisoner) -> None:
    login_staff(client, request.getfixturevalue(user))
    assert client.get(reverse("registry:capture_card", args=[prisoner.pk])).status_code == 200


def test_an_unknown_person_is_404(client, dave) -> None:
    login_staff(client, dave)
    assert client.get(reverse("registry:capture_card", args=[98765])).status_code == 404


def test_the_person_page_links_to_the_card(client, bob, prisoner) -> None:
    login_staff(client, bob)
    body = client.get(reverse("registry:person", args=[prisoner.pk])).content.decode()
    assert reverse("registry:capture_card", args=[prisoner.pk]) in body


def test_card_content_from_the_record(prisoner) -> None:
    card = card_for(prisoner, status_history(prisoner), TODAY)
    assert card.surname == "Кузьминов" and card.first_names == "Максим Сергеевич"
    assert card.taken_prisoner_on == "01.05.2024"
    # He came to his present camp from the one before: the card of a transfer says so.
    assert card.coming_from == "СИЗО-2, Таганрог"
    assert card.present_address == "Лагерь №3"
    assert card.health_state == "slightly_wounded"
    assert card.inform_family == "no"


def test_in_hospital_his_present_address_is_the_hospital(prisoner, source) -> None:
    status_event_add(actor=SYSTEM, person=prisoner, status="hospitalised", verification="reported",
                     source=source, occurred_on=TODAY - timedelta(days=1),
                     place="Госпиталь №5")  # fmt: skip
    prisoner.refresh_from_db()
    card = card_for(prisoner, status_history(prisoner), TODAY)
    assert card.present_address == "Госпиталь №5"
    assert card.coming_from == "Лагерь №3"


def test_a_card_with_nothing_known_but_a_name_still_prints(db) -> None:
    person = create_person(given_name="", patronymic="")
    card = card_for(person, [], TODAY)
    assert (card.taken_prisoner_on, card.coming_from, card.health_state) == ("", "", None)
    assert "Кузьминов" in _text(render_pdf(card))


def test_long_values_are_cut_to_fit_the_card(prisoner) -> None:
    person_update(actor=SYSTEM, person=prisoner, data={
        "place_of_birth": "очень длинное место рождения " * 6,
        "health": "подробное описание " * 50,
    })  # fmt: skip
    prisoner.refresh_from_db()
    text = _text(render_pdf(card_for(prisoner, status_history(prisoner), TODAY)))
    assert "…" in text and text.count("подробное описание") < 10


@pytest.mark.parametrize(
    ("note", "state"),
    [
        ("", None),
        ("здоров", "good"),
        ("In good health", "good"),
        ("не ранен", "not_wounded"),
        ("без ранений, жалоб нет", "not_wounded"),
        ("не поранений", "not_wounded"),
        ("выздоровел", "recovered"),
        ("одужав після поранення", "recovered"),
        ("выздоравливает", "convalescent"),
        ("convalescent", "convalescent"),
        ("болен: пневмония", "sick"),
        ("хворий", "sick"),
        ("лёгкое ранение левой руки", "slightly_wounded"),
        ("легке поранення", "slightly_wounded"),
        ("slightly wounded", "slightly_wounded"),
        ("тяжело ранен, без сознания", "seriously_wounded"),
        ("важке поранення", "seriously_wounded"),
        ("не тяжело ранен, легкое ранение", "slightly_wounded"),
        # Not clear enough to tick a box: the text alone is shown.
        ("ранение ноги", None),
        ("легко ранен, болен", None),
        ("удовлетворительное", None),
    ],
)
def test_health_boxes_are_ticked_only_when_the_note_is_unambiguous(note, state) -> None:
    assert health_state(note) == state
