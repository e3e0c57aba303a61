"""Loads the demo: a registry of synthetic persons, cases with message threads, and demo users.

With them, some of everything the console works on: outcomes, assistance, exchange batches and
handovers (see `outcomes.py`), registry exports for the central agency, and a few inbound
messages that failed, for the failed-intake page.

Everything is written in one transaction with bulk inserts, and audited as a single
"demo.load" event: the demo is one act of the system, not thousands of staff actions.
Passwords and receipt secrets are drawn with `secrets` and never fixed; the rest follows the
seed, so a given seed always gives the same registry and cases.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseEvent, CaseKind, Priority
from lifeline.cases.workflows import CLOSED, INITIAL, transition_check, workflow_for
from lifeline.core.access import Role
from lifeline.core.audit import audit_record
from lifeline.core.receipts import hash_secret, new_receipt, new_reference
from lifeline.demo.messages import generate_thread
from lifeline.demo.names import SyntheticPerson, feminine_surname, generate_persons
from lifeline.demo.outcomes import (
    HANDOVER_PLAN,
    HandoverTimeline,
    OutcomesBuilder,
    PlannedHandover,
    handover_timeline,
)
from lifeline.intake.inbox import retry_delay
from lifeline.intake.models import Channel, Contact, Conversation
from lifeline.outcomes.services import HELD_STATUSES
from lifeline.registry import exports
from lifeline.registry.models import (
    NameForm,
    Person,
    PersonStatus,
    RegistryExport,
    Source,
    StatusEvent,
)
from lifeline.tracing.models import Enquiry
from lifeline.tracing.services import enquiry_open_from_contact

T = TypeVar("T")

DEFAULT_PERSONS = 2000
DEFAULT_CASES = 320
DEFAULT_SEED = 1949  # the year of Geneva Convention III
CREDENTIALS_FILE = "demo-credentials.txt"
CONSOLE_URL = "http://127.0.0.1:8000/console/"
STATUS_URL = "http://127.0.0.1:8000/status/"
DEMO_DAYS = 60
BATCH = 500
PRINTED_RECEIPTS = 3

# (username, role): one demo user per role.
DEMO_USERS = (
    ("operator", Role.OPERATOR),
    ("caseworker", Role.CASEWORKER),
    ("tracer", Role.TRACING_OFFICER),
    ("registrar", Role.REGISTRAR),
    ("supervisor", Role.SUPERVISOR),
    ("admin", Role.ADMIN),
)

# Plausible histories, with how often each occurs. A dead person's grave is often known.
STATUS_PATHS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("missing",), 12),
    (("missing", "captured"), 6),
    (("captured", "held"), 20),
    (("missing", "captured", "held"), 10),
    (("captured", "held", "transferred"), 10),
    (("captured", "hospitalised", "held"), 5),
    (("captured", "held", "transferred", "hospitalised"), 3),
    (("captured", "held", "exchanged"), 10),
    (("missing", "captured", "held", "exchanged"), 5),
    (("captured", "held", "transferred", "released"), 3),
    (("captured", "held", "handed_over"), 2),
    (("captured", "held", "resettled"), 1),
    (("captured", "held", "escaped"), 1),
    (("missing", "dead"), 4),
    (("captured", "hospitalised", "dead"), 2),
)

# Which kinds of source report which status.
SOURCE_KINDS_FOR_STATUS = {
    "missing": ("family", "witness", "media"),
    "captured": ("official_list", "document", "interview", "media"),
    "held": ("official_list", "interview", "document"),
    "transferred": ("official_list", "interview"),
    "hospitalised": ("other", "official_list"),
    "released": ("official_list", "document"),
    "exchanged": ("official_list", "document"),
    "handed_over": ("official_list", "document"),
    "resettled": ("official_list", "document"),
    "escaped": ("media", "witness"),
    "dead": ("witness", "official_list", "document"),
}
VERIFICATION_BY_RELIABILITY = {
    "high": (("confirmed", 7), ("probable", 3)),
    "medium": (("confirmed", 2), ("probable", 6), ("reported", 2)),
    "low": (("probable", 2), ("reported", 8)),
}
# (kind, title pattern, how many, reliabilities to draw from)
SOURCE_POOL = (
    ("official_list", "Official list of prisoners of war No. {n}", 10, ("high", "high", "medium")),
    ("document", "Identity document seen at registration, facility {n}", 8, ("high",)),
    ("interview", "Intake interview, transit point {n}", 8, ("high", "medium")),
    ("witness", "Statement of a fellow soldier No. {n}", 7, ("medium", "low")),
    ("media", "Open-source video report No. {n}", 7, ("low", "medium")),
    ("family", "Family report by telephone No. {n}", 6, ("low", "medium")),
    ("other", "Hospital admission log No. {n}", 4, ("high", "medium")),
)
HEALTH = (
    "Satisfactory.",
    "No complaints reported.",
    "Light shrapnel wound to the arm, healing.",
    "Concussion, under observation.",
    "Needs regular medication for diabetes.",
    "Recovering from surgery on the leg.",
    "Frostbite of two fingers, treated.",
)
NOTES = (
    "Speaks Russian and Ukrainian.",
    "Asked for his family to be told that he is alive.",
    "Two spellings of the surname in the documents received.",
    "Date of birth taken from his own statement, not a document.",
)

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
# Inbound Telegram updates that failed: (error, hours ago, still being retried). The error is
# its type only, as the inbox records it; a failed one has used up every attempt.
FAILED_INTAKE = (("ValueError", 30, False), ("TimedOut", 75, False), ("NetworkError", 0.2, True))
RETRIED_ATTEMPTS = 3


class DemoRefused(Exception):
    """The demo cannot load here without harming what is already there."""


@dataclass
class DemoResult:
    counts: dict[str, int]
    credentials: Path
    receipts: list[tuple[str, str, str]] = field(default_factory=list)


class _Step(NamedTuple):
    status: str
    day: date
    source: Source
    place: str


@dataclass
class _RegistryEntry:
    synthetic: SyntheticPerson
    person: Person
    status: str
    last_day: date  # of his newest status event


def _weighted(rng: random.Random, pairs: Sequence[tuple[T, int]]) -> T:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def credentials_path() -> Path:
    return Path(settings.DATA_DIR) / CREDENTIALS_FILE


def demo_loaded() -> bool:
    """True once the database holds any registry, case or demo-user data: the demo stays out."""
    return (
        Person.objects.exists()
        or Case.objects.exists()
        or User.objects.filter(username__in=[u for u, _ in DEMO_USERS]).exists()
    )


def demo_users_exist() -> bool:
    return User.objects.filter(
        username__in=[u for u, _ in DEMO_USERS], two_factor_exempt=True
    ).exists()


# --- Users and the credentials file ----------------------------------------------------------


def _new_password() -> str:
    return secrets.token_urlsafe(15)


def _demo_users_reset() -> dict[str, tuple[User, str]]:
    """Create the demo users (or find them) and give each a fresh random password."""
    users: dict[str, tuple[User, str]] = {}
    for username, role in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if not created and not user.two_factor_exempt:
            # Never turn a real account into a demo one with two-factor login off.
            raise DemoRefused(f"A user named {username!r} exists and is not a demo user.")
        password = _new_password()
        user.set_password(password)
        user.first_name = "Demo"
        user.last_name = Role.LABELS[role]
        user.two_factor_exempt = True
        user.is_active = True
        user.save()
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.set([group])
        users[username] = (user, password)
    return users


def _credentials_text(
    passwords: dict[str, str], receipts: Sequence[tuple[str, str, str]], now: datetime
) -> str:
    roles = dict(DEMO_USERS)
    lines = [
        f"Lifeline demo, credentials generated {now:%Y-%m-%d %H:%M} UTC.",
        "Keep this file private (it is readable by its owner only). Every run of",
        "`lifeline demo` without --if-empty draws new passwords.",
        "",
        f"Console: {CONSOLE_URL}",
        "Two-factor login is OFF for these demo users only; every other account needs it.",
        "",
        f"{'username':<12} {'role':<34} password",
    ]
    for username, password in passwords.items():
        lines.append(f"{username:<12} {Role.LABELS[roles[username]]:<34} {password}")
    lines.append("")
    if receipts:
        lines.append(f"Demo receipts: try them on the public status page {STATUS_URL}")
        for reference, secret, label in receipts:
            lines.append(f"  reference {reference}   secret {secret}   ({label})")
    else:
        lines.append("Demo receipts: none kept (they are printed only when the demo is loaded).")
    return "\n".join(lines) + "\n"


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only, replacing any older file at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".demo-credentials-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def credentials_refresh() -> Path:
    """Give the demo users new passwords and rewrite the credentials file (receipts are lost)."""
    with transaction.atomic():
        users = _demo_users_reset()
        audit_record(actor=None, action="demo.credentials", detail={"users": len(users)})
    path = credentials_path()
    _write_private(
        path, _credentials_text({u: p for u, (_, p) in users.items()}, [], timezone.now())
    )
    return path


# --- The registry ----------------------------------------------------------------------------


def _sources(rng: random.Random, now: datetime) -> list[Source]:
    sources = []
    number = 1
    for kind, title, count, reliabilities in SOURCE_POOL:
        for _ in range(count):
            number += rng.randint(1, 9)
            sources.append(
                Source(
                    kind=kind,
                    title=title.format(n=number),
                    reliability=rng.choice(reliabilities),
                    received_on=(now - timedelta(days=rng.randint(1, 700))).date(),
                )
            )
    return Source.objects.bulk_create(sources)


def _father_name(patronymic: str, given_names: set[str]) -> str:
    """The father's name behind a patronymic, when it is a name in use; empty when unsure.

    Сергеевич -> Сергей and Іванович -> Іван follow rules, but Павлович (Павел, Павло) and
    Михайлович (Михаил, Михайло) do not, so a guess counts only if someone bears that name.
    """
    stem = ""
    if patronymic.endswith("ович"):
        stem = patronymic[:-4]
    elif patronymic.endswith("евич"):
        stem = patronymic[:-4] + ("ь" if patronymic[:-4].endswith("р") else "й")
    return stem if stem in given_names else ""


def _place(rng: random.Random, status: str) -> str:
    n = rng.randint(1, 40)
    letter = rng.choice("ABCDEFGHKLMN")
    return {
        "missing": f"Last contact in sector {letter}-{n}",
        "captured": f"Sector {letter}-{n}",
        "held": f"Detention facility No. {n}",
        "transferred": f"Detention facility No. {n}",
        "hospitalised": f"Military hospital No. {n}",
        "exchanged": f"Exchange point {letter}",
        "released": f"Release point {letter}",
        "handed_over": f"Handover point {letter}",
        "resettled": "Third country (reception centre)",
        "escaped": f"Detention facility No. {n}",
        "dead": f"Sector {letter}-{n}",
    }[status]


class _RegistryBuilder:
    def __init__(self, rng: random.Random, now: datetime, registrar: User) -> None:
        self.rng = rng
        self.now = now
        self.registrar = registrar
        self.sources: list[Source] = []
        self.by_kind: dict[str, list[Source]] = {}
        self.given_names: dict[str, set[str]] = {}

    def build(
        self, people: Sequence[SyntheticPerson]
    ) -> tuple[list[_RegistryEntry], dict[str, int]]:
        self.sources = _sources(self.rng, self.now)
        for p in people:
            self.given_names.setdefault(p.language, set()).add(p.given_name)
        for source in self.sources:
            self.by_kind.setdefault(source.kind, []).append(source)
        histories = [self._history() for _ in people]
        persons = [self._person(p, people, h) for p, h in zip(people, histories, strict=True)]
        persons = Person.objects.bulk_create(persons, batch_size=BATCH)
        forms: list[NameForm] = []
        events: list[StatusEvent] = []
        for synthetic, person, history in zip(people, persons, histories, strict=True):
            events.extend(self._events(person, history))
            forms.extend(self._name_forms(synthetic, person, history[0].source))
        NameForm.objects.bulk_create(forms, batch_size=BATCH)
        StatusEvent.objects.bulk_create(events, batch_size=BATCH)
        entries = [
            _RegistryEntry(s, p, p.current_status, h[-1].day)
            for s, p, h in zip(people, persons, histories, strict=True)
        ]
        counts = {
            "persons": len(persons),
            "name_forms": len(forms),
            "latin_name_forms": sum(1 for f in forms if f.script == NameForm.Script.LATIN),
            "status_events": len(events),
            "sources": len(self.sources),
        }
        return entries, counts

    def _history(self) -> list[_Step]:
        """A status path with dates that move forward, a source and a place for each step."""
        statuses = _weighted(self.rng, STATUS_PATHS)
        latest = self.now.date() - timedelta(days=5)
        day = latest - timedelta(days=self.rng.randint(30, 900))
        history = []
        for status in statuses:
            kinds = SOURCE_KINDS_FOR_STATUS[status]
            source = self.rng.choice(self.by_kind[self.rng.choice(kinds)])
            place = _place(self.rng, status) if self.rng.random() < 0.85 else ""
            history.append(_Step(status, min(day, latest), source, place))
            day += timedelta(days=self.rng.randint(3, 200))
        return history

    def _person(
        self, p: SyntheticPerson, everyone: Sequence[SyntheticPerson], history: list[_Step]
    ) -> Person:
        rng = self.rng
        statuses = [step.status for step in history]
        status, last_place = statuses[-1], history[-1].place
        in_custody = status in {"captured", "held", "transferred", "hospitalised"}
        mother = rng.choice(everyone)
        person = Person(
            surname=p.surname,
            given_name=p.given_name,
            patronymic=p.patronymic,
            sex=p.sex,
            birth_year=p.birth_year,
            birth_month=p.birth_month,
            birth_day=p.birth_day,
            place_of_birth=p.place_of_birth,
            father_name=(
                _father_name(p.patronymic, self.given_names[p.language])
                if rng.random() < 0.5
                else ""
            ),
            mother_maiden_name=(
                feminine_surname(mother.surname)
                if rng.random() < 0.2 and mother.language == p.language
                else ""
            ),
            rank=p.rank,
            service_number=p.service_number,
            unit=p.unit,
            power=p.power,
            current_status=status,
            health=rng.choice(HEALTH) if in_custody or status == "hospitalised" else "",
            place_of_detention=(
                last_place or _place(rng, status)
                if status in {"held", "transferred", "hospitalised"}
                else ""
            ),
            grave_location=(
                f"Military cemetery No. {rng.randint(1, 12)}, section {rng.randint(1, 30)}, "
                f"row {rng.randint(1, 40)}, grave {rng.randint(1, 60)}"
                if status == "dead" and rng.random() < 0.8
                else ""
            ),
            notes=rng.choice(NOTES) if rng.random() < 0.1 else "",
            inform_family=(
                _weighted(rng, (("yes", 5), ("unknown", 3), ("no", 2)))
                if "captured" in statuses
                else Person.InformFamily.UNKNOWN
            ),
        )
        person.refresh_search_fields()
        return person

    def _events(self, person: Person, history: list[_Step]) -> list[StatusEvent]:
        events: list[StatusEvent] = []
        for status, day, source, place in history:
            recorded = datetime.combine(day, datetime.min.time(), tzinfo=self.now.tzinfo)
            recorded += timedelta(hours=self.rng.randint(6, 72))
            if events:
                # Two reports on one day keep their order: it decides the current status.
                recorded = max(recorded, events[-1].recorded_at + timedelta(minutes=1))
            events.append(
                StatusEvent(
                    person=person,
                    status=status,
                    occurred_on=day,
                    place=place,
                    source=source,
                    verification=_weighted(
                        self.rng, VERIFICATION_BY_RELIABILITY[source.reliability]
                    ),
                    recorded_by=self.registrar,
                    recorded_at=min(recorded, self.now),
                )
            )
        return events

    def _name_forms(self, p: SyntheticPerson, person: Person, first: Source) -> Iterable[NameForm]:
        primary = NameForm(
            person=person,
            surname=p.surname,
            given_name=p.given_name,
            patronymic=p.patronymic,
            script=NameForm.Script.CYRILLIC,
            language=p.language,
            source=first,
            is_primary=True,
        )
        primary.refresh_search_fields()
        yield primary
        for system, surname, given_name, patronymic in p.latin_forms:
            kind = self.rng.choice(("document", "official_list", "media"))
            form = NameForm(
                person=person,
                surname=surname,
                given_name=given_name,
                patronymic=patronymic,
                script=NameForm.Script.LATIN,
                language=p.language,
                transliteration=system,
                source=self.rng.choice(self.by_kind[kind]),
            )
            form.refresh_search_fields()
            yield form


# --- Cases -----------------------------------------------------------------------------------


def _forward_chain(kind: str) -> list[str]:
    """The usual road of a case of `kind`: each state's first next state not yet visited."""
    workflow = workflow_for(kind)
    chain = [INITIAL]
    while chain[-1] != CLOSED:
        chain.append(next(s for s in workflow.allowed_from(chain[-1]) if s not in chain))
    return chain


@dataclass
class _CaseDraft:
    case: Case
    conversation: Conversation
    contacts: list[Contact]
    events: list[CaseEvent]
    subject: _RegistryEntry | None = None
    handover: HandoverTimeline | None = None


class _CaseBuilder:
    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        users: dict[str, User],
        registry: Sequence[_RegistryEntry],
        outsiders: Sequence[SyntheticPerson],
    ) -> None:
        self.rng = rng
        self.now = now
        self.users = users
        self.registry = registry
        self.outsiders = list(outsiders)
        self.references: set[str] = set(Case.objects.values_list("reference", flat=True))
        self.by_status: dict[str, list[_RegistryEntry]] = {}
        for entry in registry:
            self.by_status.setdefault(entry.status, []).append(entry)
        self.handover_plans = list(HANDOVER_PLAN)
        self.handed_over: set[int] = set()  # persons of the planned handovers

    def build(self, count: int) -> tuple[list[_CaseDraft], dict[str, int]]:
        kinds = [k for k, _ in CASE_KIND_WEIGHTS]  # every kind at least once
        # and a handover case for each planned handover, when the demo can spare them
        kinds += [CaseKind.HANDOVER] * min(len(HANDOVER_PLAN) - 1, (count - len(kinds)) // 5)
        kinds += [_weighted(self.rng, CASE_KIND_WEIGHTS) for _ in range(count - len(kinds))]
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
    ) -> tuple[SyntheticPerson | None, _RegistryEntry | None]:
        """Whom the case is about, and his registry entry when the registry knows him."""
        rng = self.rng

        def registry_pick(*statuses: str) -> _RegistryEntry | None:
            pool = [e for s in statuses for e in self.by_status.get(s, [])] or list(self.registry)
            return rng.choice(pool) if pool else None

        def outsider() -> SyntheticPerson | None:
            return self.outsiders.pop() if self.outsiders else None

        entry: _RegistryEntry | None = None
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

    def _handover_subject(self, handover: HandoverTimeline) -> _RegistryEntry | None:
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
            return _weighted(self.rng, (("uk", 70), ("ru", 15), ("en", 15)))
        if person_language == "ru":
            return _weighted(self.rng, (("ru", 80), ("uk", 5), ("en", 15)))
        return _weighted(self.rng, (("ru", 45), ("uk", 40), ("en", 15)))

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
        conversation.identity_hash = hmac.new(
            settings.SECRET_KEY.encode(), f"{channel}:{identity}".encode(), hashlib.sha256
        ).hexdigest()
        return conversation

    def _draft(self, kind: str) -> _CaseDraft:
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
        channel = _weighted(rng, CHANNEL_WEIGHTS)
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
        return _CaseDraft(case, conversation, contacts, events, entry, handover)

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


def _demo_receipts(drafts: Sequence[_CaseDraft]) -> list[tuple[str, str, str]]:
    """Give a few open web cases a real receipt, so the public status page can be tried."""
    chosen: list[_CaseDraft] = []
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


def _enquiries_open(cases: Sequence[Case]) -> int:
    """Turn the web family enquiries into matched enquiries, as the worker does for new ones.

    Each is dated from the message that asked, as if the worker had opened it then: the
    dashboard's open enquiries have their ages.
    """
    first_messages = (
        Contact.objects.filter(
            case__in=cases,
            case__kind=CaseKind.FAMILY_ENQUIRY,
            channel=Channel.WEB,
            direction=Contact.Direction.IN,
        )
        .values("case_id")
        .annotate(first=Min("id"))
    )
    opened = []
    for row in first_messages:
        enquiry = enquiry_open_from_contact(actor=None, contact_id=row["first"])
        if enquiry is not None:
            opened.append(enquiry.pk)
    asked_at = Contact.objects.filter(pk=OuterRef("source_contact_id")).values("received_at")
    Enquiry.objects.filter(pk__in=opened).update(created_at=Subquery(asked_at[:1]))
    return len(opened)


# --- Outcomes, exports for the agency, failed intake ---------------------------------------


def _outcomes(
    rng: random.Random,
    now: datetime,
    staff: dict[str, User],
    registry: Sequence[_RegistryEntry],
    drafts: Sequence[_CaseDraft],
    relatives: Sequence[SyntheticPerson],
) -> dict[str, int]:
    """Offers, assistance, the planned handovers, and exchanges of persons no handover holds."""
    planned = [
        PlannedHandover(d.case, d.subject.person, d.subject.synthetic.language, d.handover)
        for d in drafts
        if d.handover is not None and d.subject is not None
    ]
    handed = {p.person.pk for p in planned}
    held = [
        (e.person, e.last_day)
        for e in registry
        if e.status in HELD_STATUSES and e.person.pk not in handed
    ]
    return OutcomesBuilder(rng, now, staff).build(
        cases=[d.case for d in drafts], handovers=planned, held=held, relatives=relatives
    )


def _registry_exports(rng: random.Random, now: datetime, staff: dict[str, User]) -> int:
    """An export a second person approved some days ago (downloaded once), and a draft since.

    The registrar drafts both, so that the demo supervisor can approve the draft.
    """
    registrar, supervisor = staff["registrar"], staff["supervisor"]
    until = now - timedelta(days=rng.uniform(2, 5))
    since = (until - timedelta(days=28)).date()
    approved_at = until + timedelta(hours=rng.uniform(2, 20))
    rows = exports.export_rows(since=since, until=until)
    content = exports.to_csv(rows)
    approved = RegistryExport(
        since=since,
        until=until,
        format=RegistryExport.Format.CSV,
        drafted_by=registrar,
        drafted_at=until,
        approved_by=supervisor,
        approved_at=approved_at,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        row_count=len(rows),
        download_count=1,
        last_downloaded_at=approved_at + timedelta(minutes=rng.randint(5, 90)),
    )
    drafted_at = now - timedelta(hours=rng.uniform(1, 6))
    draft = RegistryExport(
        since=until.date(),
        until=drafted_at,
        format=RegistryExport.Format.JSON,
        drafted_by=registrar,
        drafted_at=drafted_at,
    )
    return len(RegistryExport.objects.bulk_create([approved, draft]))


def _failed_intake(rng: random.Random, now: datetime) -> int:
    """Telegram updates the worker could not process, for the failed-intake page."""
    contacts = []
    for error, hours, retrying in FAILED_INTAKE:
        # Not from the seeded generator: a second load must not meet the first one's updates.
        update_id = 10**8 + secrets.randbelow(9 * 10**8)
        attempts = RETRIED_ATTEMPTS if retrying else settings.INBOX_MAX_ATTEMPTS
        state = Contact.State.PENDING if retrying else Contact.State.FAILED
        contacts.append(
            Contact(
                channel=Channel.TELEGRAM,
                external_id=str(update_id),
                direction=Contact.Direction.IN,
                received_at=now - timedelta(hours=hours * rng.uniform(0.8, 1.2)),
                # An update with no message: a retry files it, with nothing to file it under.
                payload={"update_id": update_id},
                state=state,
                attempts=attempts,
                last_error=error,
                next_attempt_at=now + retry_delay(attempts) if retrying else None,
            )
        )
    return len(Contact.objects.bulk_create(contacts))


# --- The whole load --------------------------------------------------------------------------


def demo_load(
    *, persons: int = DEFAULT_PERSONS, cases: int = DEFAULT_CASES, seed: int = DEFAULT_SEED
) -> DemoResult:
    """Load the demo registry, cases and users; write and return the credentials file."""
    if persons < 1 or cases < len(CASE_KIND_WEIGHTS):
        raise ValueError(f"need at least 1 person and {len(CASE_KIND_WEIGHTS)} cases")
    rng = random.Random(seed)
    now = timezone.now()
    people = generate_persons(persons, seed=seed)
    outsiders = generate_persons(cases, seed=seed + 1)
    with transaction.atomic():
        users = _demo_users_reset()
        staff = {username: user for username, (user, _) in users.items()}
        registry, registry_counts = _RegistryBuilder(rng, now, staff["registrar"]).build(people)
        drafts, case_counts = _CaseBuilder(rng, now, staff, registry, outsiders).build(cases)
        outcome_counts = _outcomes(rng, now, staff, registry, drafts, people)
        receipts = _demo_receipts(drafts)
        counts = {**registry_counts, **case_counts, **outcome_counts, "users": len(users)}
        counts["enquiries"] = _enquiries_open([d.case for d in drafts])
        counts["registry_exports"] = _registry_exports(rng, now, staff)
        counts["failed_contacts"] = _failed_intake(rng, now)
        audit_record(actor=None, action="demo.load", detail={"counts": counts, "seed": seed})
    path = credentials_path()
    passwords = {username: password for username, (_, password) in users.items()}
    _write_private(path, _credentials_text(passwords, receipts, now))
    return DemoResult(counts=counts, credentials=path, receipts=receipts)
