"""Field keys split into shares, k of n, so that no one person holds a key (SLIP-39).

A share is a list of words (SLIP-39, the scheme hardware wallets use, from the maintained
`shamir-mnemonic` package): it can be written on paper and typed back. Each key of the ring is
split on its own; its id is not secret and is printed beside its shares.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from shamir_mnemonic import MnemonicError, combine_mnemonics, generate_mnemonics


class SharesRefused(Exception):
    """The shares cannot give a key back; the message says why, naming no secret."""


def _entry(item: str) -> tuple[str, bytes]:
    key_id, _, encoded = item.strip().partition(":")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if not key_id or len(raw) != 32:
        raise ImproperlyConfigured("a field key entry is not 'id:<urlsafe base64 of 32 bytes>'.")
    return key_id, raw


def key_split(entries: Iterable[str], *, threshold: int, shares: int) -> dict[str, list[str]]:
    """Each key entry ("id:base64") as `shares` SLIP-39 shares, any `threshold` of which join."""
    if not 1 <= threshold <= shares <= 16:
        raise SharesRefused("Shares: 1 ≤ threshold ≤ shares ≤ 16.")
    if threshold == 1 and shares > 1:
        raise SharesRefused("A threshold of 1 would give every holder the whole key.")
    split: dict[str, list[str]] = {}
    for item in entries:
        key_id, raw = _entry(item)
        [group] = generate_mnemonics(1, [(threshold, shares)], raw)
        split[key_id] = group
    return split


def key_join(key_id: str, shares: Iterable[str]) -> str:
    """The key entry ("id:base64") that enough shares of one key give back."""
    # A line as `keys split` prints it ("  share 1 of 5 (key k1): word word ...") or the words.
    words = [" ".join(share.rsplit(":", 1)[-1].split()) for share in shares if share.strip()]
    try:
        raw = combine_mnemonics(words)
    except MnemonicError as error:
        raise SharesRefused(f"These shares do not give a key back: {error}") from None
    encoded = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    return f"{key_id}:{encoded}"
