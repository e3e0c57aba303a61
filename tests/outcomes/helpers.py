"""`create_*` helpers for outcomes tests: registry persons, batches and handovers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.outcomes.models import AssistanceType, ExchangeBatch, Handover
from lifeline.outcomes.services.exchanges import exchange_batch_create
from lifeline.outcomes.services.handovers import handover_open, handover_schedule, handover_verify
from lifeline.registry.models import Person
from tests.cases.helpers import create_case
from tests.factories import create_person

PLACE = "КПП Сумы-север, 06:00"
DOCUMENTS = "паспорт матери НК 123456; свидетельство о рождении I-ЖД 654321"
RELATIVE = "Кузьминова Ольга Петровна"


def create_batch(actor: Any, *, planned_on: date | None = None) -> ExchangeBatch:
    return exchange_batch_create(
        actor=actor,
        planned_on=planned_on or timezone.localdate(),
        place=PLACE,
        counterpart="Exchange commission of the other party",
    )


def create_type(name: str = "legal advice", *, active: bool = True) -> AssistanceType:
    return AssistanceType.objects.create(name=name, active=active, order=100)


def create_handover(actor: Any, *, person: Person | None = None, stage: str = "open") -> Handover:
    """A handover case with its handover, taken up to `stage`: open, verified or scheduled."""
    case: Case = create_case("handover")
    handover = handover_open(actor=actor, case=case, person=person or create_person(status="held"))
    if stage in ("verified", "scheduled"):
        handover = handover_verify(
            actor=actor,
            handover=handover,
            relative_name=RELATIVE,
            relationship="mother",
            documents=DOCUMENTS,
        )
    if stage == "scheduled":
        handover = handover_schedule(
            actor=actor,
            handover=handover,
            meeting_point=PLACE,
            meeting_at=timezone.now() - timedelta(hours=1),
        )
    return handover
