"""Assistance items on a case, and the catalogue of assistance types they are drawn from."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.cases.models import Case, CaseKind
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.outcomes.models import (
    AssistanceEvent,
    AssistanceItem,
    AssistanceStatus,
    AssistanceType,
)
from lifeline.outcomes.services.common import (
    NAME_MAX_CHARS,
    OutcomeRefused,
    clean_text,
    require_open_case,
)

# --- Assistance items -----------------------------------------------------------------------

ASSISTANCE_CASE_KINDS = frozenset({CaseKind.SURRENDER, CaseKind.ASSISTANCE})


@transaction.atomic
def assistance_item_add(
    *, actor: Actor, case: Case, assistance_type: AssistanceType, note: str = ""
) -> AssistanceItem:
    """Ask for help of a catalogue type on a surrender or assistance case."""
    require_perm(actor, Perm.OUTCOME_WORK)
    note = clean_text(note)
    case = row_lock(case)
    if case.kind not in ASSISTANCE_CASE_KINDS:
        raise OutcomeRefused(
            gettext("Assistance items belong to surrender and assistance cases only.")
        )
    require_open_case(case)
    assistance_type = AssistanceType.objects.get(pk=assistance_type.pk)
    if not assistance_type.active:
        raise OutcomeRefused(
            gettext("'%(type)s' is no longer offered.") % {"type": assistance_type.label}
        )
    now = timezone.now()
    item = AssistanceItem.objects.create(
        case=case,
        type=assistance_type,
        note=note,
        created_by=staff_of(actor),
        created_at=now,
        updated_at=now,
    )
    AssistanceEvent.objects.create(
        item=item, to_status=item.status, actor=staff_of(actor), at=now, note=note
    )
    audit_record(
        actor=actor,
        action=Action.ASSISTANCE_ADD,
        obj=case,
        detail={"item": item.pk, "type": assistance_type.pk},
    )
    return item


@transaction.atomic
def assistance_item_set_status(
    *, actor: Actor, item: AssistanceItem, to_status: str, note: str = ""
) -> AssistanceItem:
    """Move an item to `to_status` if its status table allows it; the history keeps the move."""
    require_perm(actor, Perm.OUTCOME_WORK)
    note = clean_text(note)
    case = row_lock(item.case)
    require_open_case(case)
    item = row_lock(item)
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
        actor=staff_of(actor),
        at=now,
        note=note,
    )
    audit_record(
        actor=actor,
        action=Action.ASSISTANCE_STATUS,
        obj=case,
        detail={"item": item.pk, "from": from_status, "to": to_status, "event": event.pk},
    )
    return item


# --- The assistance catalogue ---------------------------------------------------------------


def _type_name(name: str, *, other_than: int | None = None) -> str:
    name = clean_text(name, max_chars=NAME_MAX_CHARS, required=gettext("the name"))
    clash = AssistanceType.objects.filter(name__iexact=name)
    if other_than is not None:
        clash = clash.exclude(pk=other_than)
    if clash.exists():
        raise OutcomeRefused(gettext("The catalogue has a type with this name already."))
    return name


@transaction.atomic
def assistance_type_create(*, actor: Actor, name: str, description: str = "") -> AssistanceType:
    """Add a type to the catalogue, after the last one."""
    require_perm(actor, Perm.CATALOGUE_EDIT)
    name = _type_name(name)
    last = AssistanceType.objects.aggregate(last=Max("order"))["last"] or 0
    assistance_type = AssistanceType.objects.create(
        name=name, description=clean_text(description), order=last + 10
    )
    audit_record(actor=actor, action=Action.ASSISTANCE_TYPE_CREATE, obj=assistance_type)
    return assistance_type


@transaction.atomic
def assistance_type_update(
    *,
    actor: Actor,
    assistance_type: AssistanceType,
    name: str,
    description: str,
    order: int,
    active: bool,
) -> list[str]:
    """Rename, describe, reorder, deactivate or reactivate a type; returns what changed."""
    require_perm(actor, Perm.CATALOGUE_EDIT)
    assistance_type = row_lock(assistance_type)
    values = {
        "name": _type_name(name, other_than=assistance_type.pk),
        "description": clean_text(description),
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
        action=Action.ASSISTANCE_TYPE_UPDATE,
        obj=assistance_type,
        detail={"fields": changed, "active": assistance_type.active},
    )
    return changed


@transaction.atomic
def assistance_type_delete(*, actor: Actor, assistance_type: AssistanceType) -> None:
    """Delete a type no item ever used; a type in use can only be deactivated."""
    require_perm(actor, Perm.CATALOGUE_EDIT)
    assistance_type = row_lock(assistance_type)
    if assistance_type.items.exists():
        raise OutcomeRefused(
            gettext("'%(type)s' is in use on cases: deactivate it instead of deleting it.")
            % {"type": assistance_type.label}
        )
    audit_record(actor=actor, action=Action.ASSISTANCE_TYPE_DELETE, obj=assistance_type)
    assistance_type.delete()
