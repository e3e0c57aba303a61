"""What the outcomes services share: limits, the refusal, text and case checks."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.workflows import workflow_for
from lifeline.core.exceptions import ActionRefused
from lifeline.outcomes.models import (
    Handover,
)
from lifeline.registry.models import Person, PersonStatus

TEXT_MAX_CHARS = 10_000
LINE_MAX_CHARS = 200
NAME_MAX_CHARS = 100
# A person in the bureau's hands: the only ones a relative can collect.
HELD_STATUSES = frozenset(
    {
        PersonStatus.CAPTURED,
        PersonStatus.HELD,
        PersonStatus.TRANSFERRED,
        PersonStatus.HOSPITALISED,
    }
)


class OutcomeRefused(ActionRefused):
    """The rules forbid this action on an outcome, an exchange or a handover."""


def clean_text(value: str, *, max_chars: int = TEXT_MAX_CHARS, required: str = "") -> str:
    """`value` stripped; refused when too long, or empty while `required` names what it is."""
    value = (value or "").strip()
    if required and not value:
        raise OutcomeRefused(gettext("Fill in %(what)s.") % {"what": required})
    if len(value) > max_chars:
        raise OutcomeRefused(
            gettext("The text is too long (at most %(max)d characters).") % {"max": max_chars}
        )
    return value


def require_open_case(case: Case) -> None:
    if case.status in workflow_for(case.kind).terminal:
        raise OutcomeRefused(gettext("The case is closed. Reopen it first."))


def day_text(value: date) -> str:
    return date_format(value, "Y-m-d")


def open_handover_of(person: Person) -> Handover | None:
    """The person's handover still under way, if any."""
    return (
        Handover.objects.filter(person=person, completed_at__isnull=True)
        .exclude(case__status__in=workflow_for(CaseKind.HANDOVER).terminal)
        .select_related("case")
        .first()
    )
