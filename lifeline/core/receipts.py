"""Receipts for anonymous visitors: a short reference plus a secret kept only as argon2 hash."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings

# Crockford's base32: no I, L, O or U, so nothing is misread when copied by hand.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
SECRET_CHARS = 16  # 16 x 5 bits = 80 bits
REFERENCE_RE = re.compile(r"^LF-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@dataclass(frozen=True)
class Receipt:
    reference: str
    secret: str  # shown once to the visitor, never stored


def _random_chars(count: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(count))


def _group(text: str) -> str:
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def new_reference() -> str:
    return "LF-" + _group(_random_chars(8))


def new_receipt() -> Receipt:
    return Receipt(reference=new_reference(), secret=_group(_random_chars(SECRET_CHARS)))


def _squash(text: str) -> str:
    return re.sub(r"[\s\-‐-―]", "", text.strip().upper())


def canonical(text: str) -> str:
    """Upper-case, drop spaces and dashes, and map look-alike letters, as people type them."""
    return _squash(text).translate(_CONFUSABLE)


def normalise_reference(text: str) -> str | None:
    body = _squash(text)
    body = canonical(body[2:] if body.startswith("LF") else body)
    candidate = "LF-" + _group(body)
    return candidate if REFERENCE_RE.match(candidate) else None


@cache
def _hasher() -> PasswordHasher:
    cost = settings.RECEIPT_ARGON2
    return PasswordHasher(
        time_cost=cost["time_cost"],
        memory_cost=cost["memory_cost"],
        parallelism=cost["parallelism"],
    )


def hash_secret(secret: str) -> str:
    return _hasher().hash(canonical(secret))


# Verifying against this when the reference is unknown keeps the answer time the same.
@cache
def _dummy_hash() -> str:
    return hash_secret(_random_chars(SECRET_CHARS))


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """Check a secret in constant work: an unknown reference still costs one argon2 verify."""
    try:
        return _hasher().verify(secret_hash or _dummy_hash(), canonical(secret)) and bool(
            secret_hash
        )
    except (VerificationError, InvalidHashError):
        return False
