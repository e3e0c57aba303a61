"""The reviewed catalogue of fixed replies: texts about no one, sent without a second person.

The texts live in data/fixed_replies.yaml, in every language of the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

CATALOGUE_PATH = Path(__file__).parent / "data" / "fixed_replies.yaml"


@dataclass(frozen=True)
class FixedReply:
    key: str
    labels: dict[str, str]
    texts: dict[str, str]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["en"]

    def text(self, language: str) -> str:
        """The text in `language`, else in the site's default language."""
        return self.texts.get(language) or self.texts[settings.LANGUAGE_CODE]


@cache
def fixed_replies() -> dict[str, FixedReply]:
    """Every fixed reply by key, in the catalogue's order; read once per process."""
    with CATALOGUE_PATH.open(encoding="utf-8") as file:
        raw = yaml.safe_load(file)
    return {
        key: FixedReply(
            key=key,
            labels={lang: str(text).strip() for lang, text in entry["label"].items()},
            texts={lang: str(text).strip() for lang, text in entry["text"].items()},
        )
        for key, entry in raw.items()
    }


def fixed_reply_get(key: str) -> FixedReply | None:
    return fixed_replies().get(key)


def is_fixed_text(body: str) -> bool:
    """Whether `body` is, word for word, one of the catalogue's texts in some language."""
    text = body.strip()
    return any(text in reply.texts.values() for reply in fixed_replies().values())
