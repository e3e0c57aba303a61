"""Likely duplicate persons in the registry: finding them (Splink) and dismissing a pair."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.core.access import Perm, require_perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor
from lifeline.core.audit import audit_record
from lifeline.core.locks import row_lock
from lifeline.matching import NameVariant, PersonRecord
from lifeline.registry.models import Person
from lifeline.tracing import dedupe, engine
from lifeline.tracing.models import DuplicatePair
from lifeline.tracing.services.common import TracingRefused


@dataclass(frozen=True)
class DedupeRun:
    persons: int
    pairs: int
    new: int


_FIELDS = (
    "pk", "surname", "given_name", "patronymic", "sex",
    "birth_year", "birth_month", "birth_day", "unit", "place_of_birth",
)  # fmt: skip


def _linkage_records() -> Iterator[PersonRecord]:
    """Every person not merged into another, as the linkage needs him: his primary name.

    The linkage compares primary names only (`normalised_columns`), so the name forms are not
    read, and plain rows stream from the database instead of a million model objects.
    """
    rows = Person.objects.filter(merged_into__isnull=True).order_by("pk").values_list(*_FIELDS)
    for pk, surname, given, patronymic, sex, year, month, day, unit, place in rows.iterator(
        chunk_size=5000
    ):
        yield PersonRecord(
            id=pk,
            names=(NameVariant(surname, given, patronymic),),
            sex=sex,
            birth_year=year,
            birth_month=month,
            birth_day=day,
            unit=unit,
            place_of_birth=place,
        )


def duplicates_find(
    *, actor: Actor, threshold: float | None = None, spark: dedupe.Spark | None = None
) -> DedupeRun:
    """Run the whole-registry linkage and store the likely duplicate pairs found.

    Pairs a registrar dismissed stay dismissed. The linkage runs outside any transaction: on
    a large registry it takes a while, and it only reads. On DuckDB in this process, or on
    Spark where `spark` says.
    """
    require_perm_or_system(actor, Perm.REGISTRY_MERGE)
    table = dedupe.input_table(_linkage_records())
    persons = table.num_rows
    pairs = dedupe.find_duplicates(
        table, threshold=dedupe.DEFAULT_THRESHOLD if threshold is None else threshold, spark=spark
    )
    del table
    with transaction.atomic():
        now = timezone.now()
        known = {
            (row.left_id, row.right_id): row
            for row in DuplicatePair.objects.only("left_id", "right_id", "state")
        }
        fresh = [p for p in pairs if (p.left_id, p.right_id) not in known]
        DuplicatePair.objects.bulk_create(
            [
                DuplicatePair(
                    left_id=p.left_id, right_id=p.right_id, probability=p.probability, found_at=now
                )
                for p in fresh
            ],
            batch_size=2000,
            ignore_conflicts=True,  # a run alongside stored the same pair first
        )
        still_open = []
        for pair in pairs:
            row = known.get((pair.left_id, pair.right_id))
            if row is not None and row.state == DuplicatePair.State.OPEN:
                row.probability = pair.probability
                row.found_at = now
                still_open.append(row)
        DuplicatePair.objects.bulk_update(still_open, ["probability", "found_at"], batch_size=2000)
        audit_record(
            actor=actor,
            action=Action.PERSON_DEDUPE,
            detail={"persons": persons, "pairs": len(pairs), "new": len(fresh)},
        )
    return DedupeRun(persons=persons, pairs=len(pairs), new=len(fresh))


@transaction.atomic
def duplicate_dismiss(*, actor: User, pair: DuplicatePair) -> DuplicatePair:
    """The two are different people: the pair is not listed again."""
    require_perm(actor, Perm.REGISTRY_MERGE)
    pair = row_lock(pair)
    if pair.state != DuplicatePair.State.OPEN:
        raise TracingRefused(gettext("This pair has been decided already."))
    pair.state = DuplicatePair.State.DISMISSED
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=Action.PERSON_DUPLICATE_DISMISS,
        obj=pair,
        detail={"left": pair.left_id, "right": pair.right_id},
    )
    return pair


# How many of the best candidates a person added or changed is compared with.
CHECKED_CANDIDATES = 5


def duplicates_check_person(*, actor: Actor, person_id: int) -> int:
    """Look for persons already in the registry who may be this one, just added or changed.

    The same candidate retrieval as an enquiry's (the match keys), with his record as the
    query. A pair above the linkage threshold joins the duplicates to review; a pair a
    registrar dismissed stays dismissed. Returns how many pairs are new.
    """
    records = engine.records([person_id])
    if not records:
        return 0  # gone, or merged into another
    query = engine.record_query(records[0])
    found = [
        c
        for c in engine.search(query, k=CHECKED_CANDIDATES + 1)
        if c.record_id != person_id and c.score >= dedupe.DEFAULT_THRESHOLD
    ]
    if not found:
        return 0
    with transaction.atomic():
        now = timezone.now()
        new = 0
        for candidate in found:
            left, right = sorted((person_id, candidate.record_id))
            _row, created = DuplicatePair.objects.get_or_create(
                left_id=left,
                right_id=right,
                defaults={"probability": candidate.score, "found_at": now},
            )
            new += created
        if new:
            audit_record(
                actor=actor,
                action=Action.PERSON_DEDUPE,
                detail={"person": person_id, "pairs": len(found), "new": new},
            )
    return new
