"""The organisation's settings: one row of public facts, in each language of the public site."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# The public site's languages; each text below has one column per language.
LANGUAGES = ("ru", "uk", "en")
# The texts a visitor reads, each in every language.
TEXTS = ("name", "operated_by", "about", "hours")

NAME_MAX_CHARS = 200
ABOUT_MAX_CHARS = 600
EMAIL_MAX_CHARS = 254
BOT_MAX_CHARS = 32
THE_ROW = 1
# How soon a visitor may expect a reply, as the receipt and status pages say it: an honest
# default for a line that answers around the clock but may be busy. The organisation sets its own.
REPLY_HOURS_DEFAULT = 48
REPLY_HOURS_MAX = 24 * 30
GUIDANCE_MAX_CHARS = 3000


class Organisation(models.Model):
    """The one row (pk 1). Plain text: every value here is published on the public pages."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=THE_ROW)
    name_ru = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    name_uk = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    name_en = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    operated_by_ru = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    operated_by_uk = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    operated_by_en = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    about_ru = models.TextField(max_length=ABOUT_MAX_CHARS, blank=True)
    about_uk = models.TextField(max_length=ABOUT_MAX_CHARS, blank=True)
    about_en = models.TextField(max_length=ABOUT_MAX_CHARS, blank=True)
    hours_ru = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    hours_uk = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    hours_en = models.CharField(max_length=NAME_MAX_CHARS, blank=True)
    # The bot's username without "@" (shown as https://t.me/<name>).
    telegram_bot = models.CharField(max_length=BOT_MAX_CHARS, blank=True)
    email = models.CharField(max_length=EMAIL_MAX_CHARS, blank=True)
    # [{"number": "+380441234567", "display": "+380 44 123 45 67", "label": "WhatsApp"}, ...]
    phones = models.JSONField(default=list, blank=True)
    reply_hours = models.PositiveSmallIntegerField(default=REPLY_HOURS_DEFAULT)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=THE_ROW), name="organisation_one_row")]

    def __str__(self) -> str:
        return self.name_en or self.name_ru or self.name_uk or "organisation"

    def text(self, field: str, language: str) -> str:
        return str(getattr(self, f"{field}_{language}"))


class Guidance(models.Model):
    """The organisation's own wording of one guidance topic in one language (organisation.guidance).

    No row, or an empty text, means the default text the project ships shows instead.
    Published on the public pages, so plain text.
    """

    topic = models.CharField(max_length=30)
    language = models.CharField(max_length=5)
    text = models.TextField(max_length=GUIDANCE_MAX_CHARS, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "language"], name="guidance_one_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.topic} ({self.language})"
