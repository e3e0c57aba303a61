"""The voice provider's webhook: signed call events into the inbox, then onto cases."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.urls import reverse

from lifeline.cases.models import Case
from lifeline.channels.phone.signature import HMAC_SHA256, signature_compute
from lifeline.core.models import AuditEvent
from lifeline.intake.adapters import SendRefused, adapter_for
from lifeline.intake.inbox import contact_process
from lifeline.intake.models import Contact
from tests.factories import create_user, login_staff

TOKEN = "test-voice-token"
PATH = "/channels/voice/events/"


@pytest.fixture(autouse=True)
def _voice(settings: Any, db: Any) -> None:
    settings.VOICE_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"


def event(sid: str = "CA0001", status: str = "no-answer", **extra: str) -> dict[str, str]:
    return {
        "AccountSid": "AC1",
        "CallSid": sid,
        "CallStatus": status,
        "Direction": "inbound",
        "From": "+380671234567",
        "To": "+442079460958",
        "FromCity": "Somewhere",
        **extra,
    }


def signed_post(client: Any, params: dict[str, str], *, token: str = TOKEN, **headers: str) -> Any:
    from django.conf import settings

    signature = signature_compute(token=token, url=settings.PUBLIC_BASE_URL + PATH, params=params)
    return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature, **headers)


def written() -> tuple[int, int]:
    return Contact.objects.count(), AuditEvent.objects.count()


def test_the_url_is_the_one_the_design_names() -> None:
    assert reverse("phone:events") == PATH


def test_a_signed_event_is_committed_pending(client: Any) -> None:
    response = signed_post(client, event())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    contact = Contact.objects.get()
    assert (contact.channel, contact.external_id, contact.state) == (
        "phone",
        "CA0001:no-answer",
        "pending",
    )
    # Only what the adapter reads is kept: not the caller's city, not our account.
    assert set(contact.payload) == {"CallSid", "CallStatus", "Direction", "From", "To"}


def test_an_event_delivered_twice_is_one_contact(client: Any) -> None:
    assert signed_post(client, event()).status_code == 200
    assert signed_post(client, event()).status_code == 200
    assert Contact.objects.count() == 1


def test_a_sha256_signature_named_by_the_provider_is_accepted(client: Any) -> None:
    from django.conf import settings

    params = event()
    url = settings.PUBLIC_BASE_URL + PATH
    signature = signature_compute(token=TOKEN, url=url, params=params, algorithm=HMAC_SHA256)
    response = client.post(
        PATH,
        params,
        HTTP_X_TWILIO_SIGNATURE=signature,
        HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS="key=k1,algorithm=HMAC_SHA256",
    )
    assert response.status_code == 200


def test_a_tampered_event_is_refused_and_writes_nothing(client: Any) -> None:
    from django.conf import settings

    before = written()
    params = event()
    signature = signature_compute(token=TOKEN, url=settings.PUBLIC_BASE_URL + PATH, params=params)
    tampered = {**params, "From": "+70000000000"}
    response = client.post(PATH, tampered, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert written() == before


def test_a_json_body_is_held_to_the_hash_the_provider_signed(client: Any) -> None:
    from django.conf import settings

    body = b'{"CallSid": "CA0001", "CallStatus": "no-answer"}'
    path = f"{PATH}?bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = signature_compute(token=TOKEN, url=settings.PUBLIC_BASE_URL + path, params={})
    before = written()
    tampered = body.replace(b"no-answer", b"completed")
    for sent, answer in [(tampered, 403), (body, 400)]:  # signed, but not form parameters
        response = client.post(
            path, sent, content_type="application/json", HTTP_X_TWILIO_SIGNATURE=signature
        )
        assert response.status_code == answer
    assert written() == before


def test_a_wrong_token_or_no_signature_is_refused(client: Any) -> None:
    before = written()
    assert signed_post(client, event(), token="not-the-token").status_code == 403
    assert client.post(PATH, event()).status_code == 403
    assert written() == before


def test_a_signature_for_another_address_is_refused(client: Any) -> None:
    # What the server itself sees (testserver) is not what the provider signed.
    params = event()
    signature = signature_compute(token=TOKEN, url="http://testserver" + PATH, params=params)
    assert client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403


def test_without_a_configured_token_everything_is_refused(client: Any, settings: Any) -> None:
    settings.VOICE_AUTH_TOKEN = ""
    before = written()
    assert signed_post(client, event(), token="").status_code == 403
    assert written() == before


def test_an_event_without_call_or_status_is_a_bad_request(client: Any) -> None:
    params = event()
    del params["CallStatus"]
    assert signed_post(client, params).status_code == 400
    assert Contact.objects.count() == 0


def test_only_post_is_answered(client: Any) -> None:
    assert client.get(PATH).status_code == 405


def test_a_missed_call_opens_one_waiting_case(client: Any) -> None:
    signed_post(client, event(status="ringing"))
    signed_post(client, event(status="no-answer"))
    for contact in Contact.objects.order_by("id"):
        contact_process(contact_id=contact.pk)

    case = Case.objects.get()
    assert (case.kind, case.status) == ("other", "new")
    assert case.waiting_since is not None
    missed = Contact.objects.get(external_id="CA0001:no-answer")
    assert (missed.state, missed.case, missed.payload) == ("processed", case, {})
    assert missed.fields == {"call_sid": "CA0001", "status": "no-answer", "direction": "inbound"}
    assert "missed" in missed.body and "call back" in missed.body
    assert missed.conversation.identity == "+380671234567"


def test_a_later_call_from_the_number_lands_on_the_same_open_case(client: Any) -> None:
    signed_post(client, event(sid="CA0001", status="no-answer"))
    signed_post(client, event(sid="CA0002", status="completed", CallDuration="75"))
    for contact in Contact.objects.order_by("id"):
        contact_process(contact_id=contact.pk)

    case = Case.objects.get()
    completed = Contact.objects.get(external_id="CA0002:completed")
    assert completed.case == case
    assert completed.fields["duration"] == 75
    assert "1 min 15 s" in completed.body


def test_a_call_we_placed_is_filed_under_the_number_called(client: Any) -> None:
    signed_post(client, event(sid="CA0001", status="no-answer"))
    outbound = event(sid="CA0002", status="busy", Direction="outbound-api")
    outbound.update({"From": "+442079460958", "To": "+380671234567"})
    signed_post(client, outbound)
    for contact in Contact.objects.order_by("id"):
        contact_process(contact_id=contact.pk)

    assert Case.objects.count() == 1
    assert Contact.objects.get(external_id="CA0002:busy").body.startswith("Our call")


def test_withheld_callers_are_not_lumped_together(client: Any) -> None:
    signed_post(client, event(sid="CA0001", status="ringing", From="+266696687"))
    signed_post(client, event(sid="CA0001", status="no-answer", From="+266696687"))
    signed_post(client, event(sid="CA0002", status="no-answer", From="anonymous"))
    for contact in Contact.objects.order_by("id"):
        contact_process(contact_id=contact.pk)

    # Two callers, two cases; the two events of the first call are on one case.
    assert Case.objects.count() == 2
    first = Contact.objects.filter(external_id__startswith="CA0001:")
    assert len({c.case_id for c in first}) == 1


def test_a_logged_call_and_the_providers_event_share_the_case(client: Any, alice: Any) -> None:
    from lifeline.cases.calls.services import call_log_record

    logged = call_log_record(
        actor=alice,
        number="+380 67 123 45 67",
        language="uk",
        kind="surrender",
        summary="Wants out.",
    )
    signed_post(client, event(status="completed"))
    contact_process(contact_id=Contact.objects.get(external_id="CA0001:completed").pk)

    assert Contact.objects.get(external_id="CA0001:completed").case == logged.case


def test_the_phone_channel_sends_no_text() -> None:
    with pytest.raises(SendRefused, match=r"made by calling them back"):
        adapter_for("phone").send(Contact(), "hello")


def test_an_answered_call_waits_for_the_operators_log_instead_of_the_queue(
    client: Any, alice: Any
) -> None:
    from lifeline.cases.calls.services import call_log_record

    signed_post(client, event(sid="CA0009", status="in-progress"))
    signed_post(client, event(sid="CA0009", status="completed"))
    for contact in Contact.objects.order_by("id"):
        contact_process(contact_id=contact.pk)
    assert Case.objects.count() == 0  # nothing waits in the queue for a call already answered

    logged = call_log_record(
        actor=alice,
        number="+380 67 123 45 67",
        language="uk",
        kind="surrender",
        summary="Хочет сдаться, перезвонит завтра.",
    )
    # The operator's log opens the case, and the provider's events join it.
    assert set(Contact.objects.values_list("case", flat=True)) == {logged.case.pk}


@pytest.mark.parametrize(
    ("key", "value"),
    [("CallSid", "CA\x000001"), ("CallStatus", "no-answer\x00"), ("From", "+38067\x001234567")],
)
def test_a_nul_the_database_cannot_store_is_a_bad_request_and_writes_nothing(
    client: Any, key: str, value: str
) -> None:
    # PostgreSQL refuses NUL in text: stored as it came, the event would answer 503 for ever.
    before = written()
    assert signed_post(client, event(**{key: value})).status_code == 400
    assert written() == before


@pytest.mark.parametrize(
    ("language", "missed", "lasted"),
    [
        ("en", "Call from the person: missed (no-answer), call back.", "completed, 1 min 15 s."),
        ("ru", "Звонок от человека: пропущен (no-answer), перезвонить.", "completed, 1 мин 15 с."),
        ("uk", "Дзвінок від людини: пропущено (no-answer), передзвонити.", "completed, 1 хв 15 с."),
    ],
)
def test_a_calls_line_is_read_in_each_operators_language(
    client: Any, language: str, missed: str, lasted: str
) -> None:
    signed_post(client, event(sid="CA0001", status="no-answer"))
    signed_post(client, event(sid="CA0002", status="completed", CallDuration="75"))
    for contact in Contact.objects.order_by("id"):
        contact_process(contact_id=contact.pk)
    case = Case.objects.get()
    assert case.summary == "Call from the person: missed (no-answer), call back."  # as stored

    login_staff(client, create_user("olga", roles=["operator"], console_language=language))
    page = " ".join(client.get(reverse("cases:detail", args=[case.pk])).content.decode().split())
    queue = " ".join(client.get(reverse("cases:queue")).content.decode().split())
    assert page.count(missed) == 2  # the summary and the message
    assert lasted in page
    assert missed in queue  # the preview
