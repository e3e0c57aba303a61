"""Forms of the tracing console. They check input only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lifeline.cases.models import Relationship
from lifeline.registry.models import partial_date_errors
from lifeline.tracing.models import Enquiry
from lifeline.tracing.selectors import MINE, UNASSIGNED
from lifeline.tracing.services.common import TEXT_MAX_CHARS
from lifeline.tracing.services.enquiries import ENQUIRY_FIELDS


class QueueFilterForm(forms.Form):
    who = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("all open")), (MINE, _("mine")), (UNASSIGNED, _("unassigned"))],
    )


class EnquiryForm(forms.Form):
    """Who asks and whom they seek, as staff take it down."""

    enquirer_name = forms.CharField(label=_("Enquirer's name"), required=False, max_length=150)
    enquirer_contact = forms.CharField(
        label=_("How to reach the enquirer"), required=False, max_length=200
    )
    relationship = forms.ChoiceField(
        label=_("Relationship"),
        required=False,
        choices=[("", _("— choose —")), *Relationship.choices],
    )
    sought_surname = forms.CharField(label=_("Surname"), required=False, max_length=150)
    sought_given_name = forms.CharField(label=_("Given name"), required=False, max_length=150)
    sought_patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=150)
    sought_birth_year = forms.IntegerField(
        label=_("Year of birth"), required=False, min_value=1900, max_value=2100
    )
    sought_birth_month = forms.IntegerField(
        label=_("Month of birth"), required=False, min_value=1, max_value=12
    )
    sought_birth_day = forms.IntegerField(
        label=_("Day of birth"), required=False, min_value=1, max_value=31
    )
    sought_unit = forms.CharField(label=_("Military unit"), required=False, max_length=200)
    sought_place = forms.CharField(
        label=_("Place (of birth, or last known)"), required=False, max_length=200
    )
    sought_text = forms.CharField(
        label=_("What the family wrote or said"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Free text is parsed too: names in any case, years, unit numbers, places."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = partial_date_errors(
            data.get("sought_birth_year"),
            data.get("sought_birth_month"),
            data.get("sought_birth_day"),
        )
        for field, message in errors.items():
            self.add_error(f"sought_{field}", message)
        if not any(data.get(f) for f in ("sought_surname", "sought_given_name", "sought_text")):
            raise forms.ValidationError(_("Give at least a name or the family's own words."))
        return data

    def enquiry_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ENQUIRY_FIELDS}

    @staticmethod
    def initial_for(enquiry: Enquiry) -> dict[str, Any]:
        return {name: getattr(enquiry, name) for name in ENQUIRY_FIELDS}


class EnquiryCreateForm(EnquiryForm):
    case = forms.CharField(
        label=_("Case reference"),
        max_length=40,
        help_text=_("The family-enquiry case this enquiry belongs to, e.g. LF-7K3Q-9D2M."),
    )

    field_order = ["case"]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("confirm", "confirm"), ("reject", "reject"), ("reopen", "reopen")]
    )


class VerifyForm(forms.Form):
    # No choice is made for the officer: a pre-selected answer would invite a false record.
    how = forms.ChoiceField(
        label=_("How was the enquirer verified?"),
        choices=[("", _("— choose —")), *Enquiry.Verification.choices],
        error_messages={"required": _("Choose how the enquirer was verified.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DisclosureForm(forms.Form):
    text = forms.CharField(
        label=_("Answer to the enquirer"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown on the status page once a supervisor approves it."),
    )


class DecisionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is rejected"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    keep = forms.ChoiceField(choices=[("left", "left"), ("right", "right")])
