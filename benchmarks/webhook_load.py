"""Load a channel's webhook: 10,000 deliveries, 10 % of them repeats, gunicorn + PostgreSQL.

Run: `.venv/bin/python benchmarks/webhook_load.py [--channel telegram|whatsapp]
[--deliveries 10000] [--concurrency 32]`

`--channel whatsapp` posts Cloud API notifications, one message each, signed with
X-Hub-Signature-256 as Meta signs them (the signatures are computed before the clock starts).

It creates a throw-away PostgreSQL database (`lifeline_bench_webhook` on 127.0.0.1:5432, or
--database-url), migrates it, starts `gunicorn lifeline.wsgi` on a loopback port with
production settings (DEBUG off, real argon2, no test shortcuts), and drives it from one
asyncio process with aiohttp over keep-alive connections. Repeats are real re-deliveries: the
same update, byte for byte, sent again later, as Telegram and Meta do after a timeout.

It prints the sustained rate, p50/p90/p99 latency, the answers by status code, and the number
of inbox rows, which must equal the number of distinct updates. The worker is not running:
this measures what the provider waits for, the commit-then-acknowledge path.
Everything goes to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.databases import database_fresh  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATHS = {"telegram": "/channels/telegram/webhook/", "whatsapp": "/channels/whatsapp/webhook/"}
DB_NAME = "lifeline_bench_webhook"
# Words for message texts: synthetic, nobody's words.
WORDS = "добрый день ищу брата сына мужа где он жив ли хочу сдаться помогите пожалуйста".split()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _update(update_id: int, rng: random.Random) -> bytes:
    chat = 10_000_000 + rng.randrange(2_000)
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000 + update_id,
            "chat": {"id": chat, "type": "private", "first_name": "Synthetic"},
            "from": {
                "id": chat,
                "is_bot": False,
                "first_name": "Synthetic",
                "language_code": rng.choice(["ru", "uk", "en"]),
            },
            "text": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 30))),
        },
    }
    return json.dumps(update, ensure_ascii=False).encode()


def _notification(number: int, rng: random.Random) -> bytes:
    """A Cloud API notification of one text message, in the documented shape."""
    sender = str(380_500_000_000 + rng.randrange(2_000))
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": "100000000000"},
        "contacts": [{"profile": {"name": "Synthetic"}, "wa_id": sender}],
        "messages": [
            {
                "from": sender,
                "id": f"wamid.{'WARMUP' if number >= WARM_UP_FIRST_ID else 'BENCH'}{number}",
                "timestamp": str(1_790_000_000 + number),
                "type": "text",
                "text": {"body": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 30)))},
            }
        ],
    }
    notification = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000001", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(notification, ensure_ascii=False).encode()


FIRST_ID = 100_000
WARM_UP_FIRST_ID = 9_000_000


def deliveries(
    count: int, repeat_share: float, seed: int, first_id: int = FIRST_ID, channel: str = "telegram"
) -> tuple[list[bytes], int]:
    """`count` request bodies: distinct updates, plus repeats of ones sent earlier."""
    rng = random.Random(seed)
    repeats = int(count * repeat_share)
    make = _notification if channel == "whatsapp" else _update
    distinct = [make(first_id + n, rng) for n in range(count - repeats)]
    bodies = list(distinct)
    for _ in range(repeats):
        # A repeat comes after its original: insert it somewhere later in the stream.
        original = rng.randrange(len(distinct))
        bodies.insert(rng.randrange(original + 1, len(bodies) + 1), distinct[original])
    return bodies, len(distinct)


def _database(url: str | None) -> str:
    """`url` if given, else the address of the benchmark's database, created empty for a run."""
    return url or database_fresh(DB_NAME)


def _environment(database_url: str, secret: str, data_dir: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LIFELINE_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=database_url,
        LIFELINE_DEV_KEYS="1",  # keys generated into the throw-away data folder
        LIFELINE_DATA_DIR=data_dir,
        LIFELINE_HTTPS="0",
        TELEGRAM_WEBHOOK_SECRET=secret,
        TELEGRAM_BOT_TOKEN="123456:bench",  # noqa: S106 (a made-up token; nothing is sent)
        TELEGRAM_API_BASE="http://127.0.0.1:9",  # nothing is sent: the worker is not running
        WHATSAPP_APP_SECRET=secret,
        WHATSAPP_ACCESS_TOKEN="bench",  # noqa: S106 (a made-up token; nothing is sent)
        WHATSAPP_PHONE_NUMBER_ID="100000000000",
        WHATSAPP_API_BASE="http://127.0.0.1:9",
        LOG_LEVEL="WARNING",
    )
    return env


def _signed(bodies: list[bytes], secret: str, channel: str) -> list[tuple[bytes, dict[str, str]]]:
    """Each body with the headers that prove it comes from the provider."""
    signed = []
    for body in bodies:
        headers = {"Content-Type": "application/json"}
        if channel == "whatsapp":
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature-256"] = f"sha256={digest}"
        else:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        signed.append((body, headers))
    return signed


async def _drive(
    url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while not queue.empty():
                body, headers = queue.get_nowait()
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return latencies, statuses, elapsed


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited before it served a request")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback only)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up within 60 s")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channel", choices=sorted(PATHS), default="telegram")
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--repeats", type=float, default=0.10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--database-url", help="an empty database to use instead of a new one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--drain-workers",
        type=int,
        default=0,
        help="afterwards, time this many `lifeline worker` processes filing the whole inbox",
    )
    args = parser.parse_args()

    channel = args.channel
    bodies, distinct = deliveries(args.deliveries, args.repeats, args.seed, channel=channel)
    secret = secrets.token_urlsafe(24)
    database_url = _database(args.database_url)
    env = _environment(database_url, secret, tempfile.mkdtemp(prefix="lifeline-bench-"))
    lifeline = [sys.executable, "-m", "lifeline.cli"]
    subprocess.run([*lifeline, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "lifeline.wsgi",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.web_workers),
            "--keep-alive", "30",
            "--log-level", "warning",
        ],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        url = f"http://127.0.0.1:{port}{PATHS[channel]}"
        # A short warm-up on other update ids, so imports and connections are not timed.
        warm, _ = deliveries(
            200, 0.0, seed=args.seed + 1000, first_id=WARM_UP_FIRST_ID, channel=channel
        )
        asyncio.run(_drive(url, _signed(warm, secret, channel), args.concurrency))
        requests = _signed(bodies, secret, channel)
        latencies, statuses, elapsed = asyncio.run(_drive(url, requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=30)

    # The inbox rows of the timed deliveries, not of the warm-up's.
    if channel == "whatsapp":
        timed = "external_id LIKE %s", ("wamid.BENCH%",)
    else:
        timed = "external_id::bigint < %s", (WARM_UP_FIRST_ID,)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            f"SELECT count(*) FROM intake_contact WHERE channel = %s AND {timed[0]}",  # noqa: S608
            (channel, *timed[1]),
        ).fetchone()
    rows = int(row[0]) if row else -1
    ms = [value * 1000 for value in latencies]
    print(f"channel: {channel}")
    print(f"deliveries: {len(bodies)} ({distinct} distinct, {len(bodies) - distinct} repeats)")
    print(f"concurrency: {args.concurrency} connections; gunicorn workers: {args.web_workers}")
    print(f"answers: {dict(sorted(statuses.items()))}")
    print(f"sustained rate: {len(bodies) / elapsed:.0f} deliveries/s over {elapsed:.1f} s")
    print(
        f"latency ms: p50 {statistics.median(ms):.1f}  p90 {_percentile(ms, 0.90):.1f}  "
        f"p99 {_percentile(ms, 0.99):.1f}  max {max(ms):.1f}"
    )
    verdict = "equal" if rows == distinct else "NOT EQUAL"
    print(f"inbox rows: {rows}; distinct updates: {distinct} -> {verdict}")
    if rows != distinct or set(statuses) != {200}:
        sys.exit(1)
    if args.drain_workers:
        _drain(env, database_url, args.drain_workers)


def _pending(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM intake_contact WHERE direction = 'in' AND state = 'pending'"
        ).fetchone()
    return int(row[0]) if row else -1


def _drain(env: dict[str, str], database_url: str, workers: int) -> None:
    """Start workers on the filled inbox and time them until nothing inbound is pending."""
    before = _pending(database_url)
    command = [sys.executable, "-m", "lifeline.cli", "worker", "--no-startup-delay"]
    processes = [
        subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603
        for _ in range(workers)
    ]
    began = time.perf_counter()
    try:
        deadline = began + 1800
        while _pending(database_url) and time.perf_counter() < deadline:
            time.sleep(1)
        elapsed = time.perf_counter() - began
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    left = _pending(database_url)
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM cases_case").fetchone()
    cases = int(row[0]) if row else -1
    print(
        f"drain: {before - left} inbound items filed by {workers} worker(s) in {elapsed:.0f} s "
        f"({(before - left) / elapsed:.1f}/s), {cases} cases opened, {left} left pending"
    )


if __name__ == "__main__":
    main()
