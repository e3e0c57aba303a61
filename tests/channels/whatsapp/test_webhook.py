"""The webhook: the subscription handshake, and only Meta's signed notifications, each once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.channels.whatsapp.views import signature_compute
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.channels.whatsapp.conftest import (
    APP_SECRET,
    VERIFY_TOKEN,
    FakeGraphApi,
    notification,
    post,
    wamid_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _configured(graph_api: FakeGraphApi) -> None:
    """Every channel setting in place: refusals below are about the request alone."""


def _written() -> tuple[int, int]:
    return Contact.objects.count(), AuditEvent.objects.count()


def _handshake(client: Client, **params: str) -> Any:
    return client.get(reverse("whatsapp:webhook"), params)


def test_the_webhook_address() -> None:
    assert reverse("whatsapp:webhook") == "/channels/whatsapp/webhook/"


def test_the_handshake_echoes_the_challenge_to_our_verify_token(client: Client) -> None:
    response = _handshake(
        client, **{"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                   "hub.challenge": "1158201444"}
    )  # fmt: skip
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN + "x", "hub.challenge": "1"},
        {},
    ],
)
def test_a_handshake_without_our_verify_token_is_refused(
    client: Client, params: dict[str, str]
) -> None:
    assert _handshake(client, **params).status_code == 403


def test_an_unconfigured_verify_token_refuses_every_handshake(
    client: Client, settings: Any
) -> None:
    settings.WHATSAPP_VERIFY_TOKEN = ""
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert _handshake(client, **params).status_code == 403


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha256=00", "sha1=abc", "wrong",
     signature_compute(secret="another-secret", body=b"{}")],
)  # fmt: skip
def test_a_missing_or_wrong_signature_is_refused_and_writes_nothing(
    client: Client, signature: str
) -> None:
    before = _written()
    response = post(client, notification("text"), secret=None, signature=signature)
    assert response.status_code == 403
    assert _written() == before


def test_a_signature_over_another_body_is_refused(client: Client) -> None:
    data = notification("text")
    signed = signature_compute(secret=APP_SECRET, body=json.dumps(data).encode())
    tampered = json.dumps(data).replace("Synthetic Person", "Someone Else").encode()
    assert tampered != json.dumps(data).encode()
    assert post(client, tampered, signature=signed).status_code == 403
    assert _written() == (0, 0)


def test_an_unconfigured_app_secret_refuses_everything(client: Client, settings: Any) -> None:
    settings.WHATSAPP_APP_SECRET = ""
    assert post(client, notification("text"), secret="").status_code == 403
    assert _written() == (0, 0)


def test_a_signed_message_commits_one_pending_contact(
    client: Client, graph_api: FakeGraphApi
) -> None:
    data = notification("text")
    assert post(client, data).status_code == 200
    contact = Contact.objects.get()
    assert (contact.channel, contact.external_id) == ("whatsapp", wamid_of(data))
    assert (contact.direction, contact.state, contact.conversation) == ("in", "pending", None)
    # +380: the likeliest language is Ukrainian
    assert contact.language == "uk"
    assert contact.payload["messages"] == data["entry"][0]["changes"][0]["value"]["messages"]
    assert graph_api.requests == []  # the webhook never waits for the network


def test_a_message_delivered_twice_is_kept_once(client: Client) -> None:
    data = notification("text")
    assert post(client, data).status_code == 200
    assert post(client, data).status_code == 200
    assert Contact.objects.filter(external_id=wamid_of(data)).count() == 1


def test_a_batch_of_messages_is_one_contact_each(client: Client) -> None:
    data = notification("text")
    other = notification("voice")
    value = data["entry"][0]["changes"][0]["value"]
    value["messages"] += other["entry"][0]["changes"][0]["value"]["messages"]
    assert post(client, data).status_code == 200
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == sorted(
        m["id"] for m in value["messages"]
    )


@pytest.mark.parametrize("name", ["status_delivered", "status_failed"])
def test_a_status_callback_is_not_a_new_message(client: Client, name: str) -> None:
    assert post(client, notification(name)).status_code == 200
    assert _written() == (0, 0)


def test_other_fields_are_acknowledged_and_ignored(client: Client) -> None:
    data = notification("text")
    data["entry"][0]["changes"][0]["field"] = "message_template_status_update"
    assert post(client, data).status_code == 200
    assert _written() == (0, 0)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'"text"', b"{}", b'{"object": "page", "entry": []}',
     b'{"object": "whatsapp_business_account", "entry": {}}',
     b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"}]}]}',
     b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
     b' "value": {"messages": [{"type": "text"}]}}]}]}',
     b"\xff\xfe", b"[" * 100_000],
)  # fmt: skip
def test_garbage_with_a_good_signature_is_a_bad_request(client: Client, body: bytes) -> None:
    assert post(client, body).status_code == 400
    assert _written() == (0, 0)


@pytest.mark.parametrize("raw", [r"\ud800", r"nul \u0000 inside", r"\udc80"])
def test_text_the_database_cannot_store_is_a_bad_request_and_writes_nothing(
    client: Client, raw: str
) -> None:
    data = notification("text")
    good = notification("text")
    value = data["entry"][0]["changes"][0]["value"]
    # the good message first: the bad one after it must not leave the first one written
    value["messages"].insert(0, good["entry"][0]["changes"][0]["value"]["messages"][0])
    value["messages"][1]["text"]["body"] = "PLACEHOLDER"
    body = json.dumps(data).replace('"PLACEHOLDER"', f'"{raw}"').encode()
    assert post(client, body).status_code == 400
    assert _written() == (0, 0)


def test_only_get_and_post_are_accepted(client: Client) -> None:
    assert client.put(reverse("whatsapp:webhook")).status_code == 405
