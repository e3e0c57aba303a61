"""Writes of outcomes: offers, assistance and its catalogue, exchange batches, handovers.

Each service runs in one transaction and writes its audit event there. Audit details hold ids,
statuses and counts: never a name, a place, a document number or a note.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lifeline.cases.models import Case, CaseKind
from lifeline.cases.services import case_transition
from lifeline.cases.workflows import workflow_for
from lifeline.core.access import CONSOLE_LANGUAGE, Perm, require_perm, user_or_none
from lifeline.core.audit import SYSTEM, audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.outcomes.models import (
    ACTIVE_OUTCOMES,
    AssistanceEvent,
    AssistanceItem,
    AssistanceStatus,
    AssistanceType,
    ExchangeBatch,
    ExchangeEntry,
    ExchangeOutcome,
    Handover,
    HandoverStep,
    OutcomeOffer,
    OutcomeOption,
)
from lifeline.registry.models import Person, PersonStatus, Source, Verification
from lifeline.registry.services import source_create, status_event_add

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
# The checklist every handover starts with, in order.
DEFAULT_HANDOVER_STEPS = (
    _("Identity of the relative checked against the documents"),
    _("The person's consent to go with the relative confirmed"),
    _("Medical check done"),
    _("Belongings returned to the person"),
    _("Receipt signed by the relative"),
)


class OutcomeRefused(ActionRefused):
    """The rules forbid this action on an outcome, an exchange or a handover."""


def _text(value: str, *, max_chars: int = TEXT_MAX_CHARS, required: str = "") -> str:
    """`value` stripped; refused when too long, or empty while `required` names what it is."""
    value = (value or "").strip()
    if required and not value:
        raise OutcomeRefused(gettext("Fill in %(what)s.") % {"what": required})
    if len(value) > max_chars:
        raise OutcomeRefused(
            gettext("The text is too long (at most %(max)d characters).") % {"max": max_chars}
        )
    return value


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_open_case(case: Case) -> None:
    if case.status in workflow_for(case.kind).terminal:
        raise OutcomeRefused(gettext("The case is closed. Reopen it first."))


def _day(value: date) -> str:
    return date_format(value, "Y-m-d")


# --- Outcomes offered on a surrender case ---------------------------------------------------


@transaction.atomic
def outcome_offer(*, actor: Any, case: Case, option: str, note: str = "") -> OutcomeOffer:
    """Record that `option` was offered to the person of a surrender case."""
    require_perm(actor, Perm.OUTCOME_WORK)
    if option not in OutcomeOption.values:
        raise OutcomeRefused(gettext("Unknown outcome."))
    note = _text(note)
    case = _lock_case(case)
    if case.kind != CaseKind.SURRENDER:
        raise OutcomeRefused(gettext("Outcomes are offered on surrender cases only."))
    _require_open_case(case)
    if OutcomeOffer.objects.filter(case=case, option=option).exists():
        raise OutcomeRefused(
            gettext("'%(option)s' was offered already.") % {"option": OutcomeOption(option).label}
        )
    offer = OutcomeOffer.objects.create(
        case=case,
        option=option,
        offered_at=timezone.now(),
        offered_by=user_or_none(actor),
        note=note,
    )
    audit_record(
        actor=actor,
        action="outcome.offer",
        obj=case,
        detail={"offer": offer.pk, "option": option},
    )
    return offer


@transaction.atomic
def outcome_choose(*, actor: Any, offer: OutcomeOffer, note: str = "") -> OutcomeOffer:
    """Record the option the person chose; a choice made before is replaced (he may change)."""
    require_perm(actor, Perm.OUTCOME_WORK)
    note = _text(note)
    case = _lock_case(offer.case)
    _require_open_case(case)
    offer = OutcomeOffer.objects.get(pk=offer.pk)
    if offer.chosen:
        raise OutcomeRefused(gettext("This is already the person's choice."))
    previous = OutcomeOffer.objects.filter(case=case, chosen=True).first()
    if previous is not None:
        previous.chosen, previous.chosen_at, previous.chosen_by = False, None, None
        previous.save(update_fields=["chosen", "chosen_at", "chosen_by"])
    offer.chosen = True
    offer.chosen_at = timezone.now()
    offer.chosen_by = user_or_none(actor)
    fields = ["chosen", "chosen_at", "chosen_by"]
    if note:
        offer.note = note
        fields.append("note")
    offer.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="outcome.choose",
        obj=case,
        detail={
            "offer": offer.pk,
            "option": offer.option,
            "previous": previous.option if previous is not None else None,
        },
    )
    return offer


# --- Assistance items -----------------------------------------------------------------------

ASSISTANCE_CASE_KINDS = frozenset({CaseKind.SURRENDER, CaseKind.ASSISTANCE})


@transaction.atomic
def assistance_item_add(
    *, actor: Any, case: Case, assistance_type: AssistanceType, note: str = ""
) -> AssistanceItem:
    """Ask for help of a catalogue type on a surrender or assistance case."""
    require_perm(actor, Perm.OUTCOME_WORK)
    note = _text(note)
    case = _lock_case(case)
    if case.kind not in ASSISTANCE_CASE_KINDS:
        raise OutcomeRefused(
            gettext("Assistance items belong to surrender and assistance cases only.")
        )
    _require_open_case(case)
    assistance_type = AssistanceType.objects.get(pk=assistance_type.pk)
    if not assistance_type.active:
        raise OutcomeRefused(
            gettext("'%(type)s' is no longer offered.") % {"type": assistance_type.name}
        )
    now = timezone.now()
    item = AssistanceItem.objects.create(
        case=case,
        type=assistance_type,
        note=note,
        created_by=user_or_none(actor),
        created_at=now,
        updated_at=now,
    )
    AssistanceEvent.objects.create(
        item=item, to_status=item.status, actor=user_or_none(actor), at=now, note=note
    )
    audit_record(
        actor=actor,
        action="assistance.add",
        obj=case,
        detail={"item": item.pk, "type": assistance_type.pk},
    )
    return item


@transaction.atomic
def assistance_item_set_status(
    *, actor: Any, item: AssistanceItem, to_status: str, note: str = ""
) -> AssistanceItem:
    """Move an item to `to_status` if its status table allows it; the history keeps the move."""
    require_perm(actor, Perm.OUTCOME_WORK)
    note = _text(note)
    case = _lock_case(item.case)
    _require_open_case(case)
    item = AssistanceItem.objects.select_for_update().get(pk=item.pk)
    from_status = item.status
    if to_status not in item.next_statuses:
        allowed = ", ".join(str(AssistanceStatus(s).label) for s in item.next_statuses)
        raise OutcomeRefused(
            gettext("An item that is '%(from)s' cannot become '%(to)s'; allowed next: %(allowed)s.")
            % {
                "from": AssistanceStatus(from_status).label,
                "to": to_status,
                "allowed": allowed or gettext("nothing"),
            }
        )
    now = timezone.now()
    item.status = to_status
    item.updated_at = now
    item.save(update_fields=["status", "updated_at"])
    event = AssistanceEvent.objects.create(
        item=item,
        from_status=from_status,
        to_status=to_status,
        actor=user_or_none(actor),
        at=now,
        note=note,
    )
    audit_record(
        actor=actor,
        action="assistance.status",
        obj=case,
        detail={"item": item.pk, "from": from_status, "to": to_status, "event": event.pk},
    )
    return item


# --- The assistance catalogue ---------------------------------------------------------------


def _type_name(name: str, *, other_than: int | None = None) -> str:
    name = _text(name, max_chars=NAME_MAX_CHARS, required=gettext("the name"))
    clash = AssistanceType.objects.filter(name__iexact=name)
    if other_than is not None:
        clash = clash.exclude(pk=other_than)
    if clash.exists():
        raise OutcomeRefused(gettext("The catalogue has a type with this name already."))
    return name


@transaction.atomic
def assistance_type_create(*, actor: Any, name: str, description: str = "") -> AssistanceType:
    """Add a type to the catalogue, after the last one."""
    require_perm(actor, Perm.CATALOGUE_EDIT)
    name = _type_name(name)
    last = AssistanceType.objects.aggregate(last=Max("order"))["last"] or 0
    assistance_type = AssistanceType.objects.create(
        name=name, description=_text(description), order=last + 10
    )
    audit_record(actor=actor, action="assistance_type.create", obj=assistance_type)
    return assistance_type


@transaction.atomic
def assistance_type_update(
    *,
    actor: Any,
    assistance_type: AssistanceType,
    name: str,
    description: str,
    order: int,
    active: bool,
) -> list[str]:
    """Rename, describe, reorder, deactivate or reactivate a type; returns what changed."""
    require_perm(actor, Perm.CATALOGUE_EDIT)
    assistance_type = AssistanceType.objects.select_for_update().get(pk=assistance_type.pk)
    values = {
        "name": _type_name(name, other_than=assistance_type.pk),
        "description": _text(description),
        "order": order,
        "active": active,
    }
    changed = [f for f, v in values.items() if getattr(assistance_type, f) != v]
    if not changed:
        return []
    for field in changed:
        setattr(assistance_type, field, values[field])
    assistance_type.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="assistance_type.update",
        obj=assistance_type,
        detail={"fields": changed, "active": assistance_type.active},
    )
    return changed


@transaction.atomic
def assistance_type_delete(*, actor: Any, assistance_type: AssistanceType) -> None:
    """Delete a type no item ever used; a type in use can only be deactivated."""
    require_perm(actor, Perm.CATALOGUE_EDIT)
    assistance_type = AssistanceType.objects.select_for_update().get(pk=assistance_type.pk)
    if assistance_type.items.exists():
        raise OutcomeRefused(
            gettext("'%(type)s' is in use on cases: deactivate it instead of deleting it.")
            % {"type": assistance_type.name}
        )
    audit_record(actor=actor, action="assistance_type.delete", obj=assistance_type)
    assistance_type.delete()


# --- Exchange batches -----------------------------------------------------------------------


def _lock_batch(batch: ExchangeBatch) -> ExchangeBatch:
    return ExchangeBatch.objects.select_for_update().get(pk=batch.pk)


def _require_open_batch(batch: ExchangeBatch) -> None:
    if not batch.is_open:
        raise OutcomeRefused(
            gettext("The batch is %(status)s: it cannot change any more.")
            % {"status": batch.get_status_display()}
        )


def _batch_fields(*, planned_on: date, place: str, counterpart: str) -> dict[str, Any]:
    return {
        "planned_on": planned_on,
        "place": _text(place, max_chars=LINE_MAX_CHARS * 2, required=gettext("the place")),
        "counterpart": _text(
            counterpart, max_chars=LINE_MAX_CHARS, required=gettext("the counterpart")
        ),
    }


@transaction.atomic
def exchange_batch_create(
    *, actor: Any, planned_on: date, place: str, counterpart: str
) -> ExchangeBatch:
    """Open a draft batch: a date, a place and the counterpart on the other side."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    values = _batch_fields(planned_on=planned_on, place=place, counterpart=counterpart)
    now = timezone.now()
    batch = ExchangeBatch.objects.create(
        **values, created_by=user_or_none(actor), created_at=now, updated_at=now
    )
    audit_record(actor=actor, action="exchange.create", obj=batch)
    return batch


@transaction.atomic
def exchange_batch_update(
    *, actor: Any, batch: ExchangeBatch, planned_on: date, place: str, counterpart: str
) -> list[str]:
    """Change the date, place or counterpart of an open batch; returns what changed."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    values = _batch_fields(planned_on=planned_on, place=place, counterpart=counterpart)
    batch = _lock_batch(batch)
    _require_open_batch(batch)
    changed = [f for f, v in values.items() if getattr(batch, f) != v]
    if not changed:
        return []
    for field in changed:
        setattr(batch, field, values[field])
    batch.updated_at = timezone.now()
    batch.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, action="exchange.update", obj=batch, detail={"fields": changed})
    return changed


def _active_entry_elsewhere(person: Person, *, batch: ExchangeBatch) -> ExchangeEntry | None:
    return (
        ExchangeEntry.objects.filter(person=person, active=True)
        .exclude(batch=batch)
        .select_related("batch")
        .first()
    )


def _refuse_active_elsewhere(person: Person, *, batch: ExchangeBatch) -> None:
    other = _active_entry_elsewhere(person, batch=batch)
    if other is not None:
        raise OutcomeRefused(
            gettext(
                "%(name)s is already on exchange batch #%(batch)d (%(date)s). A person can be "
                "in only one active batch: withdraw him there first."
            )
            % {
                "name": person.full_name,
                "batch": other.batch_id,
                "date": _day(other.batch.planned_on),
            }
        )


def _refuse_unless_in_custody(person: Person) -> None:
    """Only a person held (captured, held, transferred, in hospital) can be exchanged."""
    if person.current_status not in HELD_STATUSES:
        raise OutcomeRefused(
            gettext("%(name)s is recorded as '%(status)s', not as held: he cannot be exchanged.")
            % {"name": person.full_name, "status": person.get_current_status_display()}
        )


def _open_handover(person: Person) -> Handover | None:
    return (
        Handover.objects.filter(person=person, completed_at__isnull=True)
        .exclude(case__status__in=workflow_for(CaseKind.HANDOVER).terminal)
        .select_related("case")
        .first()
    )


def _save_active(entry: ExchangeEntry, *, fields: list[str] | None = None) -> None:
    """Save an entry that holds its person; the database has the last word on "only one"."""
    try:
        with transaction.atomic():
            entry.save(update_fields=fields)
    except IntegrityError as error:
        raise OutcomeRefused(
            gettext("%(name)s was just put on another active batch; reload the page.")
            % {"name": entry.person.full_name}
        ) from error


@transaction.atomic
def exchange_entry_add(*, actor: Any, batch: ExchangeBatch, person: Person) -> ExchangeEntry:
    """Put a registry person on a draft batch's list, unless another active batch holds him."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = _lock_batch(batch)
    _require_open_batch(batch)
    if batch.status != ExchangeBatch.Status.DRAFT:
        raise OutcomeRefused(
            gettext("The list is confirmed. Set the batch back to draft to add someone.")
        )
    # Locking the person serialises two officers adding him to two batches at once.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.merged_into_id is not None:
        raise OutcomeRefused(
            gettext("This record was merged into #%(pk)d: add that person instead.")
            % {"pk": person.merged_into_id}
        )
    _refuse_unless_in_custody(person)
    if ExchangeEntry.objects.filter(batch=batch, person=person).exists():
        raise OutcomeRefused(
            gettext("%(name)s is on this batch already.") % {"name": person.full_name}
        )
    _refuse_active_elsewhere(person, batch=batch)
    handover = _open_handover(person)
    if handover is not None:
        raise OutcomeRefused(
            gettext("%(name)s is being handed over to his family (case %(case)s).")
            % {"name": person.full_name, "case": handover.case.reference}
        )
    entry = ExchangeEntry(
        batch=batch, person=person, added_by=user_or_none(actor), added_at=timezone.now()
    )
    _save_active(entry)
    batch.updated_at = entry.added_at
    batch.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="exchange.entry_add",
        obj=batch,
        detail={"entry": entry.pk, "person": person.pk},
    )
    return entry


@transaction.atomic
def exchange_entry_set_outcome(
    *, actor: Any, entry: ExchangeEntry, outcome: str, note: str = ""
) -> ExchangeEntry:
    """Record what became of the person on this batch: exchanged, withdrawn or refused.

    "Exchanged" is recorded on a confirmed batch only; "pending" takes a decision back.
    """
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    if outcome not in ExchangeOutcome.values:
        raise OutcomeRefused(gettext("Unknown outcome."))
    note = _text(note)
    batch = _lock_batch(entry.batch)
    _require_open_batch(batch)
    entry = ExchangeEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)
    previous = entry.outcome
    if outcome == previous:
        raise OutcomeRefused(
            gettext("The outcome is '%(outcome)s' already.")
            % {"outcome": ExchangeOutcome(outcome).label}
        )
    if outcome == ExchangeOutcome.EXCHANGED and batch.status != ExchangeBatch.Status.CONFIRMED:
        raise OutcomeRefused(gettext("Confirm the batch before marking anyone exchanged."))
    active = outcome in ACTIVE_OUTCOMES
    if active and not entry.active:
        # Back on the list: he may have been put elsewhere, or died, meanwhile.
        person = Person.objects.select_for_update().get(pk=entry.person_id)
        _refuse_unless_in_custody(person)
        _refuse_active_elsewhere(person, batch=batch)
        handover = _open_handover(person)
        if handover is not None:
            raise OutcomeRefused(
                gettext("%(name)s is being handed over to his family (case %(case)s).")
                % {"name": person.full_name, "case": handover.case.reference}
            )
    entry.outcome = outcome
    entry.active = active
    entry.outcome_by = user_or_none(actor)
    entry.outcome_at = timezone.now()
    fields = ["outcome", "active", "outcome_by", "outcome_at"]
    if note:
        entry.note = note
        fields.append("note")
    _save_active(entry, fields=fields)
    batch.updated_at = entry.outcome_at
    batch.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="exchange.entry_outcome",
        obj=batch,
        detail={"entry": entry.pk, "person": entry.person_id, "from": previous, "to": outcome},
    )
    return entry


def _batch_move(*, actor: Any, batch: ExchangeBatch, to_status: str, action: str) -> None:
    now = timezone.now()
    previous = batch.status
    batch.status = to_status
    batch.updated_at = now
    batch.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=action, obj=batch, detail={"from": previous, "to": to_status})


@transaction.atomic
def exchange_batch_confirm(*, actor: Any, batch: ExchangeBatch) -> ExchangeBatch:
    """The list is agreed with the counterpart: from now on outcomes are recorded."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = _lock_batch(batch)
    if batch.status != ExchangeBatch.Status.DRAFT:
        raise OutcomeRefused(gettext("Only a draft batch can be confirmed."))
    if not batch.entries.filter(active=True).exists():
        raise OutcomeRefused(gettext("The list is empty: add persons before confirming."))
    _batch_move(
        actor=actor,
        batch=batch,
        to_status=ExchangeBatch.Status.CONFIRMED,
        action="exchange.confirm",
    )
    return batch


@transaction.atomic
def exchange_batch_reopen(*, actor: Any, batch: ExchangeBatch) -> ExchangeBatch:
    """Take a confirmed batch back to draft, to change its list."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = _lock_batch(batch)
    if batch.status != ExchangeBatch.Status.CONFIRMED:
        raise OutcomeRefused(gettext("Only a confirmed batch can go back to draft."))
    if batch.entries.filter(outcome=ExchangeOutcome.EXCHANGED).exists():
        raise OutcomeRefused(
            gettext("Someone is marked exchanged already: set him back to pending first.")
        )
    _batch_move(
        actor=actor, batch=batch, to_status=ExchangeBatch.Status.DRAFT, action="exchange.reopen"
    )
    return batch


@transaction.atomic
def exchange_batch_cancel(*, actor: Any, batch: ExchangeBatch) -> ExchangeBatch:
    """Call the exchange off: every person on it is free for another batch."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = _lock_batch(batch)
    _require_open_batch(batch)
    batch.entries.filter(active=True).update(active=False)
    _batch_move(
        actor=actor, batch=batch, to_status=ExchangeBatch.Status.CANCELLED, action="exchange.cancel"
    )
    return batch


@transaction.atomic
def exchange_batch_complete(*, actor: Any, batch: ExchangeBatch) -> ExchangeBatch:
    """The exchange took place: write an "exchanged" status event for each person exchanged.

    All or nothing: the registry events, their source and the batch's new state are written in
    this one transaction. Entries still pending block completion.
    """
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = _lock_batch(batch)
    if batch.status != ExchangeBatch.Status.CONFIRMED:
        raise OutcomeRefused(gettext("Only a confirmed batch can be completed."))
    if batch.planned_on > timezone.localdate():
        raise OutcomeRefused(
            gettext("The exchange is planned for %(date)s: complete it once it has taken place.")
            % {"date": _day(batch.planned_on)}
        )
    entries = list(
        ExchangeEntry.objects.select_for_update()
        .filter(batch=batch)
        .select_related("person")
        .order_by("id")
    )
    pending = [e for e in entries if e.outcome == ExchangeOutcome.PENDING]
    if pending:
        raise OutcomeRefused(
            gettext(
                "%(n)d on the list have no outcome yet: mark each one exchanged, withdrawn "
                "or refused."
            )
            % {"n": len(pending)}
        )
    exchanged = [e for e in entries if e.outcome == ExchangeOutcome.EXCHANGED]
    if not exchanged:
        raise OutcomeRefused(gettext("No one is marked exchanged: cancel the batch instead."))
    # The registry may have moved on since the list was drawn up (a death, a release).
    locked = Person.objects.select_for_update().in_bulk([e.person_id for e in exchanged])
    for entry in exchanged:
        entry.person = locked[entry.person_id]
        if entry.person.merged_into_id is None:
            _refuse_unless_in_custody(entry.person)
    merged = [e for e in exchanged if e.person.merged_into_id is not None]
    if merged:
        raise OutcomeRefused(
            gettext(
                "%(name)s was merged into record #%(pk)d meanwhile: withdraw this entry and add "
                "that record."
            )
            % {"name": merged[0].person.full_name, "pk": merged[0].person.merged_into_id}
        )
    with translation.override(CONSOLE_LANGUAGE):
        title = gettext("Exchange batch #%(batch)d of %(date)s") % {
            "batch": batch.pk,
            "date": _day(batch.planned_on),
        }
        note = gettext("Recorded on completion of exchange batch #%(batch)d.") % {"batch": batch.pk}
    # The user's permission was checked above; the registry writes are the system's.
    source = source_create(
        actor=SYSTEM,
        kind=Source.Kind.OFFICIAL_LIST,
        title=title,
        reliability=Source.Reliability.HIGH,
        received_on=timezone.localdate(),
    )
    events = [
        status_event_add(
            actor=SYSTEM,
            person=entry.person,
            status=PersonStatus.EXCHANGED,
            verification=Verification.CONFIRMED,
            source=source,
            occurred_on=batch.planned_on,
            place=batch.place,
            note=note,
            on_behalf_of=actor,
        )
        for entry in exchanged
    ]
    now = timezone.now()
    ExchangeEntry.objects.filter(batch=batch, active=True).update(active=False)
    batch.status = ExchangeBatch.Status.COMPLETED
    batch.completed_by = user_or_none(actor)
    batch.completed_at = now
    batch.updated_at = now
    batch.source = source
    batch.save(update_fields=["status", "completed_by", "completed_at", "updated_at", "source"])
    counts = {o: sum(1 for e in entries if e.outcome == o) for o in ExchangeOutcome.values}
    audit_record(
        actor=actor,
        action="exchange.complete",
        obj=batch,
        detail={
            "source": source.pk,
            "status_events": [e.pk for e in events],
            "exchanged": counts[ExchangeOutcome.EXCHANGED],
            "withdrawn": counts[ExchangeOutcome.WITHDRAWN],
            "refused": counts[ExchangeOutcome.REFUSED],
        },
    )
    return batch


# --- Handovers to a family ------------------------------------------------------------------


def _lock_handover(handover: Handover) -> Handover:
    return Handover.objects.select_for_update().select_related("case", "person").get(pk=handover.pk)


def _require_not_completed(handover: Handover) -> None:
    if handover.is_completed:
        raise OutcomeRefused(gettext("The handover is completed already."))


def _move_case(*, actor: Any, case: Case, to_status: str) -> None:
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
def handover_open(*, actor: Any, case: Case, person: Person) -> Handover:
    """Start the handover of a held person on a handover case, with the default checklist."""
    require_perm(actor, Perm.OUTCOME_WORK)
    case = _lock_case(case)
    if case.kind != CaseKind.HANDOVER:
        raise OutcomeRefused(gettext("A handover needs a case of kind 'handover'."))
    _require_open_case(case)
    if Handover.objects.filter(case=case).exists():
        raise OutcomeRefused(gettext("This case has its handover already."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    _refuse_unless_held(person)
    other = _open_handover(person)
    if other is not None:
        raise OutcomeRefused(
            gettext("%(name)s is being handed over to his family already (case %(case)s).")
            % {"name": person.full_name, "case": other.case.reference}
        )
    now = timezone.now()
    handover = Handover.objects.create(
        case=case, person=person, created_by=user_or_none(actor), created_at=now
    )
    with translation.override(CONSOLE_LANGUAGE):
        HandoverStep.objects.bulk_create(
            HandoverStep(handover=handover, position=n, text=str(text))
            for n, text in enumerate(DEFAULT_HANDOVER_STEPS, start=1)
        )
    audit_record(
        actor=actor,
        action="handover.open",
        obj=handover,
        detail={"case": case.pk, "person": person.pk, "steps": len(DEFAULT_HANDOVER_STEPS)},
    )
    return handover


@transaction.atomic
def handover_verify(
    *, actor: Any, handover: Handover, relative_name: str, relationship: str, documents: str
) -> Handover:
    """Stage 1: the relative and the relationship are verified; the documents are recorded."""
    require_perm(actor, Perm.OUTCOME_WORK)
    values = {
        "relative_name": _text(
            relative_name, max_chars=LINE_MAX_CHARS, required=gettext("the relative's name")
        ),
        "relationship": _text(
            relationship, max_chars=LINE_MAX_CHARS, required=gettext("the relationship")
        ),
        "documents": _text(documents, required=gettext("the documents checked")),
    }
    handover = _lock_handover(handover)
    _require_not_completed(handover)
    _require_open_case(handover.case)
    again = handover.is_verified
    changed = again and any(getattr(handover, f) != v for f, v in values.items())
    for field, value in values.items():
        setattr(handover, field, value)
    handover.verified_by = user_or_none(actor)
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
        action="handover.verify",
        obj=handover,
        detail={"case": handover.case_id, "again": again, "reset": changed},
    )
    return handover


@transaction.atomic
def handover_schedule(
    *, actor: Any, handover: Handover, meeting_point: str, meeting_at: datetime
) -> Handover:
    """Stage 2: where and when the relative meets the person (may be set again)."""
    require_perm(actor, Perm.OUTCOME_WORK)
    meeting_point = _text(
        meeting_point, max_chars=LINE_MAX_CHARS * 2, required=gettext("the meeting point")
    )
    if timezone.is_naive(meeting_at):
        raise ValueError("meeting_at must be timezone-aware")
    handover = _lock_handover(handover)
    _require_not_completed(handover)
    _require_open_case(handover.case)
    if not handover.is_verified:
        raise OutcomeRefused(gettext("Verify the relationship before fixing the meeting."))
    again = handover.is_scheduled
    handover.meeting_point = meeting_point
    handover.meeting_at = meeting_at
    handover.scheduled_by = user_or_none(actor)
    handover.scheduled_at = timezone.now()
    handover.save(update_fields=["meeting_point", "meeting_at", "scheduled_by", "scheduled_at"])
    _move_case(actor=actor, case=handover.case, to_status="scheduled")
    audit_record(
        actor=actor,
        action="handover.schedule",
        obj=handover,
        detail={"case": handover.case_id, "again": again},
    )
    return handover


@transaction.atomic
def handover_step_set(*, actor: Any, step: HandoverStep, done: bool) -> HandoverStep:
    """Stage 3: tick a step of the checklist as done (or take the tick back)."""
    require_perm(actor, Perm.OUTCOME_WORK)
    handover = _lock_handover(step.handover)
    _require_not_completed(handover)
    _require_open_case(handover.case)
    if not handover.is_scheduled:
        raise OutcomeRefused(gettext("Fix the meeting before working through the checklist."))
    step = HandoverStep.objects.get(pk=step.pk)
    if step.is_done == done:
        raise OutcomeRefused(
            gettext("This step is done already.") if done else gettext("This step is not done.")
        )
    step.done_at = timezone.now() if done else None
    step.done_by = user_or_none(actor) if done else None
    step.save(update_fields=["done_at", "done_by"])
    audit_record(
        actor=actor,
        action="handover.step",
        obj=handover,
        detail={"step": step.pk, "position": step.position, "done": done},
    )
    return step


@transaction.atomic
def handover_complete(*, actor: Any, handover: Handover) -> Handover:
    """Stage 4: the person went with his relative. The registry records him handed over."""
    require_perm(actor, Perm.OUTCOME_WORK)
    handover = _lock_handover(handover)
    _require_not_completed(handover)
    _require_open_case(handover.case)
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
            % {"date": _day(meeting_day)}
        )
    person = Person.objects.select_for_update().get(pk=handover.person_id)
    _refuse_unless_held(person)
    _move_case(actor=actor, case=handover.case, to_status="completed")
    with translation.override(CONSOLE_LANGUAGE):
        title = gettext("Handover record %(case)s") % {"case": handover.case.reference}
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
    handover.completed_by = user_or_none(actor)
    handover.completed_at = timezone.now()
    handover.source = source
    handover.save(update_fields=["completed_by", "completed_at", "source"])
    audit_record(
        actor=actor,
        action="handover.complete",
        obj=handover,
        detail={
            "case": handover.case_id,
            "person": person.pk,
            "source": source.pk,
            "status_event": event.pk,
        },
    )
    return handover
