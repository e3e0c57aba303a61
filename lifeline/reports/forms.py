"""The dashboard's period choice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lifeline.reports.selectors import DEFAULT_WEEKS, PERIOD_WEEKS


def _period_choices() -> list[tuple[int, str]]:
    # A callable, so the labels are made per request, in its language, not once at import.
    return [
        (w, ngettext("last %(n)d week", "last %(n)d weeks", w) % {"n": w}) for w in PERIOD_WEEKS
    ]


class PeriodForm(forms.Form):
    """`?weeks=`: one of PERIOD_WEEKS, or none for DEFAULT_WEEKS."""

    weeks = forms.TypedChoiceField(
        label=_("Period"), choices=_period_choices, coerce=int, required=False, empty_value=None
    )

    def period(self) -> int | None:
        """The period chosen, or None when the request asked for one we do not offer."""
        if not self.is_valid():
            return None
        return self.cleaned_data["weeks"] or DEFAULT_WEEKS
