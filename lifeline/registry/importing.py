"""Reading a file's rows as persons: the fields a mapping may name, and each row's problems.

Pure reading, nothing written: `rows_read(sheet, columns)` gives each row's fields (`RowData`)
or its problems (`RowError`, worded by `error_text` in the language active when it is shown,
so a row read by the command line reads in Russian in a Russian console).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy

from lifeline.core.exceptions import ActionRefused
from lifeline.matching import parse_name
from lifeline.registry.models import (
    NameForm,
    Person,
    PersonStatus,
    Source,
    Verification,
    partial_date_errors,
)
from lifeline.registry.sheets import CellValue, Sheet, cell_text
from lifeline.registry.text import fold

# The fields a mapping may give a column, with what the officer reads for each.
IMPORT_FIELDS: dict[str, Any] = {
    "full_name": pgettext_lazy("import field", "full name"),
    "surname": pgettext_lazy("import field", "surname"),
    "given_name": pgettext_lazy("import field", "given name"),
    "patronymic": pgettext_lazy("import field", "patronymic"),
    "other_names": pgettext_lazy("import field", "name in another script"),
    "birth_date": pgettext_lazy("import field", "date of birth"),
    "place_of_birth": pgettext_lazy("import field", "place of birth"),
    "rank": pgettext_lazy("import field", "rank"),
    "service_number": pgettext_lazy("import field", "service number"),
    "unit": pgettext_lazy("import field", "unit"),
    "status": pgettext_lazy("import field", "status"),
    "status_date": pgettext_lazy("import field", "status date"),
    "place": pgettext_lazy("import field", "place"),
    "source": pgettext_lazy("import field", "source"),
    "father_name": pgettext_lazy("import field", "father's name"),
    "mother_maiden_name": pgettext_lazy("import field", "mother's maiden name"),
    "power": pgettext_lazy("import field", "power he depends on"),
    "verification": pgettext_lazy("import field", "verification"),
    "source_kind": pgettext_lazy("import field", "kind of source"),
    "record_id": pgettext_lazy("import field", "record number"),
}
# Read as written: text fields of the person, the event and the row.
_PLAIN_FIELDS = (
    "place_of_birth", "rank", "service_number", "unit", "place", "source", "father_name",
    "mother_maiden_name", "power", "record_id",
)  # fmt: skip
# A mapping may give these several columns (a list): each another spelling of the name.
LIST_FIELDS = frozenset({"other_names"})
# What a mapping's options may say about the whole file, and their defaults.
OPTION_DEFAULTS: dict[str, str] = {
    "source_kind": Source.Kind.OFFICIAL_LIST,
    "source_reliability": Source.Reliability.MEDIUM,
    "source_title": "",  # "": the file's name
    "verification": Verification.REPORTED,
    "name_language": "",  # the primary names' language, when the whole file is in one
}
# How long each field may be: the registry's own columns' lengths.
_MAX_LENGTH = {
    "surname": NameForm._meta.get_field("surname").max_length,
    "given_name": NameForm._meta.get_field("given_name").max_length,
    "patronymic": NameForm._meta.get_field("patronymic").max_length,
    "place_of_birth": Person._meta.get_field("place_of_birth").max_length,
    "rank": Person._meta.get_field("rank").max_length,
    "service_number": Person._meta.get_field("service_number").max_length,
    "unit": Person._meta.get_field("unit").max_length,
    "source": Source._meta.get_field("title").max_length,
    "father_name": Person._meta.get_field("father_name").max_length,
    "mother_maiden_name": Person._meta.get_field("mother_maiden_name").max_length,
    "power": Person._meta.get_field("power").max_length,
}
EARLIEST_BIRTH_YEAR = 1900
# Excel counts days from 30 December 1899; a whole number from 1800 to 2100 is a year instead.
_EXCEL_EPOCH = date(1899, 12, 30)
_YEARS = range(1800, 2101)


class MappingRefused(ActionRefused):
    """The mapping cannot read this file: a column it names is missing, or no name is mapped."""


@dataclass(frozen=True)
class RowError:
    """A problem with one field of a row: `code` says which (ERROR_MESSAGES), `value` what was
    there."""

    field: str
    code: str
    value: str = ""


@dataclass
class RowData:
    """What a row says of a person, read and checked; the primary name in the nominative."""

    surname: str = ""
    given_name: str = ""
    patronymic: str = ""
    sex: str = ""
    other_names: list[list[str]] = field(default_factory=list)  # [surname, given, patronymic]
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    place_of_birth: str = ""
    rank: str = ""
    service_number: str = ""
    unit: str = ""
    status: str = ""
    status_date: str = ""  # ISO date
    place: str = ""
    source: str = ""
    father_name: str = ""
    mother_maiden_name: str = ""
    power: str = ""
    verification: str = ""  # of the status event; "" for the mapping's option
    source_kind: str = ""  # of the source the row's facts rest on; "" for the mapping's option
    # Rows with the same record number are one person (an agency export's `registry_id`).
    record_id: str = ""
    # The script, language and transliteration of each of `other_names`, when the file says.
    other_tags: list[list[str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RowData:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def status_on(self) -> date | None:
        return date.fromisoformat(self.status_date) if self.status_date else None


@dataclass(frozen=True)
class ReadRow:
    """One row of the file: its line, its cells as read, and its fields or its problems."""

    line: int
    cells: list[str]
    data: RowData
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def _messages() -> dict[str, str]:
    return {
        "name_missing": gettext("The row gives no surname."),
        "date_invalid": gettext(
            "“%(value)s” is not a date: write 1995, 03.1995, 14.03.1995 or 1995-03-14."
        ),
        "date_impossible": gettext("“%(value)s” is not a date that exists."),
        "birth_date_range": gettext(
            "“%(value)s” cannot be a date of birth: it is in the future or before 1900."
        ),
        "status_unknown": gettext("“%(value)s” is not a status. The statuses: %(choices)s."),
        "status_date_partial": gettext(
            "“%(value)s”: a status date must be a whole date (day, month and year)."
        ),
        "status_date_future": gettext("“%(value)s”: a status date cannot be in the future."),
        "needs_status": gettext("%(field)s is given, but no status for it to belong to."),
        "too_long": gettext("%(field)s is longer than %(max)s characters."),
        "choice_unknown": gettext("“%(value)s” is not one of the choices for %(field)s."),
        "record_merged": gettext(
            "This record was merged into record %(value)s: what it held is in that one."
        ),
    }


def error_text(error: RowError | Mapping[str, Any]) -> str:
    """What is wrong, in a sentence in the active language."""
    e = error if isinstance(error, RowError) else RowError(**error)
    template = _messages().get(e.code, e.code)
    label = IMPORT_FIELDS.get(e.field, e.field)
    return template % {
        "value": e.value,
        "field": str(label)[:1].upper() + str(label)[1:],
        "max": _MAX_LENGTH.get(e.field, ""),
        "choices": ", ".join(str(label) for _value, label in PersonStatus.choices),
    }


def errors_text(errors: list[Any]) -> str:
    """All of a row's problems, one after another."""
    return " ".join(error_text(e) for e in errors)


# --- The mapping ----------------------------------------------------------------------------


def _header_index(header: list[str]) -> dict[str, int]:
    return {fold(name): i for i, name in reversed(list(enumerate(header)))}


def mapping_check(columns: Mapping[str, Any], header: list[str]) -> dict[str, list[int]]:
    """The column numbers each mapped field reads, or MappingRefused saying what is wrong.

    A mapping names columns by their header, in any case; a field mapped to nothing is left
    out. A name is needed: the surname's column or a full name's.
    """
    unknown = sorted(set(columns) - set(IMPORT_FIELDS))
    if unknown:
        raise MappingRefused(
            gettext("The mapping names fields there are not: %(fields)s.")
            % {"fields": ", ".join(unknown)}
        )
    index = _header_index(header)
    used: dict[str, list[int]] = {}
    for name, given in columns.items():
        names = given if isinstance(given, list | tuple) else [given]
        names = [str(n) for n in names if str(n).strip()]
        if not names:
            continue
        if len(names) > 1 and name not in LIST_FIELDS:
            raise MappingRefused(
                gettext("%(field)s can read one column only.") % {"field": IMPORT_FIELDS[name]}
            )
        missing = [n for n in names if fold(n) not in index]
        if missing:
            raise MappingRefused(
                gettext(
                    "The file has no column “%(column)s” (for %(field)s). Its columns: %(all)s."
                )
                % {"column": missing[0], "field": IMPORT_FIELDS[name], "all": ", ".join(header)}
            )
        used[name] = [index[fold(n)] for n in names]
    if "surname" not in used and "full_name" not in used:
        raise MappingRefused(
            gettext("Map a column to the surname or to the full name: a person needs a name.")
        )
    return used


def mapping_options(options: Mapping[str, Any]) -> dict[str, str]:
    """The mapping's options with their defaults, each checked against its choices."""
    unknown = sorted(set(options) - set(OPTION_DEFAULTS))
    if unknown:
        raise MappingRefused(
            gettext("The mapping has options there are not: %(options)s.")
            % {"options": ", ".join(unknown)}
        )
    merged = {**OPTION_DEFAULTS, **{k: str(v) for k, v in options.items()}}
    choices = {
        "source_kind": Source.Kind.values,
        "source_reliability": Source.Reliability.values,
        "verification": Verification.values,
    }
    for option, allowed in choices.items():
        if merged[option] not in allowed:
            raise MappingRefused(
                gettext("“%(value)s” is not a choice for %(option)s: %(choices)s.")
                % {"value": merged[option], "option": option, "choices": ", ".join(allowed)}
            )
    return merged


# --- Values ---------------------------------------------------------------------------------

_DATE_FORMS = (
    (re.compile(r"^(\d{4})$"), ("y",)),
    (re.compile(r"^(\d{1,2})[./-](\d{4})$"), ("m", "y")),
    (re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), ("y", "m", "d")),
)
_SERIAL = re.compile(r"^\d{4,5}(?:\.0+)?$")

PartialDate = tuple[int, int | None, int | None]


class DateUnreadable(ValueError):
    """Not a date in any form we read; `code` says how (a RowError code)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def partial_date(value: CellValue) -> PartialDate:
    """A date known in full or in part, from a cell: (year, month or None, day or None).

    Reads a date cell, "1995", "03.1995", "14.03.1995" (day first, with dots, slashes or
    dashes), ISO "1995-03" and "1995-03-14", and Excel's day numbers (a number cell, or the
    number as text); a whole number from 1800 to 2100 is a year.
    """
    if isinstance(value, datetime):
        return value.year, value.month, value.day
    if isinstance(value, date):
        return value.year, value.month, value.day
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_date(float(value))
    text = cell_text(value)
    for pattern, parts in _DATE_FORMS:
        match = pattern.match(text)
        if match:
            found = dict(zip(parts, (int(g) for g in match.groups()), strict=True))
            year, month, day = found["y"], found.get("m"), found.get("d")
            if partial_date_errors(year, month, day) or (
                month is not None and not 1 <= month <= 12
            ):
                raise DateUnreadable("date_impossible")
            return year, month, day
    if _SERIAL.match(text):
        return _number_date(float(text))
    raise DateUnreadable("date_invalid")


def _number_date(number: float) -> PartialDate:
    if number.is_integer() and int(number) in _YEARS:
        return int(number), None, None
    if not 0 < number < 2_958_466:  # Excel's last day, 31 December 9999
        raise DateUnreadable("date_invalid")
    day = _EXCEL_EPOCH + timedelta(days=int(number))
    return day.year, day.month, day.day


@cache
def _status_words(language: str) -> dict[str, str]:
    with translation.override(language):
        words = {fold(str(label)): value for value, label in PersonStatus.choices}
    return words


def status_value(text: str) -> str | None:
    """The status a cell names: its code, or its name in English, Russian or Ukrainian."""
    folded = fold(text).replace("_", " ")
    if not folded:
        return None
    for value in PersonStatus.values:
        if folded in (value, value.replace("_", " ")):
            return value
    languages = ["en", *(code for code, _name in settings.LANGUAGES if code != "en")]
    for language in languages:
        found = _status_words(language).get(folded)
        if found:
            return found
    return None


# --- Rows -----------------------------------------------------------------------------------


def _cell(cells: tuple[CellValue, ...], columns: dict[str, list[int]], name: str) -> CellValue:
    at = columns.get(name)
    return cells[at[0]] if at and at[0] < len(cells) else None


def row_read(line: int, cells: tuple[CellValue, ...], columns: dict[str, list[int]]) -> ReadRow:
    """One row's fields by the mapping's columns (`mapping_check`), or its problems."""
    errors: list[RowError] = []
    data = RowData()
    text = {name: cell_text(_cell(cells, columns, name)) for name in columns}
    data.surname, data.given_name, data.patronymic = (
        text.get("surname", ""),
        text.get("given_name", ""),
        text.get("patronymic", ""),
    )
    whole = text.get("full_name", "")
    if whole and not data.surname:
        parsed = parse_name(whole)
        data.surname = parsed.surname
        data.given_name = data.given_name or parsed.given_name
        data.patronymic = data.patronymic or parsed.patronymic
        data.sex = parsed.sex
    if not data.surname:
        errors.append(RowError("surname" if "surname" in columns else "full_name", "name_missing"))
    for at in columns.get("other_names", []):
        other = cell_text(cells[at]) if at < len(cells) else ""
        if other:
            parsed = parse_name(other)
            data.other_names.append([parsed.surname, parsed.given_name, parsed.patronymic])
    for name in _PLAIN_FIELDS:
        setattr(data, name, text.get(name, ""))
    choices = {"verification": Verification.values, "source_kind": Source.Kind.values}
    for name, allowed in choices.items():
        written = text.get(name, "")
        if written and written not in allowed:
            errors.append(RowError(name, "choice_unknown", written))
        elif written:
            setattr(data, name, written)
    born = _cell(cells, columns, "birth_date")
    if cell_text(born):
        errors.extend(_birth(data, born))
    errors.extend(_status(data, text, _cell(cells, columns, "status_date")))
    errors.extend(_lengths(data))
    shown = [cell_text(c) for c in cells]
    return ReadRow(line=line, cells=shown, data=data, errors=errors)


def _birth(data: RowData, value: CellValue) -> list[RowError]:
    try:
        year, month, day = partial_date(value)
    except DateUnreadable as error:
        return [RowError("birth_date", error.code, cell_text(value))]
    if not EARLIEST_BIRTH_YEAR <= year <= timezone.localdate().year or (
        month is not None and day is not None and date(year, month, day) > timezone.localdate()
    ):
        return [RowError("birth_date", "birth_date_range", cell_text(value))]
    data.birth_year, data.birth_month, data.birth_day = year, month, day
    return []


def _status(data: RowData, text: dict[str, str], when: CellValue) -> list[RowError]:
    errors = []
    written = text.get("status", "")
    if written:
        status = status_value(written)
        if status is None:
            errors.append(RowError("status", "status_unknown", written))
        else:
            data.status = status
    if cell_text(when):
        try:
            year, month, day = partial_date(when)
        except DateUnreadable as error:
            errors.append(RowError("status_date", error.code, cell_text(when)))
        else:
            if month is None or day is None:
                errors.append(RowError("status_date", "status_date_partial", cell_text(when)))
            elif date(year, month, day) > timezone.localdate():
                errors.append(RowError("status_date", "status_date_future", cell_text(when)))
            else:
                data.status_date = date(year, month, day).isoformat()
    if not written:
        errors.extend(
            RowError(name, "needs_status")
            for name in ("status_date", "place")
            if cell_text(when if name == "status_date" else text.get(name, ""))
        )
    return errors


def _lengths(data: RowData) -> list[RowError]:
    errors = [
        RowError(name, "too_long")
        for name, limit in _MAX_LENGTH.items()
        if limit is not None and len(getattr(data, name)) > limit
    ]
    limit = _MAX_LENGTH["surname"] or 100
    if any(len(part) > limit for name in data.other_names for part in name):
        errors.append(RowError("other_names", "too_long"))
    return errors


def rows_read(sheet: Sheet, columns: Mapping[str, Any]) -> list[ReadRow]:
    """Every row of the sheet read by the mapping's columns (MappingRefused if it cannot be)."""
    used = mapping_check(columns, sheet.header)
    return [row_read(row.line, row.cells, used) for row in sheet.rows]
