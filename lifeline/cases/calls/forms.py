"""The "log a call" form: typed while talking, so every choice is one key away."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lifeline.cases.calls.services import (
    FOLLOW_UP_NOTE_MAX_CHARS,
    PHONE_KINDS,
    SUMMARY_MAX_CHARS,
    FollowUp,
)
from lifeline.cases.models import CaseKind, Priority
from lifeline.core.numbers import number_normalise

OTHER_LANGUAGE = "other"


class KeyedRadioSelect(forms.RadioSelect):
    """Radio buttons with a one-letter accesskey each: Alt+letter picks the choice."""

    def __init__(self, keys: dict[str, str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.keys = keys

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        key = self.keys.get(str(option["value"]))
        if key:
            option["attrs"] = {**option["attrs"], "accesskey": key}
        return option


class CallLogForm(forms.Form):
    number = forms.CharField(
        label=_("Caller's number"),
        required=False,
        max_length=40,
        help_text=_("With the country code, e.g. +380 67 123 4567. Leave empty if withheld."),
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autofocus": True,
                "accesskey": "n",
                "autocomplete": "off",
                "inputmode": "tel",
            }
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[
            ("ru", _("Russian")),
            ("uk", _("Ukrainian")),
            ("en", _("English")),
            (OTHER_LANGUAGE, _("other")),
        ],
        widget=KeyedRadioSelect({"ru": "r", "uk": "u", "en": "e", OTHER_LANGUAGE: "t"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in PHONE_KINDS],
        widget=KeyedRadioSelect(
            {CaseKind.SURRENDER: "s", CaseKind.FAMILY_ENQUIRY: "f", CaseKind.OTHER: "o"}
        ),
    )
    summary = forms.CharField(
        label=_("What the call was about"),
        max_length=SUMMARY_MAX_CHARS,
        help_text=_("The first line becomes the case's summary."),
        widget=forms.Textarea(attrs={"rows": 5, "accesskey": "m"}),
    )
    follow_up = forms.ChoiceField(
        label=_("Follow-up"),
        choices=FollowUp.choices,
        initial=FollowUp.NONE,
        widget=KeyedRadioSelect(
            {FollowUp.CALL_BACK: "c", FollowUp.AWAIT_CALL: "a", FollowUp.HAND_OVER: "h"}
        ),
    )
    follow_up_note = forms.CharField(
        label=_("When, how"),
        required=False,
        max_length=FOLLOW_UP_NOTE_MAX_CHARS,
        help_text=_('As the caller said it, e.g. "tomorrow after 20:00 his time".'),
        widget=forms.TextInput(attrs={"accesskey": "w", "autocomplete": "off"}),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
        widget=KeyedRadioSelect({str(Priority.URGENT.value): "g"}),
    )

    def clean_number(self) -> str:
        try:
            return number_normalise(self.cleaned_data["number"])
        except ValueError:
            raise forms.ValidationError(
                _("Type the number's digits with its country code, e.g. +380 67 123 4567.")
            ) from None

    def clean_language(self) -> str:
        language: str = self.cleaned_data["language"]
        return "" if language == OTHER_LANGUAGE else language

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        follow_up = data.get("follow_up")
        if follow_up == FollowUp.CALL_BACK and "number" in data and not data["number"]:
            self.add_error(
                "follow_up",
                _("A withheld number cannot be called back: type the number or choose another."),
            )
        if follow_up == FollowUp.NONE and data.get("follow_up_note"):
            self.add_error("follow_up_note", _("Choose a follow-up for this note, or clear it."))
        return data

    def focus_first_error(self) -> None:
        """Put the cursor where the operator must look: the first field with an error."""
        wrong = [name for name in self.fields if name in self.errors]
        if not wrong:
            return
        self.fields["number"].widget.attrs.pop("autofocus", None)
        self.fields[wrong[0]].widget.attrs["autofocus"] = True
