"""The audit actions are one list: a misspelt action is refused, and no listed action is dead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction

import lifeline
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import audit_record
from lifeline.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SOURCES = Path(lifeline.__file__).parent


def test_an_action_that_is_not_listed_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(ValueError, match="'case.opne' is not a valid Action"), transaction.atomic():
        audit_record(actor=SYSTEM, action="case.opne")  # type: ignore[arg-type]
    assert not AuditEvent.objects.exists()


def test_a_listed_action_given_as_its_text_is_recorded_as_that_action() -> None:
    with transaction.atomic():
        event = audit_record(actor=SYSTEM, action="contact.process")  # type: ignore[arg-type]
    assert event.action == Action.CONTACT_PROCESS


def test_every_listed_action_is_written_somewhere_and_each_is_what_verb() -> None:
    code = "\n".join(
        path.read_text() for path in SOURCES.rglob("*.py") if path.name != "actions.py"
    )
    used = set(re.findall(r"\bAction\.([A-Z0-9_]+)\b", code))
    assert {action.name for action in Action} - used == set()
    assert all(re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", action.value) for action in Action)
