"""The message templates the organisation has had approved by Meta, read from a YAML file.

Outside the 24-hour customer-service window WhatsApp delivers only such templates. The file
(settings.WHATSAPP_TEMPLATES_FILE) names each template as it is registered at Meta and gives,
per language code registered there, the approved body text, which the case's timeline keeps:

    reply_waiting:
      ru: "Здравствуйте. У нас есть для вас ответ: напишите нам, чтобы его получить."
      uk: "Вітаємо. У нас є для вас відповідь: напишіть нам, щоб її отримати."
      en_US: "Hello. We have a reply for you: write to us to receive it."

Only templates without parameters are offered: they must say nothing about anyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    name: str  # as registered at Meta
    language: str  # Meta's language code ("ru", "uk", "en_US")
    text: str  # the approved body

    @property
    def key(self) -> str:
        return f"{self.name}:{self.language}"


def templates_configured(path: Path | None = None) -> list[Template]:
    """Every template of the file, in its order; none if there is no file.

    A file that cannot be read is logged and treated as empty: the case page then says no
    template is configured, rather than failing.
    """
    path = path or Path(settings.WHATSAPP_TEMPLATES_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        logger.warning("the WhatsApp templates file %s cannot be read", path)
        return []
    if not isinstance(raw, dict):
        logger.warning("the WhatsApp templates file %s is not a mapping", path)
        return []
    found = []
    for name, languages in raw.items():
        if not isinstance(languages, dict):
            continue
        for language, text in languages.items():
            if isinstance(text, str) and text.strip():
                found.append(Template(str(name), str(language), text.strip()))
    return found


def templates_for(language: str) -> list[Template]:
    """The templates in `language` ("en" takes "en_US" too) first, then the others."""

    def matches(template: Template) -> bool:
        return template.language.split("_")[0].lower() == language

    every = templates_configured()
    return [t for t in every if matches(t)] + [t for t in every if not matches(t)]
