"""Handovers of a held person to his family: verification, schedule, checklist, completion."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_transition
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.outcomes.models import (
    DEFAULT_HANDOVER_STEPS,
    ExchangeEntry,
    Handover,
    HandoverStep,
)
from lifeline.outcomes.services.common import (
    HELD_STATUSES,
    LINE_MAX_CHARS,
    OutcomeRefused,
    clean_text,
    day_text,
    open_handover_of,
    require_open_case,
)
from lifeline.registry.models import (
    HANDOVER_SOURCE_TITLE,
    Person,
    PersonStatus,
    Source,
    Verification,
)
from lifeline.registry.services import source_create, status_event_add


def _require_not_completed(handover: Handover) -> None:
    if handover.is_completed:
        raise OutcomeRefused(gettext("The handover is completed already."))


def _move_case(*, actor: User, case: Case, to_status: str) -> None:
    """Move the handover case along its workflow, unless someone moved it there already."""
    if case.status != to_status:
        case_transition(actor=actor, case=case, to_status=to_status, by_owner=True)


def _refuse_unless_held(person: Person) -> None:
    if person.merged_into_id is not None:
        raise OutcomeRefused(
            gettext("This record was merged into #%(pk)d: use that person instead.")
            % {"pk": person.merged_into_id}
        )
    if person.current_status not in HELD_STATUSES:
        raise OutcomeRefused(
            gettext("%(name)s is recorded as '%(status)s', not as held: nobody can collect him.")
            % {"name": person.full_name, "status": person.get_current_status_display()}
        )
    entry = ExchangeEntry.objects.filter(person=person, active=True).first()
    if entry is not None:
        raise OutcomeRefused(
            gettext("%(name)s is on exchange batch #%(batch)d: withdraw him there first.")
            % {"name": person.full_name, "batch": entry.batch_id}
        )


@transaction.atomic
def handover_open(*, actor: User, case: Case, person: Person) -> Handover:
    """Start the handover of a held person on a handover case, with the default checklist."""
    require_perm(actor, Perm.OUTCOME_WORK)
    case = row_lock(case)
    if case.kind != CaseKind.HANDOVER:
        raise OutcomeRefused(gettext("A handover needs a case of kind 'handover'."))
    require_open_case(case)
    if Handover.objects.filter(case=case).exists():
        raise OutcomeRefused(gettext("This case has its handover already."))
    person = row_lock(person)
    _refuse_unless_held(person)
    other = open_handover_of(person)
    if other is not None:
        raise OutcomeRefused(
            gettext("%(name)s is being handed over to his family already (case %(case)s).")
            % {"name": person.full_name, "case": other.case.reference}
        )
    now = timezone.now()
    handover = Handover.objects.create(
        case=case, person=person, created_by=staff_of(actor), created_at=now
    )
    HandoverStep.objects.bulk_create(
        HandoverStep(handover=handover, position=n, text=text)
        for n, text in enumerate(DEFAULT_HANDOVER_STEPS, start=1)
    )
    audit_record(
        actor=actor,
        action=Action.HANDOVER_OPEN,
        obj=handover,
        detail={"case": case.pk, "person": person.pk, "steps": len(DEFAULT_HANDOVER_STEPS)},
    )
    return handover


@transaction.atomic
def handover_verify(
    *, actor: User, handover: Handover, relative_name: str, relationship: str, documents: str
) -> Handover:
    """Stage 1: the relative and the relationship are verified; the documents are recorded."""
    require_perm(actor, Perm.OUTCOME_WORK)
    values = {
        "relative_name": clean_text(
            relative_name, max_chars=LINE_MAX_CHARS, required=gettext("the relative's name")
        ),
        "relationship": clean_text(
            relationship, max_chars=LINE_MAX_CHARS, required=gettext("the relationship")
        ),
        "documents": clean_text(documents, required=gettext("the documents checked")),
    }
    handover = row_lock(handover, related=("case", "person"))
    _require_not_completed(handover)
    require_open_case(handover.case)
    again = handover.is_verified
    changed = again and any(getattr(handover, f) != v for f, v in values.items())
    for field, value in values.items():
        setattr(handover, field, value)
    handover.verified_by = staff_of(actor)
    handover.verified_at = timezone.now()
    update = [*values, "verified_by", "verified_at"]
    if changed:
        # Someone else, or other papers: the meeting and the checklist were for the old ones.
        handover.meeting_point, handover.meeting_at = "", None
        handover.scheduled_by, handover.scheduled_at = None, None
        update += ["meeting_point", "meeting_at", "scheduled_by", "scheduled_at"]
        HandoverStep.objects.filter(handover=handover).update(done_by=None, done_at=None)
    handover.save(update_fields=update)
    if handover.case.status == "new" or (changed and handover.case.status == "scheduled"):
        _move_case(actor=actor, case=handover.case, to_status="verifying")
    audit_record(
        actor=actor,
        action=Action.HANDOVER_VERIFY,
        obj=handover,
        detail={"case": handover.case_id, "again": again, "reset": changed},
    )
    return handover


@transaction.atomic
def handover_schedule(
    *, actor: User, handover: Handover, meeting_point: str, meeting_at: datetime
) -> Handover:
    """Stage 2: where and when the relative meets the person (may be set again)."""
    require_perm(actor, Perm.OUTCOME_WORK)
    meeting_point = clean_text(
        meeting_point, max_chars=LINE_MAX_CHARS * 2, required=gettext("the meeting point")
    )
    if timezone.is_naive(meeting_at):
        raise ValueError("meeting_at must be timezone-aware")
    handover = row_lock(handover, related=("case", "person"))
    _require_not_completed(handover)
    require_open_case(handover.case)
    if not handover.is_verified:
        raise OutcomeRefused(gettext("Verify the relationship before fixing the meeting."))
    again = handover.is_scheduled
    handover.meeting_point = meeting_point
    handover.meeting_at = meeting_at
    handover.scheduled_by = staff_of(actor)
    handover.scheduled_at = timezone.now()
    handover.save(update_fields=["meeting_point", "meeting_at", "scheduled_by", "scheduled_at"])
    _move_case(actor=actor, case=handover.case, to_status="scheduled")
    audit_record(
        actor=actor,
        action=Action.HANDOVER_SCHEDULE,
        obj=handover,
        detail={"case": handover.case_id, "again": again},
    )
    return handover


@transaction.atomic
def handover_step_set(*, actor: User, step: HandoverStep, done: bool) -> HandoverStep:
    """Stage 3: tick a step of the checklist as done (or take the tick back)."""
    require_perm(actor, Perm.OUTCOME_WORK)
    handover = row_lock(step.handover, related=("case", "person"))
    _require_not_completed(handover)
    require_open_case(handover.case)
    if not handover.is_scheduled:
        raise OutcomeRefused(gettext("Fix the meeting before working through the checklist."))
    step = HandoverStep.objects.get(pk=step.pk)
    if step.is_done == done:
        raise OutcomeRefused(
            gettext("This step is done already.") if done else gettext("This step is not done.")
        )
    step.done_at = timezone.now() if done else None
    step.done_by = staff_of(actor) if done else None
    step.save(update_fields=["done_at", "done_by"])
    audit_record(
        actor=actor,
        action=Action.HANDOVER_STEP,
        obj=handover,
        detail={"step": step.pk, "position": step.position, "done": done},
    )
    return step


@transaction.atomic
def handover_complete(*, actor: User, handover: Handover) -> Handover:
    """Stage 4: the person went with his relative. The registry records him handed over."""
    require_perm(actor, Perm.OUTCOME_WORK)
    handover = row_lock(handover, related=("case", "person"))
    _require_not_completed(handover)
    require_open_case(handover.case)
    if not handover.is_verified or not handover.is_scheduled or handover.meeting_at is None:
        raise OutcomeRefused(gettext("Verify the relationship and fix the meeting first."))
    open_steps = handover.steps.filter(done_at__isnull=True).count()
    if open_steps:
        raise OutcomeRefused(
            gettext("%(n)d steps of the checklist are not done yet.") % {"n": open_steps}
        )
    meeting_day = timezone.localdate(handover.meeting_at)
    if meeting_day > timezone.localdate():
        raise OutcomeRefused(
            gettext("The meeting is set for %(date)s: complete the handover once it took place.")
            % {"date": day_text(meeting_day)}
        )
    person = Person.objects.select_for_update().get(pk=handover.person_id)
    _refuse_unless_held(person)
    _move_case(actor=actor, case=handover.case, to_status="completed")
    # In English, worded for each reader when shown (registry.models.SYSTEM_SOURCE_TITLES).
    title = HANDOVER_SOURCE_TITLE % {"case": handover.case.reference}
    # The user's permission was checked above; the registry writes are the system's.
    source = source_create(
        actor=SYSTEM,
        kind=Source.Kind.DOCUMENT,
        title=title,
        reliability=Source.Reliability.HIGH,
        received_on=timezone.localdate(),
    )
    event = status_event_add(
        actor=SYSTEM,
        person=person,
        status=PersonStatus.HANDED_OVER,
        verification=Verification.CONFIRMED,
        source=source,
        occurred_on=meeting_day,
        place=handover.meeting_point,
        on_behalf_of=actor,
    )
    handover.completed_by = staff_of(actor)
    handover.completed_at = timezone.now()
    handover.source = source
    handover.save(update_fields=["completed_by", "completed_at", "source"])
    audit_record(
        actor=actor,
        action=Action.HANDOVER_COMPLETE,
        obj=handover,
        detail={
            "case": handover.case_id,
            "person": person.pk,
            "source": source.pk,
            "status_event": event.pk,
        },
    )
    return handover
