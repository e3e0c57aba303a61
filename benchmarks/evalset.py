"""The labelled evaluation set for the matching engine: a registry, and queries of known truth.

The registry is drawn by lifeline.demo.names from the real name frequencies in russiannames
(namesakes occur as they do in life), plus the "truth" persons. Each truth person is sought
by a few queries, each a VARIANT of how a family or a document writes him (see VARIANTS).
Negative queries seek persons who are not in the registry, so that precision can be measured.
Everything is deterministic by seed.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import yaml
from names_translator.dicts import default_dicts  # type: ignore[import-untyped, unused-ignore]

from benchmarks.translit import romanize
from lifeline.demo.names import (
    _NOT_UKRAINIAN,
    _UNLIKELY_IN_UKRAINIAN,
    SyntheticPerson,
    _common_surnames,
    _person,
    _ukrainian_forms,
    _ukrainian_surname,
)
from lifeline.matching.types import NameVariant, PersonRecord

DATA_DIR = Path(__file__).with_name("data")

VARIANTS = (
    "exact",
    "translit_iso9",
    "translit_bgn",
    "translit_icao",
    "translit_kmu2010",
    "german",
    "french",
    "polish",
    "typo",
    "order_swap",
    "no_patronymic",
    "diminutive",
    "ukrainian_form",
    "russian_form",
    "case_ending",
    "partial_dob",
    "female_form",
)
"""Variant types. `ukrainian_form` seeks a Russian-recorded person by the Ukrainian forms of
his names; `russian_form` is the converse, for a Ukrainian-recorded person."""

_SYSTEM_OF = {
    "translit_iso9": "iso9",
    "translit_bgn": "bgn",
    "translit_icao": "icao",
    "translit_kmu2010": "kmu2010",
    "german": "german",
    "french": "french",
    "polish": "polish",
}
# How many of a truth person's variants are drawn: a spread of persons, each sought a few ways.
VARIANTS_PER_TRUTH = 4
# A family gives the full date of birth or only the year.
FULL_DATE_SHARE = 0.6


@dataclass(frozen=True)
class EvalQuery:
    """One enquiry. Either a letter (`text`) or form fields (names and date of birth)."""

    qid: int
    variant: str
    truth_id: int | None  # None: the person sought is not in the registry
    surname: str = ""
    given_name: str = ""
    patronymic: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    text: str = ""
    detail: str = ""  # what was done, e.g. "icao" or "day/month swapped"

    def baseline_string(self) -> str:
        """What a plain fuzzy matcher is given: the letter, or "surname given patronymic year"."""
        if self.text:
            return self.text
        parts = [self.surname, self.given_name, self.patronymic]
        if self.birth_year:
            parts.append(str(self.birth_year))
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class EvalSet:
    records: list[PersonRecord]
    queries: list[EvalQuery]
    seed: int
    registry_size: int  # distractors, without the truth persons
    truth_count: int
    seconds: float  # generation time


def build_evalset(
    *,
    registry_size: int = 100_000,
    queries_per_variant: int = 200,
    negatives_per_variant: int = 50,
    seed: int = 1,
) -> EvalSet:
    """Draw the registry and the labelled queries; the same arguments always give the same set."""
    started = time.perf_counter()
    distractor_rng = random.Random(f"distractors-{seed}")
    distractors = [_person(distractor_rng) for _ in range(registry_size)]
    taken = {_identity(p) for p in distractors}
    truth_rng = random.Random(f"truth-{seed}")
    truths: list[SyntheticPerson] = []
    drafts: list[tuple[int, EvalQuery]] = []  # (index into truths, query without ids)
    counts = dict.fromkeys(VARIANTS, 0)
    for person in _fresh_persons(truth_rng, taken):
        if all(n >= queries_per_variant for n in counts.values()):
            break
        open_variants = [v for v in VARIANTS if counts[v] < queries_per_variant]
        made = []
        for variant in truth_rng.sample(open_variants, k=len(open_variants)):
            query = make_variant(variant, person, truth_rng)
            if query is not None:
                made.append(query)
                counts[variant] += 1
            if len(made) == VARIANTS_PER_TRUTH:
                break
        if made:
            taken.add(_identity(person))
            truths.append(replace(person, latin_forms=()))
            drafts.extend((len(truths) - 1, q) for q in made)

    negative_rng = random.Random(f"negatives-{seed}")
    negatives: list[EvalQuery] = []
    wanted = [v for v in VARIANTS for _ in range(negatives_per_variant)]
    for person in _fresh_persons(negative_rng, taken):
        if not wanted:
            break
        for i, variant in enumerate(wanted):
            query = make_variant(variant, person, negative_rng)
            if query is not None:
                negatives.append(query)
                del wanted[i]
                break

    # Ids in random order, so that no engine can profit from truth persons having high ids.
    everyone = distractors + truths
    ids = list(range(1, len(everyone) + 1))
    random.Random(f"ids-{seed}").shuffle(ids)
    records = sorted(
        (
            _record(pid, p, keep_latin=i < len(distractors))
            for i, (pid, p) in enumerate(zip(ids, everyone, strict=True))
        ),
        key=lambda r: r.id,
    )
    truth_ids = ids[len(distractors) :]
    queries = [replace(q, qid=n, truth_id=truth_ids[t]) for n, (t, q) in enumerate(drafts, start=1)]
    queries += [replace(q, qid=len(queries) + n) for n, q in enumerate(negatives, start=1)]
    return EvalSet(
        records=records,
        queries=queries,
        seed=seed,
        registry_size=registry_size,
        truth_count=len(truths),
        seconds=time.perf_counter() - started,
    )


def registry_records(count: int, *, seed: int) -> list[PersonRecord]:
    """`count` registry persons as engine records (ids 1..count), without any queries."""
    rng = random.Random(f"distractors-{seed}")
    return [_record(i, _person(rng), keep_latin=True) for i in range(1, count + 1)]


def to_person_record(record_id: int, person: SyntheticPerson) -> PersonRecord:
    """A synthetic person as the engine sees him, with his recorded Latin spellings."""
    return _record(record_id, person, keep_latin=True)


def _record(record_id: int, person: SyntheticPerson, *, keep_latin: bool) -> PersonRecord:
    names = [NameVariant(person.surname, person.given_name, person.patronymic)]
    if keep_latin:
        names += [NameVariant(s, g, p) for _, s, g, p in person.latin_forms]
    return PersonRecord(
        id=record_id,
        names=tuple(names),
        sex=person.sex,
        birth_year=person.birth_year,
        birth_month=person.birth_month,
        birth_day=person.birth_day,
        unit=person.unit,
        place_of_birth=person.place_of_birth,
    )


def _identity(person: SyntheticPerson) -> tuple[str, str, int]:
    # A truth or negative person must not share name and birth year with a registry person,
    # or the label would be a coin toss.
    return (person.surname, person.given_name, person.birth_year)


def _fresh_persons(
    rng: random.Random, taken: set[tuple[str, str, int]]
) -> Iterator[SyntheticPerson]:
    for _ in range(10_000_000):
        person = _person(rng)
        if _identity(person) not in taken:
            yield person


# --- Variants -----------------------------------------------------------------------------------

Maker = Callable[[SyntheticPerson, random.Random], EvalQuery | None]


def make_variant(variant: str, person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    """A query of this variant type seeking `person`, or None if the type does not apply to him."""
    if variant in _SYSTEM_OF:
        return _translit(person, rng, _SYSTEM_OF[variant], variant)
    return _MAKERS[variant](person, rng)


def _fields(
    person: SyntheticPerson,
    rng: random.Random,
    variant: str,
    *,
    surname: str | None = None,
    given_name: str | None = None,
    patronymic: str | None = None,
    detail: str = "",
) -> EvalQuery:
    year, month, day = _query_date(person, rng)
    return EvalQuery(
        qid=0,
        variant=variant,
        truth_id=None,
        surname=person.surname if surname is None else surname,
        given_name=person.given_name if given_name is None else given_name,
        patronymic=person.patronymic if patronymic is None else patronymic,
        birth_year=year,
        birth_month=month,
        birth_day=day,
        detail=detail,
    )


def _query_date(person: SyntheticPerson, rng: random.Random) -> tuple[int, int | None, int | None]:
    if person.birth_day is not None and rng.random() < FULL_DATE_SHARE:
        return person.birth_year, person.birth_month, person.birth_day
    return person.birth_year, None, None


def _exact(person: SyntheticPerson, rng: random.Random) -> EvalQuery:
    return _fields(person, rng, "exact")


def _translit(person: SyntheticPerson, rng: random.Random, system: str, variant: str) -> EvalQuery:
    def spell(name: str) -> str:
        return romanize(name, system=system, language=person.language)

    return _fields(
        person,
        rng,
        variant,
        surname=spell(person.surname),
        given_name=spell(person.given_name),
        patronymic=spell(person.patronymic),
        detail=f"{system} ({person.language})",
    )


_RU_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_UK_LETTERS = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_KEYBOARD_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


def _neighbours(letter: str) -> str:
    for row in _KEYBOARD_ROWS:
        i = row.find(letter)
        if i >= 0:
            return row[max(i - 1, 0) : i] + row[i + 1 : i + 2]
    return ""


def _typo_word(word: str, rng: random.Random, letters: str) -> str:
    # The first letter is kept: people rarely mistype it, and a changed initial is another name.
    i = rng.randrange(1, len(word))
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    if kind == "substitute":
        near = _neighbours(word[i]) if rng.random() < 0.6 else ""
        new = rng.choice(near or letters)
        return word[:i] + new + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + rng.choice(letters) + word[i:]
    if i == len(word) - 1:
        i -= 1
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :] if i > 0 else word


def _typo(person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    letters = _UK_LETTERS if person.language == "uk" else _RU_LETTERS
    surname, given = person.surname, person.given_name
    edits = 1 if rng.random() < 0.7 else 2
    for _ in range(edits):
        if rng.random() < 0.6 and len(surname) >= 4:
            surname = _typo_word(surname, rng, letters)
        elif len(given) >= 4:
            given = _typo_word(given, rng, letters)
    if (surname, given) == (person.surname, person.given_name):
        return None
    return _fields(
        person, rng, "typo", surname=surname, given_name=given, detail=f"{edits} edit(s)"
    )


def _date_text(year: int, month: int | None, day: int | None, language: str) -> str:
    suffix = "р.н." if language == "uk" else "г.р."
    if day is not None and month is not None:
        return f"{day:02d}.{month:02d}.{year} {suffix}"
    return f"{year} {suffix}"


def _text_query(
    person: SyntheticPerson, rng: random.Random, variant: str, names: str, detail: str
) -> EvalQuery:
    year, month, day = _query_date(person, rng)
    return EvalQuery(
        qid=0,
        variant=variant,
        truth_id=None,
        text=f"{names}, {_date_text(year, month, day, person.language)}",
        detail=detail,
    )


def _order_swap(person: SyntheticPerson, rng: random.Random) -> EvalQuery:
    if rng.random() < 0.5:
        names, detail = f"{person.given_name} {person.patronymic} {person.surname}", "G P S"
    else:
        names, detail = f"{person.given_name} {person.surname}", "G S"
    return _text_query(person, rng, "order_swap", names, detail)


def _no_patronymic(person: SyntheticPerson, rng: random.Random) -> EvalQuery:
    return _fields(person, rng, "no_patronymic", patronymic="")


@cache
def _diminutives() -> dict[str, dict[str, list[str]]]:
    with (DATA_DIR / "diminutives.yaml").open(encoding="utf-8") as file:
        data = yaml.safe_load(file)
    table: dict[str, dict[str, list[str]]] = {"m": {}, "f": {}}
    for section in ("derived", "supplement"):
        for sex, names in data[section].items():
            for full, short in names.items():
                table[sex].setdefault(full, [])
                table[sex][full] += [s for s in short if s not in table[sex][full]]
    return table


def _russian_given_name(person: SyntheticPerson) -> str:
    if person.language != "uk":
        return person.given_name
    found = default_dicts().lookup(person.given_name, "first", 1)
    return str(found[0]) if found else person.given_name


def _diminutive(person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    table = _diminutives()[person.sex]
    name = _russian_given_name(person)
    short = table.get(name) or table.get(name.replace("ё", "е"))
    if not short:
        return None
    chosen = rng.choice(short)
    return _fields(person, rng, "diminutive", given_name=chosen, detail=f"{name} → {chosen}")


@cache
def _ukrainian_surnames() -> dict[str, str]:
    """Russian surname → its best-attested Ukrainian spelling, from names_translator's tables."""
    wanted = {male.lower() for male, _, _ in _common_surnames()}
    wanted |= {female.lower() for _, female, _ in _common_surnames()}
    best: dict[str, tuple[int, int, bool, str]] = {}
    for key, translations in default_dicts().as_dict("last").items():
        if _NOT_UKRAINIAN.search(key):
            continue
        for position, russian in enumerate(translations[:3]):
            russian = russian.lower()
            if russian not in wanted:
                continue
            rank = (position, len(_UNLIKELY_IN_UKRAINIAN.findall(key)), key == russian, key)
            best[russian] = min(rank, best.get(russian, rank))
    return {russian: rank[-1] for russian, rank in best.items()}


def _ukrainian_form(person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    if person.language != "ru":
        return None
    surname = _ukrainian_surnames().get(person.surname.lower())
    surname = surname.capitalize() if surname else _ukrainian_surname(person.surname)
    given = _ukrainian_forms("first").get(person.given_name, person.given_name)
    patronymic = _ukrainian_forms("patronymic").get(person.patronymic, person.patronymic)
    if (surname, given, patronymic) == (person.surname, person.given_name, person.patronymic):
        return None
    return _fields(
        person, rng, "ukrainian_form", surname=surname, given_name=given, patronymic=patronymic
    )


def _russian_form(person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    if person.language != "uk":
        return None
    dicts = default_dicts()

    def russian(name: str, pool: str) -> str:
        found = dicts.lookup(name, pool, 1)
        return str(found[0]) if found else name

    surname = russian(person.surname, "last")
    given = russian(person.given_name, "first")
    patronymic = russian(person.patronymic, "patronymic")
    if (surname, given, patronymic) == (person.surname, person.given_name, person.patronymic):
        return None
    return _fields(
        person, rng, "russian_form", surname=surname, given_name=given, patronymic=patronymic
    )


# --- Case endings -------------------------------------------------------------------------------

# (template, grammatical case) per language and sex; {rel} is the relative in that case.
_LETTERS = {
    ("ru", "m"): [
        ("Ищу {rel} {name}", "accs", ("сына", "брата", "мужа", "отца")),
        ("Разыскиваю {rel} {name}", "accs", ("сына", "брата", "мужа")),
        ("Помогите найти информацию о судьбе {rel} {name}", "gent", ("сына", "брата", "мужа")),
        ("Потеряна связь с {rel} {name}", "ablt", ("сыном", "братом", "мужем")),
        ("Прошу сообщить что-нибудь о {rel} {name}", "loct", ("сыне", "брате", "муже")),
    ],
    ("ru", "f"): [
        ("Ищу {rel} {name}", "accs", ("дочь", "сестру", "жену")),
        ("Помогите найти информацию о судьбе {rel} {name}", "gent", ("дочери", "сестры", "жены")),
        ("Потеряна связь с {rel} {name}", "ablt", ("дочерью", "сестрой", "женой")),
    ],
    ("uk", "m"): [
        ("Шукаю {rel} {name}", "accs", ("сина", "брата", "чоловіка", "батька")),
        ("Розшукую {rel} {name}", "accs", ("сина", "брата", "чоловіка")),
        ("Допоможіть дізнатися про долю {rel} {name}", "gent", ("сина", "брата", "чоловіка")),
        ("Втрачено зв'язок із {rel} {name}", "ablt", ("сином", "братом", "чоловіком")),
    ],
    ("uk", "f"): [
        ("Шукаю {rel} {name}", "accs", ("доньку", "сестру", "дружину")),
        ("Допоможіть дізнатися про долю {rel} {name}", "gent", ("доньки", "сестри", "дружини")),
        ("Втрачено зв'язок із {rel} {name}", "ablt", ("донькою", "сестрою", "дружиною")),
    ],
}


@cache
def _morph(language: str):  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


def inflect(word: str, case: str, *, kind: str, sex: str, language: str) -> str:
    """`word` (a surname, given name or patronymic in the nominative) put in `case`.

    pymorphy3 inflects the names and patronymics it knows. Most surnames it does not know, so
    the regular surname paradigms (-ов/-ин, -ский, consonant stems; the feminine -ова/-ская;
    indeclinable -ко, -их) fill in.
    """
    tag = {"surname": "Surn", "given_name": "Name", "patronymic": "Patr"}[kind]
    gender = "masc" if sex == "m" else "femn"
    for parse in _morph(language).parse(word):
        grammemes = parse.tag
        if tag in grammemes and gender in grammemes and "nomn" in grammemes:
            if "Fixd" in grammemes:
                return word
            inflected = parse.inflect({case, "sing"}) or parse.inflect({case})
            if inflected is not None:
                return _like(word, inflected.word)
    return _inflect_by_rule(word, case, kind=kind, sex=sex, language=language)


def _like(original: str, inflected: str) -> str:
    return inflected[:1].upper() + inflected[1:] if original[:1].isupper() else inflected


_MALE_ENDINGS = {
    # ending: {case: replacement}, ru
    "ru": [
        (r"(ов|ев|ёв|ин|ын)$", {"gent": r"\1а", "accs": r"\1а", "ablt": r"\1ым", "loct": r"\1е"}),
        (r"(ск|цк)ий$", {"gent": r"\1ого", "accs": r"\1ого", "ablt": r"\1им", "loct": r"\1ом"}),
        (
            r"([^аеёиоуыэюя])ий$",
            {"gent": r"\1ого", "accs": r"\1ого", "ablt": r"\1им", "loct": r"\1ом"},
        ),
        (r"(ый|ой)$", {"gent": "ого", "accs": "ого", "ablt": "ым", "loct": "ом"}),
        (r"([жшчщц])$", {"gent": r"\1а", "accs": r"\1а", "ablt": r"\1ем", "loct": r"\1е"}),
        (r"ь$", {"gent": "я", "accs": "я", "ablt": "ем", "loct": "е"}),
        (r"й$", {"gent": "я", "accs": "я", "ablt": "ем", "loct": "е"}),
        (
            r"([бвгдзклмнпрстфх])$",
            {"gent": r"\1а", "accs": r"\1а", "ablt": r"\1ом", "loct": r"\1е"},
        ),
    ],
    "uk": [
        (r"(ов|ев|єв|ів|їв|ин|ін)$", {"gent": r"\1а", "accs": r"\1а", "ablt": r"\1им"}),
        (r"(ськ|цьк)ий$", {"gent": r"\1ого", "accs": r"\1ого", "ablt": r"\1им"}),
        (r"([жшчщ])$", {"gent": r"\1а", "accs": r"\1а", "ablt": r"\1ем"}),
        (r"ь$", {"gent": "я", "accs": "я", "ablt": "ем"}),
        (r"й$", {"gent": "я", "accs": "я", "ablt": "єм"}),
        (r"([бвгґдзклмнпрстфхц])$", {"gent": r"\1а", "accs": r"\1а", "ablt": r"\1ом"}),
    ],
}
_FEMALE_ENDINGS = {
    "ru": [
        (
            r"(ов|ев|ёв|ин|ын)а$",
            {"gent": r"\1ой", "accs": r"\1у", "ablt": r"\1ой", "loct": r"\1ой"},
        ),
        (r"(ск|цк)ая$", {"gent": r"\1ой", "accs": r"\1ую", "ablt": r"\1ой", "loct": r"\1ой"}),
    ],
    "uk": [
        (r"(ов|ев|єв|ів|ін|ин)а$", {"gent": r"\1ої", "accs": r"\1у", "ablt": r"\1ою"}),
        (r"(ськ|цьк)а$", {"gent": r"\1ої", "accs": r"\1у", "ablt": r"\1ою"}),
    ],
}


# Given names in -о/-а/-я decline like nouns; surnames in -о (Шевченко) do not.
_GIVEN_NAME_ENDINGS = {
    ("ru", "m"): [
        (r"([^аеёиоуыэюя])а$", {"gent": r"\1ы", "accs": r"\1у", "ablt": r"\1ой", "loct": r"\1е"})
    ],
    ("ru", "f"): [
        (r"([гкхжшчщ])а$", {"gent": r"\1и", "accs": r"\1у", "ablt": r"\1ой", "loct": r"\1е"}),
        (r"ия$", {"gent": "ии", "accs": "ию", "ablt": "ией", "loct": "ии"}),
        (r"я$", {"gent": "и", "accs": "ю", "ablt": "ей", "loct": "е"}),
        (r"а$", {"gent": "ы", "accs": "у", "ablt": "ой", "loct": "е"}),
    ],
    ("uk", "m"): [(r"о$", {"gent": "а", "accs": "а", "ablt": "ом"})],
    ("uk", "f"): [
        (r"я$", {"gent": "і", "accs": "ю", "ablt": "ею"}),
        (r"а$", {"gent": "и", "accs": "у", "ablt": "ою"}),
    ],
}
_PATRONYMIC_ENDINGS = {
    "ru": [
        (r"ич$", {"gent": "ича", "accs": "ича", "ablt": "ичем", "loct": "иче"}),
        (r"на$", {"gent": "ны", "accs": "ну", "ablt": "ной", "loct": "не"}),
    ],
    "uk": [
        (r"ич$", {"gent": "ича", "accs": "ича", "ablt": "ичем"}),
        (r"на$", {"gent": "ни", "accs": "ну", "ablt": "ною"}),
    ],
}


def _inflect_by_rule(word: str, case: str, *, kind: str, sex: str, language: str) -> str:
    if kind == "patronymic":
        rules = _PATRONYMIC_ENDINGS[language]
    elif kind == "given_name":
        rules = _GIVEN_NAME_ENDINGS[(language, sex)] + _MALE_ENDINGS[language] * (sex == "m")
    else:
        rules = (_MALE_ENDINGS if sex == "m" else _FEMALE_ENDINGS)[language]
    for pattern, forms in rules:
        if re.search(pattern, word) and case in forms:
            return re.sub(pattern, forms[case], word)
    return word  # -ко, -их, -аго and women's consonant surnames do not decline


def _case_ending(person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    template, case, relatives = rng.choice(_LETTERS[(person.language, person.sex)])

    def put(word: str, kind: str) -> str:
        return inflect(word, case, kind=kind, sex=person.sex, language=person.language)

    surname = put(person.surname, "surname")
    given = put(person.given_name, "given_name")
    patronymic = put(person.patronymic, "patronymic")
    if (surname, given) == (person.surname, person.given_name):
        return None  # nothing declined (an indeclinable surname and name)
    names = f"{surname} {given} {patronymic}" if rng.random() < 0.7 else f"{given} {surname}"
    text = template.format(rel=rng.choice(relatives), name=names)
    return _text_query(person, rng, "case_ending", text, case)


def _partial_dob(person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    year, month, day = person.birth_year, person.birth_month, person.birth_day
    kinds = ["year off by one"]
    if day is not None:
        kinds.append("year only")
        if month is not None and day <= 12 and day != month:
            kinds.append("day/month swapped")
    kind = rng.choice(kinds)
    query = _fields(person, rng, "partial_dob", detail=kind)
    if kind == "year only":
        return replace(query, birth_year=year, birth_month=None, birth_day=None)
    if kind == "day/month swapped":
        return replace(query, birth_year=year, birth_month=day, birth_day=month)
    return replace(query, birth_year=year + rng.choice((-1, 1)), birth_month=month, birth_day=day)


@cache
def _surname_forms() -> dict[str, str]:
    """Each gendered surname mapped to its other-gender form (Кузьминов ↔ Кузьминова)."""
    forms: dict[str, str] = {}
    for male, female, _ in _common_surnames():
        if male != female:
            forms[male] = female
            forms[female] = male
            forms[_ukrainian_surname(male)] = _ukrainian_surname(female)
            forms[_ukrainian_surname(female)] = _ukrainian_surname(male)
    return forms


def _female_form(person: SyntheticPerson, rng: random.Random) -> EvalQuery | None:
    """The surname in the other gender's form: a mother or wife gives her own form of it
    (a man recorded as Кузьминов sought as "Кузьминова"), given name and patronymic unchanged."""
    other = _surname_forms().get(person.surname)
    if other is None or other == person.surname:
        return None
    return _fields(person, rng, "female_form", surname=other, detail=f"{person.surname} → {other}")


_MAKERS: dict[str, Maker] = {
    "exact": _exact,
    "typo": _typo,
    "order_swap": _order_swap,
    "no_patronymic": _no_patronymic,
    "diminutive": _diminutive,
    "ukrainian_form": _ukrainian_form,
    "russian_form": _russian_form,
    "case_ending": _case_ending,
    "partial_dob": _partial_dob,
    "female_form": _female_form,
}
