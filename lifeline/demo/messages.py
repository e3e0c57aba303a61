"""Synthetic message threads for demo cases, cut from the scripts in data/messages.yaml."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from translitua import translit

from lifeline.demo.names import DATA_DIR, LATIN_SYSTEMS, SyntheticPerson

KINDS = ("surrender", "family_enquiry", "handover", "assistance", "other")
LANGUAGES = ("ru", "uk", "en")

_Script = tuple[tuple[str, str], ...]
"""A conversation; each message as (text about a man, text about a woman)."""


@dataclass(frozen=True)
class SyntheticMessage:
    """One message of a thread: "in" from the visitor, "out" from an operator."""

    direction: str
    body: str
    offset_minutes: int


def generate_thread(
    kind: str, language: str, *, rng: random.Random, person: SyntheticPerson | None
) -> list[SyntheticMessage]:
    """Return the start of a scripted conversation about `person`, or about no one known.

    The thread has 1 to 6 messages, alternating from the visitor's first; offsets are minutes
    after the case was opened and increase.
    """
    scripts = _scripts(kind, language)
    # Scripts that name no one speak of "my brother" and the like, which need not fit the person.
    fitting = [script for script in scripts if _mentions_person(script) == (person is not None)]
    script = rng.choice(fitting or scripts)
    # A case whose first message is not yet answered is common, but a minority.
    length = 1 if rng.random() < 0.15 else rng.randint(min(2, len(script)), len(script))
    fields = _fields(person, language) if person else {}
    sex = 1 if person is not None and person.sex == "f" else 0
    thread: list[SyntheticMessage] = []
    offset = 0
    for position, texts in enumerate(script[:length]):
        outbound = position % 2 == 1
        if position:
            # Operators answer within minutes; visitors write back when they can.
            offset += rng.randint(2, 45) if outbound else rng.randint(5, 600)
        body = texts[sex].format_map(fields)
        thread.append(SyntheticMessage("out" if outbound else "in", body, offset))
    return thread


def _mentions_person(script: _Script) -> bool:
    return any("{" in text for texts in script for text in texts)


def _fields(person: SyntheticPerson, language: str) -> dict[str, str]:
    fields = {
        "name": f"{person.surname} {person.given_name} {person.patronymic}",
        "given_name": person.given_name,
        "birth_year": str(person.birth_year),
        "unit": person.unit,
        "town": person.place_of_birth,
    }
    if language != "en":
        return fields
    # An English writer spells the name the way his papers do, given name first.
    table = next(iter(LATIN_SYSTEMS[person.language].values()))
    if person.latin_forms:
        _, surname, given_name, _ = person.latin_forms[0]
    else:
        surname, given_name = translit(person.surname, table), translit(person.given_name, table)
    number = person.unit.removeprefix("в/ч ")
    return fields | {
        "name": f"{given_name} {surname}",
        "given_name": given_name,
        "unit": f"military unit {translit(number, table)}",
        "town": translit(person.place_of_birth, table),
    }


@cache
def _scripts(kind: str, language: str) -> tuple[_Script, ...]:
    if kind not in KINDS or language not in LANGUAGES:
        raise ValueError(f"no demo messages for kind {kind!r} in language {language!r}")
    return tuple(
        tuple(_texts(message) for message in script) for script in _all_scripts()[kind][language]
    )


@cache
def _all_scripts() -> dict[str, Any]:
    with (DATA_DIR / "messages.yaml").open(encoding="utf-8") as file:
        scripts: dict[str, Any] = yaml.safe_load(file)
    return scripts


def _texts(message: object) -> tuple[str, str]:
    if isinstance(message, str):
        return message, message
    if isinstance(message, dict):
        return str(message["m"]), str(message["f"])
    raise ValueError(f"not a demo message: {message!r}")
