"""The demo cases: who wrote, on which channel, the thread, and how far each case went.

Also a few real receipts, so the public status page can be tried.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseEvent, CaseKind, Priority
from lifeline.cases.workflows import CLOSED, INITIAL, transition_check, workflow_for
from lifeline.core.receipts import hash_secret, new_receipt, new_reference
from lifeline.demo.common import BATCH, weighted
from lifeline.demo.messages import generate_thread
from lifeline.demo.names import SyntheticPerson
from lifeline.demo.outcomes import HANDOVER_PLAN, HandoverTimeline, handover_timeline
from lifeline.demo.registry import RegistryEntry
from lifeline.intake.inbox import identity_hash
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.outcomes.services.common import HELD_STATUSES
from lifeline.registry.models import PersonStatus

DEMO_DAYS = 60
PRINTED_RECEIPTS = 3

CASE_KIND_WEIGHTS = (
    (CaseKind.SURRENDER, 28),
    (CaseKind.FAMILY_ENQUIRY, 36),
    (CaseKind.HANDOVER, 10),
    (CaseKind.ASSISTANCE, 16),
    (CaseKind.OTHER, 10),
)
CHANNEL_WEIGHTS = ((Channel.WEB, 80), (Channel.TELEGRAM, 9), (Channel.EMAIL, 7), (Channel.PHONE, 4))
# Who owns each kind of case once it is assigned.
OWNER_BY_KIND: dict[str, str] = {
    CaseKind.SURRENDER: "caseworker",
    CaseKind.FAMILY_ENQUIRY: "tracer",
    CaseKind.HANDOVER: "caseworker",
    CaseKind.ASSISTANCE: "caseworker",
    CaseKind.OTHER: "operator",
}
SUMMARIES: dict[str, tuple[str, ...]] = {
    CaseKind.SURRENDER: ("Wants to leave the fighting; identity not yet checked.",
                         "Wounded, asks how to surrender safely.",
                         "Writes in the evenings only; keep replies short."),
    CaseKind.FAMILY_ENQUIRY: ("Mother asking after her son; last contact months ago.",
                              "Wife asks whether her husband is captured.",
                              "Brother has a photo of the military ID."),
    CaseKind.HANDOVER: ("Family to meet him after release; documents to check.",
                        "Handover after exchange; meeting point to agree."),
    CaseKind.ASSISTANCE: ("Needs new identity documents.",
                          "Asks about resettlement in a third country.",
                          "Medical follow-up after release."),
    CaseKind.OTHER: ("Question about how the line works.", "Journalist asking for statistics."),
}  # fmt: skip
CLOSING_NOTES = (
    "Closed: nothing more to do on this case.",
    "Closed: the person stopped answering for more than three weeks.",
    "Closed: the outcome is recorded and the person was told.",
)
CASE_NOTES = (
    "Called back, no answer.",
    "Checked the registry.",
    "Asked the supervisor for advice.",
)
RELATIONSHIPS = ("mother", "mother", "father", "spouse", "sibling", "child", "relative")


def _forward_chain(kind: str) -> list[str]:
    """The usual road of a case of `kind`: each state's first next state not yet visited."""
    workflow = workflow_for(kind)
    chain = [INITIAL]
    while chain[-1] != CLOSED:
        chain.append(next(s for s in workflow.allowed_from(chain[-1]) if s not in chain))
    return chain


@dataclass
class CaseDraft:
    case: Case
    conversation: Conversation
    contacts: list[Contact]
    events: list[CaseEvent]
    subject: RegistryEntry | None = None
    handover: HandoverTimeline | None = None


class CaseBuilder:
    """Drafts each case with its conversation, messages and timeline, then bulk-inserts them."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        users: dict[str, User],
        registry: Sequence[RegistryEntry],
        outsiders: Sequence[SyntheticPerson],
    ) -> None:
        self.rng = rng
        self.now = now
        self.users = users
        self.registry = registry
        self.outsiders = list(outsiders)
        self.references: set[str] = set(Case.objects.values_list("reference", flat=True))
        self.by_status: dict[str, list[RegistryEntry]] = {}
        for entry in registry:
            self.by_status.setdefault(entry.status, []).append(entry)
        self.handover_plans = list(HANDOVER_PLAN)
        self.handed_over: set[int] = set()  # persons of the planned handovers

    def build(self, count: int) -> tuple[list[CaseDraft], dict[str, int]]:
        kinds = [k for k, _ in CASE_KIND_WEIGHTS]  # every kind at least once
        # and a handover case for each planned handover, when the demo can spare them
        kinds += [CaseKind.HANDOVER] * min(len(HANDOVER_PLAN) - 1, (count - len(kinds)) // 5)
        kinds += [weighted(self.rng, CASE_KIND_WEIGHTS) for _ in range(count - len(kinds))]
        drafts = [self._draft(kind) for kind in kinds[:count]]
        cases = Case.objects.bulk_create([d.case for d in drafts], batch_size=BATCH)
        for draft, case in zip(drafts, cases, strict=True):
            draft.conversation.case = case
            for contact in draft.contacts:
                contact.case = case
            for event in draft.events:
                event.case = case
        conversations = Conversation.objects.bulk_create(
            [d.conversation for d in drafts], batch_size=BATCH
        )
        for draft, conversation in zip(drafts, conversations, strict=True):
            for contact in draft.contacts:
                contact.conversation = conversation
        contacts = Contact.objects.bulk_create(
            [c for d in drafts for c in d.contacts], batch_size=BATCH
        )
        events = CaseEvent.objects.bulk_create(
            [e for d in drafts for e in d.events], batch_size=BATCH
        )
        counts = {
            "cases": len(cases),
            "conversations": len(conversations),
            "contacts": len(contacts),
            "case_events": len(events),
        }
        for kind, _ in CASE_KIND_WEIGHTS:
            counts[f"cases_{kind}"] = sum(1 for c in cases if c.kind == kind)
        return drafts, counts

    def _reference(self) -> str:
        while True:
            reference = new_reference()
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def _subject(
        self, kind: str, handover: HandoverTimeline | None
    ) -> tuple[SyntheticPerson | None, RegistryEntry | None]:
        """Whom the case is about, and his registry entry when the registry knows him."""
        rng = self.rng

        def registry_pick(*statuses: str) -> RegistryEntry | None:
            pool = [e for s in statuses for e in self.by_status.get(s, [])] or list(self.registry)
            return rng.choice(pool) if pool else None

        def outsider() -> SyntheticPerson | None:
            return self.outsiders.pop() if self.outsiders else None

        entry: RegistryEntry | None = None
        roll = rng.random()
        if kind == CaseKind.FAMILY_ENQUIRY:
            if roll < 0.75:
                entry = registry_pick(*PersonStatus.values)
            elif roll < 0.9:
                return outsider(), None
            else:
                return None, None
        elif kind == CaseKind.HANDOVER and handover is not None:
            entry = self._handover_subject(handover)
        elif kind == CaseKind.HANDOVER:
            entry = registry_pick(*sorted(HELD_STATUSES))  # only one in custody can be collected
        elif kind == CaseKind.ASSISTANCE:
            if roll < 0.6:
                entry = registry_pick("released", "exchanged", "resettled", "handed_over")
            elif roll < 0.8:
                return outsider(), None
            else:
                return None, None
        elif kind == CaseKind.SURRENDER:
            return (outsider() if roll < 0.7 else None), None
        else:
            return (outsider() if roll < 0.3 else None), None
        if entry is None:
            return None, None
        return entry.synthetic, entry

    def _handover_subject(self, handover: HandoverTimeline) -> RegistryEntry | None:
        """One in custody, in no other planned handover, last heard of before the meeting."""
        before = (handover.meeting or self.now).date()
        pool = [
            e
            for status in sorted(HELD_STATUSES)
            for e in self.by_status.get(status, [])
            if e.last_day < before and e.person.pk not in self.handed_over
        ]
        entry = self.rng.choice(pool) if pool else None
        if entry is not None:
            self.handed_over.add(entry.person.pk)
        return entry

    def _language(self, person_language: str | None) -> str:
        if person_language == "uk":
            return weighted(self.rng, (("uk", 70), ("ru", 15), ("en", 15)))
        if person_language == "ru":
            return weighted(self.rng, (("ru", 80), ("uk", 5), ("en", 15)))
        return weighted(self.rng, (("ru", 45), ("uk", 40), ("en", 15)))

    def _conversation(self, channel: str, created: datetime) -> Conversation:
        conversation = Conversation(channel=channel, created_at=created)
        if channel == Channel.WEB:
            return conversation  # the receipt is a web visitor's identity
        # Not from the seeded generator: a second load must not meet the first one's identities.
        number = 10**11 + secrets.randbelow(9 * 10**11)
        identities: dict[str, str] = {
            Channel.TELEGRAM: f"demo telegram chat {number}",
            Channel.EMAIL: f"visitor{number}@example.org",
            Channel.PHONE: f"+000 {number}",  # not a real numbering plan
        }
        identity = identities[channel]
        conversation.identity = identity
        conversation.identity_hash = identity_hash(channel=channel, identity=identity)
        return conversation

    def _draft(self, kind: str) -> CaseDraft:
        rng, now = self.rng, self.now
        handover = None
        if kind == CaseKind.HANDOVER and self.handover_plans:
            handover = handover_timeline(rng, now, self.handover_plans.pop(0))
        person, entry = self._subject(kind, handover)
        if entry is None:
            handover = None  # nobody in custody to hand over
        language = self._language(entry.synthetic.language if entry else None)
        if handover is not None:  # the family wrote some days before the handover was opened
            created = handover.opened - timedelta(days=rng.uniform(1, 6))
        else:
            created = now - timedelta(seconds=rng.uniform(600, DEMO_DAYS * 86400))
        channel = weighted(rng, CHANNEL_WEIGHTS)
        thread = [
            m
            for m in generate_thread(kind, language, rng=rng, person=person)
            if created + timedelta(minutes=m.offset_minutes) < now
        ]
        message_times = [created + timedelta(minutes=m.offset_minutes) for m in thread]
        out_times = [t for m, t in zip(thread, message_times, strict=True) if m.direction == "out"]
        if handover is None:
            chain = self._chain(kind, created, len(out_times), len(thread))
        else:
            chain = [INITIAL]  # it moves on by its handover's stages (`_handover_moves`)
        owner = self.users[OWNER_BY_KIND[kind]]
        assigned = len(chain) > 1 or handover is not None or rng.random() < 0.35
        case = Case(
            reference=self._reference(),
            kind=kind,
            priority=(
                Priority.URGENT
                if kind == CaseKind.SURRENDER and rng.random() < 0.3
                else Priority.NORMAL
            ),
            language=language,
            created_at=created,
            first_response_at=out_times[0] if out_times else None,
        )
        staff_opened = kind in {CaseKind.HANDOVER, CaseKind.ASSISTANCE}
        events = [
            CaseEvent(
                kind=CaseEvent.Kind.CREATED,
                at=created,
                actor=self.users["operator"] if staff_opened else None,
                to_value=INITIAL,
            )
        ]
        assigned_at = None
        if assigned:
            assigned_at = min(
                (out_times[0] if out_times else created) + timedelta(minutes=rng.randint(1, 90)),
                now,
                handover.opened if handover else now,
            )
            by_supervisor = rng.random() < 0.5
            events.append(
                CaseEvent(
                    kind=CaseEvent.Kind.ASSIGNED,
                    at=assigned_at,
                    actor=self.users["supervisor"] if by_supervisor else owner,
                    to_value=owner.get_username(),
                )
            )
            case.assignee = owner
            if rng.random() < 0.6:
                case.summary = rng.choice(SUMMARIES[kind])
        events.extend(
            self._status_events(case, chain, out_times, message_times, owner, assigned_at)
        )
        if handover is not None:
            events.extend(self._handover_moves(case, handover, owner))
        if rng.random() < 0.1 and assigned_at is not None:
            events.append(
                CaseEvent(
                    kind=CaseEvent.Kind.NOTE,
                    at=min(assigned_at + timedelta(minutes=rng.randint(5, 600)), now),
                    actor=owner,
                    text=rng.choice(CASE_NOTES),
                )
            )
        contacts = self._contacts(case, channel, thread, message_times, person, assigned_at, owner)
        last_message = thread[-1] if thread else None
        waiting = (
            last_message is not None and last_message.direction == "in" and case.status != CLOSED
        )
        case.waiting_since = message_times[-1] if waiting else None
        case.updated_at = max([created, *message_times, *(e.at for e in events)])
        conversation = self._conversation(channel, created)
        return CaseDraft(case, conversation, contacts, events, entry, handover)

    def _chain(self, kind: str, created: datetime, answers: int, messages: int) -> list[str]:
        """The statuses the case went through: older, talked-through cases further along."""
        rng = self.rng
        if answers == 0:
            return [INITIAL, CLOSED] if rng.random() < 0.05 else [INITIAL]  # spam, a duplicate
        if kind == CaseKind.HANDOVER:
            # It moves on only on the page of its handover: without one, it waits or is closed.
            return [INITIAL, CLOSED] if rng.random() < 0.2 else [INITIAL]
        road = _forward_chain(kind)
        age = (self.now - created) / timedelta(days=DEMO_DAYS)
        mode = (len(road) - 1) * min(1.0, age + messages / 12)
        chain = road[: int(rng.triangular(0, len(road), mode)) + 1]
        if len(chain) > 1 and chain[-1] != CLOSED and rng.random() < 0.08:
            chain.append(CLOSED)  # given up early
        return chain

    def _handover_moves(
        self, case: Case, handover: HandoverTimeline, owner: User
    ) -> list[CaseEvent]:
        """The status moves its handover's page made, each when its stage was done."""
        events = []
        for after, at in handover.moves():
            transition_check(kind=case.kind, from_status=case.status, to_status=after)
            events.append(
                CaseEvent(
                    kind=CaseEvent.Kind.STATUS,
                    at=at,
                    actor=owner,
                    from_value=case.status,
                    to_value=after,
                )
            )
            case.status = after
        return events

    def _status_events(
        self,
        case: Case,
        chain: list[str],
        out_times: list[datetime],
        message_times: list[datetime],
        owner: User,
        assigned_at: datetime | None,
    ) -> list[CaseEvent]:
        events = []
        # The owner moves the case once it is his; an unassigned one only gets closed.
        at = assigned_at or case.created_at
        actor = owner if assigned_at is not None else self.users["operator"]
        for i, (before, after) in enumerate(zip(chain, chain[1:], strict=False)):
            note = self.rng.choice(CLOSING_NOTES) if after == CLOSED else ""
            transition_check(kind=case.kind, from_status=before, to_status=after, note=note)
            anchor = out_times[i] if i < len(out_times) else (message_times or [at])[-1]
            at = min(max(at, anchor) + timedelta(minutes=self.rng.randint(1, 240)), self.now)
            events.append(
                CaseEvent(
                    kind=CaseEvent.Kind.STATUS,
                    at=at,
                    actor=actor,
                    from_value=before,
                    to_value=after,
                    text=note,
                )
            )
        case.status = chain[-1]
        case.closed_at = events[-1].at if case.status == CLOSED else None
        return events

    def _contacts(
        self,
        case: Case,
        channel: str,
        thread: Sequence[Any],
        times: Sequence[datetime],
        person: SyntheticPerson | None,
        assigned_at: datetime | None,
        owner: User,
    ) -> list[Contact]:
        contacts = []
        for position, (message, at) in enumerate(zip(thread, times, strict=True)):
            inbound = message.direction == "in"
            author = None
            if not inbound:
                author = owner if assigned_at is not None and at >= assigned_at else None
                author = author or self.users["operator"]
            fields: dict[str, str] = {}
            if position == 0 and channel == Channel.WEB and case.kind == CaseKind.FAMILY_ENQUIRY:
                fields = self._enquiry_fields(person, case.language)
            contacts.append(
                Contact(
                    channel=channel,
                    external_id=uuid.uuid4().hex,
                    direction=Contact.Direction.IN if inbound else Contact.Direction.OUT,
                    received_at=at,
                    language=case.language,
                    body=message.body,
                    fields=fields,
                    author=author,
                    state=Contact.State.PROCESSED if inbound else Contact.State.SENT,
                    attempts=1 if inbound else 0,
                    processed_at=at + timedelta(seconds=2) if inbound else at,
                )
            )
        return contacts

    def _enquiry_fields(self, person: SyntheticPerson | None, language: str) -> dict[str, str]:
        """The family form's answers, as a relative fills them in: some parts, some not."""
        rng = self.rng
        fields = {"relationship": rng.choice(RELATIONSHIPS)}
        if person is None:
            return fields
        surname, given, patronymic = person.surname, person.given_name, person.patronymic
        if language == "en" and person.latin_forms:
            _, surname, given, patronymic = person.latin_forms[0]
            patronymic = patronymic if rng.random() < 0.3 else ""
        fields.update(sought_surname=surname, sought_given_name=given)
        if patronymic and rng.random() < 0.8:
            fields["sought_patronymic"] = patronymic
        roll = rng.random()
        if roll < 0.5:
            fields["sought_birth"] = str(person.birth_year)
        elif roll < 0.8 and person.birth_day and person.birth_month:
            fields["sought_birth"] = (
                f"{person.birth_day:02d}.{person.birth_month:02d}.{person.birth_year}"
            )
        if rng.random() < 0.4:
            fields["sought_unit"] = person.unit
        return fields


def demo_receipts(drafts: Sequence[CaseDraft]) -> list[tuple[str, str, str]]:
    """Give a few open web cases a real receipt, so the public status page can be tried."""
    chosen: list[CaseDraft] = []
    for kind in (CaseKind.FAMILY_ENQUIRY, CaseKind.SURRENDER, CaseKind.OTHER):
        for draft in drafts:
            case = draft.case
            if (
                case.kind == kind
                and case.status != CLOSED
                and draft.conversation.channel == Channel.WEB
                and any(c.direction == Contact.Direction.OUT for c in draft.contacts)
            ):
                chosen.append(draft)
                break
    receipts = []
    for draft in chosen[:PRINTED_RECEIPTS]:
        receipt = new_receipt()
        draft.case.secret_hash = hash_secret(receipt.secret)
        draft.case.save(update_fields=["secret_hash"])
        label = f"{draft.case.get_kind_display()}, {draft.case.language}"
        receipts.append((draft.case.reference, receipt.secret, label))
    return receipts
