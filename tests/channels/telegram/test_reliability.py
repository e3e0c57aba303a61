"""What the provider relies on: one row for many deliveries, 503 when we cannot commit.

These go over real HTTP on loopback to `lifeline serve` (gunicorn): on the test database for
the concurrent deliveries, and on a database that cannot be reached for the outage. Bounded
in count and time.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError

from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.channels.telegram.conftest import SECRET, FakeBotApi, post, update
from tests.processes import (
    free_port,
    http_post,
    http_post_at_once,
    served,
    shared_database_url,
)

DELIVERIES = 50


def _post(url: str, body: bytes, secret: str = SECRET) -> int:
    return http_post(url, body, {"X-Telegram-Bot-Api-Secret-Token": secret})


@pytest.mark.slow  # a gunicorn server and 50 concurrent deliveries: ~5 s
@pytest.mark.django_db(transaction=True)
def test_one_update_delivered_50_times_at_once_is_one_contact() -> None:
    data = update("message_text")
    body = json.dumps(data).encode()
    env = {"DATABASE_URL": shared_database_url(), "TELEGRAM_WEBHOOK_SECRET": SECRET}
    with served(env, workers=4) as base:
        url = base + "/channels/telegram/webhook/"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        answers = http_post_at_once(url, body, headers, DELIVERIES)
    assert answers == [200] * DELIVERIES
    assert Contact.objects.filter(channel="telegram").count() == 1
    assert AuditEvent.objects.filter(action="contact.receive").count() == 1
    assert Contact.objects.get().external_id == str(data["update_id"])


@pytest.mark.django_db
def test_a_database_lost_mid_write_answers_503_and_leaves_nothing(
    client: Any, bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    # The contact row is inserted, then the connection fails before the commit.
    monkeypatch.setattr("lifeline.intake.inbox.audit_record", down)
    response = post(client, update("message_text"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert (Contact.objects.count(), AuditEvent.objects.count()) == (0, 0)


@pytest.mark.slow  # a gunicorn server on a database that cannot be reached: ~2.5 s
def test_an_unreachable_database_answers_503_so_telegram_retries() -> None:
    # Nothing listens on that port: every connection to the database is refused.
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/lifeline",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "CRITICAL",
    }
    with served(env, workers=1) as base:
        url = base + "/channels/telegram/webhook/"
        body = json.dumps(update("message_text")).encode()
        assert _post(url, body) == 503
        # A wrong secret is still refused first: an outage tells a stranger nothing more.
        assert _post(url, body, secret="wrong") == 403
