"""What Meta relies on, and what the person relies on: one row for many deliveries, 503 when
we cannot commit, and a worker killed mid-download that loses nothing.

These go over real HTTP on loopback to `lifeline serve` (gunicorn) and to real `lifeline
worker` processes on the test database. Bounded in count and time.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Any

import pytest
from django.db import OperationalError, connection

from lifeline.cases.models import Case
from lifeline.channels.whatsapp.views import signature_compute
from lifeline.core.models import AuditEvent
from lifeline.intake import inbox
from lifeline.intake.models import Attachment, Contact
from tests.channels.whatsapp.conftest import (
    APP_SECRET,
    PHONE_ID,
    TOKEN,
    FakeGraphApi,
    jpeg,
    notification,
    post,
    wamid_of,
)
from tests.processes import http_post_at_once, lifeline, served, shared_database_url

DELIVERIES = 50


@pytest.mark.slow  # a gunicorn server and 50 concurrent deliveries: ~5 s
@pytest.mark.django_db(transaction=True)
def test_one_message_delivered_50_times_at_once_is_one_contact() -> None:
    data = notification("text")
    body = json.dumps(data).encode()
    env = {"DATABASE_URL": shared_database_url(), "WHATSAPP_APP_SECRET": APP_SECRET}
    with served(env, workers=4) as base:
        url = base + "/channels/whatsapp/webhook/"
        signed = {"X-Hub-Signature-256": signature_compute(secret=APP_SECRET, body=body)}
        answers = http_post_at_once(url, body, signed, DELIVERIES)
    assert answers == [200] * DELIVERIES
    assert Contact.objects.filter(channel="whatsapp").count() == 1
    assert AuditEvent.objects.filter(action="contact.receive").count() == 1
    assert Contact.objects.get().external_id == wamid_of(data)


@pytest.mark.django_db
def test_a_database_lost_mid_write_answers_503_and_leaves_nothing(
    client: Any, graph_api: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lifeline.intake.inbox.audit_record", down)
    response = post(client, notification("text"))
    assert response.status_code == 503
    assert (Contact.objects.count(), AuditEvent.objects.count()) == (0, 0)


@pytest.mark.slow  # real worker processes, one killed mid-download: ~10 s
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_download_loses_nothing(graph_api: FakeGraphApi) -> None:
    graph_api.media["1003383421387256"] = (jpeg(), "image/jpeg")
    graph_api.stall = threading.Event()  # each download hangs after its first bytes
    data = notification("image")
    # Committed as the webhook commits it: the value holding the one message.
    value = data["entry"][0]["changes"][0]["value"]
    contact = inbox.inbox_receive(
        channel="whatsapp", external_id=wamid_of(data), payload=value, language="uk"
    )
    assert contact is not None
    env = {
        "DATABASE_URL": shared_database_url(),
        "LIFELINE_INBOX_LEASE_SECONDS": "1",
        "LIFELINE_INBOX_SWEEP_SECONDS": "1",
        "WHATSAPP_API_BASE": graph_api.base,
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
    }
    connection.close()  # the worker must not wait on a lock this process holds
    worker = lifeline("worker", "--no-startup-delay", "--interval", "0.05", env=env)
    try:
        deadline = time.monotonic() + 30
        while not graph_api.downloads() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert graph_api.downloads(), "the worker never started the download"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    contact.refresh_from_db()
    assert (contact.state, contact.last_error) == ("pending", Contact.WORKER_STOPPED)
    assert contact.payload  # the item is whole in the inbox, ready for the next attempt

    graph_api.stall.set()  # the network is fine again
    worker = lifeline("worker", "--no-startup-delay", "--interval", "0.05", env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            contact.refresh_from_db()
            if contact.state == "processed":
                break
            time.sleep(0.2)
            connection.close()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert (contact.state, contact.body) == ("processed", "Його військовий квиток")
    assert Attachment.objects.filter(contact=contact).count() == 1
    assert Case.objects.count() == 1
    assert len(graph_api.downloads()) == 2
    assert AuditEvent.objects.filter(action="contact.process").count() == 1
