"""Receipts for anonymous visitors: a short reference plus a secret kept only as a keyed hash."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

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


# Stored form of a secret: "hmac-sha256$<key id>$<hex>". The secret is 80 random bits, so a
# keyed fast hash already makes guessing it offline hopeless (2^80 tries, and the key is not in
# the database), while checking it costs microseconds: no visitor can make the server slow by
# guessing. Receipts issued before this form are argon2 hashes ("$argon2id$..."); they still
# open, through `verify_secret_slow`, and are rewritten on their first right secret. See
# docs/decisions/0004-guessing-throttle.md.
_HMAC_PREFIX = "hmac-sha256"
_SEPARATOR = "$"
_KEY_ID_SALT = "lifeline.receipts.key-id"
_SECRET_SALT = "lifeline.receipts.secret"  # noqa: S105 - a salt naming the purpose


def _keys() -> list[str]:
    # Django's own rotation: SECRET_KEY signs, SECRET_KEY_FALLBACKS still verify.
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _key_id(key: str) -> str:
    return salted_hmac(_KEY_ID_SALT, "", secret=key, algorithm="sha256").hexdigest()[:8]


def _mac(key: str, secret: str) -> str:
    return salted_hmac(_SECRET_SALT, canonical(secret), secret=key, algorithm="sha256").hexdigest()


def hash_secret(secret: str) -> str:
    """The stored form of a new secret: a keyed HMAC under SECRET_KEY."""
    key = _keys()[0]
    return _SEPARATOR.join((_HMAC_PREFIX, _key_id(key), _mac(key, secret)))


def check_secret_fast(secret_hash: str | None, secret: str) -> bool | None:
    """Whether `secret` is right, decided without argon2; None when only argon2 can tell.

    None means a receipt stored before keyed hashes (an argon2 hash), or one keyed with a
    SECRET_KEY that is no longer configured. No hash (an unknown reference) costs one HMAC
    too, and is False, so the answer time does not tell whether a reference exists.
    """
    keys = _keys()
    prefix, _, rest = (secret_hash or "").partition(_SEPARATOR)
    if prefix != _HMAC_PREFIX:
        if secret_hash and secret_hash.startswith("$argon2"):
            return None
        constant_time_compare(_mac(keys[0], secret), "0" * 64)
        return False
    key_id, _, stored = rest.partition(_SEPARATOR)
    for key in keys:
        if _key_id(key) == key_id:
            return constant_time_compare(_mac(key, secret), stored)
    return None


def needs_rehash(secret_hash: str) -> bool:
    """True for a stored secret that is not keyed under the current SECRET_KEY."""
    prefix, _, rest = secret_hash.partition(_SEPARATOR)
    return prefix != _HMAC_PREFIX or rest.partition(_SEPARATOR)[0] != _key_id(_keys()[0])


@cache
def _hasher() -> PasswordHasher:
    cost = settings.RECEIPT_ARGON2
    return PasswordHasher(
        time_cost=cost["time_cost"],
        memory_cost=cost["memory_cost"],
        parallelism=cost["parallelism"],
    )


def hash_secret_argon2(secret: str) -> str:
    """The form receipts were stored in before keyed hashes; kept for tests and benchmarks."""
    return _hasher().hash(canonical(secret))


def verify_secret_slow(secret_hash: str, secret: str) -> bool:
    """The argon2 check of a receipt stored before keyed hashes: costly, so callers budget it."""
    if not secret_hash.startswith("$argon2"):
        return False
    try:
        return _hasher().verify(secret_hash, canonical(secret))
    except (VerificationError, InvalidHashError):
        return False


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """Whether `secret` opens `secret_hash`, whatever its form, with no budget: not for requests."""
    fast = check_secret_fast(secret_hash, secret)
    if fast is None:
        return bool(secret_hash) and verify_secret_slow(secret_hash or "", secret)
    return fast
