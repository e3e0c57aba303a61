"""Changing the organisation's settings, and the rules each value must meet."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.core.access import Perm, require_perm_or_system
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import audit_record
from lifeline.core.exceptions import ActionRefused
from lifeline.core.locks import row_lock
from lifeline.core.numbers import number_normalise
from lifeline.organisation import guidance
from lifeline.organisation.models import (
    ABOUT_MAX_CHARS,
    EMAIL_MAX_CHARS,
    GUIDANCE_MAX_CHARS,
    LANGUAGES,
    NAME_MAX_CHARS,
    REPLY_HOURS_MAX,
    TEXTS,
    Guidance,
)
from lifeline.organisation.selectors import organisation_cache_forget, organisation_row

PHONES_MAX = 5
LABEL_MAX_CHARS = 40
TEXT_MAX_CHARS = {
    "name": NAME_MAX_CHARS,
    "operated_by": NAME_MAX_CHARS,
    "about": ABOUT_MAX_CHARS,
    "hours": NAME_MAX_CHARS,
}
TEXT_FIELDS = tuple(f"{name}_{language}" for name in TEXTS for language in LANGUAGES)

# Telegram's rule for a username: 5 to 32 Latin letters, digits and underscores.
_BOT = re.compile(r"[A-Za-z0-9_]{5,32}")
# What people paste for a bot: "@name", "t.me/name", "https://t.me/name".
_BOT_PREFIX = re.compile(r"^(?:@|(?:https?://)?(?:www\.)?(?:t|telegram)\.me/)", re.I)


class OrganisationRefused(ActionRefused):
    """A value of the organisation's settings breaks its rule; `message` says which and why."""


def text_clean(value: str, *, max_chars: int) -> str:
    """One line or paragraph for the public pages: stripped, and refused when too long."""
    value = (value or "").strip()
    if len(value) > max_chars:
        raise OrganisationRefused(
            gettext("At most %(max)d characters, please (this has %(n)d).")
            % {"max": max_chars, "n": len(value)}
        )
    return value


def telegram_bot_clean(value: str) -> str:
    """The bot's username without "@" or a t.me address; "" for none."""
    value = _BOT_PREFIX.sub("", (value or "").strip()).rstrip("/")
    if value and not _BOT.fullmatch(value):
        raise OrganisationRefused(
            gettext(
                "A Telegram username has 5 to 32 characters: Latin letters, digits and "
                "underscores (for example lifeline_help_bot)."
            )
        )
    return value


def email_clean(value: str) -> str:
    """The hotline's address as typed, checked; "" for none."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        value = ""
    if not value or len(value) > EMAIL_MAX_CHARS:
        raise OrganisationRefused(gettext("This is not an e-mail address."))
    return value


def phone_clean(number: str, label: str = "") -> dict[str, str] | None:
    """One phone line as stored, or None when both are empty; refused for anything not a number."""
    number, label = (number or "").strip(), (label or "").strip()
    if not number and not label:
        return None
    if not number:
        raise OrganisationRefused(gettext("A label needs a phone number."))
    try:
        normalised = number_normalise(number)
    except ValueError:
        raise OrganisationRefused(
            gettext("This is not a phone number: %(number)s") % {"number": number}
        ) from None
    return {
        "number": normalised,
        "display": text_clean(number, max_chars=40),
        "label": text_clean(label, max_chars=LABEL_MAX_CHARS),
    }


def phones_clean(phones: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """The phone lines as stored, empty rows dropped, in the order given."""
    cleaned = [p for p in (phone_clean(number, label) for number, label in phones) if p]
    if len(cleaned) > PHONES_MAX:
        raise OrganisationRefused(
            gettext("At most %(max)d phone numbers, please.") % {"max": PHONES_MAX}
        )
    return cleaned


def reply_hours_clean(value: int) -> int:
    """Hours within which a visitor may expect a reply: from 1 to REPLY_HOURS_MAX."""
    if not 1 <= value <= REPLY_HOURS_MAX:
        raise OrganisationRefused(
            gettext("Give a number of hours from 1 to %(max)d.") % {"max": REPLY_HOURS_MAX}
        )
    return value


def _values(
    texts: Mapping[str, str], telegram_bot: str, email: str, phones: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"no such text: {sorted(unknown)}")
    values: dict[str, Any] = {
        field: text_clean(texts.get(field, ""), max_chars=TEXT_MAX_CHARS[field.rsplit("_", 1)[0]])
        for field in TEXT_FIELDS
    }
    values["telegram_bot"] = telegram_bot_clean(telegram_bot)
    values["email"] = email_clean(email)
    values["phones"] = phones_clean(phones)
    return values


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    texts: Mapping[str, str],
    telegram_bot: str = "",
    email: str = "",
    phones: Sequence[tuple[str, str]] = (),
    reply_hours: int | None = None,
) -> list[str]:
    """Set every setting at once (a text left out of `texts` becomes empty); returns what changed.

    `texts` maps "<text>_<language>" (name_ru, about_en, ...) to its value; `phones` is a list
    of (number, label); `reply_hours` left out keeps the current value. The audit event names
    the changed fields, not their values.
    """
    require_perm_or_system(actor, Perm.ORGANISATION_EDIT)
    values = _values(texts, telegram_bot, email, phones)
    if reply_hours is not None:
        values["reply_hours"] = reply_hours_clean(reply_hours)
    row = row_lock(organisation_row())
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(row, name, values[name])
    row.updated_at = timezone.now()
    row.updated_by = staff_of(actor)
    row.save(update_fields=[*changed, "updated_at", "updated_by"])
    audit_record(
        actor=actor, action=Action.ORGANISATION_UPDATE, obj=row, detail={"fields": changed}
    )
    transaction.on_commit(organisation_cache_forget)
    return changed


@transaction.atomic
def guidance_update(*, actor: Actor, language: str, texts: Mapping[str, str]) -> list[str]:
    """Word the guidance topics in `language` (topic -> text); returns the topics that changed.

    A text equal to the default we ship, or empty, is stored empty: the page then shows the
    default, and follows it when a new version of Lifeline improves it. A topic left out of
    `texts` is not touched. The audit event names the language and topics, not the texts.
    """
    require_perm_or_system(actor, Perm.ORGANISATION_EDIT)
    if language not in LANGUAGES:
        raise ValueError(f"no such language: {language}")
    unknown = set(texts) - set(guidance.TOPIC_KEYS)
    if unknown:
        raise ValueError(f"no such topic: {sorted(unknown)}")
    wanted = {}
    for topic, text in texts.items():
        text = text_clean(guidance.text_normalise(text), max_chars=GUIDANCE_MAX_CHARS)
        wanted[topic] = "" if text == guidance.default_text(topic, language) else text
    rows = {
        g.topic: g
        for g in Guidance.objects.select_for_update().filter(language=language, topic__in=wanted)
    }
    now = timezone.now()
    changed = []
    for topic, text in wanted.items():
        row = rows.get(topic)
        if (row.text if row else "") == text:
            continue
        changed.append(topic)
        if row is None:
            Guidance.objects.create(
                topic=topic,
                language=language,
                text=text,
                updated_at=now,
                updated_by=staff_of(actor),
            )
            continue
        row.text, row.updated_at, row.updated_by = text, now, staff_of(actor)
        row.save(update_fields=["text", "updated_at", "updated_by"])
    if changed:
        audit_record(
            actor=actor,
            action=Action.GUIDANCE_UPDATE,
            obj=organisation_row(),
            detail={"language": language, "topics": changed},
        )
        transaction.on_commit(organisation_cache_forget)
    return changed
