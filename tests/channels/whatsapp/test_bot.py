"""The bot: menu buttons, receipt, languages, media, and every message filed on its case."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from lifeline.cases.models import Case
from lifeline.cases.services import case_reply
from lifeline.channels.whatsapp import texts
from lifeline.core.receipts import verify_secret
from lifeline.intake.inbox import SECRET_PLACEHOLDER, SECRET_SENT
from lifeline.intake.models import Attachment, Contact, Conversation
from tests.channels.whatsapp.conftest import (
    TOKEN,
    WA_ID,
    FakeGraphApi,
    deliver_all,
    jpeg,
    notification,
    receive,
)

pytestmark = pytest.mark.django_db
SECRET_RE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
OGG = b"OggS\x00\x02" + b"\x00" * 200  # enough of an Ogg page for a voice note


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    buttons = message["interactive"]["action"]["buttons"]
    return [(b["reply"]["id"], b["reply"]["title"]) for b in buttons]


def _case(client: Client, graph_api: FakeGraphApi, kind: str = "surrender") -> Case:
    receive(client, notification("button_reply", button=f"kind:{kind}"))
    deliver_all()
    graph_api.requests.clear()
    return Case.objects.get()


def test_the_whole_conversation(client: Client, graph_api: FakeGraphApi, alice: Any) -> None:
    # A greeting: the menu as reply buttons, in Ukrainian for a +380 number, then languages.
    hello = receive(client, notification("text", text="Привіт!"))
    assert (hello.state, hello.case, hello.payload) == ("processed", None, {})
    deliver_all()
    menu, languages = graph_api.sent()
    assert menu["to"] == WA_ID and menu["type"] == "interactive"
    assert menu["interactive"]["body"]["text"] == texts.menu("uk")[0]
    assert _buttons(menu) == [
        ("kind:surrender", "Припинити воювати"),
        ("kind:family_enquiry", "Шукаю родича"),
        ("kind:other", "Інше"),
    ]
    assert _buttons(languages) == [
        ("lang:ru", "Русский"),
        ("lang:uk", "Українська"),
        ("lang:en", "English"),
    ]
    assert all(len(title) <= 20 for _, title in _buttons(menu))

    # The first button: a surrender case and its receipt.
    choice = receive(client, notification("button_reply", button="kind:surrender"))
    case = Case.objects.get()
    assert (case.kind, case.language) == ("surrender", "uk")
    assert (choice.case, choice.body) == (case, "[menu: surrender]")
    deliver_all()
    receipt, prompt = graph_api.sent()[2:]
    assert receipt["type"] == "text" and receipt["text"]["preview_url"] is False
    assert case.reference in receipt["text"]["body"]
    [secret] = SECRET_RE.findall(receipt["text"]["body"].replace(case.reference, ""))
    assert verify_secret(case.secret_hash, secret)
    assert prompt["text"]["body"] == texts.prompt("uk", "surrender")
    stored = Contact.objects.filter(direction="out", case=case).order_by("id")
    assert [c.state for c in stored] == ["sent", "sent"]
    assert stored[0].provider_id.startswith("wamid.")
    assert secret not in stored[0].body and SECRET_PLACEHOLDER not in stored[0].body
    assert SECRET_SENT in stored[0].body

    # He writes: the message lands on his case, and waits for us.
    data = notification("text")
    message = receive(client, data)
    assert (message.case, message.body) == (case, "Добрий день, я шукаю брата")
    case.refresh_from_db()
    assert case.waiting_since is not None

    # The operator answers from the case page, in the window.
    reply = case_reply(actor=alice, case=case, body="Ми вас чуємо.")
    deliver_all()
    assert graph_api.sent()[-1] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"body": "Ми вас чуємо.", "preview_url": False},
    }
    reply.refresh_from_db()
    assert reply.state == "sent" and reply.provider_id.startswith("wamid.")
    assert Case.objects.count() == 1 and Conversation.objects.count() == 1


def test_a_first_message_opens_a_case_at_once(client: Client, graph_api: FakeGraphApi) -> None:
    contact = receive(client, notification("text"))
    case = Case.objects.get()
    assert (case.kind, contact.case) == ("other", case)
    deliver_all()
    receipt, note = graph_api.sent()
    assert case.reference in receipt["text"]["body"]
    assert note["text"]["body"] == texts.passed_on("uk")


def test_a_photo_is_fetched_through_its_media_id_and_stored(
    client: Client, graph_api: FakeGraphApi
) -> None:
    _case(client, graph_api)
    graph_api.media["1003383421387256"] = (jpeg(), "image/jpeg")
    photo = receive(client, notification("image"))
    lookups = [r for r in graph_api.requests if r.method == "GET"]
    assert [r.path for r in lookups] == ["/v21.0/1003383421387256", "/media/1003383421387256"]
    assert {r.authorization for r in lookups} == {f"Bearer {TOKEN}"}
    assert photo.body == "Його військовий квиток"
    [attachment] = Attachment.objects.filter(contact=photo)
    assert (attachment.content_type, attachment.cleaning) == ("image/jpeg", "stripped")


def test_a_voice_note_is_kept_as_audio_and_said_to_be_one(
    client: Client, graph_api: FakeGraphApi
) -> None:
    case = _case(client, graph_api)
    graph_api.media["1003383421387258"] = (OGG, "audio/ogg")
    voice = receive(client, notification("voice"))
    assert (voice.case, voice.body) == (case, "[voice note]")
    assert voice.fields["voice_note"] is True
    [attachment] = Attachment.objects.filter(contact=voice)
    assert attachment.content_type.startswith("audio/")
    assert attachment.filename == "voice-note.ogg"


def test_a_document_keeps_its_name(client: Client, graph_api: FakeGraphApi) -> None:
    _case(client, graph_api)
    graph_api.media["1003383421387257"] = (b"%PDF-1.4\n%synthetic\n", "application/pdf")
    document = receive(client, notification("document"))
    assert document.body == "Список"
    [attachment] = Attachment.objects.filter(contact=document)
    assert attachment.filename == "list.pdf"


def test_a_location_is_written_out(client: Client, graph_api: FakeGraphApi) -> None:
    _case(client, graph_api)
    place = receive(client, notification("location"))
    assert place.body == "[location: 50.45010, 30.52340] Synthetic place, 1 Synthetic Street"


def test_a_list_reply_chooses_like_a_button(client: Client, graph_api: FakeGraphApi) -> None:
    choice = receive(client, notification("list_reply"))
    case = Case.objects.get()
    assert (case.kind, choice.body) == ("family_enquiry", "[menu: family_enquiry]")


def test_the_language_button_switches_the_bots_language(
    client: Client, graph_api: FakeGraphApi
) -> None:
    receive(client, notification("button_reply", button="lang:en"))
    assert Conversation.objects.get().language == "en"
    deliver_all()
    menu, _languages = graph_api.sent()
    assert menu["interactive"]["body"]["text"] == texts.menu("en")[0]
    assert _buttons(menu)[0] == ("kind:surrender", "Stop fighting")


def test_a_button_on_an_open_case_opens_no_second_one(
    client: Client, graph_api: FakeGraphApi
) -> None:
    case = _case(client, graph_api)
    receive(client, notification("button_reply", button="kind:other"))
    assert Case.objects.get() == case
    deliver_all()
    [said] = graph_api.sent()
    assert case.reference in said["text"]["body"]


def test_a_file_too_large_is_refused_with_a_note(
    client: Client, graph_api: FakeGraphApi, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100
    _case(client, graph_api)
    graph_api.media["1003383421387256"] = (jpeg(), "image/jpeg")
    photo = receive(client, notification("image"))
    assert photo.state == "processed"
    assert not Attachment.objects.filter(contact=photo).exists()
    assert photo.fields["attachments_refused"] == 1
    assert [r.path for r in graph_api.requests if r.method == "GET"] == [
        "/v21.0/1003383421387256"
    ]  # its size was known: never downloaded
    deliver_all()
    assert graph_api.sent()[-1]["text"]["body"] == texts.files_refused("uk")


def test_media_whatsapp_no_longer_has_is_refused_not_retried(
    client: Client, graph_api: FakeGraphApi
) -> None:
    _case(client, graph_api)
    photo = receive(client, notification("image"))
    assert photo.state == "processed"
    assert photo.fields["attachments_refused"] == 1


def test_a_graph_outage_during_a_download_is_retried(
    client: Client, graph_api: FakeGraphApi, settings: Any
) -> None:
    _case(client, graph_api)
    settings.WHATSAPP_ACCESS_TOKEN = "expired"
    photo = receive(client, notification("image"))
    assert (photo.state, photo.attempts, photo.last_error) == ("pending", 1, "GraphApiError")
    assert photo.payload  # kept until it is filed


def test_a_button_we_do_not_offer_is_read_as_a_message(
    client: Client, graph_api: FakeGraphApi
) -> None:
    # e.g. the quick reply of a template, or a menu from an older version of the bot
    contact = receive(client, notification("button_reply", button="kind:no-such-kind"))
    case = Case.objects.get()
    assert (case.kind, contact.case, contact.body) == ("other", case, "[button: Stop fighting]")
    case.refresh_from_db()
    assert case.waiting_since is not None  # someone must read it
