"""What the WhatsApp bot says: the Telegram bot's texts, and its menu as reply buttons.

The welcome, receipt and prompts are the Telegram bot's own (`channels.telegram.texts`): they
say "this chat", which is as true here. WhatsApp allows three reply buttons a message with
titles of at most 20 characters, so the kinds have shorter labels (context "whatsapp") and
the languages come as a second message.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import pgettext

from lifeline.cases.models import CaseKind
from lifeline.channels.telegram import texts as telegram

LANGUAGES = telegram.LANGUAGES
KINDS = telegram.KINDS
BUTTON_TITLE_MAX = 20
# A first message that only says hello or asks for the menu gets the menu, not a case.
MENU_WORDS = frozenset(
    {
        "menu", "start", "help", "/start", "/menu", "/help", "hi", "hello",
        "меню", "старт", "привет", "привіт", "здравствуйте", "добрый день", "добрий день",
    }
)  # fmt: skip
# Country calling codes of the person's number that tell the likeliest language.
LANGUAGE_BY_PREFIX = (("380", "uk"), ("7", "ru"), ("375", "ru"))

language_of = telegram.language_of
bot_language = telegram.bot_language
receipt = telegram.receipt
prompt = telegram.prompt
passed_on = telegram.passed_on
case_exists = telegram.case_exists
files_refused = telegram.files_refused


def language_for_number(wa_id: str) -> str:
    """The language a number's country suggests ("380..." is Ukraine), or ""."""
    for prefix, language in LANGUAGE_BY_PREFIX:
        if wa_id.startswith(prefix):
            return language
    return ""


def is_menu_word(text: str) -> bool:
    return text.strip().lower().rstrip("!.") in MENU_WORDS


def _kind_title(kind: str) -> str:
    if kind == CaseKind.SURRENDER:
        return pgettext("whatsapp", "Stop fighting")
    if kind == CaseKind.FAMILY_ENQUIRY:
        return pgettext("whatsapp", "Find a relative")
    return pgettext("whatsapp", "Something else")


def _buttons(text: str, choices: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": text},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": key, "title": title[:BUTTON_TITLE_MAX]}}
                for key, title in choices
            ]
        },
    }


def menu(language: str) -> tuple[str, dict[str, Any]]:
    """The welcome text and its three reply buttons, one per kind of case."""
    text = telegram.menu(language)[0]
    with translation.override(language):
        choices = [(f"kind:{kind}", _kind_title(kind)) for kind in KINDS]
    return text, _buttons(text, choices)


def language_menu(language: str) -> tuple[str, dict[str, Any]]:
    """A second message: the three languages, each named in itself."""
    with translation.override(language):
        text = pgettext("whatsapp", "You can also choose the language we write to you in:")
    choices = [(f"lang:{code}", telegram.LANGUAGE_NAMES[code]) for code in LANGUAGES]
    return text, _buttons(text, choices)
