"""Forms of the login flow, the user's own account page, enrolment and staff administration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from lifeline.accounts.models import ConsoleLanguage, User
from lifeline.accounts.roles import ROLE_NAMES
from lifeline.core.access import Role
from lifeline.core.zones import zone_names


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("Six digits, or one of your backup codes."),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "size": 10,
            }
        ),
    )


class ConsoleLanguageForm(forms.Form):
    console_language = forms.ChoiceField(
        label=_("Console language"), choices=ConsoleLanguage.choices
    )


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in zone_names()]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_zone_choices,
        help_text=_("The console shows every time in this zone, and names it."),
    )


def role_choices() -> list[tuple[str, str]]:
    return [(role, str(ROLE_NAMES[role])) for role in Role.ALL]


class InviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("The name he logs in with: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Optional. If given, the link is also sent there."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=role_choices, widget=forms.CheckboxSelectMultiple
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=role_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class EnrolForm(forms.Form):
    """A new password, twice, and the first code of the authenticator just set up."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=_("At least 12 characters; not a common password, not your username."),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second: str = self.cleaned_data["password2"]
        if first and first != second:
            raise forms.ValidationError(_("The two passwords differ."))
        return second

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password1")
        if password:
            try:
                validate_password(password, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
