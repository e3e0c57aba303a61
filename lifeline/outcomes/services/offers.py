"""Outcomes offered on a surrender case, and the one the person chose."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.cases.models import Case, CaseKind
from lifeline.core.access import Perm, require_perm
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.outcomes.models import (
    OutcomeOffer,
    OutcomeOption,
)
from lifeline.outcomes.services.common import (
    OutcomeRefused,
    clean_text,
    require_open_case,
)


@transaction.atomic
def outcome_offer(*, actor: Actor, case: Case, option: str, note: str = "") -> OutcomeOffer:
    """Record that `option` was offered to the person of a surrender case."""
    require_perm(actor, Perm.OUTCOME_WORK)
    if option not in OutcomeOption.values:
        raise OutcomeRefused(gettext("Unknown outcome."))
    note = clean_text(note)
    case = row_lock(case)
    if case.kind != CaseKind.SURRENDER:
        raise OutcomeRefused(gettext("Outcomes are offered on surrender cases only."))
    require_open_case(case)
    if OutcomeOffer.objects.filter(case=case, option=option).exists():
        raise OutcomeRefused(
            gettext("'%(option)s' was offered already.") % {"option": OutcomeOption(option).label}
        )
    offer = OutcomeOffer.objects.create(
        case=case,
        option=option,
        offered_at=timezone.now(),
        offered_by=staff_of(actor),
        note=note,
    )
    audit_record(
        actor=actor,
        action=Action.OUTCOME_OFFER,
        obj=case,
        detail={"offer": offer.pk, "option": option},
    )
    return offer


@transaction.atomic
def outcome_choose(*, actor: Actor, offer: OutcomeOffer, note: str = "") -> OutcomeOffer:
    """Record the option the person chose; a choice made before is replaced (he may change)."""
    require_perm(actor, Perm.OUTCOME_WORK)
    note = clean_text(note)
    case = row_lock(offer.case)
    require_open_case(case)
    offer = OutcomeOffer.objects.get(pk=offer.pk)
    if offer.chosen:
        raise OutcomeRefused(gettext("This is already the person's choice."))
    previous = OutcomeOffer.objects.filter(case=case, chosen=True).first()
    if previous is not None:
        previous.chosen, previous.chosen_at, previous.chosen_by = False, None, None
        previous.save(update_fields=["chosen", "chosen_at", "chosen_by"])
    offer.chosen = True
    offer.chosen_at = timezone.now()
    offer.chosen_by = staff_of(actor)
    fields = ["chosen", "chosen_at", "chosen_by"]
    if note:
        offer.note = note
        fields.append("note")
    offer.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=Action.OUTCOME_CHOOSE,
        obj=case,
        detail={
            "offer": offer.pk,
            "option": offer.option,
            "previous": previous.option if previous is not None else None,
        },
    )
    return offer
