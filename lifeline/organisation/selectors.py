"""Reads of the organisation's settings: the row for the console, cached facts for the public."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import SafeString
from django.utils.translation import npgettext

from lifeline.core.access import Anyone, Perm, require_perm
from lifeline.organisation import guidance
from lifeline.organisation.models import (
    LANGUAGES,
    REPLY_HOURS_DEFAULT,
    TEXTS,
    THE_ROW,
    Guidance,
    Organisation,
)

CACHE_KEY = "organisation:facts:v2"
# Every public page shows these, so they are read from the cache. A save forgets the entry in
# the process that saved it; a per-process cache (the default, locmem) in another web process
# keeps its copy until it expires, so this is how long a change may take to show everywhere.
CACHE_SECONDS = 60


@dataclass(frozen=True)
class Phone:
    number: str  # "+" and digits: the tel: link
    display: str  # as the administrator typed it
    label: str = ""  # "WhatsApp", "Signal"; shown as written in every language

    @property
    def link(self) -> str:
        """A WhatsApp number opens a chat with it (wa.me, WhatsApp's own); any other, a call."""
        if self.label.strip().lower() == "whatsapp":
            return f"https://wa.me/{self.number.lstrip('+')}"
        return f"tel:{self.number}"


@dataclass(frozen=True)
class Shown:
    """A text for a visitor, and the language it is written in (for the page's lang attribute)."""

    text: str = ""
    language: str = ""

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class GuidanceSection:
    """One topic of guidance as a page shows it: its anchor, heading and text."""

    key: str
    heading: str
    html: SafeString


def reply_time_words(hours: int) -> str:
    """ "2 days", "36 hours": how the pages say how soon to expect a reply."""
    if hours % 24 == 0:
        days = hours // 24
        return npgettext("reply within", "%(n)d day", "%(n)d days", days) % {"n": days}
    return npgettext("reply within", "%(n)d hour", "%(n)d hours", hours) % {"n": hours}


@dataclass(frozen=True)
class OrganisationPage:
    """What a page in one language shows: each text in that language or its fallback."""

    name: Shown
    operated_by: Shown
    about: Shown
    hours: Shown
    telegram_bot: str
    email: str
    phones: tuple[Phone, ...]
    reply_hours: int = REPLY_HOURS_DEFAULT
    surrender_guidance: tuple[GuidanceSection, ...] = ()
    family_guidance: tuple[GuidanceSection, ...] = ()

    @property
    def reply_time(self) -> str:
        """How soon to expect a reply, in words of the page's language ("2 days")."""
        return reply_time_words(self.reply_hours)

    @property
    def telegram_url(self) -> str:
        return f"https://t.me/{self.telegram_bot}" if self.telegram_bot else ""

    @property
    def channels(self) -> bool:
        """True when the page has another way to reach us to list."""
        return bool(self.telegram_bot or self.email or self.phones)

    @property
    def who(self) -> bool:
        """True when the page has anything to say about who we are."""
        return bool(self.name or self.operated_by or self.about)


@dataclass(frozen=True)
class OrganisationFacts:
    """The settings as the public site reads them: every language, cached as one value."""

    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> language -> text
    telegram_bot: str = ""
    email: str = ""
    phones: tuple[Phone, ...] = ()
    reply_hours: int = REPLY_HOURS_DEFAULT
    guidance: dict[str, dict[str, str]] = field(default_factory=dict)  # topic -> language -> text

    def guidance_text(self, topic: str, language: str) -> str:
        """The organisation's text of `topic` in `language`, else the default we ship."""
        written = self.guidance.get(topic, {}).get(language, "")
        return written or guidance.default_text(topic, language)

    def guidance_sections(self, path: str, language: str) -> tuple[GuidanceSection, ...]:
        return tuple(
            GuidanceSection(
                key=topic.key,
                heading=str(topic.heading),
                html=guidance.text_html(self.guidance_text(topic.key, language)),
            )
            for topic in guidance.topics_for(path)
        )

    def text(self, name: str, language: str) -> Shown:
        """`name` in `language`; else in Russian; else in the first language that has it."""
        written = self.texts.get(name, {})
        for candidate in (language, "ru", *LANGUAGES):
            if written.get(candidate):
                return Shown(written[candidate], candidate)
        return Shown()

    def page(self, language: str) -> OrganisationPage:
        return OrganisationPage(
            name=self.text("name", language),
            operated_by=self.text("operated_by", language),
            about=self.text("about", language),
            hours=self.text("hours", language),
            telegram_bot=self.telegram_bot,
            email=self.email,
            phones=self.phones,
            reply_hours=self.reply_hours,
            surrender_guidance=self.guidance_sections(guidance.SURRENDER, language),
            family_guidance=self.guidance_sections(guidance.FAMILY, language),
        )


def organisation_row() -> Organisation:
    """The one row, created empty the first time anyone reads it."""
    row = Organisation.objects.filter(pk=THE_ROW).first()
    if row is not None:
        return row
    with transaction.atomic():
        row, _created = Organisation.objects.get_or_create(pk=THE_ROW)
    return row


def organisation_get_for(*, user: Anyone) -> Organisation:
    """The settings as the console edits them (administrators only)."""
    require_perm(user, Perm.ORGANISATION_EDIT)
    return organisation_row()


def guidance_written() -> dict[str, dict[str, str]]:
    """The organisation's own guidance texts: topic -> language -> text (non-empty only)."""
    written: dict[str, dict[str, str]] = {}
    for topic, language, text in Guidance.objects.exclude(text="").values_list(
        "topic", "language", "text"
    ):
        written.setdefault(topic, {})[language] = text
    return written


def guidance_get_for(*, user: Anyone, language: str) -> dict[str, str]:
    """Each topic's text in `language` for the console to edit: the organisation's, or ours."""
    require_perm(user, Perm.ORGANISATION_EDIT)
    written = guidance_written()
    return {
        key: written.get(key, {}).get(language) or guidance.default_text(key, language)
        for key in guidance.TOPIC_KEYS
    }


def guidance_rows_for(*, user: Anyone) -> dict[tuple[str, str], Guidance]:
    """Who changed which topic in which language, and when: (topic, language) -> row."""
    require_perm(user, Perm.ORGANISATION_EDIT)
    return {(g.topic, g.language): g for g in Guidance.objects.select_related("updated_by")}


def facts_of(row: Organisation) -> OrganisationFacts:
    return OrganisationFacts(
        texts={name: {lang: row.text(name, lang) for lang in LANGUAGES} for name in TEXTS},
        telegram_bot=row.telegram_bot,
        email=row.email,
        phones=tuple(
            Phone(
                number=p["number"],
                display=p.get("display") or p["number"],
                label=p.get("label", ""),
            )
            for p in row.phones
        ),
        reply_hours=row.reply_hours,
        guidance=guidance_written(),
    )


def organisation_facts(*, database: bool = True) -> OrganisationFacts:
    """The public facts, from the cache when they are there. Public: they are published.

    With `database=False` (a 500 page: the database may be why it failed) only the cache is
    read, and nothing is shown if the facts are not there.
    """
    cached: OrganisationFacts | None = cache.get(CACHE_KEY)
    if cached is None and not database:
        return OrganisationFacts()
    if cached is None:
        cached = facts_of(organisation_row())
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return cached


def organisation_cache_forget() -> None:
    """Drop the cached facts: the next page reads the row again. Call once a change commits."""
    cache.delete(CACHE_KEY)
