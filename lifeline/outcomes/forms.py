"""Forms of the outcomes console. They check input only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lifeline.cases.models import Relationship
from lifeline.outcomes.models import (
    AssistanceStatus,
    AssistanceType,
    ExchangeBatch,
    ExchangeOutcome,
    OutcomeOption,
)
from lifeline.outcomes.services.common import LINE_MAX_CHARS, NAME_MAX_CHARS, TEXT_MAX_CHARS
from lifeline.registry.forms import PersonSearchForm


def _note() -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OfferForm(forms.Form):
    option = forms.ChoiceField(label=_("Option"), choices=OutcomeOption.choices)
    note = _note()


class ChooseForm(forms.Form):
    note = _note()


class AssistanceAddForm(forms.Form):
    assistance_type = forms.ModelChoiceField(
        label=_("Assistance"), queryset=AssistanceType.objects.none(), empty_label=None
    )
    note = _note()

    def __init__(self, *args: Any, types: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assistance_type"].queryset = types  # type: ignore[attr-defined]


class AssistanceStatusForm(forms.Form):
    # Any known status: the item's status table, not the form, says which may follow.
    to_status = forms.ChoiceField(choices=AssistanceStatus.choices)
    note = _note()


class AssistanceTypeCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_CHARS)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssistanceTypeForm(AssistanceTypeCreateForm):
    order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=100_000, help_text=_("lower comes first")
    )
    active = forms.BooleanField(
        label=_("Offered (active)"),
        required=False,
        help_text=_("An inactive type stays on the items that use it but is not offered."),
    )

    @staticmethod
    def initial_for(assistance_type: AssistanceType) -> dict[str, Any]:
        return {
            "name": assistance_type.label,
            "description": assistance_type.description_shown,
            "order": assistance_type.order,
            "active": assistance_type.active,
        }


class ExchangeBatchForm(forms.Form):
    planned_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    place = forms.CharField(label=_("Place"), max_length=LINE_MAX_CHARS * 2)
    counterpart = forms.CharField(
        label=_("Counterpart"),
        max_length=LINE_MAX_CHARS,
        help_text=_("who exchanges on the other side"),
    )

    @staticmethod
    def initial_for(batch: ExchangeBatch | None) -> dict[str, Any]:
        if batch is None:
            return {"planned_on": timezone.localdate()}
        return {
            "planned_on": batch.planned_on,
            "place": batch.place,
            "counterpart": batch.counterpart,
        }


class PersonPickForm(forms.Form):
    """A registry person chosen from the search results."""

    person = forms.IntegerField(min_value=1)


class EntryOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=ExchangeOutcome.choices)
    note = forms.CharField(required=False, max_length=TEXT_MAX_CHARS)


BATCH_ACTIONS = ("confirm", "reopen", "cancel", "complete")


class BatchPickForm(forms.Form):
    """A draft batch to put a list's confirmed persons on."""

    batch = forms.ModelChoiceField(
        label=_("Exchange batch"), queryset=ExchangeBatch.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, batches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = batches  # type: ignore[attr-defined]
        self.fields["batch"].label_from_instance = lambda b: (  # type: ignore[attr-defined]
            f"#{b.pk} {b.planned_on:%d.%m.%Y} · {b.counterpart}"
        )


class BatchActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in BATCH_ACTIONS])


class FindPersonForm(PersonSearchForm):
    """The registry's search, under a prefix so that it sits beside other forms."""

    prefix = "find"


RELATIONSHIPS = Relationship.choices


class HandoverVerifyForm(forms.Form):
    relative_name = forms.CharField(label=_("Relative's full name"), max_length=LINE_MAX_CHARS)
    relationship = forms.ChoiceField(
        label=_("Relationship to the person"), choices=[("", _("— choose —")), *RELATIONSHIPS]
    )
    documents = forms.CharField(
        label=_("Documents checked"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Which documents prove identity and relationship, with their numbers."),
    )


class HandoverScheduleForm(forms.Form):
    meeting_point = forms.CharField(label=_("Meeting point"), max_length=LINE_MAX_CHARS * 2)
    meeting_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_meeting_at(self) -> Any:
        value = self.cleaned_data.get("meeting_at")
        if value is not None and value.year < 1900:
            # A typing mistake, and one the time-zone conversion of year 1 cannot survive.
            raise forms.ValidationError(_("Give a date from 1900 on."))
        return value


class StepForm(forms.Form):
    done = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
