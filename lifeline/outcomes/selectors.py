"""Reads of outcomes for a staff user: each checks access; each person shown is audited.

An exchange batch's page and a handover's page show registry persons: each one shown counts as
a read of that person's record, audited as "person.view" with the purpose "exchange" or
"handover".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseKind
from lifeline.cases.selectors import case_get_for
from lifeline.core.access import Perm, has_perm, require_perm
from lifeline.outcomes.models import (
    AssistanceEvent,
    AssistanceItem,
    AssistanceType,
    ExchangeBatch,
    ExchangeEntry,
    ExchangeOutcome,
    Handover,
    HandoverStep,
    OutcomeOffer,
    OutcomeOption,
)
from lifeline.outcomes.services.assistance import ASSISTANCE_CASE_KINDS
from lifeline.registry.selectors import person_reads_audit

# --- The panel on a case page ---------------------------------------------------------------


@dataclass(frozen=True)
class OfferRow:
    option: str
    label: str
    offer: OutcomeOffer | None  # None: not offered yet


@dataclass(frozen=True)
class OutcomePanel:
    """What the outcomes panel of a case page shows; empty parts are not shown."""

    case: Case
    offers: list[OfferRow] = field(default_factory=list)
    shows_offers: bool = False
    items: list[AssistanceItem] = field(default_factory=list)
    shows_assistance: bool = False
    assistance_types: list[AssistanceType] = field(default_factory=list)
    shows_handover: bool = False
    handover: Handover | None = None
    steps_done: int = 0
    steps_total: int = 0


def outcome_offers_for(*, user: User, case: Case) -> list[OfferRow]:
    """Every option, with its offer row where it was offered."""
    require_perm(user, Perm.OUTCOME_WORK)
    offers = {
        o.option: o
        for o in OutcomeOffer.objects.filter(case=case).select_related("offered_by", "chosen_by")
    }
    return [
        OfferRow(value, str(label), offers.get(value)) for value, label in OutcomeOption.choices
    ]


def assistance_items_for(*, user: User, case: Case) -> list[AssistanceItem]:
    """The case's assistance items with their history, oldest first."""
    require_perm(user, Perm.OUTCOME_WORK)
    return list(
        AssistanceItem.objects.filter(case=case)
        .select_related("type", "created_by")
        .prefetch_related(
            Prefetch("events", queryset=AssistanceEvent.objects.select_related("actor"))
        )
    )


def assistance_types_offered_for(*, user: User) -> QuerySet[AssistanceType]:
    """The active types of the catalogue, to choose from when asking for help."""
    require_perm(user, Perm.OUTCOME_WORK)
    return AssistanceType.objects.filter(active=True)


def outcome_panel_for(*, user: User, case: Case) -> OutcomePanel | None:
    """The panel for a case page; None when the user does not work outcomes or the kind has none."""
    if not has_perm(user, Perm.OUTCOME_WORK):
        return None
    if case.kind == CaseKind.HANDOVER:
        handover = Handover.objects.filter(case=case).first()
        steps = list(handover.steps.all()) if handover is not None else []
        return OutcomePanel(
            case=case,
            shows_handover=True,
            handover=handover,
            steps_done=sum(1 for s in steps if s.is_done),
            steps_total=len(steps),
        )
    if case.kind not in ASSISTANCE_CASE_KINDS:
        return None
    surrender = case.kind == CaseKind.SURRENDER
    return OutcomePanel(
        case=case,
        offers=outcome_offers_for(user=user, case=case) if surrender else [],
        shows_offers=surrender,
        items=assistance_items_for(user=user, case=case),
        shows_assistance=True,
        assistance_types=list(assistance_types_offered_for(user=user)),
    )


def outcome_offer_get_for(*, user: User, pk: int) -> OutcomeOffer:
    require_perm(user, Perm.OUTCOME_WORK)
    return get_object_or_404(OutcomeOffer.objects.select_related("case"), pk=pk)


def assistance_item_get_for(*, user: User, pk: int) -> AssistanceItem:
    require_perm(user, Perm.OUTCOME_WORK)
    return get_object_or_404(AssistanceItem.objects.select_related("case", "type"), pk=pk)


# --- The catalogue --------------------------------------------------------------------------


def catalogue_for(*, user: User) -> QuerySet[AssistanceType]:
    """Every type, active or not, with the number of items that use it."""
    require_perm(user, Perm.CATALOGUE_EDIT)
    return AssistanceType.objects.annotate(uses=Count("items"))


def assistance_type_get_for(*, user: User, pk: int) -> AssistanceType:
    require_perm(user, Perm.CATALOGUE_EDIT)
    return get_object_or_404(AssistanceType.objects.annotate(uses=Count("items")), pk=pk)


# --- Exchanges ------------------------------------------------------------------------------


def exchange_batch_list_for(*, user: User) -> QuerySet[ExchangeBatch]:
    """Every batch, the latest planned first, with counts of its list. No person is shown."""
    require_perm(user, Perm.EXCHANGE_MANAGE)
    return ExchangeBatch.objects.annotate(
        listed=Count("entries"),
        exchanged=Count("entries", filter=Q(entries__outcome=ExchangeOutcome.EXCHANGED)),
        pending=Count("entries", filter=Q(entries__outcome=ExchangeOutcome.PENDING)),
    ).order_by("-planned_on", "-id")


def exchange_draft_batches_for(*, user: User) -> QuerySet[ExchangeBatch]:
    """The batches whose list may still be added to, the soonest planned first."""
    require_perm(user, Perm.EXCHANGE_MANAGE)
    return ExchangeBatch.objects.filter(status=ExchangeBatch.Status.DRAFT).order_by(
        "planned_on", "id"
    )


def exchange_batch_get_for(*, user: User, pk: int) -> ExchangeBatch:
    require_perm(user, Perm.EXCHANGE_MANAGE)
    return get_object_or_404(
        ExchangeBatch.objects.select_related("created_by", "completed_by", "source"), pk=pk
    )


@transaction.atomic
def exchange_entries_for(*, user: User, batch: ExchangeBatch) -> list[ExchangeEntry]:
    """The batch's list, in the order persons were added; each person shown is a read."""
    require_perm(user, Perm.EXCHANGE_MANAGE)
    entries = list(ExchangeEntry.objects.filter(batch=batch).select_related("person", "outcome_by"))
    person_reads_audit(
        user=user, persons=[e.person_id for e in entries], purpose="exchange", batch=batch.pk
    )
    return entries


def exchange_entry_get_for(*, user: User, pk: int) -> ExchangeEntry:
    require_perm(user, Perm.EXCHANGE_MANAGE)
    return get_object_or_404(ExchangeEntry.objects.select_related("batch"), pk=pk)


# --- Handovers ------------------------------------------------------------------------------


def handover_case_get_for(*, user: User, pk: int) -> Case:
    """The handover case `pk`; Http404 for any other kind, as for a case that is not there."""
    require_perm(user, Perm.OUTCOME_WORK)
    case = case_get_for(user=user, key=pk)
    if case.kind != CaseKind.HANDOVER:
        raise Http404("not a handover case")
    return case


@transaction.atomic
def handover_for(*, user: User, case: Case) -> Handover | None:
    """The case's handover with its checklist, or None; the person shown is an audited read."""
    require_perm(user, Perm.OUTCOME_WORK)
    handover = (
        Handover.objects.filter(case=case)
        .select_related("person", "verified_by", "scheduled_by", "completed_by", "source")
        .prefetch_related(
            Prefetch("steps", queryset=HandoverStep.objects.select_related("done_by"))
        )
        .first()
    )
    if handover is not None:
        person_reads_audit(
            user=user, persons=[handover.person_id], purpose="handover", case=case.pk
        )
    return handover


def handover_step_get_for(*, user: User, pk: int) -> HandoverStep:
    require_perm(user, Perm.OUTCOME_WORK)
    return get_object_or_404(HandoverStep.objects.select_related("handover"), pk=pk)
