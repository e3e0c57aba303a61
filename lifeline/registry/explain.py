"""A candidate's explanation worded in the officer's language, with human field names.

Shown by the tracing console (an enquiry's candidates) and the import screens (a row's
candidates), so it lives in the registry, below tracing.

The engine words its explanations in English and the candidate keeps them as written
(`engine.explanation`). Here each is read back into a kind and its parameters
(lifeline.matching.explain) and worded again through the translation catalogue, in the
language active at display time. A text the engine's reader does not know is shown as stored.
In the registry, below tracing, so that an import's or a list's candidates read as tracing's do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from lifeline.matching.explain import Reading, read

FIELD_LABELS: dict[str, Promise] = {
    "surname": gettext_lazy("Surname"),
    "given_name": gettext_lazy("Given name"),
    "patronymic": gettext_lazy("Patronymic"),
    "birth_date": gettext_lazy("Date of birth"),
    "unit": gettext_lazy("Unit"),
    "place": gettext_lazy("Place"),
}

REASONS: dict[str, Promise] = {
    "same_surname": gettext_lazy("same surname"),
    "spellings": gettext_lazy("spellings of one name"),
    "translit": gettext_lazy("same name across transliteration"),
    "family_forms": gettext_lazy("male and female forms of one family name"),
    "vowels_as_heard": gettext_lazy("same name with unstressed vowels spelt as heard"),
    "nearly_same_spelling": gettext_lazy("nearly the same spelling"),
    "sounds_same": gettext_lazy("sounds the same"),
    "similar_spelling": gettext_lazy("similar spelling"),
    "different_surnames": gettext_lazy("different surnames"),
    "initial_agrees": gettext_lazy("initial agrees"),
    "initial_differs": gettext_lazy("initial differs"),
    "same_name": gettext_lazy("same name"),
    "name_forms": gettext_lazy("forms of the same name"),
    "different_names": gettext_lazy("different names"),
    "same": pgettext_lazy("patronymic", "same"),
    "same_father": gettext_lazy("same father's name"),
    "nearly_same": gettext_lazy("nearly the same"),
    "different_patronymics": gettext_lazy("different patronymics"),
    "same_date": gettext_lazy("same date"),
    "day_month_swapped": gettext_lazy("day and month swapped"),
    "month_year_agree": gettext_lazy("month and year agree"),
    "year_agrees": gettext_lazy("year agrees"),
    "year_agrees_day_month_differ": gettext_lazy("year agrees, day and month differ"),
    "one_year_off_day_month_agree": gettext_lazy("one year off, day and month agree"),
    "different_dates": gettext_lazy("different dates"),
    "one_year_off": gettext_lazy("one year off"),
    "same_unit": gettext_lazy("same unit"),
    "same_number": gettext_lazy("same number"),
    "different_units": gettext_lazy("different units"),
    "same_place": gettext_lazy("same place"),
    "different_places": gettext_lazy("different places"),
    "unknown": gettext_lazy("not known on both sides"),
}

NOTES: dict[str, Promise] = {
    "swapped": gettext_lazy("given name and surname swapped"),
    "patronymic_as_surname": gettext_lazy("the query's patronymic read as the surname"),
}

# The romanisation conventions the engine names (the labels in
# lifeline/matching/data/romanisation.yaml; a test holds the two together). A label missing
# here, as one stored long ago, is shown as written.
STYLES: dict[str, Promise] = {
    "Polish spelling": gettext_lazy("Polish spelling"),
    "French spelling": gettext_lazy("French spelling"),
    "German spelling": gettext_lazy("German spelling"),
    "GOST 7.79 system B spelling": gettext_lazy("GOST 7.79 system B spelling"),
    "ISO 9/BGN/ICAO/KMU-style spelling": gettext_lazy("ISO 9/BGN/ICAO/KMU-style spelling"),
    "Dutch spelling": gettext_lazy("Dutch spelling"),
    "Scandinavian spelling": gettext_lazy("Scandinavian spelling"),
    "Czech, Slovak, Slovene or Croatian spelling": gettext_lazy(
        "Czech, Slovak, Slovene or Croatian spelling"
    ),
    "Hungarian spelling": gettext_lazy("Hungarian spelling"),
    "Romanian spelling": gettext_lazy("Romanian spelling"),
    "Latvian spelling": gettext_lazy("Latvian spelling"),
    "Lithuanian spelling": gettext_lazy("Lithuanian spelling"),
    "Spanish spelling": gettext_lazy("Spanish spelling"),
    "Catalan spelling": gettext_lazy("Catalan spelling"),
    "Italian spelling": gettext_lazy("Italian spelling"),
    "Turkish spelling": gettext_lazy("Turkish spelling"),
    "Belarusian spelling": gettext_lazy("Belarusian spelling"),
    "Esperanto spelling": gettext_lazy("Esperanto spelling"),
}


# Kinds worded with their parameters, in `_reason`.
_PARAMETRISED = {"short_form", "years_apart"}


class Line(TypedDict):
    field: str
    label: str
    contribution: float
    text: str


def explained(stored: Iterable[Mapping[str, Any]]) -> list[Line]:
    """A stored explanation as lines in the active language: tracing's (engine.explanation:
    "contribution", "text") or an import's or a list's ("weight", "explanation")."""
    return [
        Line(
            field=str(item.get("field", "")),
            label=str(FIELD_LABELS.get(item.get("field", ""), item.get("field", ""))),
            contribution=float(item.get("contribution", item.get("weight", 0.0))),
            text=worded(str(item.get("text", item.get("explanation", "")))),
        )
        for item in stored
    ]


def worded(text: str) -> str:
    """An engine's explanation text in the active language; unread, the text itself."""
    reading = read(text)
    if reading is None or reading.kind not in REASONS.keys() | _PARAMETRISED:
        return text
    reason = _reason(reading)
    if reading.kind == "unknown":
        return reason
    sides = (
        f"{reading.query} {reading.op} {reading.record}"
        if reading.op
        else f"{reading.query} ↔ {reading.record}"
    )
    note = f" ({NOTES[reading.note]})" if reading.note in NOTES else ""
    return f"{sides}: {reason}{note}"


def _reason(reading: Reading) -> str:
    params = reading.params
    if reading.kind == "translit" and params.get("style"):
        style = params["style"]
        return _("same name across transliteration (%(style)s)") % {
            "style": STYLES.get(style, style)
        }
    if reading.kind == "short_form":
        return _("%(short)s is a short or Ukrainian form of %(full)s") % params
    if reading.kind == "years_apart":
        gap = int(params["gap"])
        return ngettext("%(gap)d year apart", "%(gap)d years apart", gap) % {"gap": gap}
    return str(REASONS[reading.kind])
