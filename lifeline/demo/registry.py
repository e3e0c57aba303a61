"""The demo registry: sources, persons, their status histories and name forms, agency exports."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from lifeline.accounts.models import User
from lifeline.demo.common import BATCH, weighted
from lifeline.demo.names import SyntheticPerson, feminine_surname
from lifeline.registry import exports
from lifeline.registry.matchkeys import keys_refresh
from lifeline.registry.models import (
    NameForm,
    Person,
    RegistryExport,
    Source,
    StatusEvent,
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


class _Step(NamedTuple):
    status: str
    day: date
    source: Source
    place: str


@dataclass
class RegistryEntry:
    synthetic: SyntheticPerson
    person: Person
    status: str
    last_day: date  # of his newest status event


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


class RegistryBuilder:
    """Writes the sources, then a person with his history and name forms for each synthetic one."""

    def __init__(self, rng: random.Random, now: datetime, registrar: User) -> None:
        self.rng = rng
        self.now = now
        self.registrar = registrar
        self.sources: list[Source] = []
        self.by_kind: dict[str, list[Source]] = {}
        self.given_names: dict[str, set[str]] = {}

    def build(
        self, people: Sequence[SyntheticPerson]
    ) -> tuple[list[RegistryEntry], dict[str, int]]:
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
        for start in range(0, len(persons), BATCH):
            keys_refresh(p.pk for p in persons[start : start + BATCH])
        entries = [
            RegistryEntry(s, p, p.current_status, h[-1].day)
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
        statuses = weighted(self.rng, STATUS_PATHS)
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
                weighted(rng, (("yes", 5), ("unknown", 3), ("no", 2)))
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
                    verification=weighted(
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


def registry_exports(rng: random.Random, now: datetime, staff: dict[str, User]) -> int:
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
