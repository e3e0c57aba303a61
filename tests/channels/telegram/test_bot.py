"""The bot: menu, receipt, languages, and every message of a chat filed on its case."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.test import Client

from lifeline.cases.models import Case
from lifeline.cases.services import case_reply
from lifeline.channels.telegram import texts
from lifeline.core.receipts import verify_secret
from lifeline.intake.inbox import SECRET_PLACEHOLDER, SECRET_SENT
from lifeline.intake.models import Attachment, Contact, Conversation
from tests.channels.telegram.conftest import (
    CHAT_ID,
    TOKEN,
    FakeBotApi,
    deliver_all,
    jpeg,
    receive,
    update,
)

pytestmark = pytest.mark.django_db
SECRET_RE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _keyboard(message: dict[str, Any]) -> list[list[str]]:
    rows = message["reply_markup"]["inline_keyboard"]
    return [[button["callback_data"] for button in row] for row in rows]


def _chat_with_case(client: Client, bot_api: FakeBotApi, kind: str = "surrender") -> Case:
    receive(client, update("callback_query", data=f"kind:{kind}"))
    deliver_all()
    bot_api.calls.clear()
    return Case.objects.get()


def test_the_whole_conversation(client: Client, bot_api: FakeBotApi, alice: Any) -> None:
    # /start: the menu, in the sender's language.
    start = receive(client, update("message_start"))
    assert (start.state, start.body, start.case) == ("processed", "/start", None)
    assert start.payload == {}
    deliver_all()
    [menu] = bot_api.sent()
    assert menu["chat_id"] == CHAT_ID
    assert menu["text"] == texts.menu("ru")[0]
    assert _keyboard(menu) == [
        ["kind:surrender"],
        ["kind:family_enquiry"],
        ["kind:other"],
        ["lang:ru", "lang:uk", "lang:en"],
    ]

    # The first button: a surrender case and its receipt.
    choice = receive(client, update("callback_query", data="kind:surrender"))
    case = Case.objects.get()
    assert case.kind == "surrender"
    assert (choice.case, choice.body) == (case, "[menu: surrender]")
    assert bot_api.sent("answerCallbackQuery") == [{"callback_query_id": "2386125017325129830"}]
    deliver_all()
    receipt, prompt = bot_api.sent()[1:]
    assert case.reference in receipt["text"]
    assert "https://lifeline.example/status/" in receipt["text"]
    [secret] = SECRET_RE.findall(receipt["text"].replace(case.reference, ""))
    assert len(secret.replace("-", "")) == 16
    assert verify_secret(case.secret_hash, secret)
    assert prompt["text"] == texts.prompt("ru", "surrender")
    stored = Contact.objects.filter(direction="out", case=case).order_by("id")
    assert [c.state for c in stored] == ["sent", "sent"]
    assert secret not in stored[0].body and SECRET_PLACEHOLDER not in stored[0].body
    assert SECRET_SENT in stored[0].body
    assert "secret" not in stored[0].fields

    # He writes: the message lands on his case.
    data = update("message_text")
    message = receive(client, data)
    assert (message.case, message.direction, message.language) == (case, "in", "ru")
    assert message.body == data["message"]["text"]
    assert message.conversation == Conversation.objects.get()

    # The operator answers from the case page.
    reply = case_reply(actor=alice, case=case, body="Мы вас слышим. Оставайтесь на связи.")
    assert reply.state == "queued"
    deliver_all()
    assert bot_api.sent()[-1] == {
        "chat_id": CHAT_ID,
        "text": "Мы вас слышим. Оставайтесь на связи.",
    }
    reply.refresh_from_db()
    assert reply.state == "sent" and reply.provider_id

    # A photo: the largest size is downloaded and stored.
    bot_api.files["files/AgACAgIAAxkBAAMGZ-large"] = jpeg()
    photo = receive(client, update("photo_caption"))
    assert bot_api.sent("getFile") == [{"file_id": "AgACAgIAAxkBAAMGZ-large"}]
    assert (photo.case, photo.body) == (case, "Мой военный билет")
    [attachment] = Attachment.objects.filter(contact=photo)
    assert attachment.content_type == "image/jpeg" and attachment.size > 0
    assert Case.objects.count() == 1


def test_a_first_message_without_a_choice_opens_a_case_at_once(
    client: Client, bot_api: FakeBotApi
) -> None:
    data = update("message_text")
    contact = receive(client, data)
    case = Case.objects.get()
    assert (case.kind, case.language) == ("other", "ru")
    assert (contact.case, contact.body) == (case, data["message"]["text"])
    deliver_all()
    receipt, note = bot_api.sent()
    assert case.reference in receipt["text"] and SECRET_RE.search(receipt["text"])
    assert note["text"] == texts.passed_on("ru")


def test_a_first_photo_opens_a_case_and_is_kept(client: Client, bot_api: FakeBotApi) -> None:
    bot_api.files["files/AgACAgIAAxkBAAMGZ-large"] = jpeg()
    contact = receive(client, update("photo_caption"))
    case = Case.objects.get()
    assert contact.case == case
    assert Attachment.objects.filter(contact=contact).count() == 1
    deliver_all()
    assert case.reference in bot_api.sent()[0]["text"]


def test_a_sticker_before_any_case_gets_the_menu(client: Client, bot_api: FakeBotApi) -> None:
    data = update("message_text")
    del data["message"]["text"]
    data["message"]["sticker"] = {
        "file_id": "CAACAgIAAxk", "file_unique_id": "AgAD1", "type": "regular",
        "width": 512, "height": 512, "is_animated": False, "is_video": False,
    }  # fmt: skip
    contact = receive(client, data)
    assert (contact.state, contact.case, contact.body) == ("processed", None, "[sticker]")
    assert Case.objects.count() == 0
    deliver_all()
    assert _keyboard(bot_api.sent()[0])[0] == ["kind:surrender"]


def test_choosing_again_names_the_open_case(client: Client, bot_api: FakeBotApi) -> None:
    case = _chat_with_case(client, bot_api)
    again = receive(client, update("callback_query", data="kind:family_enquiry"))
    assert again.case == case
    assert Case.objects.count() == 1
    deliver_all()
    [answer] = bot_api.sent()
    assert answer["text"] == texts.case_exists("ru", case.reference)
    assert not SECRET_RE.search(answer["text"])


def test_a_family_enquiry_asks_whom_they_look_for(client: Client, bot_api: FakeBotApi) -> None:
    receive(client, update("callback_query", data="kind:family_enquiry"))
    assert Case.objects.get().kind == "family_enquiry"
    deliver_all()
    assert bot_api.sent()[-1]["text"] == texts.prompt("ru", "family_enquiry")


def test_an_edit_is_filed_as_a_new_message_on_the_case(client: Client, bot_api: FakeBotApi) -> None:
    case = _chat_with_case(client, bot_api)
    original = receive(client, update("message_text"))
    data = update("edited_message")
    edited = receive(client, data)
    assert edited.pk != original.pk
    assert edited.case == case
    assert edited.body == "(edited) " + data["edited_message"]["text"]


def test_a_document_is_stored(client: Client, bot_api: FakeBotApi) -> None:
    case = _chat_with_case(client, bot_api)
    bot_api.files["files/BQACAgIAAxkBAAMHZ-doc"] = b"Name: Ivanov\nUnit: 123\n"
    contact = receive(client, update("document"))
    assert (contact.case, contact.body) == (case, "Список")
    [attachment] = Attachment.objects.filter(contact=contact)
    assert attachment.filename == "notes.txt"
    assert bot_api.sent() == []


def test_a_file_over_the_limit_is_refused_with_a_note(
    client: Client, bot_api: FakeBotApi, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    _chat_with_case(client, bot_api)
    contact = receive(client, update("document", document={"file_size": 5 * 1024 * 1024}))
    assert contact.state == "processed"
    assert contact.fields == {"attachments_refused": 1}
    assert not Attachment.objects.exists()
    assert bot_api.sent("getFile") == []  # its declared size was enough to say no
    deliver_all()
    assert bot_api.sent()[-1]["text"] == texts.files_refused("ru")


def test_a_photo_takes_the_largest_size_that_fits(
    client: Client, bot_api: FakeBotApi, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 20_000
    _chat_with_case(client, bot_api)
    bot_api.files["files/AgACAgIAAxkBAAMGZ-medium"] = jpeg()
    contact = receive(client, update("photo_caption"))
    assert bot_api.sent("getFile") == [{"file_id": "AgACAgIAAxkBAAMGZ-medium"}]
    assert Attachment.objects.filter(contact=contact).count() == 1


def test_a_file_telegram_cannot_hand_over_now_is_retried(
    client: Client, bot_api: FakeBotApi
) -> None:
    _chat_with_case(client, bot_api)
    bot_api.fail("getFile", 502, "Bad Gateway")
    contact = receive(client, update("document"))
    assert (contact.state, contact.attempts, contact.last_error) == ("pending", 1, "BotApiError")
    assert contact.next_attempt_at is not None
    assert contact.payload  # kept for the retry


def test_group_chats_are_not_served(client: Client, bot_api: FakeBotApi) -> None:
    contact = receive(client, update("message_text", chat_type="group"))
    assert (contact.state, contact.conversation, contact.case) == ("processed", None, None)
    assert not Conversation.objects.exists() and not Case.objects.exists()
    assert not Contact.objects.filter(direction="out").exists()


def test_a_ukrainian_gets_the_ukrainian_menu_and_may_switch(
    client: Client, bot_api: FakeBotApi
) -> None:
    receive(client, update("message_start", language="uk"))
    deliver_all()
    [menu] = bot_api.sent()
    assert menu["text"] == texts.menu("uk")[0] != texts.menu("ru")[0]
    assert "Чим ми можемо допомогти?" in menu["text"]
    assert menu["reply_markup"]["inline_keyboard"][0][0]["text"] == "Я хочу припинити воювати"

    switch = receive(client, update("callback_query", language="uk", data="lang:en"))
    assert switch.body == "[language: en]"
    assert Conversation.objects.get().language == "en"
    deliver_all()
    english = bot_api.sent()[-1]
    assert english["text"] == texts.menu("en")[0]
    assert "How can we help you?" in english["text"]

    receive(client, update("callback_query", language="uk", data="kind:other"))
    assert Case.objects.get().language == "en"
    deliver_all()
    assert "This is your receipt" in bot_api.sent()[-2]["text"]


def test_the_russian_menu(bot_api: FakeBotApi) -> None:
    text, markup = texts.menu("ru")
    assert "Чем мы можем помочь?" in text
    assert markup["inline_keyboard"][1][0]["text"] == "Я ищу родственника"


def test_message_text_is_not_logged(
    client: Client, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data = update("message_text")
    receive(client, data)
    deliver_all()
    assert data["message"]["text"] not in caplog.text
    assert "Бахмут" not in caplog.text
    assert TOKEN not in caplog.text


def test_only_what_the_person_writes_puts_the_case_in_the_queue(
    client: Client, bot_api: FakeBotApi, alice: Any
) -> None:
    case = _chat_with_case(client, bot_api)
    case_reply(actor=alice, case=case, body="Здравствуйте")
    receive(client, update("message_start"))
    receive(client, update("callback_query", data="kind:surrender"))
    case.refresh_from_db()
    assert case.waiting_since is None
    message = receive(client, update("message_text"))
    case.refresh_from_db()
    assert case.waiting_since == message.received_at
