"""The console form of the retention policy: one number of days per kind of data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lifeline.retention.kinds import KINDS, MAX_DAYS


class PolicyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, kind in KINDS.items():
            self.fields[key] = forms.IntegerField(
                label=kind.label,
                min_value=1,
                max_value=MAX_DAYS,
                help_text=_("Days, counted from %(start)s.") % {"start": kind.counted_from},
            )

    def values(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key in KINDS}
