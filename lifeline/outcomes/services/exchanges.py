"""Exchange batches: drawing up the list, the outcome of each entry, confirming, completing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM, Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.outcomes.models import (
    ACTIVE_OUTCOMES,
    ExchangeBatch,
    ExchangeEntry,
    ExchangeOutcome,
)
from lifeline.outcomes.services.common import (
    HELD_STATUSES,
    LINE_MAX_CHARS,
    OutcomeRefused,
    clean_text,
    day_text,
    open_handover_of,
)
from lifeline.registry.lists import list_confirmed_rows
from lifeline.registry.models import (
    EXCHANGE_EVENT_NOTE,
    EXCHANGE_SOURCE_TITLE,
    ListMatch,
    Person,
    PersonStatus,
    Source,
    Verification,
)
from lifeline.registry.services import source_create, status_event_add


def _require_open_batch(batch: ExchangeBatch) -> None:
    if not batch.is_open:
        raise OutcomeRefused(
            gettext("The batch is %(status)s: it cannot change any more.")
            % {"status": batch.get_status_display()}
        )


def _batch_fields(*, planned_on: date, place: str, counterpart: str) -> dict[str, Any]:
    return {
        "planned_on": planned_on,
        "place": clean_text(place, max_chars=LINE_MAX_CHARS * 2, required=gettext("the place")),
        "counterpart": clean_text(
            counterpart, max_chars=LINE_MAX_CHARS, required=gettext("the counterpart")
        ),
    }


@transaction.atomic
def exchange_batch_create(
    *, actor: Actor, planned_on: date, place: str, counterpart: str
) -> ExchangeBatch:
    """Open a draft batch: a date, a place and the counterpart on the other side."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    values = _batch_fields(planned_on=planned_on, place=place, counterpart=counterpart)
    now = timezone.now()
    batch = ExchangeBatch.objects.create(
        **values, created_by=staff_of(actor), created_at=now, updated_at=now
    )
    audit_record(actor=actor, action=Action.EXCHANGE_CREATE, obj=batch)
    return batch


@transaction.atomic
def exchange_batch_update(
    *, actor: Actor, batch: ExchangeBatch, planned_on: date, place: str, counterpart: str
) -> list[str]:
    """Change the date, place or counterpart of an open batch; returns what changed."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    values = _batch_fields(planned_on=planned_on, place=place, counterpart=counterpart)
    batch = row_lock(batch)
    _require_open_batch(batch)
    changed = [f for f, v in values.items() if getattr(batch, f) != v]
    if not changed:
        return []
    for field in changed:
        setattr(batch, field, values[field])
    batch.updated_at = timezone.now()
    batch.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, action=Action.EXCHANGE_UPDATE, obj=batch, detail={"fields": changed})
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
                "date": day_text(other.batch.planned_on),
            }
        )


def _refuse_unless_in_custody(person: Person) -> None:
    """Only a person held (captured, held, transferred, in hospital) can be exchanged."""
    if person.current_status not in HELD_STATUSES:
        raise OutcomeRefused(
            gettext("%(name)s is recorded as '%(status)s', not as held: he cannot be exchanged.")
            % {"name": person.full_name, "status": person.get_current_status_display()}
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
def exchange_entry_add(*, actor: Actor, batch: ExchangeBatch, person: Person) -> ExchangeEntry:
    """Put a registry person on a draft batch's list, unless another active batch holds him."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = row_lock(batch)
    _require_open_batch(batch)
    if batch.status != ExchangeBatch.Status.DRAFT:
        raise OutcomeRefused(
            gettext("The list is confirmed. Set the batch back to draft to add someone.")
        )
    # Locking the person serialises two officers adding him to two batches at once.
    person = row_lock(person)
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
    handover = open_handover_of(person)
    if handover is not None:
        raise OutcomeRefused(
            gettext("%(name)s is being handed over to his family (case %(case)s).")
            % {"name": person.full_name, "case": handover.case.reference}
        )
    entry = ExchangeEntry(
        batch=batch, person=person, added_by=staff_of(actor), added_at=timezone.now()
    )
    _save_active(entry)
    batch.updated_at = entry.added_at
    batch.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action=Action.EXCHANGE_ENTRY_ADD,
        obj=batch,
        detail={"entry": entry.pk, "person": person.pk},
    )
    return entry


@dataclass(frozen=True)
class FromList:
    """What became of one confirmed row of a list put on a batch: added, or refused and why."""

    line: int
    person: Person | None
    added: bool
    reason: str = ""


@transaction.atomic
def exchange_entries_add_from_list(
    *, actor: Actor, batch: ExchangeBatch, listed: ListMatch
) -> list[FromList]:
    """Put the person of every confirmed row of an exchange list on a draft batch, in one step.

    Each row goes through `exchange_entry_add`, so its rules hold row by row (only persons in
    custody, one active batch per person, none being handed over); a row refused is reported
    with the reason and does not hold back the others.
    """
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    require_perm(actor, Perm.REGISTRY_VIEW)
    if listed.kind != ListMatch.Kind.EXCHANGE:
        raise OutcomeRefused(gettext("Only an exchange list's rows can be put on a batch."))
    if batch.status != ExchangeBatch.Status.DRAFT:
        raise OutcomeRefused(
            gettext("The batch is not a draft: only a draft batch's list can be added to.")
        )
    rows = list_confirmed_rows(listed)
    if not rows:
        raise OutcomeRefused(gettext("No row of the list is confirmed: confirm the persons first."))
    results = []
    for row in rows:
        if row.person is None:
            reason = gettext("the confirmed person is no longer in the registry")
            results.append(FromList(row.line, None, added=False, reason=reason))
            continue
        try:
            with transaction.atomic():  # a refusal undoes its own row only
                exchange_entry_add(actor=actor, batch=batch, person=row.person)
        except OutcomeRefused as refused:
            results.append(FromList(row.line, row.person, added=False, reason=refused.message))
        else:
            results.append(FromList(row.line, row.person, added=True))
    audit_record(
        actor=actor,
        action=Action.EXCHANGE_ENTRIES_FROM_LIST,
        obj=batch,
        detail={
            "list": listed.pk,
            "added": sum(1 for r in results if r.added),
            "refused": [r.line for r in results if not r.added],
        },
    )
    return results


@transaction.atomic
def exchange_entry_set_outcome(
    *, actor: Actor, entry: ExchangeEntry, outcome: str, note: str = ""
) -> ExchangeEntry:
    """Record what became of the person on this batch: exchanged, withdrawn or refused.

    "Exchanged" is recorded on a confirmed batch only; "pending" takes a decision back.
    """
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    if outcome not in ExchangeOutcome.values:
        raise OutcomeRefused(gettext("Unknown outcome."))
    note = clean_text(note)
    batch = row_lock(entry.batch)
    _require_open_batch(batch)
    entry = row_lock(entry, related=("person",))
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
        handover = open_handover_of(person)
        if handover is not None:
            raise OutcomeRefused(
                gettext("%(name)s is being handed over to his family (case %(case)s).")
                % {"name": person.full_name, "case": handover.case.reference}
            )
    entry.outcome = outcome
    entry.active = active
    entry.outcome_by = staff_of(actor)
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
        action=Action.EXCHANGE_ENTRY_OUTCOME,
        obj=batch,
        detail={"entry": entry.pk, "person": entry.person_id, "from": previous, "to": outcome},
    )
    return entry


def _batch_move(*, actor: Actor, batch: ExchangeBatch, to_status: str, action: Action) -> None:
    now = timezone.now()
    previous = batch.status
    batch.status = to_status
    batch.updated_at = now
    batch.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=action, obj=batch, detail={"from": previous, "to": to_status})


@transaction.atomic
def exchange_batch_confirm(*, actor: Actor, batch: ExchangeBatch) -> ExchangeBatch:
    """The list is agreed with the counterpart: from now on outcomes are recorded."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = row_lock(batch)
    if batch.status != ExchangeBatch.Status.DRAFT:
        raise OutcomeRefused(gettext("Only a draft batch can be confirmed."))
    if not batch.entries.filter(active=True).exists():
        raise OutcomeRefused(gettext("The list is empty: add persons before confirming."))
    _batch_move(
        actor=actor,
        batch=batch,
        to_status=ExchangeBatch.Status.CONFIRMED,
        action=Action.EXCHANGE_CONFIRM,
    )
    return batch


@transaction.atomic
def exchange_batch_reopen(*, actor: Actor, batch: ExchangeBatch) -> ExchangeBatch:
    """Take a confirmed batch back to draft, to change its list."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = row_lock(batch)
    if batch.status != ExchangeBatch.Status.CONFIRMED:
        raise OutcomeRefused(gettext("Only a confirmed batch can go back to draft."))
    if batch.entries.filter(outcome=ExchangeOutcome.EXCHANGED).exists():
        raise OutcomeRefused(
            gettext("Someone is marked exchanged already: set him back to pending first.")
        )
    _batch_move(
        actor=actor,
        batch=batch,
        to_status=ExchangeBatch.Status.DRAFT,
        action=Action.EXCHANGE_REOPEN,
    )
    return batch


@transaction.atomic
def exchange_batch_cancel(*, actor: Actor, batch: ExchangeBatch) -> ExchangeBatch:
    """Call the exchange off: every person on it is free for another batch."""
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = row_lock(batch)
    _require_open_batch(batch)
    batch.entries.filter(active=True).update(active=False)
    _batch_move(
        actor=actor,
        batch=batch,
        to_status=ExchangeBatch.Status.CANCELLED,
        action=Action.EXCHANGE_CANCEL,
    )
    return batch


@transaction.atomic
def exchange_batch_complete(*, actor: Actor, batch: ExchangeBatch) -> ExchangeBatch:
    """The exchange took place: write an "exchanged" status event for each person exchanged.

    All or nothing: the registry events, their source and the batch's new state are written in
    this one transaction. Entries still pending block completion.
    """
    require_perm(actor, Perm.EXCHANGE_MANAGE)
    batch = row_lock(batch)
    if batch.status != ExchangeBatch.Status.CONFIRMED:
        raise OutcomeRefused(gettext("Only a confirmed batch can be completed."))
    if batch.planned_on > timezone.localdate():
        raise OutcomeRefused(
            gettext("The exchange is planned for %(date)s: complete it once it has taken place.")
            % {"date": day_text(batch.planned_on)}
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
    # In English, worded for each reader when shown (registry.models.SYSTEM_SOURCE_TITLES).
    title = EXCHANGE_SOURCE_TITLE % {"batch": batch.pk, "date": day_text(batch.planned_on)}
    note = EXCHANGE_EVENT_NOTE % {"batch": batch.pk}
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
            on_behalf_of=staff_of(actor),
        )
        for entry in exchanged
    ]
    now = timezone.now()
    ExchangeEntry.objects.filter(batch=batch, active=True).update(active=False)
    batch.status = ExchangeBatch.Status.COMPLETED
    batch.completed_by = staff_of(actor)
    batch.completed_at = now
    batch.updated_at = now
    batch.source = source
    batch.save(update_fields=["status", "completed_by", "completed_at", "updated_at", "source"])
    counts = {o: sum(1 for e in entries if e.outcome == o) for o in ExchangeOutcome.values}
    audit_record(
        actor=actor,
        action=Action.EXCHANGE_COMPLETE,
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
