"""`create_*` helpers for report tests: rows written straight with the ORM, at chosen times."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.intake.models import Contact
from lifeline.tracing.models import Enquiry
from tests.factories import create_person

_references = itertools.count(1)


def create_case(kind: str = "other", *, created_at: datetime | None = None, **fields: Any) -> Case:
    at = created_at or timezone.now()
    reference = f"LF-T{next(_references):07d}"
    return Case.objects.create(
        reference=reference, kind=kind, created_at=at, updated_at=at, **fields
    )


def create_contact(channel: str, received_at: datetime, *, direction: str = "in") -> Contact:
    return Contact.objects.create(
        channel=channel,
        external_id=uuid.uuid4().hex,
        direction=direction,
        received_at=received_at,
        body="x",
        state=Contact.State.PROCESSED,
    )


def create_enquiry(created_at: datetime, *, status: str = Enquiry.Status.OPEN) -> Enquiry:
    case = create_case("family_enquiry", created_at=created_at)
    return Enquiry.objects.create(
        case=case, status=status, created_at=created_at, updated_at=created_at
    )


def create_people(count: int, status: str, verification: str, *, prefix: str = "Anon") -> None:
    for i in range(count):
        create_person(f"{prefix}{status}{verification}{i}", [(status, verification, None)])
