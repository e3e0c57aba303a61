"""Time `lifeline purge` on SQLite: the dry run's counts and the real run's deletes.

Run: `.venv/bin/python benchmarks/purge.py [--cases 2000] [--messages 3]`. Fills a throw-away
SQLite database with cases closed 400 days ago, each with that many messages, then prints the
seconds the dry run and the purge took, and messages deleted per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
    os.environ["LIFELINE_DATA_DIR"] = tempfile.mkdtemp(prefix="lifeline-bench-")
    os.environ["LIFELINE_DEV_KEYS"] = "1"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from lifeline.cases.models import Case
    from lifeline.intake.models import Contact, Conversation
    from lifeline.retention.selectors import purge_preview
    from lifeline.retention.services import purge_run

    call_command("migrate", verbosity=0)
    closed = timezone.now() - timedelta(days=400)
    cases = Case.objects.bulk_create(
        Case(reference=f"LF-B{i:07d}", kind="other", status="closed", created_at=closed,
             updated_at=closed, closed_at=closed)
        for i in range(args.cases)
    )  # fmt: skip
    conversations = Conversation.objects.bulk_create(
        Conversation(channel="web", case=case, created_at=closed) for case in cases
    )
    Contact.objects.bulk_create(
        Contact(channel="web", external_id=f"{c.pk}-{m}", direction="in", conversation=c,
                case_id=c.case_id, received_at=closed, body="сообщение " * 20, state="processed")
        for c in conversations for m in range(args.messages)
    )  # fmt: skip
    started = time.perf_counter()
    preview = purge_preview()
    dry = time.perf_counter() - started
    started = time.perf_counter()
    run = purge_run()
    real = time.perf_counter() - started
    print(f"cases: {args.cases}, messages: {args.cases * args.messages}")
    print(f"dry run: {dry:.2f} s ({dict(preview['messages'])})")
    print(f"purge: {real:.2f} s, {run.counts.get('messages', 0) / real:.0f} messages/s deleted")


if __name__ == "__main__":
    main()
