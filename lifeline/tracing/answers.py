"""Where an answer to a family starts: a text built from the confirmed person's status.

The texts are data (data/answer_templates.yaml): one per registry status, in ru, uk and en.
What they may say, and what never, is written at the top of that file. The officer edits the
text; it goes out only once a second person approves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

TEMPLATES_PATH = Path(__file__).parent / "data" / "answer_templates.yaml"
LANGUAGES = ("ru", "uk", "en")
UNKNOWN = "unknown"  # the status of a person with no status event: unknown is not missing
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Known:
    """What the registry holds about the confirmed person that an answer may draw on."""

    name: str
    status: str  # his current status, or UNKNOWN when he has no status event
    on: date | None  # when the event that gave the status happened, if known
    confirmed: bool  # that event's verification is "confirmed"
    female: bool = False
    withheld: bool = False  # he asked on his capture card that his family not be informed


@cache
def templates() -> dict[str, Any]:
    """The answer templates, read once per process."""
    with TEMPLATES_PATH.open(encoding="utf-8") as file:
        loaded: dict[str, Any] = yaml.safe_load(file)
    return loaded


def answer_language(language: str) -> str:
    """The language of the answer: the enquiry's own (its case's), else the site's default."""
    base = (language or "").split("-")[0].lower()
    return base if base in LANGUAGES else settings.LANGUAGE_CODE


def date_in(language: str, day: date) -> str:
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def answer_start(known: Known | None, language: str) -> str:
    """The text the answer box starts from, in `language` (ru, uk or en)."""
    data = templates()
    paragraphs = [data["greeting"][language]]
    if known is None:
        paragraphs.append(data["not_found"][language])
    elif known.withheld:
        paragraphs.append(data["withheld"][language])
    else:
        texts = data["statuses"].get(known.status) or data["statuses"][UNKNOWN]
        text = (known.female and texts.get(f"{language}_f")) or texts[language]
        dated = {
            key: form[language].format(date=date_in(language, known.on)) if known.on else ""
            for key, form in data["dates"].items()
        }
        body = text.format(name=known.name, **dated)
        if known.status != UNKNOWN and not known.confirmed:
            body = f"{body} {data['unconfirmed'][language]}"
        paragraphs.append(body)
    paragraphs.append(data["closing"][language])
    return "\n\n".join(paragraphs)
