"""The kinds of data the retention policy covers, what each means, and its default (a data file)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

DEFAULTS_FILE = Path(__file__).parent / "data" / "defaults.yaml"
# Longer than anyone needs; a figure above it is a typo, not a policy.
MAX_DAYS = 36500


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | _StrPromise
    counted_from: str | _StrPromise  # what the days are counted from, for the console


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "messages",
            _("Messages and attachments of closed cases"),
            _("the day the case closed"),
        ),
        Kind(
            "enquirer",
            _("Enquirer's name, contact and verification note"),
            _("the day the enquiry or its case closed"),
        ),
        Kind("payloads", _("Raw inbound payloads of processed items"), _("the day it arrived")),
        Kind("failed_intake", _("Failed inbound items"), _("the day it arrived")),
        Kind("exports", _("Registry export files"), _("approval (or drafting, if never approved)")),
        Kind(
            "logins",
            _("Expired staff sessions and login throttle counters"),
            _("expiry, or the counter's window"),
        ),
    )
}


# What the purge counts, as the console names it (the keys are the purge's, in English).
TABLES = {
    "cases": _("cases"),
    "messages": _("messages"),
    "attachments": _("attachments"),
    "reply drafts": _("reply drafts"),
    "conversations": _("conversations"),
    "enquirers": _("enquirers"),
    "disclosure recipients": _("disclosure recipients"),
    "payloads": _("payloads"),
    "failed items": _("failed items"),
    "exports": _("exports"),
    "sessions": _("sessions"),
    "throttle counters": _("throttle counters"),
}


@cache
def defaults() -> dict[str, int]:
    """The default days per kind, from data/defaults.yaml; every kind must have one."""
    with DEFAULTS_FILE.open(encoding="utf-8") as f:
        loaded = yaml.safe_load(f)
    values = {key: int(loaded[key]) for key in KINDS}
    if any(not 1 <= days <= MAX_DAYS for days in values.values()):
        raise ValueError(f"{DEFAULTS_FILE}: every figure must be 1 to {MAX_DAYS} days")
    return values
