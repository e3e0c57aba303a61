"""The engine's normalised columns of a person, for batch linkage with Splink."""

from __future__ import annotations

from lifeline.matching.keys import phonetic, skeleton
from lifeline.matching.names import given_features, patronymic_features, surname_features
from lifeline.matching.places import place_key
from lifeline.matching.types import PersonRecord
from lifeline.matching.units import unit_key


def normalised_columns(record: PersonRecord) -> dict[str, str]:
    """Comparable columns of a person's primary name form and facts ("" where unknown).

    surname_key is the skeleton of the male form (so a wife's form blocks with her husband's),
    given_key the skeleton of the full Russian name (Саша, Олександр -> aleksandr).
    """
    primary = record.names[0] if record.names else None
    surname = surname_features(primary.surname) if primary and primary.surname else None
    given = given_features(primary.given_name) if primary and primary.given_name else None
    patronymic = patronymic_features(primary.patronymic) if primary and primary.patronymic else None
    family = min(surname.family) if surname else ""
    return {
        "surname_key": family,
        "surname_exact": skeleton(primary.surname) if primary else "",
        "surname_phonetic": phonetic(family),
        "given_key": min(given.keys) if given and not given.is_initial else "",
        "given_initial": given.initial if given else "",
        "patronymic_key": min(patronymic.keys) if patronymic and not patronymic.is_initial else "",
        "sex": record.sex,
        "birth_year": "" if record.birth_year is None else str(record.birth_year),
        "birth_month": "" if record.birth_month is None else str(record.birth_month),
        "birth_day": "" if record.birth_day is None else str(record.birth_day),
        "unit_key": unit_key(record.unit),
        "place_key": place_key(record.place_of_birth),
    }
