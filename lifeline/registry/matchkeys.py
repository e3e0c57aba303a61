"""The persons' match keys in the database: written with each change, read to find candidates.

The keys and their ranking are the matching engine's (lifeline.matching.blocking); this module
stores them in `MatchKey`, and the trigrams of the surname skeletons they hold in `MatchGram`
(for near spellings, lifeline.matching.fuzzy), and asks the database what the engine's
in-memory index would answer, so no process holds a copy of the registry. Its queries only
read, and so run on a replica too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Collate
from django.utils import timezone

from lifeline.matching import NameVariant, PersonRecord, blocking, fuzzy
from lifeline.registry.models import MatchGram, MatchKey, MatchKeyRules, NameForm, Person

REINDEX_BATCH = 1000


def person_record(person: Person) -> PersonRecord:
    """The engine's view of a person (name forms prefetched or not), primary name first."""
    names = [NameVariant(f.surname, f.given_name, f.patronymic) for f in person.name_forms.all()]
    primary = NameVariant(person.surname, person.given_name, person.patronymic)
    if primary not in names:
        names.insert(0, primary)
    return PersonRecord(
        id=person.pk,
        names=tuple(names),
        sex=person.sex,
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        birth_day=person.birth_day,
        unit=person.unit,
        place_of_birth=person.place_of_birth,
    )


def live_persons() -> QuerySet[Person]:
    """Persons not merged into another, with their name forms in the engine's order."""
    return Person.objects.filter(merged_into__isnull=True).prefetch_related(
        Prefetch("name_forms", queryset=NameForm.objects.order_by("-is_primary", "id"))
    )


_RECORD_FIELDS = (
    "pk", "surname", "given_name", "patronymic", "sex", "birth_year", "birth_month",
    "birth_day", "unit", "place_of_birth",
)  # fmt: skip


def person_records(person_ids: Iterable[int] | QuerySet[Any]) -> list[PersonRecord]:
    """The records of these persons (ids, or a query of ids), those merged into another left
    out, by id.

    Two queries of plain values: no model instances, no encrypted field opened, for the few
    hundred candidates of every search.
    """
    ids = person_ids if isinstance(person_ids, QuerySet) else sorted(set(person_ids))
    rows = (
        Person.objects.filter(pk__in=ids, merged_into__isnull=True)
        .order_by("pk")
        .values_list(*_RECORD_FIELDS)
    )
    persons = list(rows)
    if not persons:
        return []
    names: dict[int, list[NameVariant]] = defaultdict(list)
    forms = (
        NameForm.objects.filter(person_id__in=ids)
        .order_by("person_id", "-is_primary", "id")
        .values_list("person_id", "surname", "given_name", "patronymic")
    )
    for person_id, surname, given_name, patronymic in forms:
        names[person_id].append(NameVariant(surname, given_name, patronymic))
    records = []
    for pk, surname, given, patronymic, sex, year, month, day, unit, place in persons:
        variants = names[pk]
        primary = NameVariant(surname, given, patronymic)
        if primary not in variants:
            variants.insert(0, primary)
        records.append(PersonRecord(pk, tuple(variants), sex, year, month, day, unit, place))
    return records


def live_person_ids(*, after: int = 0, limit: int) -> list[int]:
    """Ids of persons not merged into another, in order, from after `after`."""
    live = Person.objects.filter(pk__gt=after, merged_into__isnull=True).order_by("pk")
    return list(live.values_list("pk", flat=True)[:limit])


# --- Writing ---------------------------------------------------------------------------------


def keys_refresh(person_ids: Iterable[int], *, grams: bool = True) -> int:
    """Make the stored keys of these persons their records' keys; a merged person has none.

    Call inside the transaction of the change, after it is written. Returns how many persons'
    keys changed. The trigrams of the surname skeletons follow, unless not `grams` (a reindex,
    which rebuilds them all at the end).
    """
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    wanted: dict[int, set[str]] = dict.fromkeys(ids, set())
    for record in person_records(ids):
        wanted[record.id] = blocking.record_keys(record)
    stored: dict[int, set[str]] = defaultdict(set)
    for person_id, key in MatchKey.objects.filter(person_id__in=ids).values_list("person", "key"):
        stored[person_id].add(key)
    changed = [pk for pk in ids if wanted[pk] != stored[pk]]
    if changed:
        MatchKey.objects.filter(person_id__in=changed).delete()
        MatchKey.objects.bulk_create(
            [MatchKey(person_id=pk, key=key) for pk in changed for key in sorted(wanted[pk])],
            batch_size=2000,
        )
    if changed and grams:
        before = _skeletons(key for pk in changed for key in stored[pk])
        after = _skeletons(key for pk in changed for key in wanted[pk])
        _grams_add(after - before)
        _grams_prune(before - after)
    return len(changed)


def _skeletons(keys: Iterable[str]) -> set[str]:
    return {key[2:] for key in keys if key.startswith("f:")}


def _grams_add(skeletons: Iterable[str]) -> None:
    """Store the trigrams of these skeletons; those stored already are left as they are."""
    rows = [
        MatchGram(gram=g, skeleton=s) for s in sorted(skeletons) for g in sorted(fuzzy.grams(s))
    ]
    MatchGram.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def _grams_prune(skeletons: Iterable[str]) -> None:
    """Forget the trigrams of those of these skeletons no person's key holds any longer.

    A search ignores a skeleton nobody holds in any case (`fuzzy.near_weights`), so one left
    behind by two changes crossing is harmless, and `grams_rebuild` removes it.
    """
    wanted = {"f:" + s for s in skeletons}
    if not wanted:
        return
    held = set(MatchKey.objects.filter(key__in=sorted(wanted)).values_list("key", flat=True))
    gone = sorted(key[2:] for key in wanted - held)
    pairs = [Q(gram=g, skeleton=s) for s in gone for g in sorted(fuzzy.grams(s))]
    for start in range(0, len(pairs), 500):
        batch = pairs[start : start + 500]
        one_of = batch[0]
        for pair in batch[1:]:
            one_of |= pair
        MatchGram.objects.filter(one_of).delete()


def keys_for_new(records: Iterable[PersonRecord]) -> list[MatchKey]:
    """Key rows of persons just created in bulk (the demo, an import), for `bulk_create`; then
    `grams_rebuild()`, or their new surnames are not found near."""
    return [MatchKey(person_id=r.id, key=key) for r in records for key in blocking.record_keys(r)]


def grams_rebuild(*, batch: int = 5000) -> int:
    """Make the stored trigrams those of the skeletons the stored keys hold, under the running
    code's trigram rules, in one transaction (searches meanwhile see the old ones); return how
    many skeletons there are. After a rebuild of the keys, or a load that wrote them directly.
    """
    held = MatchKey.objects.filter(key__startswith="f:").values_list("key", flat=True)
    skeletons = sorted({key[2:] for key in held.distinct().iterator()})
    with transaction.atomic():
        MatchGram.objects.all().delete()
        for start in range(0, len(skeletons), batch):
            _grams_add(skeletons[start : start + batch])
    return len(skeletons)


# --- Reading ---------------------------------------------------------------------------------


def key_counts(keys: Iterable[str]) -> dict[str, int]:
    """How many persons hold each of these keys (keys held by none are left out)."""
    rows = (
        MatchKey.objects.filter(key__in=sorted(set(keys)))
        .values("key")
        .annotate(n=Count("person"))
        .values_list("key", "n")
    )
    return dict(rows)


def gram_counts(grams: Iterable[str]) -> dict[str, int]:
    """How many stored skeletons hold each of these trigrams (those held by none left out)."""
    rows = (
        MatchGram.objects.filter(gram__in=sorted(set(grams)))
        .values("gram")
        .annotate(n=Count("*"))
        .values_list("gram", "n")
    )
    return dict(rows)


def grams_shortlist(grams: Iterable[str]) -> list[str]:
    """`fuzzy.shortlist` of the stored skeletons sharing these trigrams, computed by the
    database: ties in code-point order, whatever the database's collation."""
    collation = "C" if connection.vendor == "postgresql" else "BINARY"
    rows = (
        MatchGram.objects.filter(gram__in=sorted(set(grams)))
        .values("skeleton")
        .annotate(n=Count("*"))
        .filter(n__gte=fuzzy.MIN_SHARED)
        .order_by("-n", Collate(F("skeleton"), collation))
        .values_list("skeleton", flat=True)[: fuzzy.SHORTLIST]
    )
    return list(rows)


def key_weights(keys: Iterable[str]) -> dict[str, float]:
    """The weight of each key to look up for a query's `keys`: its usable keys, and the keys of
    near spellings when these find too few persons (`fuzzy.near_weights`), in key order."""
    keys = set(keys)
    counts = key_counts(k for k in keys if not k.startswith(blocking.NEAR_PREFIX))
    near = fuzzy.near_weights(
        keys,
        counts,
        gram_counts=gram_counts,
        shortlisted=grams_shortlist,
        key_counts=key_counts,
    )
    return dict(sorted((blocking.usable_keys(counts) | near).items()))


def _best(keys: Iterable[str], limit: int) -> QuerySet[Any] | None:
    """A query of the ids of the persons sharing the most telling of these keys (and near
    spellings), best first: `blocking.best_ids` over the stored postings, computed by the
    database."""
    return _best_of(key_weights(keys), limit)


def _best_of(weights: dict[str, float], limit: int) -> QuerySet[Any] | None:
    """`_best` of keys whose weights are known."""
    if not weights:
        return None
    by_weight: dict[float, list[str]] = defaultdict(list)
    for key, weight in weights.items():
        by_weight[weight].append(key)
    # The weights are multiples of 0.5, so the database's sums are exact and rank as Python's.
    score = Sum(
        Case(
            *(When(key__in=group, then=Value(w)) for w, group in sorted(by_weight.items())),
            output_field=FloatField(),
        )
    )
    return (
        MatchKey.objects.filter(key__in=list(weights))
        .values("person")
        .annotate(score=score)
        .order_by("-score", "person")
        .values_list("person", flat=True)[:limit]
    )


def candidate_ids(keys: Iterable[str], limit: int = blocking.MAX_SCORED) -> list[int]:
    """The persons sharing the most telling of these keys, best first."""
    best = _best(keys, limit)
    return [] if best is None else list(best)


# Keys asked about per query of `key_counts_many`: SQLite allows 32,766 parameters a query.
_KEYS_PER_QUERY = 5000


def key_counts_many(keys: Iterable[str]) -> dict[str, int]:
    """`key_counts` of many keys (a whole file's rows), a few thousand keys a query."""
    wanted = sorted(set(keys))
    counts: dict[str, int] = {}
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        counts.update(key_counts(wanted[start : start + _KEYS_PER_QUERY]))
    return counts


# Each query's persons by the summed weight of the keys they share, best first, ties by id, as
# `_best` ranks them; the table is MatchKey's.
_RANK_MANY = """
SELECT query_no, person_id, rank_no FROM (
    SELECT q.query_no, m.person_id, row_number() OVER (
        PARTITION BY q.query_no ORDER BY SUM(q.weight) DESC, m.person_id
    ) AS rank_no
    FROM unnest(%s::int[], %s::text[], %s::float8[]) AS q(query_no, key, weight)
    JOIN registry_matchkey m ON m.key = q.key
    GROUP BY q.query_no, m.person_id
) ranked WHERE rank_no <= %s ORDER BY query_no, rank_no
"""


def candidate_ids_many(
    key_sets: list[set[str]], limit: int = blocking.MAX_SCORED
) -> list[list[int]]:
    """`candidate_ids` of many queries at once (a file's rows): the same persons in the same
    order, each query's best `limit`.

    The keys of all the queries are counted together, and on PostgreSQL all of them are ranked
    in one statement (`unnest` of the queries' usable keys, summed and numbered per query), so
    a thousand rows cost a few queries rather than two thousand. Other databases rank each
    query on its own, as `candidate_ids` does.
    """
    counts = key_counts_many(k for keys in key_sets for k in keys)
    weights = [
        blocking.usable_keys({k: counts[k] for k in keys if k in counts}) for keys in key_sets
    ]
    if connection.vendor != "postgresql":
        return [_ranked_ids(w, limit) for w in weights]
    numbers, keys, values = [], [], []
    for number, usable in enumerate(weights):
        for key, weight in usable.items():
            numbers.append(number)
            keys.append(key)
            values.append(weight)
    found: list[list[int]] = [[] for _ in key_sets]
    if not keys:
        return found
    with connection.cursor() as cursor:
        cursor.execute(_RANK_MANY, [numbers, keys, values, limit])
        for number, person_id, _rank in cursor.fetchall():
            found[number].append(person_id)
    return found


def _ranked_ids(weights: dict[str, float], limit: int) -> list[int]:
    best = _best_of(weights, limit)
    return [] if best is None else list(best)


def holders_count(keys: Iterable[str]) -> int:
    """How many persons hold one of these keys that a search would use (`usable_keys`): the
    persons `candidate_ids` ranks, of whom it returns the best `limit`."""
    weights = blocking.usable_keys(key_counts(keys))
    if not weights:
        return 0
    holders = MatchKey.objects.filter(key__in=list(weights)).values("person").distinct()
    return holders.count()


def candidate_records(keys: Iterable[str], limit: int = blocking.MAX_SCORED) -> list[PersonRecord]:
    """The records of `candidate_ids(keys, limit)`, by id, in four queries.

    The ranked ids come back and go out again as a list: ranking is the costly part (10-20 ms
    at a million persons), and as a subquery of the two queries that load the records it ran
    twice more.
    """
    ids = candidate_ids(keys, limit)
    return person_records(ids) if ids else []


# --- The key rules ---------------------------------------------------------------------------


def _rules() -> MatchKeyRules | None:
    return MatchKeyRules.objects.order_by("pk").first()


@dataclass(frozen=True)
class KeysState:
    stored: str  # the rules the table was complete under ("" for never)
    current: str  # the rules of the code running
    building: str  # a rebuild under way ("" for none)
    cursor: int  # the last person id it rebuilt

    @property
    def stale(self) -> bool:
        return self.stored != self.current


def keys_state() -> KeysState:
    """Whether the stored keys were made under the running code's key rules."""
    rules = _rules()
    current = blocking.key_rules_version()
    if rules is None:  # a database made without migrations: complete only while empty
        return KeysState("" if Person.objects.exists() else current, current, "", 0)
    return KeysState(rules.version, current, rules.building, rules.cursor)


def keys_rules_mark(version: str) -> None:
    """Record that the whole table holds keys made under `version` (after a full build)."""
    rules = _rules() or MatchKeyRules(version=version)
    rules.version, rules.building, rules.cursor = version, "", 0
    rules.save()


def keys_reindex(
    *,
    batch: int = REINDEX_BATCH,
    restart: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild every person's keys under the running code's rules, in batches; return how
    many persons' keys changed.

    Each batch is a transaction that locks its persons, so a change written meanwhile is not
    overwritten with older keys, and records where it got to: an interrupted rebuild resumes
    there (unless `restart`). The site stays up; searches meanwhile see old and new keys.
    `progress(done, total)` is called after each batch.
    """
    current = blocking.key_rules_version()
    rules = _rules() or MatchKeyRules.objects.create(version="")
    cursor = rules.cursor if rules.building == current and not restart else 0
    MatchKeyRules.objects.filter(pk=rules.pk).update(
        building=current, cursor=cursor, updated_at=timezone.now()
    )
    total = Person.objects.count()
    done = Person.objects.filter(pk__lte=cursor).count()
    changed = 0
    while True:
        with transaction.atomic():
            ids = list(
                Person.objects.select_for_update()
                .filter(pk__gt=cursor)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            changed += keys_refresh(ids, grams=False)
            cursor = ids[-1]
            MatchKeyRules.objects.filter(pk=rules.pk).update(
                cursor=cursor, updated_at=timezone.now()
            )
        done += len(ids)
        if progress is not None:
            progress(done, total)
    grams_rebuild()  # of keys rebuilt, of persons deleted since (a purge), of new trigram rules
    # Keys of a person deleted since went with him: the table is complete.
    MatchKeyRules.objects.filter(pk=rules.pk).update(
        version=current, building="", cursor=0, updated_at=timezone.now()
    )
    keys_analyze()
    return changed


def keys_analyze() -> None:
    """Give the planner fresh statistics of the keys table after it was (re)filled.

    Without them PostgreSQL plans a search over a million persons' keys as over an empty table:
    measured at 1,000,000 persons, a search's p95 went from 262 ms to 65 ms. Autovacuum would
    get there, but only after it next runs.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {MatchKey._meta.db_table}")
        cursor.execute(f"ANALYZE {MatchGram._meta.db_table}")
