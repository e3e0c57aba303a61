"""Demo outcomes: options offered on surrender cases, assistance, exchange batches, handovers.

Written with the models directly, like the rest of the demo (one act of the system, audited
once as "demo.load"), but by the rules the services keep: one chosen option per case, an
item's history that follows its status table, one active batch per person, a handover's
stages in order, and a completed exchange or handover recorded in the registry the way the
services record it (a confirmed "exchanged" or "handed over" event on a source of its own).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseKind
from lifeline.cases.workflows import CLOSED
from lifeline.demo.common import weighted
from lifeline.demo.names import SyntheticPerson, feminine_surname
from lifeline.outcomes.models import (
    ASSISTANCE_TRANSITIONS,
    DEFAULT_HANDOVER_STEPS,
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
from lifeline.registry.models import (
    EXCHANGE_EVENT_NOTE,
    EXCHANGE_SOURCE_TITLE,
    HANDOVER_SOURCE_TITLE,
    Person,
    PersonStatus,
    Source,
    StatusEvent,
    Verification,
)

STEPS = len(DEFAULT_HANDOVER_STEPS)
# (case status, checklist steps done, days from today to the meeting): one handover at each
# stage a caseworker meets. The first come first, so a small demo still shows a completed one.
HANDOVER_PLAN: tuple[tuple[str, int, int | None], ...] = (
    ("completed", STEPS, -12),  # handed over: the registry says so
    ("scheduled", 3, 0),  # at the meeting now, the checklist under way
    ("new", 0, None),  # opened: the relative is still to be verified
    ("verifying", 0, None),  # verified: the meeting is still to be fixed
    ("scheduled", 0, 5),  # the meeting is fixed for next week
    ("scheduled", STEPS, -1),  # met yesterday, every step done: only "complete" is left
)
OFFER_SHARE = 0.35  # of the surrender cases someone works on: some 30% of them all
OFFER_NOTES = (
    "Explained on the phone; he asked for a day to think.",
    "He wants to know whether his family can join him.",
)
ASSISTANCE_SHARE: dict[str, float] = {CaseKind.ASSISTANCE: 0.8, CaseKind.SURRENDER: 0.15}
# Histories of an item, with how often each occurs, for open and for finished cases.
ASSISTANCE_PATHS_OPEN: tuple[tuple[tuple[str, ...], int], ...] = (
    (("requested",), 4),
    (("requested", "in_progress"), 5),
    (("requested", "refused", "in_progress"), 1),  # appealed
    (("requested", "cancelled", "requested"), 1),  # asked again
)
ASSISTANCE_PATHS_FINISHED: tuple[tuple[tuple[str, ...], int], ...] = (
    (("requested", "in_progress", "granted"), 6),
    (("requested", "granted"), 2),
    (("requested", "in_progress", "refused"), 2),
    (("requested", "cancelled"), 1),
)
ASSISTANCE_NOTES = {
    "in_progress": "Papers sent to the office in charge.",
    "granted": "Granted; the person was told.",
    "refused": "Refused: the programme does not cover this case.",
    "cancelled": "Cancelled at the person's request.",
}
EXCHANGE_PLACES = ("Пункт обмена №2", "Checkpoint 3", "Exchange point B")
COUNTERPARTS = (
    "Commissioner for prisoners of war of the other side",
    "Joint coordination centre, other side",
)
ENTRY_NOTES: dict[str, str] = {
    ExchangeOutcome.WITHDRAWN: "Withdrawn: the other side took him off the list.",
    ExchangeOutcome.REFUSED: "Refused: he asked not to be sent back.",
}
MEETING_POINTS = ("Checkpoint 3, reception room", "Пункт передачи №1", "Handover point B")
# Who comes to collect a man, and a woman: (relationship, the relative's sex, how often). The
# relative bears the person's surname, in its female form for a woman; a sibling his patronymic.
RELATIVES = {
    "m": (("mother", "f", 4), ("father", "m", 3), ("spouse", "f", 2), ("sibling", "m", 2)),
    "f": (("mother", "f", 3), ("sibling", "f", 1)),
}


@dataclass(frozen=True)
class HandoverTimeline:
    """When each stage of one demo handover happened (None: not yet)."""

    status: str  # the case's status: new, verifying, scheduled or completed
    opened: datetime
    verified: datetime | None
    scheduled: datetime | None
    meeting: datetime | None
    steps_done: tuple[datetime, ...]
    completed: datetime | None

    def moves(self) -> list[tuple[str, datetime]]:
        """The case's status moves the handover page made, oldest first."""
        moves = (
            ("verifying", self.verified),
            ("scheduled", self.scheduled),
            ("completed", self.completed),
        )
        return [(status, at) for status, at in moves if at is not None]


def handover_timeline(
    rng: random.Random, now: datetime, plan: tuple[str, int, int | None]
) -> HandoverTimeline:
    """Times for a handover at the stage `plan` names, counted back from its meeting or now."""
    status, done, meeting_in = plan

    def days(low: float, high: float) -> timedelta:
        return timedelta(days=rng.uniform(low, high))

    meeting = scheduled = verified = completed = None
    if meeting_in == 0:
        meeting = now - timedelta(minutes=rng.randint(40, 90))
    elif meeting_in is not None:
        day = now + timedelta(days=meeting_in)
        meeting = day.replace(hour=rng.choice((9, 11, 14)), minute=0, second=0, microsecond=0)
    if meeting is not None:
        scheduled = min(meeting, now) - days(2, 6)
        verified = scheduled - days(1, 4)
    elif status == "verifying":
        verified = now - days(0.5, 3)
    steps: tuple[datetime, ...] = ()
    if meeting is not None:
        steps = tuple(meeting + timedelta(minutes=10 * n + rng.randint(0, 5)) for n in range(done))
    if status == "completed" and meeting is not None:
        completed = meeting + timedelta(minutes=rng.randint(70, 120))
    return HandoverTimeline(
        status=status,
        opened=(verified or now) - days(0.5, 3),
        verified=verified,
        scheduled=scheduled,
        meeting=meeting,
        steps_done=steps,
        completed=completed,
    )


@dataclass(frozen=True)
class PlannedHandover:
    case: Case
    person: Person
    language: str  # of the person's name, for his relative's
    timeline: HandoverTimeline


def _spread(rng: random.Random, start: datetime, end: datetime, n: int) -> list[datetime]:
    """`n` times between `start` and `end`, in order."""
    return sorted(start + (end - start) * rng.uniform(0.05, 0.95) for _ in range(n))


def _at(day: date, hour: int, tz: tzinfo | None) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz)


class OutcomesBuilder:
    def __init__(self, rng: random.Random, now: datetime, users: Mapping[str, User]) -> None:
        self.rng = rng
        self.now = now
        self.users = users

    def build(
        self,
        *,
        cases: Sequence[Case],
        handovers: Sequence[PlannedHandover],
        held: Sequence[tuple[Person, date]],
        relatives: Sequence[SyntheticPerson],
    ) -> dict[str, int]:
        """Write offers, assistance items, handovers and exchange batches; return their counts.

        `held` are the persons in custody free for an exchange, each with the day of his newest
        status event (an exchange must come after it to become his current status).
        """
        counts = {
            "outcome_offers": self._offers(cases),
            "assistance_items": self._assistance(cases),
            "handovers": self._handovers(handovers, relatives),
        }
        batches, entries = self._exchanges(held)
        counts.update(exchange_batches=batches, exchange_entries=entries)
        return counts

    # --- Offers and assistance on cases ------------------------------------------------------

    def _worked(self, case: Case) -> tuple[datetime, datetime] | None:
        """From the first answer to the close (or now): when staff worked the case."""
        if case.assignee is None or case.first_response_at is None:
            return None
        return case.first_response_at, case.closed_at or self.now

    def _offers(self, cases: Sequence[Case]) -> int:
        rng = self.rng
        offers: list[OutcomeOffer] = []
        for case in cases:
            worked = self._worked(case) if case.kind == CaseKind.SURRENDER else None
            if worked is None or rng.random() >= OFFER_SHARE:
                continue
            options = rng.sample(OutcomeOption.values, rng.randint(1, 3))
            times = _spread(rng, *worked, n=len(options) + 1)
            made = [
                OutcomeOffer(
                    case=case,
                    option=option,
                    offered_at=at,
                    offered_by=case.assignee,
                    note=rng.choice(OFFER_NOTES) if rng.random() < 0.2 else "",
                )
                for option, at in zip(options, times[:-1], strict=True)
            ]
            if rng.random() < (0.8 if case.status in ("in_safety", CLOSED) else 0.3):
                chosen = rng.choice(made)
                chosen.chosen, chosen.chosen_at, chosen.chosen_by = True, times[-1], case.assignee
            offers.extend(made)
        return len(OutcomeOffer.objects.bulk_create(offers))

    def _assistance(self, cases: Sequence[Case]) -> int:
        rng = self.rng
        types = list(AssistanceType.objects.filter(active=True))
        items: list[tuple[AssistanceItem, list[AssistanceEvent]]] = []
        for case in cases:
            worked = self._worked(case)
            if worked is None or not types or rng.random() >= ASSISTANCE_SHARE.get(case.kind, 0):
                continue
            finished = case.status in ("done", CLOSED)
            for kind in rng.sample(types, min(len(types), rng.choice((1, 1, 2)))):
                items.append(self._item(case, kind, worked, finished=finished))
        AssistanceItem.objects.bulk_create([item for item, _ in items])
        for item, events in items:
            for event in events:
                event.item = item
        AssistanceEvent.objects.bulk_create([e for _, events in items for e in events])
        return len(items)

    def _item(
        self,
        case: Case,
        kind: AssistanceType,
        worked: tuple[datetime, datetime],
        *,
        finished: bool,
    ) -> tuple[AssistanceItem, list[AssistanceEvent]]:
        rng = self.rng
        path = weighted(rng, ASSISTANCE_PATHS_FINISHED if finished else ASSISTANCE_PATHS_OPEN)
        times = _spread(rng, *worked, n=len(path))
        item = AssistanceItem(
            case=case,
            type=kind,
            status=path[-1],
            created_by=case.assignee,
            created_at=times[0],
            updated_at=times[-1],
        )
        events = [AssistanceEvent(to_status=path[0], actor=case.assignee, at=times[0])]
        for before, after, at in zip(path, path[1:], times[1:], strict=False):
            if after not in ASSISTANCE_TRANSITIONS[before]:
                raise ValueError(f"demo assistance cannot go from {before} to {after}")
            note = ASSISTANCE_NOTES.get(after, "") if rng.random() < 0.5 else ""
            events.append(
                AssistanceEvent(
                    from_status=before, to_status=after, actor=case.assignee, at=at, note=note
                )
            )
        return item, events

    # --- Handovers ---------------------------------------------------------------------------

    def _relative(
        self, person: Person, language: str, pool: Sequence[SyntheticPerson]
    ) -> tuple[str, str]:
        """A made-up relative of `person`: the name, and the relationship's code."""
        rng = self.rng
        choices = RELATIVES["f" if person.sex == Person.Sex.FEMALE else "m"]
        relationship, sex = weighted(rng, [((r, s), w) for r, s, w in choices])
        # Few women among the demo's persons: a given name from the other language will do.
        others = [p for p in pool if p.language == language and p.sex == sex]
        others = others or [p for p in pool if p.sex == sex]
        if not others:
            return person.surname, relationship
        other = rng.choice(others)
        surname = feminine_surname(person.surname) if sex == "f" else person.surname
        patronymic = person.patronymic if relationship == "sibling" else other.patronymic
        return f"{surname} {other.given_name} {patronymic}", relationship

    def _handovers(
        self, planned: Sequence[PlannedHandover], relatives: Sequence[SyntheticPerson]
    ) -> int:
        rng = self.rng
        caseworker = self.users["caseworker"]
        handovers: list[Handover] = []
        for plan in planned:
            t = plan.timeline
            handover = Handover(
                case=plan.case,
                person=plan.person,
                created_by=caseworker,
                created_at=t.opened,
            )
            if t.verified is not None:
                name, relationship = self._relative(plan.person, plan.language, relatives)
                handover.relative_name, handover.relationship = name, relationship
                handover.documents = (
                    f"Relative's passport No. {rng.randint(10**9, 10**10 - 1)}; "
                    f"birth certificate No. {rng.randint(10**5, 10**6 - 1)}."
                )
                handover.verified_by, handover.verified_at = caseworker, t.verified
            if t.scheduled is not None:
                handover.meeting_point = rng.choice(MEETING_POINTS)
                handover.meeting_at = t.meeting
                handover.scheduled_by, handover.scheduled_at = caseworker, t.scheduled
            if t.completed is not None:
                handover.completed_by, handover.completed_at = caseworker, t.completed
                handover.source = self._handed_over(handover, t.completed)
            handovers.append(handover)
        Handover.objects.bulk_create(handovers)
        texts = DEFAULT_HANDOVER_STEPS
        steps = []
        for handover, plan in zip(handovers, planned, strict=True):
            done = plan.timeline.steps_done
            for position, text in enumerate(texts, start=1):
                at = done[position - 1] if position <= len(done) else None
                steps.append(
                    HandoverStep(
                        handover=handover,
                        position=position,
                        text=text,
                        done_by=caseworker if at else None,
                        done_at=at,
                    )
                )
        HandoverStep.objects.bulk_create(steps)
        return len(handovers)

    def _handed_over(self, handover: Handover, at: datetime) -> Source:
        """Record in the registry, as `handover_complete` does, that he went with his family."""
        if handover.meeting_at is None:
            raise ValueError("a completed handover has its meeting")
        source = Source.objects.create(
            kind=Source.Kind.DOCUMENT,
            title=HANDOVER_SOURCE_TITLE % {"case": handover.case.reference},
            reliability=Source.Reliability.HIGH,
            received_on=at.date(),
        )
        StatusEvent.objects.create(
            person=handover.person,
            status=PersonStatus.HANDED_OVER,
            occurred_on=handover.meeting_at.date(),
            place=handover.meeting_point,
            source=source,
            verification=Verification.CONFIRMED,
            recorded_at=at,
        )
        Person.objects.filter(pk=handover.person.pk).update(current_status=PersonStatus.HANDED_OVER)
        return source

    # --- Exchange batches --------------------------------------------------------------------

    def _exchanges(self, held: Sequence[tuple[Person, date]]) -> tuple[int, int]:
        """A completed batch, a confirmed one with its list pending, and a draft."""
        rng, today = self.rng, self.now.date()
        pool = list(held)
        rng.shuffle(pool)
        places = rng.sample(EXCHANGE_PLACES, len(EXCHANGE_PLACES))

        def take(n: int, before: date) -> list[Person]:
            chosen = [p for p in pool if p[1] < before][:n]
            for pair in chosen:
                pool.remove(pair)
            return [person for person, _ in chosen]

        done_on = today - timedelta(days=rng.randint(9, 20))
        entries = self._completed_batch(done_on, places[0], take(rng.randint(10, 16), done_on))
        planned = today + timedelta(days=rng.randint(4, 10))
        entries += self._open_batch(
            ExchangeBatch.Status.CONFIRMED, planned, places[1], take(rng.randint(6, 10), today)
        )
        planned = today + timedelta(days=rng.randint(20, 35))
        entries += self._open_batch(
            ExchangeBatch.Status.DRAFT, planned, places[2], take(rng.randint(3, 5), today)
        )
        return 3, entries

    def _batch(self, status: str, planned_on: date, place: str, created: datetime) -> ExchangeBatch:
        return ExchangeBatch(
            planned_on=planned_on,
            place=place,
            counterpart=self.rng.choice(COUNTERPARTS),
            status=status,
            created_by=self.users["registrar"],
            created_at=created,
            updated_at=created,
        )

    def _entries(
        self, batch: ExchangeBatch, persons: Sequence[Person], until: datetime
    ) -> list[ExchangeEntry]:
        return [
            ExchangeEntry(
                batch=batch,
                person=person,
                added_by=self.users["registrar"],
                added_at=at,
                active=batch.is_open,
            )
            for person, at in zip(
                persons, _spread(self.rng, batch.created_at, until, len(persons)), strict=True
            )
        ]

    def _completed_batch(self, planned_on: date, place: str, persons: Sequence[Person]) -> int:
        rng, tz = self.rng, self.now.tzinfo
        if not persons:
            return 0
        created = _at(planned_on, 10, tz) - timedelta(days=rng.randint(18, 30))
        batch = self._batch(ExchangeBatch.Status.COMPLETED, planned_on, place, created)
        completed = _at(planned_on, 16, tz) + timedelta(minutes=rng.randint(0, 120))
        batch.completed_by = self.users["supervisor"]
        batch.completed_at = batch.updated_at = completed
        batch.save()
        entries = self._entries(batch, persons, _at(planned_on, 10, tz) - timedelta(days=4))
        # One withdrawn and one who refused to go, when the list is long enough to spare them.
        others = [ExchangeOutcome.WITHDRAWN, ExchangeOutcome.REFUSED] if len(entries) > 3 else []
        for entry in entries:
            exchanged = not (others and rng.random() < 0.3)
            entry.outcome = ExchangeOutcome.EXCHANGED if exchanged else others.pop()
            entry.outcome_by = self.users["caseworker"]
            if exchanged:
                entry.outcome_at = completed - timedelta(minutes=rng.randint(10, 60))
            else:  # decided in the weeks before
                share = rng.uniform(0.3, 0.8)
                entry.outcome_at = entry.added_at + (completed - entry.added_at) * share
                entry.note = ENTRY_NOTES[entry.outcome]
        ExchangeEntry.objects.bulk_create(entries)
        sent = [e.person for e in entries if e.outcome == ExchangeOutcome.EXCHANGED]
        # As `exchange_batch_complete` records it: one source, one confirmed event each.
        batch.source = Source.objects.create(
            kind=Source.Kind.OFFICIAL_LIST,
            title=EXCHANGE_SOURCE_TITLE % {"batch": batch.pk, "date": f"{planned_on:%Y-%m-%d}"},
            reliability=Source.Reliability.HIGH,
            received_on=completed.date(),
        )
        batch.save(update_fields=["source"])
        StatusEvent.objects.bulk_create(
            StatusEvent(
                person=person,
                status=PersonStatus.EXCHANGED,
                occurred_on=planned_on,
                place=place,
                source=batch.source,
                verification=Verification.CONFIRMED,
                note=EXCHANGE_EVENT_NOTE % {"batch": batch.pk},
                recorded_at=completed,
            )
            for person in sent
        )
        Person.objects.filter(pk__in=[p.pk for p in sent]).update(
            current_status=PersonStatus.EXCHANGED
        )
        return len(entries)

    def _open_batch(
        self, status: str, planned_on: date, place: str, persons: Sequence[Person]
    ) -> int:
        rng, now = self.rng, self.now
        if not persons:
            return 0
        confirmed = status == ExchangeBatch.Status.CONFIRMED
        created = now - timedelta(days=rng.uniform(8, 15) if confirmed else rng.uniform(1, 3))
        batch = self._batch(status, planned_on, place, created)
        batch.save()
        entries = self._entries(batch, persons, now - timedelta(days=2) if confirmed else now)
        batch.updated_at = entries[-1].added_at
        if confirmed and len(entries) > 3:
            withdrawn = entries[rng.randrange(len(entries))]
            withdrawn.outcome, withdrawn.active = ExchangeOutcome.WITHDRAWN, False
            withdrawn.outcome_by = self.users["registrar"]
            withdrawn.outcome_at = now - timedelta(hours=rng.randint(2, 30))
            withdrawn.note = ENTRY_NOTES[ExchangeOutcome.WITHDRAWN]
            batch.updated_at = max(batch.updated_at, withdrawn.outcome_at)
        batch.save(update_fields=["updated_at"])
        ExchangeEntry.objects.bulk_create(entries)
        return len(entries)
