"""The engine's explanations read back into a stable kind and its parameters, for translation.

The scorer words each field for an officer in English ("Kuzminov ≈ Кузьминов: same name across
transliteration (German spelling)"). An application that shows them in another language reads
them here into a kind ("translit") and parameters ({"query": "Kuzminov", "record": "Кузьминов",
"style": "German spelling"}), and words the kind itself. The same reading serves explanations
stored long ago, so they need no migration. A text this module cannot read gives None, and the
application shows it as it was stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The reasons the scorer gives after "query op record: ", each with a stable kind.
REASONS: dict[str, str] = {
    "same surname": "same_surname",
    "spellings of one name": "spellings",
    "same name across transliteration": "translit",
    "male and female forms of one family name": "family_forms",
    "same name with unstressed vowels spelt as heard": "vowels_as_heard",
    "nearly the same spelling": "nearly_same_spelling",
    "sounds the same": "sounds_same",
    "similar spelling": "similar_spelling",
    "different surnames": "different_surnames",
    "initial agrees": "initial_agrees",
    "initial differs": "initial_differs",
    "same name": "same_name",
    "forms of the same name": "name_forms",
    "different names": "different_names",
    "same": "same",
    "same father's name": "same_father",
    "nearly the same": "nearly_same",
    "different patronymics": "different_patronymics",
    "same date": "same_date",
    "day and month swapped": "day_month_swapped",
    "month and year agree": "month_year_agree",
    "year agrees": "year_agrees",
    "year agrees, day and month differ": "year_agrees_day_month_differ",
    "one year off, day and month agree": "one_year_off_day_month_agree",
    "different dates": "different_dates",
    "one year off": "one_year_off",
    "same unit": "same_unit",
    "same number": "same_number",
    "different units": "different_units",
    "same place": "same_place",
    "different places": "different_places",
}

# Notes `score._reread` adds to the surname of an alternative reading of the query's name.
NOTES: dict[str, str] = {
    " (given name and surname swapped)": "swapped",
    " (the query's patronymic read as the surname)": "patronymic_as_surname",
}

_UNKNOWN = re.compile(
    r"^(?:surname|given name|patronymic|date of birth|unit|place) not known on both sides$"
)
_NAMES = re.compile(r"^(?P<query>.+?) (?P<op>[=≈~≠]) (?P<record>.+)$")
_OTHER = re.compile(r"^(?:born|unit|place) (?P<query>.*?) vs (?P<record>.*)$")
_TRANSLIT = re.compile(r"^same name across transliteration(?: \((?P<style>[^)]+)\))?$")
_SHORT_FORM = re.compile(r"^(?P<short>.+) is a short or Ukrainian form of (?P<full>.+)$")
_YEARS_APART = re.compile(r"^(?P<gap>\d+) years apart$")


@dataclass(frozen=True)
class Reading:
    """One field's explanation as a kind and its parameters.

    `op` is how the two sides compare ("=", "≈", "~", "≠"), or "" for dates, units and places;
    `note` is a kind from NOTES, or "".
    """

    kind: str
    query: str = ""
    record: str = ""
    op: str = ""
    note: str = ""
    params: dict[str, str] = field(default_factory=dict)


def read(text: str) -> Reading | None:
    """The kind and parameters of an explanation text, or None if it is not one the engine wrote."""
    if _UNKNOWN.match(text):
        return Reading("unknown")
    note = ""
    for suffix, kind in NOTES.items():
        if text.endswith(suffix):
            text, note = text[: -len(suffix)], kind
    shown, sep, reason = text.rpartition(": ")
    if not sep:
        return None
    sides = _NAMES.match(shown)
    op = sides["op"] if sides else ""
    sides = sides or _OTHER.match(shown)
    if sides is None:
        return None
    found, params = _reason(reason)
    if found is None:
        return None
    return Reading(found, sides["query"], sides["record"], op, note, params)


def _reason(reason: str) -> tuple[str | None, dict[str, str]]:
    if reason in REASONS:
        return REASONS[reason], {}
    for kind, pattern in (
        ("translit", _TRANSLIT),
        ("short_form", _SHORT_FORM),
        ("years_apart", _YEARS_APART),
    ):
        found = pattern.match(reason)
        if found:
            return kind, {k: v for k, v in found.groupdict().items() if v}
    return None, {}
