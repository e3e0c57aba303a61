"""`lifeline smtpd`: receive the hotline's mail over SMTP from the mail server that relays it."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lifeline.channels.email.server import smtpd_controller
from lifeline.core.keys import field_keys_require

logger = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Command(BaseCommand):
    help = "Listen for the hotline's mail over SMTP until stopped (SIGTERM or Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.SMTPD_HOST)
        parser.add_argument("--port", type=int, default=settings.SMTPD_PORT)

    def handle(self, *args: Any, **options: Any) -> None:
        field_keys_require()  # before accepting mail that a wrong key would seal
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
        controller = smtpd_controller(host=options["host"], port=options["port"])
        try:
            controller.start()
            logger.info("receiving mail on %s port %s", controller.hostname, controller.port)
            while not stop.wait(timeout=1.0):
                pass
            controller.stop()
            logger.info("stopped receiving mail")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
