"""Time the status page's receipt check: right secret, wrong secret, unknown reference, throttled.

Run: `LIFELINE_DEV_KEYS=1 .venv/bin/python benchmarks/receipt_timing.py [rounds]`
Uses a throw-away SQLite database and the production argon2 cost, and prints median and p90
per answer in milliseconds. The four answers should cost the same: each does one argon2 verify.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time


def main(rounds: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
    os.environ["LIFELINE_DATA_DIR"] = tempfile.mkdtemp(prefix="lifeline-bench-")
    os.environ["LIFELINE_DEV_KEYS"] = "1"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("LIFELINE_TESTING", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from lifeline.core.receipts import new_receipt
    from lifeline.core.throttle import throttle_reset
    from lifeline.intake.selectors import THROTTLE_SCOPE
    from lifeline.intake.services import web_submission_receive

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 429s are expected
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["testserver"]
    _, receipt = web_submission_receive(kind="other", language="ru", body="тест", fields={})
    _, blocked = web_submission_receive(kind="other", language="ru", body="тест", fields={})
    wrong = new_receipt().secret
    unknown = new_receipt().reference
    client = Client()
    for _ in range(settings.STATUS_THROTTLE_LIMIT):
        client.post("/status/", {"reference": blocked.reference, "secret": wrong})

    cases = {
        "right secret": (receipt.reference, receipt.secret),
        "wrong secret": (receipt.reference, wrong),
        "unknown reference": (unknown, wrong),
        "throttled reference": (blocked.reference, receipt.secret),
    }
    print(f"argon2 cost: {settings.RECEIPT_ARGON2}; {rounds} rounds each")
    for label, (reference, secret) in cases.items():
        timings = []
        for _ in range(rounds):
            fresh = Client()
            started = time.perf_counter()
            response = fresh.post("/status/", {"reference": reference, "secret": secret})
            timings.append((time.perf_counter() - started) * 1000)
            if label in ("wrong secret", "unknown reference"):
                throttle_reset(scope=THROTTLE_SCOPE, subject=reference)
        timings.sort()
        p90 = timings[int(len(timings) * 0.9) - 1]
        print(
            f"{label:20s} HTTP {response.status_code}  median {statistics.median(timings):6.1f} ms"
            f"  p90 {p90:6.1f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
