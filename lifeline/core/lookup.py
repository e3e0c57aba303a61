"""Keyed hashes that find a row by a secret value (a chat id, an address) without storing it.

Keyed with their own ring, settings.LOOKUP_KEYS ("id:<urlsafe base64 of 32 bytes>", the first
current), not with SECRET_KEY: rotating SECRET_KEY no longer splits every conversation. During a
rotation a value is looked up under every key of the ring, and re-hashed under the current one.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from lifeline.core.crypto import _b64decode


@cache
def _ring(spec: tuple[str, ...]) -> tuple[bytes, ...]:
    keys: list[bytes] = []
    for position, item in enumerate(spec, start=1):
        key_id, _, encoded = item.partition(":")
        try:
            raw = _b64decode(encoded)
        except ValueError:
            raw = b""
        if not key_id or len(raw) < 32:
            raise ImproperlyConfigured(
                f"LIFELINE_LOOKUP_KEYS entry {position} is not 'id:<urlsafe base64 of 32 bytes>'."
            )
        keys.append(raw)
    if not keys:
        raise ImproperlyConfigured("LIFELINE_LOOKUP_KEYS holds no key.")
    return tuple(keys)


def _keys() -> tuple[bytes, ...]:
    return _ring(tuple(settings.LOOKUP_KEYS))


def lookup_hash(message: bytes) -> str:
    """The hash of `message` under the current lookup key (64 hex digits)."""
    return hmac.new(_keys()[0], message, hashlib.sha256).hexdigest()


def lookup_hashes(message: bytes) -> list[str]:
    """Its hash under every configured lookup key, the current one first."""
    return [hmac.new(key, message, hashlib.sha256).hexdigest() for key in _keys()]
