"""Nothing identifies a visitor: no address or browser in any table or log line; text sealed."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.test import Client

from lifeline.cases.fixed_replies import fixed_replies
from lifeline.cases.services import case_reply
from lifeline.intake.models import Contact
from tests.public.helpers import all_rows, raw_text

CANARY_IP = "203.0.113.77"
CANARY_FORWARDED = "198.51.100.23"
CANARY_AGENT = "CanaryBrowser/9.7 (zq-x81-canary)"
CANARIES = [CANARY_IP, CANARY_FORWARDED, "zq-x81-canary", "CanaryBrowser"]
IDENTIFYING = {
    "REMOTE_ADDR": CANARY_IP,
    "HTTP_X_FORWARDED_FOR": f"{CANARY_FORWARDED}, {CANARY_IP}",
    "HTTP_X_REAL_IP": CANARY_IP,
    "HTTP_USER_AGENT": CANARY_AGENT,
}


def every_public_action(client: Client, alice: Any) -> None:
    """Each form the public can send, right and wrong, carrying the identifying headers."""
    for prefix in ["", "/uk", "/en"]:
        client.get(prefix + "/", **IDENTIFYING)
        client.post(prefix + "/write/surrender/", {"message": "Хочу выйти"}, **IDENTIFYING)
        client.post(prefix + "/write/other/", {"message": ""}, **IDENTIFYING)
    response = client.post(
        "/write/family/",
        {"message": "Ищу мужа", "sought_surname": "Иванов", "relationship": "spouse"},
        follow=True,
        **IDENTIFYING,
    )
    html = response.content.decode()
    reference = re.search(r"LF-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
    secret = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
    assert reference and secret
    contact = Contact.objects.order_by("-id").first()
    assert contact is not None and contact.case is not None
    # A family enquiry: what an operator sends at once is a fixed text of the catalogue.
    case_reply(actor=alice, case=contact.case, body=fixed_replies()["acknowledgement"].texts["ru"])
    status = {"reference": reference.group(), "secret": secret.group()}
    client.post("/status/", status | {"secret": "0" * 16}, **IDENTIFYING)
    client.post("/status/", status | {"reference": "LF-0000-0000"}, **IDENTIFYING)
    client.post("/status/", {"reference": "junk", "secret": "junk"}, **IDENTIFYING)
    client.post("/status/", status, **IDENTIFYING)
    client.get("/uk/status/", **IDENTIFYING)
    client.post("/status/reply/", {"message": "Спасибо"}, **IDENTIFYING)
    client.post("/status/reply/", {"message": ""}, **IDENTIFYING)
    client.post("/status/leave/", **IDENTIFYING)
    client.post("/status/reply/", {"message": "После выхода"}, **IDENTIFYING)
    for _ in range(6):
        client.post("/status/", status | {"secret": "1" * 16}, **IDENTIFYING)
    client.post("/write/other/", data="x" * 300_000, content_type="text/plain", **IDENTIFYING)
    Client(enforce_csrf_checks=True).post("/write/other/", {"message": "x"}, **IDENTIFYING)
    client.get("/no-such-page/", **IDENTIFYING)


@pytest.mark.django_db(transaction=True)
def test_no_address_or_browser_reaches_any_table_or_log(
    client: Client,
    alice: Any,
    caplog: pytest.LogCaptureFixture,
    immediate_tasks: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    every_public_action(client, alice)
    assert Contact.objects.filter(direction="in").count() >= 5
    assert Contact.objects.filter(state="processed").exists()

    logged = [caplog.text]
    for record in caplog.records:
        logged += [record.getMessage(), repr(record.args), str(record.exc_text or "")]
    log_text = "\n".join(logged)
    tables_seen = set()
    for table, row in all_rows():
        tables_seen.add(table)
        text = " ".join(raw_text(value) for value in row)
        for canary in CANARIES:
            assert canary not in text, f"{canary} stored in {table}"
    for canary in CANARIES:
        assert canary not in log_text, f"{canary} logged"
    assert {"cases_case", "intake_contact", "core_auditevent"} <= tables_seen


@pytest.mark.django_db
def test_message_and_sought_person_are_sealed_at_rest(client: Client) -> None:
    body = "CANARY-текст-письма-4411"
    surname = "CANARYКузьминов"
    unit = "CANARY-в/ч-7731"
    contact_detail = "canary-mother@example.org"
    client.post(
        "/write/family/",
        {
            "message": body,
            "sought_surname": surname,
            "sought_unit": unit,
            "enquirer_contact": contact_detail,
        },
    )
    for table, row in all_rows():
        text = " ".join(raw_text(value) for value in row)
        for plain in (body, surname, "Кузьминов", unit, contact_detail, "canary-mother"):
            assert plain not in text, f"{plain!r} readable in {table}"
    contact = Contact.objects.get()
    assert contact.body == body
    assert contact.fields["sought_surname"] == surname
    assert contact.fields["sought_unit"] == unit
    assert contact.fields["enquirer_contact"] == contact_detail
