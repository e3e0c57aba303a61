"""Forms of the login flow and of the user's own account page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lifeline.accounts.models import ConsoleLanguage


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
