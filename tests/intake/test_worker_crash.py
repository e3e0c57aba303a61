"""A worker killed in the middle of processing loses nothing and duplicates nothing.

Real worker processes (`lifeline worker`) process real Telegram updates from the test
database; each is killed with SIGKILL at a random moment, several times over, and a last one
is left to finish. Bounded: at most a few dozen seconds, loopback only.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from lifeline.cases.models import Case
from lifeline.core.audit import audit_verify
from lifeline.core.models import AuditEvent
from lifeline.intake import inbox
from lifeline.intake.models import Contact
from tests.processes import lifeline, shared_database_url

CHATS = 12
MESSAGES_PER_CHAT = 4
KILLS = 5
FINISH_WITHIN_SECONDS = 90


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return lifeline("worker", "--no-startup-delay", "--interval", "0.05", env=env)


def _update(update_id: int, chat: int) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "Synthetic", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000 + update_id,
            "chat": {"id": chat, "type": "private", "first_name": "Synthetic"},
            "from": user,
            "text": f"Сообщение {update_id}",
        },
    }


def _running() -> Any:
    return DBTaskResult.objects.filter(status="RUNNING")


def _all_processed() -> bool:
    return not Contact.objects.filter(direction="in").exclude(state="processed").exists()


@pytest.mark.slow  # real worker processes, killed and restarted: ~10 s
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_task_loses_and_duplicates_nothing() -> None:
    rng = random.Random(7)
    update_id = 500
    for _ in range(MESSAGES_PER_CHAT):
        for chat in range(CHATS):
            update_id += 1
            payload = _update(update_id, 7_000_000 + chat)
            assert inbox.inbox_receive(
                channel="telegram", external_id=str(update_id), payload=payload
            )
    total = CHATS * MESSAGES_PER_CHAT
    env = {
        "DATABASE_URL": shared_database_url(),
        "LIFELINE_INBOX_LEASE_SECONDS": "1",
        "LIFELINE_INBOX_SWEEP_SECONDS": "1",
        "TELEGRAM_BOT_TOKEN": "123:synthetic",
        "TELEGRAM_API_BASE": "http://127.0.0.1:9",  # replies fail fast and wait for a retry
    }
    connection.close()  # the worker must not wait on a lock this process holds

    # Tasks a killed worker held stay RUNNING for ever: the sweep queues their work again.
    orphaned: set[Any] = set()
    for _ in range(KILLS):
        worker = _worker(env)
        deadline = time.monotonic() + 20
        # Kill it the moment it holds a task, after a random extra breath.
        while time.monotonic() < deadline and not _running().exclude(pk__in=orphaned).exists():
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        connection.close()
        orphaned = set(_running().values_list("pk", flat=True))
    assert orphaned, "no worker was killed while it held a task"
    assert not _all_processed(), "the workers finished before they could be killed"

    worker = _worker(env)
    try:
        deadline = time.monotonic() + FINISH_WITHIN_SECONDS
        while time.monotonic() < deadline and not _all_processed():
            time.sleep(0.2)
            connection.close()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    inbound = Contact.objects.filter(direction="in")
    assert inbound.count() == total
    assert set(inbound.values_list("state", flat=True)) == {"processed"}
    # Exactly once: one case per chat, one processing record per message, one receipt per case.
    assert Case.objects.count() == CHATS
    processed = AuditEvent.objects.filter(action="contact.process")
    assert processed.count() == total
    assert sorted(Contact.objects.filter(direction="in").values_list("case", flat=True)) == sorted(
        case for case in Case.objects.values_list("pk", flat=True) for _ in range(MESSAGES_PER_CHAT)
    )
    for case in Case.objects.all():
        receipts = [c for c in case.contacts.filter(direction="out") if case.reference in c.body]
        assert len(receipts) == 1, case.reference
    assert audit_verify().intact
