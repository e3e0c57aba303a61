"""Receipts: enough entropy, forgiving input, and secrets kept only as keyed hashes."""

from __future__ import annotations

import math

from lifeline.core import receipts


def test_secret_has_at_least_80_bits_and_reference_its_shape() -> None:
    receipt = receipts.new_receipt()
    assert receipts.REFERENCE_RE.match(receipt.reference)
    chars = receipts.canonical(receipt.secret)
    assert len(chars) * math.log2(len(receipts.ALPHABET)) >= 80
    assert set(chars) <= set(receipts.ALPHABET)


def test_hash_is_keyed_and_verifies_forgiving_input() -> None:
    receipt = receipts.new_receipt()
    stored = receipts.hash_secret(receipt.secret)
    assert stored.startswith("hmac-sha256$") and receipt.secret not in stored
    typed = receipt.secret.lower().replace("-", " ").replace("0", "o")
    assert receipts.verify_secret(stored, typed)
    assert not receipts.verify_secret(stored, receipts.new_receipt().secret)
    assert not receipts.verify_secret(None, receipt.secret)
    assert not receipts.verify_secret("not a hash", receipt.secret)


def test_an_old_argon2_hash_needs_the_slow_check_and_a_rehash() -> None:
    receipt = receipts.new_receipt()
    stored = receipts.hash_secret_argon2(receipt.secret)
    assert receipts.check_secret_fast(stored, receipt.secret) is None
    assert receipts.verify_secret_slow(stored, receipt.secret)
    assert not receipts.verify_secret_slow(stored, receipts.new_receipt().secret)
    assert receipts.needs_rehash(stored)
    assert not receipts.needs_rehash(receipts.hash_secret(receipt.secret))


def test_reference_normalisation() -> None:
    assert receipts.normalise_reference(" lf 7k3q 9d2m ") == "LF-7K3Q-9D2M"
    assert receipts.normalise_reference("7K3Q-9D2M") == "LF-7K3Q-9D2M"
    assert receipts.normalise_reference("LF-7K3Q") is None
    assert receipts.normalise_reference("") is None
