"""AES-GCM encryption of field values with a rotating key ring taken from settings."""

from __future__ import annotations

import base64
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Stored form: "<key id>$<urlsafe base64 of nonce || ciphertext+tag>".
_SEPARATOR = "$"
_NONCE_BYTES = 12


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def _key_ring(spec: tuple[str, ...]) -> tuple[str, dict[str, AESGCM]]:
    ring: dict[str, AESGCM] = {}
    for item in spec:
        key_id, _, encoded = item.partition(":")
        raw = _b64decode(encoded)
        if not key_id or len(raw) != 32 or _SEPARATOR in key_id:
            raise ImproperlyConfigured(
                "LIFELINE_FIELD_KEYS entries must be 'id:<urlsafe base64 of 32 bytes>'."
            )
        ring[key_id] = AESGCM(raw)
    if not ring:
        raise ImproperlyConfigured("LIFELINE_FIELD_KEYS holds no key.")
    return spec[0].partition(":")[0], ring


def _ring() -> tuple[str, dict[str, AESGCM]]:
    return _key_ring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt text under the primary key; `context` binds the ciphertext to its column."""
    key_id, sealed = _seal(plaintext.encode("utf-8"), context=context)
    return key_id + _SEPARATOR + base64.urlsafe_b64encode(sealed).decode("ascii")


def decrypt(token: str, *, context: str) -> str:
    """Decrypt a value written by `encrypt` with any key still in the ring."""
    key_id, _, payload = token.partition(_SEPARATOR)
    return _open(key_id, _b64decode(payload), context=context).decode("utf-8")


def encrypt_bytes(plaintext: bytes, *, context: str) -> bytes:
    """Encrypt a file's bytes: "<key id>$" followed by nonce and ciphertext, unencoded."""
    key_id, sealed = _seal(plaintext, context=context)
    return key_id.encode("ascii") + _SEPARATOR.encode("ascii") + sealed


def decrypt_bytes(token: bytes, *, context: str) -> bytes:
    key_id, _, sealed = token.partition(_SEPARATOR.encode("ascii"))
    return _open(key_id.decode("ascii"), sealed, context=context)


def _seal(plaintext: bytes, *, context: str) -> tuple[str, bytes]:
    key_id, ring = _ring()
    nonce = os.urandom(_NONCE_BYTES)
    return key_id, nonce + ring[key_id].encrypt(nonce, plaintext, context.encode("utf-8"))


def _open(key_id: str, raw: bytes, *, context: str) -> bytes:
    _, ring = _ring()
    try:
        aead = ring[key_id]
    except KeyError as exc:
        raise ImproperlyConfigured(f"No field key with id {key_id!r} is configured.") from exc
    return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8"))


def generate_key_spec(key_id: str = "k1") -> str:
    """Return a fresh key ring entry for LIFELINE_FIELD_KEYS."""
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode('ascii').rstrip('=')}"
