"""Helpers for the organisation's tests: a filled set of settings, as an administrator saves it."""

from __future__ import annotations

from typing import Any

from lifeline.core.actors import SYSTEM
from lifeline.organisation.services import organisation_update

NAMES = {
    "name_ru": "Бюро «Тест»",
    "name_uk": "Бюро «Тест» українською",
    "name_en": "Test Bureau",
    "operated_by_ru": "Общество «Проба»",
    "operated_by_uk": "Товариство «Проба»",
    "operated_by_en": "The Trial Society",
    "about_ru": "Мы ищем пропавших.",
    "about_uk": "Ми шукаємо зниклих.",
    "about_en": "We search for the missing.",
    "hours_ru": "Круглосуточно",
    "hours_uk": "Цілодобово",
    "hours_en": "Around the clock",
}
CHANNELS: dict[str, Any] = {
    "telegram_bot": "trial_hotline_bot",
    "email": "hotline@example.org",
    "phones": [("+44 20 7946 0123", ""), ("+1 202 555 0143", "WhatsApp")],
}


def organisation_filled(**overrides: Any) -> list[str]:
    """Save the test organisation (texts in every language and every channel) as the system."""
    texts = {k: v for k, v in {**NAMES, **overrides}.items() if k in NAMES}
    channels = {k: v for k, v in {**CHANNELS, **overrides}.items() if k in CHANNELS}
    return organisation_update(actor=SYSTEM, texts=texts, **channels)
