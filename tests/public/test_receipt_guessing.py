"""Guessing receipts: nobody is locked out by others' guesses, and guesses cost us nothing."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from django.test import Client

from lifeline.cases.models import Case
from lifeline.core import receipts
from lifeline.core.models import AuditEvent
from tests.public.helpers import open_case

pytestmark = pytest.mark.django_db

WRONG = "2222-2222-2222-2222"


def _post(client: Client, reference: str, secret: str) -> Any:
    # follow=True: whether the page answers at once or redirects to itself, this is what shows.
    return client.post("/en/status/", {"reference": reference, "secret": secret}, follow=True)


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the server runs, by whatever path."""
    calls: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append(str(hash))
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def _legacy_case(body: str = "Старая квитанция") -> tuple[Case, receipts.Receipt]:
    """A case whose receipt was issued before keyed hashes: stored as an argon2 hash."""
    case, receipt = open_case(body=body)
    Case.objects.filter(pk=case.pk).update(secret_hash=receipts.hash_secret_argon2(receipt.secret))
    return case, receipt


def test_a_reference_hammered_with_wrong_secrets_still_opens_with_the_right_one() -> None:
    _, receipt = open_case(body="Где мой брат?")
    attacker = Client()
    for _ in range(30):
        assert _post(attacker, receipt.reference, WRONG).status_code == 200
    response = _post(Client(), receipt.reference, receipt.secret)
    assert response.status_code == 200
    assert "Где мой брат?" in response.content.decode()


def test_wrong_guesses_and_the_right_secret_run_no_argon2(argon2_calls: list[str]) -> None:
    _, receipt = open_case(body="Где мой брат?")
    for _ in range(20):
        _post(Client(), receipt.reference, WRONG)
        _post(Client(), "LF-0000-0000", WRONG)  # an unknown reference
    assert "Где мой брат?" in _post(Client(), receipt.reference, receipt.secret).content.decode()
    assert argon2_calls == []


def test_a_wrong_secret_and_an_unknown_reference_get_the_same_answer() -> None:
    _, receipt = open_case()
    wrong = _post(Client(), receipt.reference, WRONG)
    absent = _post(Client(), "LF-0000-0000", WRONG)
    assert wrong.status_code == absent.status_code == 200
    for response in (wrong, absent):
        assert "The reference or the secret code is not right" in response.content.decode()
    assert set(wrong.cookies) == set(absent.cookies)


def test_the_secret_is_stored_as_a_keyed_hash_without_the_secret() -> None:
    case, receipt = open_case()
    case.refresh_from_db()
    assert case.secret_hash.startswith("hmac-sha256$")
    assert receipts.canonical(receipt.secret) not in case.secret_hash.upper()


def test_an_old_argon2_receipt_still_opens_and_is_rewritten_to_a_keyed_hash(
    argon2_calls: list[str],
) -> None:
    case, receipt = _legacy_case()
    assert "Старая квитанция" in _post(Client(), receipt.reference, receipt.secret).content.decode()
    assert len(argon2_calls) == 1
    case.refresh_from_db()
    assert case.secret_hash.startswith("hmac-sha256$")
    assert AuditEvent.objects.filter(action="case.receipt_rehashed").count() == 1
    # From now on it opens without argon2.
    assert "Старая квитанция" in _post(Client(), receipt.reference, receipt.secret).content.decode()
    assert len(argon2_calls) == 1


def test_guesses_at_old_receipts_beyond_the_budget_run_no_argon2(
    argon2_calls: list[str], settings: Any
) -> None:
    settings.RECEIPT_ARGON2_BUDGET = 3
    _, receipt = _legacy_case()
    answers = [_post(Client(), receipt.reference, WRONG).status_code for _ in range(10)]
    assert len(argon2_calls) == 3
    assert answers == [200] * 3 + [429] * 7
    busy = _post(Client(), receipt.reference, receipt.secret)
    assert busy.status_code == 429
    assert "try again in a minute" in busy.content.decode()
    # New receipts do not need the budget: they open even while it is spent.
    _, fresh = open_case(body="Новая квитанция")
    assert "Новая квитанция" in _post(Client(), fresh.reference, fresh.secret).content.decode()


def test_a_receipt_keyed_under_a_retired_secret_key_opens_through_the_fallback(
    settings: Any,
) -> None:
    case, receipt = open_case(body="Ключ сменился")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-" + "x" * 30
    assert "Ключ сменился" in _post(Client(), receipt.reference, receipt.secret).content.decode()
    case.refresh_from_db()
    assert not receipts.needs_rehash(case.secret_hash)
