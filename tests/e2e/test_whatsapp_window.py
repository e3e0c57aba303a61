"""End to end in headless Chromium: a WhatsApp message arrives, its 24-hour window closes, and
the operator sees so on the case page before writing, and sends an approved template instead."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.channels.whatsapp.views import signature_compute
from lifeline.intake.inbox import contact_process
from lifeline.intake.models import Contact
from tests.channels.whatsapp.conftest import (
    APP_SECRET,
    FakeGraphApi,
    deliver_all,
    graph_api,  # noqa: F401 (a fixture)
    notification,
)
from tests.e2e.test_hotline_flow import _operator_logs_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _delivered_through_the_webhook(base: str) -> Case:
    body = json.dumps(notification("text")).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        base + "/channels/whatsapp/webhook/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature_compute(secret=APP_SECRET, body=body),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
    contact = Contact.objects.get(channel="whatsapp")
    contact_process(contact_id=contact.pk)  # the worker's part
    return Case.objects.get()


def test_the_operator_sends_a_template_once_the_window_has_closed(
    browser: Any,
    live_url: str,
    graph_api: FakeGraphApi,  # noqa: F811 (the fixture imported above)
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.WHATSAPP_TEMPLATES_FILE = tmp_path / "templates.yaml"
    settings.WHATSAPP_TEMPLATES_FILE.write_text(
        'reply_waiting:\n  uk: "Вітаємо. У нас є для вас відповідь: напишіть нам."\n',
        encoding="utf-8",
    )
    case = _delivered_through_the_webhook(live_url)
    day_ago = timezone.now() - timedelta(hours=26)
    Contact.objects.filter(direction="in").update(received_at=day_ago)
    inbound = Contact.objects.get(direction="in")
    inbound.fields = {**inbound.fields, "sent_at": int(day_ago.timestamp())}
    inbound.save(update_fields=["fields"])

    page = browser.new_context().new_page()
    _operator_logs_in(page, live_url)
    page.get_by_role("link", name=case.reference).click()
    notice = page.locator("#reply-window")
    assert "now delivers only an approved template" in notice.inner_text()

    # Written anyway: refused, saying why, and nothing is queued.
    page.locator("textarea[name=body]").fill("Ми знайшли вашого брата.")
    page.get_by_role("button", name="Send reply").click()
    assert "now delivers only an approved template" in page.locator("body").inner_text()
    assert not Contact.objects.filter(direction="out", author__isnull=False).exists()

    page.locator("#template-reply select").select_option("reply_waiting:uk")
    page.get_by_role("button", name="Send template").click()
    page.wait_for_load_state()
    assert "Template queued to send." in page.locator("body").inner_text()
    # The page is one form: what the operator wrote stays in the box for later.
    assert page.locator("textarea[name=body]").input_value() == "Ми знайшли вашого брата."
    deliver_all()
    assert graph_api.sent()[-1]["template"] == {
        "name": "reply_waiting",
        "language": {"code": "uk"},
    }
