"""What the bot says, in Russian, Ukrainian and English, and its menu keyboard.

Every text is plain (no Markdown or HTML parse mode), so nothing a person or an operator types
needs escaping. All msgids carry the context "telegram" so they never clash with the web's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from lifeline.cases.models import CaseKind
from lifeline.intake.inbox import SECRET_PLACEHOLDER

LANGUAGES = ("ru", "uk", "en")
# Shown in their own language, whatever the menu's language is.
LANGUAGE_NAMES = {"ru": "Русский", "uk": "Українська", "en": "English"}
KINDS = (CaseKind.SURRENDER, CaseKind.FAMILY_ENQUIRY, CaseKind.OTHER)


def language_of(code: str | None) -> str:
    """One of the bot's languages for a client's IETF tag ("uk", "en-GB"), or ""."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else ""


def bot_language(*codes: str | None) -> str:
    """The first of `codes` the bot speaks, else the site's default (Russian)."""
    for code in codes:
        if found := language_of(code):
            return found
    return settings.LANGUAGE_CODE


def _kind_button(kind: str) -> str:
    if kind == CaseKind.SURRENDER:
        return pgettext("telegram", "I want to stop fighting")
    if kind == CaseKind.FAMILY_ENQUIRY:
        return pgettext("telegram", "I am looking for a relative")
    return pgettext("telegram", "Something else")


def menu(language: str) -> tuple[str, dict[str, Any]]:
    """The welcome text and its keyboard: the three kinds, then a row of languages."""
    with translation.override(language):
        text = "\n\n".join(
            [
                pgettext(
                    "telegram",
                    "Lifeline is a confidential line for people caught up in the war. You do "
                    "not have to give your name. Someone from our team reads every message and "
                    "replies, by day and by night.",
                ),
                pgettext(
                    "telegram",
                    "How can we help you? Choose below, or simply write your message.",
                ),
            ]
        )
        rows = [
            [InlineKeyboardButton(_kind_button(kind), callback_data=f"kind:{kind}")]
            for kind in KINDS
        ]
    rows.append(
        [
            InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")
            for code in LANGUAGES
        ]
    )
    return text, InlineKeyboardMarkup(rows).to_dict()


def receipt(language: str, reference: str) -> str:
    """The receipt, as the web form gives it; the secret is filled in only when sending."""
    status_url = f"{settings.PUBLIC_BASE_URL}/status/"
    with translation.override(language):
        return "\n\n".join(
            [
                pgettext("telegram", "Your message has been received. This is your receipt:"),
                "\n".join(
                    [
                        pgettext("telegram", "Reference: %(reference)s") % {"reference": reference},
                        pgettext("telegram", "Secret code: %(secret)s")
                        % {"secret": SECRET_PLACEHOLDER},
                    ]
                ),
                pgettext(
                    "telegram",
                    "Keep them safe: write the reference and the code down on paper, keep the "
                    "paper somewhere safe, then delete this message. Anyone who has them can "
                    "read our replies. We cannot recover a lost code: we do not keep it.",
                ),
                pgettext(
                    "telegram",
                    "With them you can read our reply on the status page: %(url)s",
                )
                % {"url": status_url},
                pgettext(
                    "telegram",
                    "But here you do not need them: simply keep writing in this chat, and we "
                    "will answer here.",
                ),
            ]
        )


def prompt(language: str, kind: str) -> str:
    """What to write, once a kind has been chosen from the menu."""
    with translation.override(language):
        if kind == CaseKind.SURRENDER:
            return pgettext(
                "telegram",
                "Write to us here in your own words: where you are, as far as it is safe to "
                "say, and how we can help. Someone from our team will answer in this chat.",
            )
        if kind == CaseKind.FAMILY_ENQUIRY:
            return pgettext(
                "telegram",
                "Write here whom you are looking for: full name, date of birth, military unit, "
                "and when and where you last heard from the person. Someone from our team will "
                "answer in this chat.",
            )
        return pgettext(
            "telegram",
            "Write your message here. Someone from our team will answer in this chat.",
        )


def passed_on(language: str) -> str:
    """After a first message that came without choosing from the menu."""
    with translation.override(language):
        return pgettext(
            "telegram",
            "Your message has been passed on to our team. An operator will read it and reply "
            "in this chat. You can keep writing here.",
        )


def case_exists(language: str, reference: str) -> str:
    with translation.override(language):
        return pgettext(
            "telegram",
            "You already have an open case: %(reference)s. Simply write your message here; "
            "our team will answer in this chat.",
        ) % {"reference": reference}


def files_refused(language: str) -> str:
    max_mb = max(settings.ATTACHMENT_MAX_BYTES // (1024 * 1024), 1)
    with translation.override(language):
        return pgettext(
            "telegram",
            "A file you sent could not be received: files must be smaller than %(size)d MB. "
            "Please send a smaller file, or describe it in writing.",
        ) % {"size": max_mb}
