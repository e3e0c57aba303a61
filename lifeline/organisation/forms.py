"""The console's form for the organisation's settings; each field is checked by its service rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lifeline.organisation import guidance
from lifeline.organisation.models import (
    ABOUT_MAX_CHARS,
    BOT_MAX_CHARS,
    EMAIL_MAX_CHARS,
    GUIDANCE_MAX_CHARS,
    LANGUAGES,
    NAME_MAX_CHARS,
    REPLY_HOURS_MAX,
    Organisation,
)
from lifeline.organisation.services import (
    LABEL_MAX_CHARS,
    PHONES_MAX,
    TEXT_FIELDS,
    OrganisationRefused,
    email_clean,
    phone_clean,
    telegram_bot_clean,
)

LANGUAGE_NAMES = {"ru": _("Russian"), "uk": _("Ukrainian"), "en": _("English")}
TEXT_LABELS = {
    "name": _("Name of the organisation"),
    "operated_by": _("Operated by"),
    "about": _("Who we are"),
    "hours": _("Contact hours"),
}
TEXT_HELP = {
    "name": _("Shown at the top of the start page and at the foot of every public page."),
    "operated_by": _("Who runs the line, if that is not the organisation itself."),
    "about": _("A few sentences on the start page: who you are and why the line exists."),
    "hours": _("When someone answers, e.g. 'around the clock' or 'daily 8:00-22:00 Kyiv time'."),
}


def _checked(rule: Callable[..., Any], *values: str) -> Any:
    try:
        return rule(*values)
    except OrganisationRefused as refused:
        raise forms.ValidationError(refused.message) from None


class OrganisationForm(forms.Form):
    """Every setting at once. Texts come in ru, uk and en; an empty one falls back on the page."""

    telegram_bot = forms.CharField(
        label=_("Telegram bot"),
        required=False,
        max_length=BOT_MAX_CHARS + 40,  # room for a pasted "https://t.me/" before the name
        help_text=_("The bot's username, e.g. lifeline_help_bot; shown as a t.me link."),
    )
    email = forms.CharField(
        label=_("Hotline e-mail"), required=False, max_length=EMAIL_MAX_CHARS + 10
    )
    reply_hours = forms.IntegerField(
        label=_("Expected reply time, in hours"),
        required=False,  # empty keeps the value set now
        min_value=1,
        max_value=REPLY_HOURS_MAX,
        help_text=_(
            "The receipt and status pages tell a visitor to expect a reply within this time "
            "(48 shows as '2 days'). Promise only what the team keeps at its busiest."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in TEXT_FIELDS:
            name, language = field.rsplit("_", 1)
            about = name == "about"
            self.fields[field] = forms.CharField(
                label=f"{TEXT_LABELS[name]} ({LANGUAGE_NAMES[language]})",
                required=False,
                max_length=ABOUT_MAX_CHARS if about else NAME_MAX_CHARS,
                help_text=TEXT_HELP[name] if language == LANGUAGES[0] else "",
                widget=forms.Textarea(attrs={"rows": 4}) if about else forms.TextInput(),
            )
        for row in range(1, PHONES_MAX + 1):
            self.fields[f"phone_{row}"] = forms.CharField(
                label=_("Phone %(n)d") % {"n": row}, required=False, max_length=40
            )
            self.fields[f"phone_{row}_label"] = forms.CharField(
                label=_("Label of phone %(n)d") % {"n": row},
                required=False,
                max_length=LABEL_MAX_CHARS,
                help_text=_("e.g. WhatsApp or Signal, shown as written; empty for a phone line")
                if row == 1
                else "",
            )
        self.order_fields([*TEXT_FIELDS, "telegram_bot", "email", "reply_hours"])

    def clean_telegram_bot(self) -> str:
        return str(_checked(telegram_bot_clean, self.cleaned_data["telegram_bot"]))

    def clean_email(self) -> str:
        return str(_checked(email_clean, self.cleaned_data["email"]))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for row in range(1, PHONES_MAX + 1):
            number, label = f"phone_{row}", f"phone_{row}_label"
            if number in cleaned and label in cleaned:
                try:
                    phone_clean(cleaned[number], cleaned[label])
                except OrganisationRefused as refused:
                    self.add_error(number, refused.message)
        return cleaned

    def language_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The text fields by language, for the page's fieldsets."""
        return [
            (str(LANGUAGE_NAMES[lang]), [self[f] for f in TEXT_FIELDS if f.endswith(f"_{lang}")])
            for lang in LANGUAGES
        ]

    def phone_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"phone_{r}"], self[f"phone_{r}_label"]) for r in range(1, PHONES_MAX + 1)]

    def values(self) -> dict[str, Any]:
        """The cleaned form as `organisation_update` takes it."""
        data = self.cleaned_data
        return {
            "texts": {field: data[field] for field in TEXT_FIELDS},
            "telegram_bot": data["telegram_bot"],
            "email": data["email"],
            "phones": self._phones(data),
            "reply_hours": data["reply_hours"],
        }

    @staticmethod
    def _phones(data: dict[str, Any]) -> list[tuple[str, str]]:
        return [(data[f"phone_{r}"], data[f"phone_{r}_label"]) for r in range(1, PHONES_MAX + 1)]

    @staticmethod
    def initial_for(row: Organisation) -> dict[str, Any]:
        initial: dict[str, Any] = {field: getattr(row, field) for field in TEXT_FIELDS}
        initial["telegram_bot"] = row.telegram_bot
        initial["email"] = row.email
        initial["reply_hours"] = row.reply_hours
        for r, phone in enumerate(row.phones[:PHONES_MAX], start=1):
            initial[f"phone_{r}"] = phone.get("display") or phone["number"]
            initial[f"phone_{r}_label"] = phone.get("label", "")
        return initial


class GuidanceForm(forms.Form):
    """The guidance topics in one language, each a text box that starts with the text shown now."""

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        for topic in guidance.TOPICS:
            self.fields[topic.key] = forms.CharField(
                label=str(topic.heading),
                required=False,
                max_length=GUIDANCE_MAX_CHARS,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 8, "lang": language}),
            )

    def path_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields by the public page that shows them, for the page's fieldsets."""
        names = {
            guidance.SURRENDER: _("I want to stop fighting and get to safety"),
            guidance.FAMILY: _("I am looking for a relative"),
        }
        return [
            (str(label), [self[t.key] for t in guidance.topics_for(path)])
            for path, label in names.items()
        ]
