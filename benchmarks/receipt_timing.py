"""Time the status page's receipt check: right secret, wrong secret, unknown reference, old receipt.

Run: `LIFELINE_DEV_KEYS=1 .venv/bin/python benchmarks/receipt_timing.py [rounds]`
Uses a throw-away SQLite database and the production argon2 cost, and prints median and p90
per answer in milliseconds. The first three cost one HMAC each, so they should take the same
time; an old receipt (stored as argon2 before keyed hashes) costs one argon2 verify.
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

    from lifeline.cases.models import Case
    from lifeline.core.receipts import hash_secret_argon2, new_receipt
    from lifeline.public.services import web_submission_receive

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 429s are expected
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["testserver"]
    _, receipt = web_submission_receive(kind="other", language="ru", body="тест", fields={})
    old, old_receipt = web_submission_receive(kind="other", language="ru", body="тест", fields={})
    wrong = new_receipt().secret
    unknown = new_receipt().reference
    settings.RECEIPT_ARGON2_BUDGET = 10**9  # time the argon2 check itself, not the budget

    cases = {
        "right secret": (receipt.reference, receipt.secret),
        "wrong secret": (receipt.reference, wrong),
        "unknown reference": (unknown, wrong),
        "old argon2 receipt": (old_receipt.reference, "0" * 16),
    }
    hashed = hash_secret_argon2(old_receipt.secret)
    Case.objects.filter(pk=old.pk).update(secret_hash=hashed)
    print(f"argon2 cost: {settings.RECEIPT_ARGON2}; {rounds} rounds each")
    for label, (reference, secret) in cases.items():
        timings = []
        for _ in range(rounds):
            fresh = Client()
            started = time.perf_counter()
            response = fresh.post("/status/", {"reference": reference, "secret": secret})
            timings.append((time.perf_counter() - started) * 1000)
            if label == "old argon2 receipt":  # a wrong secret: the hash stays argon2
                assert Case.objects.get(pk=old.pk).secret_hash.startswith("$argon2")
        timings.sort()
        p90 = timings[int(len(timings) * 0.9) - 1]
        print(
            f"{label:20s} HTTP {response.status_code}  median {statistics.median(timings):6.1f} ms"
            f"  p90 {p90:6.1f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
