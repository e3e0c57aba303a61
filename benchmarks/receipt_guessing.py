"""Guess receipts on 4 connections while a second client measures pages: gunicorn + PostgreSQL.

Run: `.venv/bin/python benchmarks/receipt_guessing.py [--seconds 60] [--guessers 4]`

It creates a throw-away PostgreSQL database (`lifeline_bench_guessing` on 127.0.0.1:5432, or
--database-url), migrates it, opens two receipts (one as issued today, one stored as an argon2
hash as receipts were before keyed hashes), and starts `lifeline serve` on a loopback port with
production settings (DEBUG off, production argon2 cost). Then, for --seconds:
- `--guessers` connections post wrong secrets to the status page as fast as they are answered:
  at the real reference, at random references, and one guess in ten at the old receipt;
- a second client measures, in turn, the start page, the status form posted with the right
  secret (answered 303), the status page it leads to (which must show the case), and the
  Telegram webhook. Each is one request; the web workers are warmed up first, unmeasured.

It prints p50/p95/max per measured page, and the guesses per second that were served, refused
without argon2 (a wrong keyed hash, or the argon2 budget spent: 429) and verified (argon2 ran:
a wrong secret for the old receipt, answered as wrong). Exit 1 if the right secret was ever
refused. Everything goes to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.webhook_load import PATH as WEBHOOK_PATH  # noqa: E402
from benchmarks.webhook_load import (  # noqa: E402 (after the path is set)
    _database,
    _environment,
    _free_port,
    _percentile,
    _update,
    _wait_until_up,
)

DB_NAME = "lifeline_bench_guessing"
WRONG_ANSWER = "secret code is not right"
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_SETUP = """
import json, django
django.setup()
from lifeline.cases.models import Case
from lifeline.core.receipts import hash_secret_argon2
from lifeline.public.services import web_submission_receive
_, new = web_submission_receive(kind="other", language="en", body="benchmark", fields={})
old_case, old = web_submission_receive(kind="other", language="en", body="old", fields={})
Case.objects.filter(pk=old_case.pk).update(secret_hash=hash_secret_argon2(old.secret))
print(json.dumps({"new": [new.reference, new.secret], "old": [old.reference, old.secret]}))
"""


def _jar() -> aiohttp.CookieJar:
    # unsafe: keep cookies from an IP address (127.0.0.1), which aiohttp drops by default.
    return aiohttp.CookieJar(unsafe=True)


def _random_reference(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    body = "".join(rng.choice(alphabet) for _ in range(8))
    return f"LF-{body[:4]}-{body[4:]}"


async def _token(session: aiohttp.ClientSession, base: str) -> str:
    async with session.get(f"{base}/en/status/") as response:
        match = _TOKEN.search(await response.text())
    if match is None:
        raise SystemExit("the status page carries no CSRF token")
    return match.group(1)


async def _guesser(
    base: str, receipts: dict[str, list[str]], deadline: float, seed: int, counts: dict[str, int]
) -> None:
    rng = random.Random(seed)
    async with aiohttp.ClientSession(cookie_jar=_jar()) as session:
        token = await _token(session, base)
        while time.monotonic() < deadline:
            roll = rng.random()
            target = "old" if roll < 0.1 else "new" if roll < 0.55 else "unknown"
            reference = _random_reference(rng) if target == "unknown" else receipts[target][0]
            data = {
                "reference": reference,
                "secret": "".join(rng.choice("23456789") for _ in range(16)),
                "csrfmiddlewaretoken": token,
            }
            async with session.post(f"{base}/en/status/", data=data) as response:
                body = await response.text()
            counts["served"] += 1
            if response.status == 429:
                counts["refused"] += 1
            elif WRONG_ANSWER in body:
                counts["verified" if target == "old" else "refused"] += 1
            else:
                counts["other"] += 1


async def _measure(
    base: str, receipt: list[str], webhook_secret: str, deadline: float
) -> tuple[dict[str, list[float]], int, int]:
    timings: dict[str, list[float]] = {
        "start page": [],
        "status form, right secret": [],
        "status page": [],
        "webhook": [],
    }
    accepted = refused = 0
    rng = random.Random(7)
    update_id = 500_000
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": webhook_secret,
    }
    async with aiohttp.ClientSession(cookie_jar=_jar()) as session:
        token = await _token(session, base)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            async with session.get(f"{base}/en/") as response:
                await response.read()
            timings["start page"].append(time.perf_counter() - started)

            data = {"reference": receipt[0], "secret": receipt[1], "csrfmiddlewaretoken": token}
            started = time.perf_counter()
            async with session.post(
                f"{base}/en/status/", data=data, allow_redirects=False
            ) as response:
                await response.read()
                unlocked = response.status == 303
            timings["status form, right secret"].append(time.perf_counter() - started)
            started = time.perf_counter()
            async with session.get(f"{base}/en/status/") as response:
                body = await response.text()
            timings["status page"].append(time.perf_counter() - started)
            if unlocked and receipt[0] in body and WRONG_ANSWER not in body:
                accepted += 1
            else:
                refused += 1

            update_id += 1
            started = time.perf_counter()
            body_bytes = _update(update_id, rng)
            async with session.post(
                f"{base}{WEBHOOK_PATH}", data=body_bytes, headers=headers
            ) as response:
                await response.read()
            timings["webhook"].append(time.perf_counter() - started)
            await asyncio.sleep(0.1)
    return timings, accepted, refused


async def _run(
    base: str, receipts: dict[str, list[str]], webhook_secret: str, seconds: float, guessers: int
) -> tuple[dict[str, list[float]], int, int, dict[str, int], float]:
    counts = {"served": 0, "refused": 0, "verified": 0, "other": 0}
    # Warm up: each worker's first requests load templates and connect; not what is measured.
    warm_until = time.monotonic() + 3
    await asyncio.gather(
        *(_measure(base, receipts["new"], webhook_secret, warm_until) for _ in range(4))
    )
    began = time.monotonic()
    deadline = began + seconds
    results = await asyncio.gather(
        _measure(base, receipts["new"], webhook_secret, deadline),
        *(_guesser(base, receipts, deadline, seed, counts) for seed in range(guessers)),
    )
    timings, accepted, refused = results[0]
    return timings, accepted, refused, counts, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--guessers", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--database-url", help="an empty database to use instead of a new one")
    args = parser.parse_args()

    webhook_secret = secrets.token_urlsafe(24)
    database_url = _database(args.database_url, DB_NAME)
    env = _environment(database_url, webhook_secret, tempfile.mkdtemp(prefix="lifeline-bench-"))
    env["DJANGO_SETTINGS_MODULE"] = "lifeline.settings"
    lifeline = [sys.executable, "-m", "lifeline.cli"]
    subprocess.run([*lifeline, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    made = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _SETUP], env=env, check=True, cwd=ROOT, capture_output=True
    )
    receipts = json.loads(made.stdout.decode().strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [*lifeline, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # the access log: one line per guess
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", server)
        timings, accepted, refused, counts, elapsed = asyncio.run(
            _run(base, receipts, webhook_secret, args.seconds, args.guessers)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"{args.guessers} guessing connections for {elapsed:.0f} s; {args.web_workers} workers")
    for label, values in timings.items():
        ms = [value * 1000 for value in values]
        print(
            f"{label:22s} n={len(ms):4d}  p50 {statistics.median(ms):6.1f} ms  "
            f"p95 {_percentile(ms, 0.95):6.1f} ms  max {max(ms):7.1f} ms"
        )
    print(f"right secret: accepted {accepted}, refused {refused}")
    print(
        "guesses/s: served {:.0f}, refused without argon2 {:.0f}, verified with argon2 {:.1f}"
        " (unexpected answers: {})".format(
            counts["served"] / elapsed,
            counts["refused"] / elapsed,
            counts["verified"] / elapsed,
            counts["other"],
        )
    )
    if refused:
        sys.exit(1)


if __name__ == "__main__":
    main()
