"""Parse a full name into surname, given name and patronymic, back in the nominative."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lifeline.matching.endings import (
    is_noise,
    patronymic_ending,
    standard_patronymic,
    turkic_sex,
    unmix,
)
from lifeline.matching.fold import given_entry, patronymic_entry, patronymic_sex
from lifeline.matching.morph import CASES, GENDERS, Reading, readings
from lifeline.matching.normalise import detect_script
from lifeline.matching.tables import given_name_frequency
from lifeline.matching.types import NameVariant

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['ʼ’‘-](?=[^\W\d_]))*\.?")
# A note in brackets beside a name in a list or a caption: "(b. 1975)", "[officer]".
_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
# A hyphen with a space on one side only still joins a double surname ("Мамин- Сибиряк").
_LOOSE_HYPHEN = re.compile(r"(?<=[^\W\d_])(?:-\s+|\s+-)(?=[^\W\d_])")
_COMMON_GIVEN = 100  # bearers: fewer, and the "given name" may be noise in the source table
_ROLE_WEIGHT = {"Name": 1.0, "Surn": 1.0, "Patr": 1.0}


@dataclass(frozen=True)
class ParsedName:
    """A name split into its parts, each in the nominative, with the sex the parts show."""

    surname: str = ""
    given_name: str = ""  # may be an initial, "М."
    patronymic: str = ""  # may be an initial
    sex: str = ""  # "m", "f" or ""

    def variant(self) -> NameVariant:
        return NameVariant(self.surname, self.given_name, self.patronymic)


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _is_initial(token: str) -> bool:
    return len(token.rstrip(".")) == 1


def _is_patronymic(word: str) -> bool:
    """Ends like a patronymic in some convention (Сергеевич, Sergejevitsj, Siergiejewicz); an
    ending surnames share too (-ич, -ich) counts only for a patronymic the table knows."""
    if " " in word:
        return True  # a Turkic patronymic, "Ахмет улы"
    ending = patronymic_ending(word)
    return ending is not None and (not ending.weak or _known_patronymic(word))


def _known_patronymic(word: str) -> bool:
    """In the patronymic table, as spelled or with its ending in the English style."""
    return any(patronymic_entry(form) is not None for form in (word, standard_patronymic(word)))


def _fit(reading: Reading, case: str, gender: str) -> float:
    if reading.case != case or (reading.gender and reading.gender != gender):
        return 0.0
    weight = 1.0 + sum(_ROLE_WEIGHT.get(role, 0.0) for role in reading.roles)
    return weight + (0.5 if reading.known else 0.0)


def _best_reading(word: str, case: str, gender: str, role: str) -> Reading | None:
    fitting = [r for r in readings(word) if _fit(r, case, gender) > 0]
    if not fitting:
        return None
    return max(fitting, key=lambda r: (role in r.roles, _fit(r, case, gender), r.score))


def _anchored(words: list[str], case: str, gender: str) -> bool:
    """An oblique case is believed only if a known given name or patronymic is in it."""
    return any(
        r.known and r.roles & {"Name", "Patr"} and _fit(r, case, gender) > 0
        for w in words
        for r in readings(w)
    )


def _hypothesis(words: list[str], sex_hint: str) -> tuple[str, str]:
    """The (case, gender) that most words can be read in together."""
    best = ("nomn", "femn" if sex_hint == "f" else "masc")
    best_score = -1.0
    for case in CASES:
        for gender in GENDERS:
            if case != "nomn" and not _anchored(words, case, gender):
                continue
            score = sum(max((_fit(r, case, gender) for r in readings(w)), default=0) for w in words)
            score += 0.1 * (case == "nomn") + 0.3 * (gender[0] == sex_hint[:1])
            if score > best_score:
                best, best_score = (case, gender), score
    return best


def _given_count(word: str) -> int:
    """Bearers of the name a given-name form stands for; -1 if it is no known given name."""
    entry = given_entry(word)
    if entry is None:
        return -1
    frequency = given_name_frequency()
    return max(entry.count, *(frequency.get(c, 0) for c in entry.canonical)) + 1


def _segments(text: str) -> list[list[str]]:
    """The name's tokens, in the comma-separated parts of the text that hold any: notes in
    brackets, underscores and label words ("Jr.") left out, look-alike letters unmixed."""
    text = _NOTE.sub(" ", text).replace("_", " ").replace(".", ". ")
    text = _LOOSE_HYPHEN.sub("-", text)
    parts = (
        [unmix(t) for t in _TOKEN.findall(part) if not is_noise(t)] for part in text.split(",")
    )
    return [part for part in parts if part]


def _surname_before_comma(segments: list[list[str]]) -> int:
    """How many words before a comma are the surname ("Koezminov, Maksim"), 0 if the text is
    no "Surname, Given Patronymic": one or two words, no given name among them, then a name.
    Past the name, a comma sets off something else ("Kuzminov Maksim, 1975, Kherson")."""
    if len(segments) < 2 or not segments[1]:
        return 0
    words = [t.rstrip(".") for t in segments[0] if not _is_initial(t)]
    if not 0 < len(words) <= 2 or len(words) < len(segments[0]):
        return 0
    if any(_given_count(w) > _COMMON_GIVEN or _is_patronymic(w) for w in words):
        return 0
    return len(words)


def _join_turkic(words: list[str]) -> list[str]:
    """ "Ахмет", "улы" -> "Ахмет улы": a Turkic patronymic is the father's name and a word."""
    out: list[str] = []
    for word in words:
        if out and turkic_sex(word) and " " not in out[-1]:
            out[-1] = f"{out[-1]} {word.lower()}"
        else:
            out.append(word)
    return out


@cache
def parse_name(text: str, sex_hint: str = "") -> ParsedName:
    """Split a full name, in any order, with or without a patronymic, initials allowed.

    Cyrillic names in an oblique case are put back into the nominative ("Кузьминова Максима
    Сергеевича" -> Кузьминов Максим Сергеевич), keeping a woman's surname as it is
    ("Кузьминова Анна"). `sex_hint` ("m"/"f") breaks ties, e.g. from "сына" in a letter.
    A patronymic is told by its ending in any spelling (Sergejevitsj, Siergiejewicz, Ахмет
    улы); what comes before a comma is the surname ("Koezminov, Maksim Sergejevitsj").
    """
    segments = _segments(text)
    head = _surname_before_comma(segments)
    tokens = [t for part in (segments[:2] if head else segments[:1]) for t in part]
    initials = [t.rstrip(".").upper() + "." for t in tokens if _is_initial(t)]
    words = _join_turkic([t.rstrip(".") for t in tokens if not _is_initial(t)])
    cyrillic = [w for w in words if detect_script(w) == "cyrillic" and " " not in w]
    case, gender = _hypothesis(cyrillic, sex_hint) if cyrillic else ("nomn", "")

    def nominative(word: str, role: str) -> str:
        if word not in cyrillic or case == "nomn":
            return _title(word)
        reading = _best_reading(word, case, gender, role)
        return _title(reading.nominative if reading else word)

    body = words[head:]
    p = _pick_patronymic(body, [nominative(w, "Patr") for w in body], bool(initials), head > 0)
    rest = [w for i, w in enumerate(body) if i != p]
    if head and len(rest) == 1:
        g = 0
    else:
        g = _pick_given(rest, [nominative(w, "Name") for w in rest], bool(initials))
    surname_words = words[:head] + [w for i, w in enumerate(rest) if i != g]
    given_out = nominative(rest[g], "Name") if g >= 0 else ""
    patronymic_out = nominative(body[p], "Patr") if p >= 0 else ""
    if not given_out and initials:
        given_out = initials.pop(0)
    if not patronymic_out and initials:
        patronymic_out = initials.pop(0)
    surname = " ".join(nominative(w, "Surn") for w in surname_words)
    return ParsedName(
        surname, given_out, patronymic_out, _sex(given_out, patronymic_out, case, gender)
    )


def _pick_patronymic(
    words: list[str], nominatives: list[str], initials: bool, after_surname: bool
) -> int:
    """Which word is the patronymic, -1 if none: it follows the given name (so never comes
    first), and a known one wins over a surname that merely ends like one (Турчинович,
    Танкевич)."""
    candidates = [
        i
        for i in range(len(words))
        if (i > 0 or initials or " " in words[i]) and _is_patronymic(nominatives[i])
    ]
    if not candidates:
        return -1

    def rank(i: int) -> tuple[bool, bool, bool, int]:
        turkic = " " in words[i]
        after_given = i > 0 and _given_count(nominatives[i - 1]) > _COMMON_GIVEN
        return (turkic, _known_patronymic(nominatives[i]), after_given, i)

    best = max(candidates, key=rank)
    lone = len(words) == 2 and not initials and not after_surname and " " not in words[best]
    # "Владимир Афанасович": a surname more likely than a lone patronymic; "Иван Петрович" is
    # how Russian addresses a man, but in Latin letters "Roman Abramovich" is Mr Abramovich.
    cyrillic = detect_script(words[best]) == "cyrillic"
    if lone and not (cyrillic and _known_patronymic(nominatives[best])):
        return -1
    return best


def _pick_given(words: list[str], nominatives: list[str], initials: bool) -> int:
    """Which word is the given name, -1 if none: the best-attested one, else by the usual
    order."""
    counts = [_given_count(n) for n in nominatives]
    if len(words) == 1:
        return 0 if counts[0] > 0 and not initials else -1
    if not words:
        return -1
    best = max(range(len(words)), key=lambda i: (counts[i], i > 0))
    if counts[best] > 0:
        return best
    # Unknown names: Latin letters put the given name first, registries the surname first.
    return 0 if detect_script(words[0]) == "latin" else 1


def _sex(given: str, patronymic: str, case: str, gender: str) -> str:
    if patronymic and not _is_initial(patronymic):
        return _patronymic_sex(patronymic)
    entry = given_entry(given) if given and not _is_initial(given) else None
    if entry is not None and entry.sex:
        return entry.sex
    if case != "nomn" and gender:
        return gender[0]
    return ""


def _patronymic_sex(patronymic: str) -> str:
    """The sex its ending or its Turkic word shows (Sergejevna, Ахмет кызы)."""
    father, _, marker = patronymic.rpartition(" ")
    if father and turkic_sex(marker):
        return turkic_sex(marker)
    ending = patronymic_ending(patronymic)
    return ending.sex if ending else patronymic_sex(patronymic)


def parse_parts(surname: str, given_name: str, patronymic: str, sex_hint: str = "") -> ParsedName:
    """Name parts typed into their own fields, put back into the nominative, roles kept."""
    parts = {"Surn": surname.strip(), "Name": given_name.strip(), "Patr": patronymic.strip()}
    cyrillic = [w for w in parts.values() if w and detect_script(w) == "cyrillic" and " " not in w]
    case, gender = _hypothesis(cyrillic, sex_hint) if cyrillic else ("nomn", "")
    out = {}
    for role, word in parts.items():
        if not word or _is_initial(word) or case == "nomn" or word not in cyrillic:
            out[role] = _title(word) if word and not _is_initial(word) else word
            continue
        reading = _best_reading(word, case, gender, role)
        out[role] = _title(reading.nominative if reading else word)
    return ParsedName(
        out["Surn"], out["Name"], out["Patr"], _sex(out["Name"], out["Patr"], case, gender)
    )
