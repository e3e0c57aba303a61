"""Read a query out of a letter ("Ищу сына, Кузьминов Максим Сергеевич 1995 г.р., в/ч 12345…")."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

import yaml

from lifeline.matching.endings import turkic_sex
from lifeline.matching.fold import given_entry
from lifeline.matching.morph import is_function_word, is_known_word, place_nominative, readings
from lifeline.matching.normalise import detect_script
from lifeline.matching.parse import parse_name, parse_parts
from lifeline.matching.tables import DATA_DIR, patronymics
from lifeline.matching.types import NameVariant, Query
from lifeline.matching.units import unit_key

_BARE_UNIT = re.compile(r"(?<![\w/])([А-ЯA-Z]\s?-?\d{4})\b")
_FULL_DATE = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?!\d)")
_MONTH_YEAR = re.compile(r"(?<![\d./-])(\d{1,2})[./](\d{4})(?!\d)")
_YEAR = re.compile(r"(?<![\d/№-])((?:19[4-9]|20[01])\d)(?!\d)")
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['ʼ’-](?=[^\W\d_]))*\.?")
_CAPITAL = "А-ЯІЇЄҐA-Z"
_LANGUAGES = ("ru", "uk", "en")


@dataclass(frozen=True, slots=True)
class _Rules:
    """The patterns that find each part of a letter, made from data/letter_words.yaml."""

    unit: re.Pattern[str]
    year_marked: re.Pattern[str]
    year_born: re.Pattern[str]
    place: re.Pattern[str]
    settlement_marks: frozenset[str]
    writer: re.Pattern[str]
    male: re.Pattern[str]
    female: re.Pattern[str]
    latin_stop: frozenset[str]


def _words(data: dict[str, dict[str, list[str]]], name: str) -> list[str]:
    """One list's entries in every language, Russian first, each once."""
    return list(dict.fromkeys(w for lang in _LANGUAGES for w in data[name].get(lang) or ()))


def _any(data: dict[str, dict[str, list[str]]], name: str) -> str:
    return "(?:" + "|".join(_words(data, name)) + ")"


def _mark(mark: str) -> str:
    """A settlement's abbreviation as a pattern: "с." only with its dot, "смт" with or without."""
    stem = mark.rstrip(".")
    return re.escape(stem) + (r"\." if len(stem) == 1 else r"\.?")


@cache
def _rules() -> _Rules:
    with open(DATA_DIR / "letter_words.yaml", encoding="utf-8") as file:
        data: dict[str, dict[str, list[str]]] = yaml.safe_load(file)
    marks = _words(data, "settlement_marks")
    writer_verbs = _any(data, "writer_verbs")
    place_word = rf"[{_CAPITAL}][\w'’ʼ-]+"
    return _Rules(
        unit=re.compile(
            _any(data, "unit_markers") + rf"\s*(?:№\s*)?([{_CAPITAL}а-яіїєґa-z]?\s?-?\d{{3,6}})\b",
            re.IGNORECASE,
        ),
        year_marked=re.compile(
            r"(?<!\d)((?:19|20)\d{2})\s*" + _any(data, "year_after"), re.IGNORECASE
        ),
        year_born=re.compile(
            _any(data, "year_before")
            + r"\s*(?:"
            + _any(data, "year_before_joiners")
            + r"\s+)?(?:[:\-–]\s*)?((?:19|20)\d{2})(?!\d)",
            re.IGNORECASE,
        ),
        place=re.compile(
            r"(?:^|[\s,(])(" + "|".join(_words(data, "place_prepositions")) + r")\s+"
            rf"((?:{'|'.join(_mark(m) for m in marks)})?\s*{place_word}(?:[\s-]{place_word})?)"
        ),
        settlement_marks=frozenset(m.rstrip(".") for m in marks),
        writer=re.compile(
            rf"(?:\b{_any(data, 'writer_pronouns')}\s+(?:\w+\s+)?{writer_verbs}"
            rf"|\b{_any(data, 'writer_verbs_alone')}"
            rf"|\b{_any(data, 'writer_pronouns_alone')})\s*[,]?\s*$",
            re.IGNORECASE,
        ),
        male=re.compile(r"\b(" + "|".join(_words(data, "male_kin")) + r")\b", re.IGNORECASE),
        female=re.compile(r"\b(" + "|".join(_words(data, "female_kin")) + r")\b", re.IGNORECASE),
        latin_stop=frozenset(w.lower() for w in _words(data, "latin_stop")),
    )


def _sex_hint(text: str) -> str:
    male, female = _rules().male.search(text), _rules().female.search(text)
    if male and (not female or male.start() < female.start()):
        return "m"
    return "f" if female else ""


def _date(text: str) -> tuple[tuple[int | None, int | None, int | None], str]:
    """(year, month, day) and the text with the date taken out."""
    for match in _FULL_DATE.finditer(text):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return (year, month, day), text.replace(match[0], " ")
        if 1 <= day <= 12 and 1 <= month <= 31:  # written month first
            return (year, day, month), text.replace(match[0], " ")
    for pattern in (_rules().year_marked, _rules().year_born):
        marked = pattern.search(text)
        if marked:
            return (int(marked[1]), None, None), text.replace(marked[0], " ")
    month_year = _MONTH_YEAR.search(text)
    if month_year and 1 <= int(month_year[1]) <= 12:
        return (int(month_year[2]), int(month_year[1]), None), text.replace(month_year[0], " ")
    bare = _YEAR.search(text)
    if bare:
        return (int(bare[1]), None, None), text.replace(bare[0], " ")
    return (None, None, None), text


def _unit(text: str) -> tuple[str, str]:
    match = _rules().unit.search(text) or _BARE_UNIT.search(text)
    if match is None:
        return "", text
    number = re.sub(r"\s|-", "", match[1])
    return f"в/ч {number.upper()}", text.replace(match[0], " ")


def _place(text: str) -> tuple[str, str]:
    """The sought man's place, and the text with the place phrases taken out (the writer's
    own place too, so that "Германии" in "живу в Германии" is not read as a name)."""
    rules = _rules()
    rest = text
    for match in rules.place.finditer(text):
        words = re.split(r"\s+", match[2])
        words = [w for w in words if w.rstrip(".") not in rules.settlement_marks]
        if detect_script(words[0]) == "cyrillic":
            geographic = any("Geox" in r.roles for r in readings(words[-1]))
            name_like = any(r.roles & {"Name", "Surn", "Patr"} for r in readings(words[-1]))
            if name_like and not geographic:
                continue  # "мы с Иваном": a name, whoever says it
            place = " ".join(place_nominative(w) for w in words)
        else:
            if words[0].lower() in rules.latin_stop:
                continue
            place = " ".join(words)
        rest = rest.replace(match[0], " ")
        if not rules.writer.search(text[: match.start(1)]):
            return place, rest
    return "", rest


def _is_name_word(word: str, sentence_start: bool) -> bool:
    bare = word.rstrip(".")
    if not bare[:1].isupper():
        return False
    if len(bare) == 1:
        return True
    if detect_script(bare) == "latin":
        return bare.lower() not in _rules().latin_stop
    if is_function_word(bare):
        return False
    folded = bare.lower().replace("ё", "е")
    if given_entry(folded) is not None or folded in patronymics():
        return True
    if any(r.roles & {"Name", "Surn", "Patr"} for r in readings(bare)):
        return True
    # Mid-sentence, a capital letter marks a name (places were taken out before); at the
    # start of a sentence only a word the dictionaries do not know is taken for a surname.
    return not sentence_start or not is_known_word(bare)


def _name_words(text: str) -> str:
    """The longest run of name-like words (capitalised, names, initials)."""
    best: list[str] = []
    run: list[str] = []
    for match in _WORD.finditer(text):
        word = match[0]
        before = text[: match.start()].rstrip()
        sentence_start = not before or before[-1] in ".!?:;\n"
        gap = text[match.start() - 1 : match.start()] if match.start() else " "
        # "улы"/"кызы" after the father's name is a Turkic patronymic's second word.
        name_like = _is_name_word(word, sentence_start) or bool(run and turkic_sex(word))
        if name_like and (not run or gap in (" ", ".", "\t")):
            run.append(word)
            continue
        if len(run) > len(best):
            best = run
        run = [word] if name_like else []
    return " ".join(run if len(run) > len(best) else best)


def parse_free_text(text: str) -> Query:
    """A query from free text in Russian, Ukrainian or English: name, birth date, unit, place.

    The name is put back into the nominative ("сына Максима Кузьминова" -> Кузьминов Максим);
    "под Херсоном" gives the place Херсон.
    """
    sex = _sex_hint(text)
    unit, rest = _unit(text)
    date, rest = _date(rest)
    place, rest = _place(rest)
    parsed = parse_name(_name_words(rest), sex)
    names = (parsed.variant(),) if parsed.surname or parsed.given_name else ()
    return Query(
        names=names,
        sex=parsed.sex or sex,
        birth_year=date[0],
        birth_month=date[1],
        birth_day=date[2],
        unit=unit,
        place=place,
        raw_text=text,
    )


def query_from_fields(
    *,
    surname: str = "",
    given_name: str = "",
    patronymic: str = "",
    birth_year: int | None = None,
    birth_month: int | None = None,
    birth_day: int | None = None,
    birth_date: str = "",
    sex: str = "",
    unit: str = "",
    place: str = "",
    raw_text: str = "",
) -> Query:
    """A query from a form's fields; what the fields leave out is read from `raw_text`.

    Name fields typed in an oblique case are put back into the nominative, and a full
    name typed into the surname field alone is split into its parts.
    """
    base = parse_free_text(raw_text) if raw_text.strip() else Query(raw_text=raw_text)
    names = base.names
    if given_name.strip() or patronymic.strip():
        parsed = parse_parts(surname, given_name, patronymic, sex)
        names, sex = (parsed.variant(),), sex or parsed.sex
    elif surname.strip():
        # A whole name typed into the surname field is split; a lone surname is kept.
        whole = parse_name(surname, sex) if len(surname.split()) > 1 else None
        names = (whole.variant(),) if whole else (NameVariant(surname.strip()),)
        sex = sex or (whole.sex if whole else "")
    year, month, day = birth_year, birth_month, birth_day
    if birth_date.strip() and year is None:
        (year, month, day), _ = _date(birth_date)
    if unit.strip() and not unit_key(unit):
        unit = ""
    return replace(
        base,
        names=names,
        sex=sex or base.sex,
        birth_year=year if year is not None else base.birth_year,
        birth_month=month if year is not None else base.birth_month,
        birth_day=day if year is not None else base.birth_day,
        unit=unit.strip() or base.unit,
        place=place.strip() or base.place,
        raw_text=raw_text,
    )
