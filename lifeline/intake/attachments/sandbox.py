"""Clean a file in a child process with a memory and a time budget, so a bomb kills the child.

A picture of a few hundred kilobytes can decode to gigabytes, and a decoder fed hostile bytes
can loop or crash. Run in the worker, that killed the worker, again at every retry. Here the
decoding runs in a child process that limits its own address space (RLIMIT_AS) and CPU time
(RLIMIT_CPU), and the parent stops waiting after a wall-clock budget. Whatever happens to the
child, the parent gets an answer: the cleaned file, a refusal, or CleaningAborted with the
reason, and the caller keeps the file as it came.

Children come from multiprocessing's fork server: a clean interpreter, started once, that has
imported the cleaning code already. Forking it costs milliseconds where starting Python and
importing Pillow and pypdf for every file cost a quarter of a second, and nothing of the
worker (threads, database connections, keys) is inherited. Types that are not decoded
(text, unknown bytes) need no child at all.
"""

from __future__ import annotations

import errno
import logging
import math
import multiprocessing
import os
import resource
import signal
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from PIL import Image

from lifeline.intake.attachments.cleaning import (
    CRASHED,
    OUT_OF_MEMORY,
    OUT_OF_TIME,
    CleanedFile,
    CleaningRefused,
    TooLarge,
    clean_file,
    needs_decoding,
    sniff,
)

logger = logging.getLogger(__name__)

# A child that has sent its answer only has to exit; one that does not within this is killed.
_EXIT_GRACE_SECONDS = 5

_context = multiprocessing.get_context("forkserver")
# The worker's main module is imported once by the fork server, not again in every child.
_context.set_forkserver_preload(["__main__", __name__])
# Pillow imports its format plugins at the first open; done here, the fork server does it once.
Image.init()


@dataclass(frozen=True)
class Limits:
    max_unpacked_bytes: int  # of an office document, nested ones included
    max_pixels: int  # of a picture, all its frames together
    memory_bytes: int  # address space the cleaning may take beyond the child's own at start
    seconds: float  # wall-clock time from the child's start to its answer


class CleaningAborted(Exception):
    """The cleaning ran out of memory or time, or its process died; nothing was cleaned."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # OUT_OF_MEMORY, OUT_OF_TIME or CRASHED


def clean_bounded(data: bytes, filename: str, *, limits: Limits) -> CleanedFile:
    """clean_file(), within `limits`: in a child process when the file must be decoded.

    Raises CleaningRefused (TooLarge for a bomb found by the pixel or unpacked-size limits)
    as clean_file() does, and CleaningAborted when the child ran out of memory or time or
    died. Either way the worker lives on.
    """
    if not needs_decoding(sniff(data)):
        return clean_file(data, filename, max_unpacked_bytes=limits.max_unpacked_bytes)
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(
        target=_clean_in_child, args=(sender, data, filename, limits), daemon=True
    )
    child.start()
    sender.close()  # the child holds the only sending end: its death reads as EOF
    try:
        status, payload = _answer(receiver, child, limits.seconds)
    finally:
        receiver.close()
        child.join(_EXIT_GRACE_SECONDS)
        if child.is_alive():
            child.kill()
            child.join()
        child.close()
    if status == "ok":
        return payload  # type: ignore[no-any-return]
    if status == "too-large":
        raise TooLarge(payload)
    if status == "refused":
        raise CleaningRefused(payload)
    raise CleaningAborted(status)


def _answer(
    receiver: Connection, child: multiprocessing.process.BaseProcess, seconds: float
) -> tuple[str, Any]:
    if not receiver.poll(seconds):
        child.kill()
        logger.warning("cleaning a file took over %s s; the file is kept as it came", seconds)
        return OUT_OF_TIME, None
    try:
        answer: tuple[str, Any] = receiver.recv()
    except EOFError:  # the child died before it answered
        child.join()
        reason = _why_it_died(child.exitcode)
        logger.warning("the cleaning process died (exit %s): %s", child.exitcode, reason)
        return reason, None
    return answer


def _why_it_died(exitcode: int | None) -> str:
    if exitcode == -signal.SIGXCPU:  # past RLIMIT_CPU
        return OUT_OF_TIME
    if exitcode == -signal.SIGKILL:  # not killed by us: the kernel's out-of-memory killer
        return OUT_OF_MEMORY
    return CRASHED


# --- in the child ---------------------------------------------------------------------------


def _clean_in_child(sender: Connection, data: bytes, filename: str, limits: Limits) -> None:
    answer: tuple[str, Any]
    try:
        _limit_self(limits)
        cleaned = clean_file(
            data,
            filename,
            max_unpacked_bytes=limits.max_unpacked_bytes,
            max_pixels=limits.max_pixels,
        )
        answer = ("ok", cleaned)
    except MemoryError:
        answer = (OUT_OF_MEMORY, None)
    except TooLarge as exc:
        answer = ("too-large", str(exc))
    except CleaningRefused as exc:  # a decoder may report a failed allocation as bad data
        answer = (OUT_OF_MEMORY, None) if _for_want_of_memory(exc) else ("refused", str(exc))
    # The memory the decoding held is free again; lift the limit so the answer can be sent.
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    sender.send(answer)
    sender.close()


def _for_want_of_memory(error: BaseException) -> bool:
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, MemoryError) or getattr(cause, "errno", None) == errno.ENOMEM:
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _limit_self(limits: Limits) -> None:
    Image.MAX_IMAGE_PIXELS = limits.max_pixels  # Pillow's own checks agree with ours
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we refuse, not warn
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    memory = _address_space() + limits.memory_bytes
    if hard != resource.RLIM_INFINITY:
        memory = min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    # A backstop should the parent die: the kernel ends a child that computes for ever.
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    cpu = math.ceil(limits.seconds) + 1
    if hard != resource.RLIM_INFINITY:
        cpu = min(cpu, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
    try:  # under memory pressure, the kernel is to kill this child before the worker
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write("1000")
    except OSError:
        pass


def _address_space() -> int:
    """The child's address space now: libraries mapped, the fork server's imports."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):  # no /proc: the budget alone
        return 0
