"""What outcomes does when the registry below it reports a change (the hooks in settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext

from lifeline.core.actors import Actor
from lifeline.outcomes.models import ExchangeEntry, Handover
from lifeline.registry.models import Person
from lifeline.registry.services import RegistryRefused


def person_merged(
    *, actor: Actor, keep: Person, merge: Person, merged_at: datetime, detail: dict[str, Any]
) -> None:
    """Give `keep` the merged person's exchange entries and handovers; add them to `detail`.

    Two records on one exchange list, or on two active ones, refuse the merge: which entry
    stands is the exchange officer's call.
    """
    entries = ExchangeEntry.objects.filter(person=merge)
    kept = ExchangeEntry.objects.filter(person=keep)
    same_batch = kept.filter(batch__in=entries.values("batch")).exists()
    both_active = entries.filter(active=True).exists() and kept.filter(active=True).exists()
    if same_batch or both_active:
        raise RegistryRefused(
            gettext(
                "Both records are on exchange lists: withdraw one of them from its batch "
                "before merging."
            )
        )
    moved = list(entries.values_list("pk", flat=True))
    ExchangeEntry.objects.filter(pk__in=moved).update(person=keep)
    handovers = list(Handover.objects.filter(person=merge).values_list("pk", flat=True))
    Handover.objects.filter(pk__in=handovers).update(person=keep)
    detail.update(exchange_entries=moved, handovers=handovers)


def persons_linked(*, person_ids: list[int], links: dict[int, list[str]]) -> None:
    """Add to `links` the persons on an exchange list or in a handover."""
    for ids, reason in (
        (
            ExchangeEntry.objects.filter(person__in=person_ids).values_list("person", flat=True),
            gettext("the person is on an exchange list"),
        ),
        (
            Handover.objects.filter(person__in=person_ids).values_list("person", flat=True),
            gettext("the person has a handover"),
        ),
    ):
        for person_id in set(ids):
            links.setdefault(person_id, []).append(reason)
