"""Any update through the Telegram and WhatsApp webhooks and any event through the voice webhook.

Hostile JSON and form values, NULs and lone surrogates included: the answer is 200 or 400,
never a server error; a 400 writes nothing; and whatever was taken in is filed by the worker
or fails visibly, never left to retry for ever.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from lifeline.channels.phone.adapter import PAYLOAD_KEYS
from lifeline.channels.phone.signature import signature_compute
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.channels.telegram.conftest import FakeBotApi, jpeg, post
from tests.channels.whatsapp.conftest import FakeGraphApi
from tests.channels.whatsapp.conftest import post as wa_post
from tests.fuzz.invariants import (
    FUZZ,
    assert_every_item_can_finish,
    assert_nothing_half_written,
    not_filed,
    process_everything,
)

pytestmark = pytest.mark.django_db

# Any code point, lone surrogates (category Cs) and NUL included; short, or just words.
any_text = st.text(st.characters(), max_size=40) | st.text(
    st.characters(categories=["L", "N", "Zs", "Cs", "Cc"]), max_size=15
)
ids = st.integers(-(2**63), 2**63) | st.integers(1, 10**6)
json_scalars = st.none() | st.booleans() | ids | st.floats() | any_text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=6,
)
users = st.fixed_dictionaries(
    {"id": ids, "is_bot": st.booleans(), "first_name": any_text},
    optional={"language_code": st.sampled_from(["ru", "uk", "en", "de"]) | any_text},
)
chats = st.fixed_dictionaries(
    {"id": ids, "type": st.sampled_from(["private", "group", "channel"]) | any_text}
)
files = st.fixed_dictionaries(
    {"file_id": any_text, "file_unique_id": any_text},
    optional={"file_size": ids, "file_name": any_text, "mime_type": any_text},
)
messages = st.fixed_dictionaries(
    {"message_id": ids, "date": st.integers(0, 2**31), "chat": chats},
    optional={
        "from": users,
        "text": any_text | st.sampled_from(["/start", "/start ru", "/help"]),
        "caption": any_text,
        "document": files,
        "photo": st.lists(st.builds(lambda f: {**f, "width": 9, "height": 9}, files), max_size=2),
    },
)
callbacks = st.fixed_dictionaries(
    {"id": any_text, "from": users, "chat_instance": any_text},
    optional={
        "data": st.sampled_from(["kind:surrender", "kind:family_enquiry", "lang:uk"]) | any_text,
        "message": messages,
    },
)
updates = st.builds(
    lambda update_id, body: {"update_id": update_id, **body},
    ids,
    st.one_of(
        st.builds(lambda m: {"message": m}, messages | json_values),
        st.builds(lambda m: {"edited_message": m}, messages),
        st.builds(lambda c: {"callback_query": c}, callbacks | json_values),
        st.dictionaries(any_text, json_values, max_size=2),
    ),
)


def _written() -> tuple[int, int]:
    return Contact.objects.count(), AuditEvent.objects.count()


def _check_end_states(found: list[str]) -> None:
    assert_nothing_half_written()
    process_everything()
    assert_every_item_can_finish()
    assert_nothing_half_written()
    found[:] = not_filed()


class AnyFile(dict[str, bytes]):
    """The stand-in Bot API's files: whatever a fuzzed update names is there, a small picture."""

    def __contains__(self, path: object) -> bool:
        return True

    def __getitem__(self, path: str) -> bytes:
        return jpeg()

    def get(self, path: str, default: Any = None) -> bytes:  # type: ignore[override]
        return jpeg()


def test_any_telegram_update_is_taken_or_refused_whole(client: Client, bot_api: FakeBotApi) -> None:
    # A file Telegram cannot hand over fails the item after its retries, as it should; here
    # every file is there, so that an item not filed is a bug in filing it.
    bot_api.files = AnyFile()
    found: list[str] = []
    answers: set[int] = set()

    @FUZZ
    @given(data=updates | json_values.map(lambda v: {"update_id": 1, "message": v}))
    def deliver(data: Any) -> None:
        body = json.dumps(data)  # ASCII: a lone surrogate travels as \ud800, as a client sends it
        before = _written()
        response = post(client, body)
        assert response.status_code in {200, 400}, response.status_code
        answers.add(response.status_code)
        added = Contact.objects.count() - before[0]
        assert added == 0 if response.status_code == 400 else added in {0, 1}
        if response.status_code == 400:
            assert _written() == before
        _check_end_states(found)

    deliver()
    assert not found, found
    assert answers == {200, 400}  # both kinds of input were tried


voice_values = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["CA1", "no-answer", "completed", "inbound", "outbound-api", "+380671234567", "30", "\x00"]
)
events = st.dictionaries(
    st.sampled_from([*PAYLOAD_KEYS, "AccountSid", "FromCity"]), voice_values, max_size=8
)


def test_any_voice_event_is_taken_or_refused_whole(client: Client, settings: Any) -> None:
    settings.VOICE_AUTH_TOKEN = "fuzz-token"
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    path = "/channels/voice/events/"
    found: list[str] = []
    answers: set[int] = set()

    @FUZZ
    @given(params=events)
    def deliver(params: dict[str, str]) -> None:
        url = django_settings.PUBLIC_BASE_URL + path
        signature = signature_compute(token="fuzz-token", url=url, params=params)
        before = _written()
        response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code in {200, 400}, response.status_code
        answers.add(response.status_code)
        if response.status_code == 400:
            assert _written() == before
        _check_end_states(found)

    deliver()
    assert not found, found
    assert answers == {200, 400}  # both kinds of input were tried


wa_ids = st.sampled_from(["380501234567", "79161234567", "15550001111"]) | any_text
# Mostly well-formed, so that most notifications get as far as the worker.
wa_kinds = st.sampled_from(
    ["text", "image", "document", "audio", "video", "location", "interactive", "button",
     "sticker", "reaction", "contacts", "unsupported", "system"]
) | any_text  # fmt: skip
wa_parts = st.fixed_dictionaries(
    {},
    optional={
        "body": any_text | st.sampled_from(["menu", "Привіт!", "hi"]),
        "id": any_text,
        "caption": any_text,
        "filename": any_text,
        "mime_type": any_text,
        "voice": st.booleans() | json_scalars,
        "latitude": json_scalars,
        "longitude": json_scalars,
        "name": any_text,
        "type": st.sampled_from(["button_reply", "list_reply"]) | any_text,
        "button_reply": st.fixed_dictionaries(
            {"id": st.sampled_from(["kind:surrender", "kind:other", "lang:en"]) | any_text},
            optional={"title": any_text},
        ),
        "payload": any_text,
        "text": any_text,
    },
)
wa_messages = st.builds(
    lambda base, kind, part: {**base, "type": kind, kind if isinstance(kind, str) else "x": part},
    st.fixed_dictionaries(
        {"id": st.integers(0, 10**9).map(lambda n: f"wamid.FUZZ{n}") | any_text, "from": wa_ids},
        optional={"timestamp": any_text | st.sampled_from(["1767225600", "99999999999999"])},
    ),
    wa_kinds,
    wa_parts | json_values,
)
wa_values = st.fixed_dictionaries(
    {"messaging_product": st.just("whatsapp")},
    optional={
        "metadata": json_values,
        "contacts": st.lists(json_values, max_size=2),
        "messages": st.lists(json_values, max_size=2),
        "statuses": st.lists(json_values, max_size=2),
    },
)
wa_values_with_messages = st.fixed_dictionaries(
    {"messages": st.lists(wa_messages, min_size=1, max_size=2)},
    optional={"metadata": json_values, "contacts": st.lists(json_values, max_size=2)},
)
wa_notifications = st.builds(
    lambda field, value: {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": field, "value": value}]}],
    },
    st.sampled_from(["messages", "messages", "messages", "account_update"]) | any_text,
    # one_of draws each branch alike: messages twice as often as the rest
    st.one_of(wa_values_with_messages, wa_values_with_messages, wa_values, json_values),
)


def test_any_whatsapp_notification_is_taken_or_refused_whole(
    client: Client, graph_api: FakeGraphApi
) -> None:
    graph_api.media["*"] = (jpeg(), "image/jpeg")  # every media id names a small picture
    found: list[str] = []
    answers: set[int] = set()

    @FUZZ
    @given(data=st.one_of(wa_notifications, wa_notifications, json_values))
    def deliver(data: Any) -> None:
        body = json.dumps(data)  # ASCII: a lone surrogate travels as \ud800, as a client sends it
        before = _written()
        response = wa_post(client, body)
        assert response.status_code in {200, 400}, response.status_code
        answers.add(response.status_code)
        if response.status_code == 400:
            assert _written() == before
        _check_end_states(found)

    deliver()
    assert not found, found
    assert answers == {200, 400}  # both kinds of input were tried
    # and messages were taken in and filed, not only refused
    assert Contact.objects.filter(channel="whatsapp", direction="in", state="processed").exists()
