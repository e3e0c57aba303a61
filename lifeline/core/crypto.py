"""AES-GCM encryption of field values with a rotating key ring taken from settings."""

from __future__ import annotations

import base64
import binascii
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Stored form: "<key id>$<urlsafe base64 of nonce || ciphertext+tag>".
_SEPARATOR = "$"
_NONCE_BYTES = 12
# The text every canary holds; what matters is that the key opens it, not what it says.
_CANARY_TEXT = "lifeline field key canary"


class UndecryptableField(Exception):
    """A stored value the configured keys cannot open.

    The key that sealed it is missing or wrong, or the value was moved from another column or
    row. Retrying cannot help: only the right key can, so callers treat it as permanent.
    """


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def _key_ring(spec: tuple[str, ...]) -> tuple[str, dict[str, AESGCM]]:
    ring: dict[str, AESGCM] = {}
    for position, item in enumerate(spec, start=1):
        key_id, _, encoded = item.partition(":")
        try:
            raw = _b64decode(encoded)
        except (binascii.Error, ValueError):
            raw = b""
        # The message names the entry by position and id, never by its key material.
        if not key_id or len(raw) != 32 or _SEPARATOR in key_id:
            raise ImproperlyConfigured(
                f"LIFELINE_FIELD_KEYS entry {position} is not 'id:<urlsafe base64 of 32 bytes>'."
            )
        if key_id in ring:
            raise ImproperlyConfigured(f"LIFELINE_FIELD_KEYS names key {key_id!r} twice.")
        ring[key_id] = AESGCM(raw)
    if not ring:
        raise ImproperlyConfigured("LIFELINE_FIELD_KEYS holds no key.")
    return spec[0].partition(":")[0], ring


def _ring() -> tuple[str, dict[str, AESGCM]]:
    return _key_ring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def key_ids() -> list[str]:
    """The configured key ids, the primary first; ImproperlyConfigured if the ring is malformed."""
    return list(_ring()[1])


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt text under the primary key; `context` binds the ciphertext to its column."""
    key_id, sealed = _seal(plaintext.encode("utf-8"), context=context)
    return key_id + _SEPARATOR + base64.urlsafe_b64encode(sealed).decode("ascii")


def decrypt(token: str, *, context: str) -> str:
    """Decrypt a value written by `encrypt` with any key still in the ring.

    Raises UndecryptableField when no configured key opens it under this context.
    """
    key_id, _, payload = token.partition(_SEPARATOR)
    try:
        raw = _b64decode(payload)
    except (binascii.Error, ValueError) as exc:
        raise UndecryptableField("the stored value is not a ciphertext") from exc
    try:
        return _open(key_id, raw, context=context).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UndecryptableField("the stored value is not text") from exc


def encrypt_bytes(plaintext: bytes, *, context: str) -> bytes:
    """Encrypt a file's bytes: "<key id>$" followed by nonce and ciphertext, unencoded."""
    key_id, sealed = _seal(plaintext, context=context)
    return key_id.encode("ascii") + _SEPARATOR.encode("ascii") + sealed


def decrypt_bytes(token: bytes, *, context: str) -> bytes:
    key_id, _, sealed = token.partition(_SEPARATOR.encode("ascii"))
    try:
        name = key_id.decode("ascii")
    except UnicodeDecodeError as exc:
        raise UndecryptableField("the stored value is not a ciphertext") from exc
    return _open(name, sealed, context=context)


def _seal(plaintext: bytes, *, context: str, key_id: str | None = None) -> tuple[str, bytes]:
    primary, ring = _ring()
    key_id = key_id or primary
    nonce = os.urandom(_NONCE_BYTES)
    return key_id, nonce + ring[key_id].encrypt(nonce, plaintext, context.encode("utf-8"))


def _open(key_id: str, raw: bytes, *, context: str) -> bytes:
    _, ring = _ring()
    aead = ring.get(key_id)
    if aead is None:
        raise UndecryptableField(f"no configured field key has the id {key_id!r}")
    try:
        return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8"))
    except InvalidTag as exc:
        raise UndecryptableField(f"field key {key_id!r} does not open this value") from exc


def canary_seal(key_id: str) -> str:
    """A known text sealed under one key of the ring: proof later that the key is the same."""
    key_id, sealed = _seal(_CANARY_TEXT.encode(), context=f"canary.{key_id}", key_id=key_id)
    return key_id + _SEPARATOR + base64.urlsafe_b64encode(sealed).decode("ascii")


def canary_opens(key_id: str, token: str) -> bool:
    """Whether the configured key `key_id` opens the canary it sealed earlier."""
    try:
        return decrypt(token, context=f"canary.{key_id}") == _CANARY_TEXT
    except UndecryptableField:
        return False


def generate_key_spec(key_id: str = "k1") -> str:
    """Return a fresh key ring entry for LIFELINE_FIELD_KEYS."""
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode('ascii').rstrip('=')}"
