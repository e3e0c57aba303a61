"""The `lifeline` command: manage.py plus `serve`, `worker` and the two-word commands."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="lifeline serve", description="Serve Lifeline.")
    parser.add_argument("--bind", default=os.environ.get("LIFELINE_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument(
        "--with-worker", action="store_true", help="also run the background worker as a child"
    )
    args = parser.parse_args(argv)
    # Refuse to serve with field keys that cannot read the database (or are malformed): a
    # visitor would get a receipt for a message nobody can read.
    keys = subprocess.run([sys.executable, "-m", "lifeline.cli", "keys", "check"], check=False)  # noqa: S603
    if keys.returncode != 0:
        return keys.returncode
    children: list[subprocess.Popen[bytes]] = []
    if args.with_worker:
        children.append(subprocess.Popen([sys.executable, "-m", "lifeline.cli", "worker"]))  # noqa: S603
    gunicorn = [
        sys.executable, "-m", "gunicorn", "lifeline.wsgi:application",
        "--bind", args.bind, "--workers", str(args.workers),
        # The access log names neither the visitor's address nor his browser.
        "--access-logfile", "-", "--access-logformat", '%(m)s %(U)s %(s)s %(B)s %(M)sms',
    ]  # fmt: skip
    web = subprocess.Popen(gunicorn)  # noqa: S603
    children.append(web)

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = web.wait()
    stop(signal.SIGTERM, None)
    for child in children:
        child.wait()
    return code


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
    if args[:1] == ["serve"]:
        sys.exit(_serve(args[1:]))
    if args[:1] == ["worker"]:
        args = ["worker", "--queue-name", "*", *args[1:]]
    elif args[:2] == ["audit", "verify"]:
        args = ["audit_verify", *args[2:]]
    elif args[:2] == ["audit", "checkpoint"]:
        args = ["audit_checkpoint", *args[2:]]
    elif args[:2] in (
        ["keys", "check"],
        ["keys", "rotate"],
        ["keys", "rehash"],
        ["keys", "destroy"],
        ["keys", "split"],
        ["keys", "join"],
    ):
        args = [f"keys_{args[1]}", *args[2:]]
    elif args[:2] == ["backup", "keygen"]:
        args = ["backup_keygen", *args[2:]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lifeline", *args])


if __name__ == "__main__":
    main()
