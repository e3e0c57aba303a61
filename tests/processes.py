"""Real Lifeline processes for tests: a web server or a worker on the test database.

Loopback only; every process is stopped by the test that started it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shared_database_url() -> str:
    """The test database, as a DATABASE_URL another process can use."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT")
    return f"postgres://{user}@{host}:{port or 5432}/{db['NAME']}"


def lifeline(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `lifeline <args>` with the test process's environment updated by `env`."""
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "lifeline.cli", *args],
        env={**os.environ, "LOG_LEVEL": "ERROR", **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def served(env: dict[str, str], *, workers: int = 2, wait_for: str = "/healthz") -> Iterator[str]:
    """Run `lifeline serve` (gunicorn) on a free loopback port; yield its base URL."""
    port = free_port()
    server = lifeline("serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + wait_for, timeout=5).close()  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # it answers, even if not 200
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("lifeline serve did not come up") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` as JSON to a served address; the answer's status, an error's included."""
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        url, data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def http_post_at_once(url: str, body: bytes, headers: dict[str, str], times: int) -> list[int]:
    """The same delivery `times` times at once, as a provider retrying in a hurry; the answers."""
    start = threading.Barrier(times)
    answers: list[int] = []

    def deliver() -> None:
        start.wait(timeout=30)
        answers.append(http_post(url, body, headers))

    threads = [threading.Thread(target=deliver) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers
