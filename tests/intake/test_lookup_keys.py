"""Conversation identity hashes have their own key ring: SECRET_KEY rotates without a split."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import transaction

from lifeline.core import crypto
from lifeline.core.models import AuditEvent
from lifeline.intake.inbox import conversation_for, identity_hash
from lifeline.intake.models import Conversation

pytestmark = pytest.mark.django_db


def _conversation(identity: str) -> Conversation:
    with transaction.atomic():
        return conversation_for(channel="telegram", identity=identity)


def test_rotating_secret_key_keeps_each_conversation(settings: Any) -> None:
    first = _conversation("chat 4242")
    settings.SECRET_KEY = "another secret key, long enough to pass every check of django"
    assert _conversation("chat 4242").pk == first.pk
    assert Conversation.objects.count() == 1


def test_a_new_lookup_key_finds_old_conversations_and_rehashes_them(settings: Any) -> None:
    old = settings.LOOKUP_KEYS[0]
    met = _conversation("chat 1")
    waiting = _conversation("chat 2")
    settings.LOOKUP_KEYS = [crypto.generate_key_spec("l2"), old]

    again = _conversation("chat 1")  # found under the old key, re-hashed on the way
    assert again.pk == met.pk
    assert again.identity_hash == identity_hash(channel="telegram", identity="chat 1")
    call_command("keys_rehash", stdout=io.StringIO())
    assert AuditEvent.objects.get(action="keys.rehash").detail == {
        "conversations": 1,
        "unreadable": 0,
    }

    settings.LOOKUP_KEYS = settings.LOOKUP_KEYS[:1]  # the old key leaves the ring
    assert _conversation("chat 2").pk == waiting.pk
    assert _conversation("chat 1").pk == met.pk
    assert Conversation.objects.count() == 2


def test_a_malformed_lookup_key_is_one_clear_error(settings: Any) -> None:
    settings.LOOKUP_KEYS = ["l1:too-short"]
    errors = [e for e in checks.run_checks() if e.id == "core.E103"]
    assert [e.msg for e in errors] == [
        "LIFELINE_LOOKUP_KEYS entry 1 is not 'id:<urlsafe base64 of 32 bytes>'."
    ]
