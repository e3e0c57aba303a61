"""A second evaluation set: real published spellings of names, which the project did not write.

The spellings are rigour's Wikidata person-name groups (see benchmarks/rigour_names.py): each
group holds the forms of one given name or one surname as Wikipedias and authority files print
it, in Cyrillic and in the Latin of many languages. A group is a SURNAME group when one of its
Cyrillic forms is a common surname in russiannames (lifeline.demo.names), a GIVEN-NAME group
when one is a common male given name there (groups that are both are left out).

Each truth person is a synthetic person (lifeline.demo.names) whose surname and given name are
replaced by such Russian Cyrillic forms; he is registered in Cyrillic only, among namesakes drawn
by lifeline.demo.names. He is sought by the other forms of his surname group, one query per
spelling CONVENTION, each paired with a form of his given name in the same convention.

rigour's forms carry no language label, so the convention of a form is read from its letters and
letter groups by `convention` below (documented there). A form without any telling mark is
"plain"; a plain given name may go with a marked surname (it is written so in that convention
too), and the query takes the marked form's convention. Feminine surname forms are not used
(the truth persons are men). Every example records the package and version it came from.
"""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from benchmarks.evalset import EvalQuery, _fresh_persons, _identity, _query_date, _record
from lifeline.demo.names import SyntheticPerson, _common_names, _common_surnames, _person
from lifeline.matching.types import PersonRecord

CYRILLIC = re.compile(r"[а-яёіїєґўјљњђћѓќѕ]")
LATIN = re.compile(r"^[a-z\u00c0-\u024f\u1e00-\u1eff'ʼ -]+$")

# (convention, pattern) in the order tried: the first that matches a form names its convention.
# The marks are the letters and letter groups each convention uses for Cyrillic sounds that the
# others write otherwise (ж ш ч щ х ц й я ю е, and the added nominative endings).
LATIN_CONVENTIONS: tuple[tuple[str, str], ...] = (
    ("latvian", r"[āēīūņļķģ]|(ov|ev|in|sk|ij|ej)s$"),
    ("lithuanian", r"[ėųį]|(ov|ev|in|sk|k)(as|is|us)$|(ij|ej)us$"),
    ("polish", r"[łśćńźżóąę]|cz|rz|sz.*w|w.*sz|ie(?!va?$)"),
    ("turkish", r"[ığ]|ş(?!.*[ăâî])"),
    ("romanian", r"[șțţăâî]|ş"),
    ("hungarian", r"[őű]|cs|zs|gy|ny[aeiou]|sz"),
    ("haček (cs/sk/sl/hr/sr, scholarly)", r"[čšžěřćđňť]"),
    ("iso9 (ŝ ĉ ĵ ǎ)", r"[ŝĉĵǎŭ]"),
    ("german", r"sch|(ow|ew|jew|ij|ji)$|witz|^(jew|jur|jak)|z(?=[aeiou]).*w$"),
    ("french", r"ou|tch|[ïë]"),
    ("dutch/scandinavian", r"oe|sj|zj|tj|(?<![ck])j[aeiou]"),
    ("english", r"kh|zh|sh|ch|ts|y[aeiou]|iy$|yy$"),
)
PLAIN = "plain"

CYRILLIC_CONVENTIONS: tuple[tuple[str, str], ...] = (
    ("cyrillic belarusian", r"ў|і.*[ыэ]|[ыэ].*і|дз[ея]|ц[ыь]|іч$|[сц]кі$"),
    ("cyrillic ukrainian", r"[іїєґ]"),
    ("cyrillic serbian/macedonian", r"[јљњђћѓќѕ]"),
    ("cyrillic bulgarian", r"ъ(?!$)"),
)
CYRILLIC_PLAIN = "cyrillic other"


@dataclass(frozen=True)
class Group:
    item: str  # the Wikidata item rigour names the group by
    forms: tuple[str, ...]


@dataclass(frozen=True)
class RealExample:
    query: EvalQuery
    convention: str
    source: str  # package and version the spellings came from, e.g. "rigour 2.6.1"
    surname_item: str
    given_item: str


@dataclass(frozen=True)
class RealSet:
    records: list[PersonRecord]
    examples: list[RealExample]
    source: str
    registry_size: int
    truth_count: int
    seconds: float

    @property
    def queries(self) -> list[EvalQuery]:
        return [e.query for e in self.examples]


def parse_groups(text: str) -> tuple[str, list[Group]]:
    """rigour's group lines, `form, form => Q1`, and the `# <package> <version>` line above."""
    source = ""
    groups = []
    for line in text.splitlines():
        if line.startswith("#"):
            source = source or line.lstrip("# ").strip()
            continue
        forms, _, item = line.rpartition(" => ")
        if forms and item:
            groups.append(Group(item.strip(), tuple(f.strip() for f in forms.split(","))))
    return source, groups


def convention(form: str) -> str | None:
    """The spelling convention of one lower-case form, read from its letters; None: not used.

    Cyrillic forms are Belarusian (ў, і beside ы or э, дз, ць, -іч, -скі), Ukrainian
    (і ї є ґ), Serbian or Macedonian (ј љ њ ђ ћ), Bulgarian (ъ inside the word) or "cyrillic
    other". Latin forms are named by the first pattern of LATIN_CONVENTIONS they match, else
    "plain". Other scripts (Greek, Hebrew, Arabic, CJK...) are not used: the registry here is
    Cyrillic and Latin.
    """
    if CYRILLIC.search(form):
        if not re.fullmatch(r"[а-яёіїєґўјљњђћѓќѕʼ' -]+", form):
            return None
        return next((n for n, p in CYRILLIC_CONVENTIONS if re.search(p, form)), CYRILLIC_PLAIN)
    if not LATIN.match(form):
        return None
    return next((n for n, p in LATIN_CONVENTIONS if re.search(p, form)), PLAIN)


def _feminine(form: str, surname: str) -> bool:
    return form.endswith(("a", "á", "ā", "а", "я")) and not surname.endswith(("а", "я", "о"))


def name_maps(
    groups: Iterable[Group], surnames: Mapping[str, int], given_names: Mapping[str, int]
) -> tuple[dict[str, list[Group]], dict[str, list[Group]]]:
    """{Russian surname: its surname groups}, {Russian given name: its given-name groups}."""
    by_surname: dict[str, list[Group]] = defaultdict(list)
    by_given: dict[str, list[Group]] = defaultdict(list)
    for group in groups:
        cyrillic = {f for f in group.forms if CYRILLIC.search(f)}
        as_surname = sorted(cyrillic & surnames.keys(), key=lambda s: -surnames[s])
        as_given = sorted(cyrillic & given_names.keys(), key=lambda g: -given_names[g])
        if as_surname and as_given:
            continue
        if as_surname:
            by_surname[as_surname[0]].append(group)
        elif as_given:
            for name in as_given:
                by_given[name].append(group)
    return by_surname, by_given


def forms_by_convention(
    groups: Iterable[Group], registered: str, *, surname: bool
) -> dict[str, list[tuple[str, str]]]:
    """{convention: [(form, item)]} of the groups' forms other than the registered one.

    A given name has many Wikidata items (one per language's name), and their groups also hold
    other languages' equivalents (Pepe for Филипп, Terance for Терентий). A given-name form is
    used only if it is one word and at least two of the groups hold it (when there are two).
    """
    groups = list(groups)
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen = {registered}
    holders: dict[str, int] = defaultdict(int)
    for group in groups:
        for form in set(group.forms):
            holders[form] += 1
    needed = 1 if surname or len(groups) < 2 else 2
    for group in groups:
        for form in group.forms:
            label = convention(form)
            if label is None or form in seen or (surname and _feminine(form, registered)):
                continue
            if not surname and (" " in form or holders[form] < needed):
                continue
            seen.add(form)
            found[label].append((form, group.item))
    return found


def build_real_set(
    groups_text: str,
    *,
    registry_size: int = 50_000,
    per_convention: int = 300,
    seed: int = 1,
) -> RealSet:
    """The registry (namesakes + truth persons) and one query per truth person and convention."""
    started = time.perf_counter()
    source, groups = parse_groups(groups_text)
    if not source:
        raise ValueError("the groups text names no source (a `# <package> <version>` line)")
    surnames = {male.lower(): count for male, _f, count in _common_surnames() if male != ""}
    given_names = {name.lower(): count for name, count in _common_names("names", "m")}
    by_surname, by_given = name_maps(groups, surnames, given_names)

    distractor_rng = random.Random(f"real-distractors-{seed}")
    distractors = [_person(distractor_rng) for _ in range(registry_size)]
    taken = {_identity(p) for p in distractors}
    rng = random.Random(f"real-truth-{seed}")
    counts: dict[str, int] = defaultdict(int)
    truths: list[SyntheticPerson] = []
    drafts: list[tuple[int, RealExample]] = []
    given_pool = sorted(n for n in by_given if forms_by_convention(by_given[n], n, surname=False))
    people = _fresh_persons(rng, taken)
    for surname in sorted(by_surname, key=lambda s: (-surnames[s], s)):
        spellings = forms_by_convention(by_surname[surname], surname, surname=True)
        spellings.pop(CYRILLIC_PLAIN, None)  # the same script, mostly the Russian form itself
        open_ = [c for c in spellings if counts[c] < per_convention]
        if not open_ or not given_pool:
            continue
        given = rng.choice(given_pool)
        person = next(
            replace(p, surname=surname.capitalize(), given_name=given.capitalize())
            for p in people
            if p.sex == "m"
            and p.language == "ru"
            and (surname.capitalize(), given.capitalize(), p.birth_year) not in taken
        )
        given_forms = forms_by_convention(by_given[given], given, surname=False)
        made = []
        for label in open_:
            surname_form, surname_item = rng.choice(spellings[label])
            candidates = given_forms.get(label) or given_forms.get(_plain_of(label)) or []
            if not candidates:
                continue
            given_form, given_item = rng.choice(candidates)
            year, month, day = _query_date(person, rng)
            query = EvalQuery(
                qid=0,
                variant=label,
                truth_id=None,
                surname=surname_form.title(),
                given_name=given_form.title(),
                birth_year=year,
                birth_month=month,
                birth_day=day,
                detail=f"{source}: {surname_item} {surname_form}, {given_item} {given_form}",
            )
            made.append(RealExample(query, label, source, surname_item, given_item))
            counts[label] += 1
        if made:
            taken.add(_identity(person))
            truths.append(person)
            drafts.extend((len(truths) - 1, example) for example in made)

    everyone = distractors + truths
    ids = list(range(1, len(everyone) + 1))
    random.Random(f"real-ids-{seed}").shuffle(ids)
    records = sorted(
        (
            _record(pid, p, keep_latin=i < len(distractors))
            for i, (pid, p) in enumerate(zip(ids, everyone, strict=True))
        ),
        key=lambda r: r.id,
    )
    truth_ids = ids[len(distractors) :]
    examples = [
        replace(e, query=replace(e.query, qid=n, truth_id=truth_ids[t]))
        for n, (t, e) in enumerate(drafts, start=1)
    ]
    return RealSet(
        records=records,
        examples=examples,
        source=source,
        registry_size=registry_size,
        truth_count=len(truths),
        seconds=time.perf_counter() - started,
    )


def _plain_of(label: str) -> str:
    return CYRILLIC_PLAIN if label.startswith("cyrillic") else PLAIN
