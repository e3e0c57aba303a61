"""`lifeline worker`: the database task worker, plus the sweeps that re-queue lost work.

The sweeps are the `worker_sweep` handlers in settings.LIFELINE_HOOKS (today: the inbox's).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from lifeline.core.hooks import hook_run
from lifeline.core.keys import field_keys_require

logger = logging.getLogger(__name__)


def _sweep_forever(stop: threading.Event) -> None:
    # Its own thread, so its own database connection; a failing sweep must not stop the worker.
    while True:
        try:
            close_old_connections()
            hook_run("worker_sweep")
        except Exception:
            logger.exception("a sweep failed; it runs again shortly")
        finally:
            connection.close()
        if stop.wait(settings.INBOX_SWEEP_SECONDS):
            return


class Command(DBWorkerCommand):
    help = "Run background tasks, and re-queue work a dead worker or queue left behind."

    def handle(self, *args: Any, **options: Any) -> None:
        field_keys_require()  # a wrong key would fail every item; refuse before taking any
        stop = threading.Event()
        sweeper = None
        if not options.get("batch"):
            sweeper = threading.Thread(target=_sweep_forever, args=(stop,), daemon=True)
            sweeper.start()
        else:
            hook_run("worker_sweep")
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            if sweeper is not None:
                sweeper.join(timeout=5)
