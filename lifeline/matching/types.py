"""The data types the matching engine takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NameVariant:
    """One written form of a person's name, in any script or language."""

    surname: str
    given_name: str = ""
    patronymic: str = ""


@dataclass(frozen=True)
class PersonRecord:
    """A registry person as the engine sees it. `names[0]` is the primary form."""

    id: int
    names: tuple[NameVariant, ...]
    sex: str = ""  # "m", "f" or "" (unknown)
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    unit: str = ""
    place_of_birth: str = ""


@dataclass(frozen=True)
class Query:
    """What is known of the sought person. Every field may be missing; `raw_text` is kept."""

    names: tuple[NameVariant, ...] = ()
    sex: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    unit: str = ""
    place: str = ""  # place of birth or where he was last heard of
    raw_text: str = ""


@dataclass(frozen=True)
class FieldScore:
    """One field's part in a score, worded for a tracing officer."""

    field: str  # "surname", "given_name", "patronymic", "birth_date", "unit", "place"
    contribution: float  # log-odds weight added (negative = evidence against)
    explanation: str  # e.g. "Kuzminov ~ Кузьминов: same name across transliteration"


@dataclass(frozen=True)
class Candidate:
    record_id: int
    score: float  # calibrated probability-like score in [0, 1]
    fields: tuple[FieldScore, ...] = field(default_factory=tuple)
