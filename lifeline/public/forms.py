"""The public forms: three ways to write in, the receipt check, and a follow-up message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lifeline.cases.models import Relationship
from lifeline.core.receipts import ALPHABET, SECRET_CHARS, canonical, normalise_reference
from lifeline.intake.text import clean_text
from lifeline.public.form_tokens import TOKEN_RE, new_form_token


class MessageField(forms.CharField):
    """Free text: control characters dropped, line breaks kept, at most the public limit."""

    widget = forms.Textarea

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Your message"))
        super().__init__(max_length=settings.PUBLIC_MESSAGE_MAX_CHARS, strip=False, **kwargs)
        self.error_messages["required"] = _("Please write your message.")
        self.error_messages["max_length"] = _(
            "The message is too long: %(show_value)d characters, and the limit is "
            "%(limit_value)d. Please shorten it or send it in two parts."
        )

    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value) or "")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # A browser would cut a long paste silently at maxlength; the server says so instead.
        attrs.pop("maxlength", None)
        attrs["rows"] = 8
        return attrs


class LineField(forms.CharField):
    """One line of optional text, such as a name or a place."""

    def __init__(self, *, max_length: int = 150, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(max_length=max_length, strip=False, **kwargs)

    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value) or "", multiline=False)


class PublicForm(forms.Form):
    """A form of the public site: no ':' after labels, and its answers ready to store."""

    # Fields copied, when filled in, into Contact.fields.
    answer_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def answers(self) -> dict[str, str]:
        data = self.cleaned_data
        return {name: data[name] for name in self.answer_fields if data[name]}


class WriteForm(PublicForm):
    """A form that opens a case: it carries a token of its own, so sending it twice opens one."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Drawn at each render; a form shown again with errors keeps the token it was sent with.
        self.fields["form_token"].initial = new_form_token()

    def clean_form_token(self) -> str:
        token = self.cleaned_data["form_token"]
        # A page from before tokens, or a mangled one, is still taken: as a form of its own.
        return token if TOKEN_RE.match(token) else ""


class SurrenderForm(WriteForm):
    message = MessageField(
        help_text=_("Write in your own words what you want and what situation you are in.")
    )


class FamilyForm(WriteForm):
    RELATIONSHIPS = [("", _("— choose —")), *Relationship.choices]

    sought_surname = LineField(label=pgettext_lazy("public", "Surname"))
    sought_given_name = LineField(label=pgettext_lazy("public", "Given name"))
    sought_patronymic = LineField(
        label=pgettext_lazy("public", "Patronymic"), help_text=_("If there is one.")
    )
    sought_birth = LineField(
        max_length=30,
        label=_("Year or date of birth"),
        help_text=_("For example 1995 or 14.03.1995."),
    )
    sought_unit = LineField(
        max_length=200, label=_("Military unit"), help_text=_("Number or name, if you know it.")
    )
    sought_last_place = LineField(
        max_length=200,
        label=_("Last known whereabouts"),
        help_text=_("A town, district or area, and when, if you know."),
    )
    message = MessageField(
        label=_("What you know"),
        help_text=_(
            "Anything that may help: when you last had news, what happened, other spellings "
            "of the name, whether you have photos or documents."
        ),
    )
    relationship = forms.ChoiceField(
        label=_("Who are you to this person?"), choices=RELATIONSHIPS, required=False
    )
    enquirer_name = LineField(label=_("Your name"))
    enquirer_contact = LineField(
        max_length=200,
        label=_("How we may contact you"),
        help_text=_(
            "Phone, e-mail or messenger. Leave it empty if being contacted could put you at "
            "risk: our answer will always be on the status page too."
        ),
    )

    answer_fields = (
        "sought_surname",
        "sought_given_name",
        "sought_patronymic",
        "sought_birth",
        "sought_unit",
        "sought_last_place",
        "relationship",
        "enquirer_name",
        "enquirer_contact",
    )


def answers_for_display(answers: dict[str, str]) -> list[tuple[str, str]]:
    """A contact's stored answers as (label, value) pairs in the page's language."""
    fields = FamilyForm.base_fields
    choices = dict(FamilyForm.RELATIONSHIPS)
    shown = []
    for name in FamilyForm.answer_fields:
        value = answers.get(name)
        if value and name == "relationship":
            value = str(choices.get(value, value))
        if value:
            shown.append((str(fields[name].label), value))
    return shown


class OtherForm(WriteForm):
    message = MessageField(
        help_text=_("Tell us what it is about. Write only what you are comfortable sharing.")
    )


# Cyrillic letters that look like Latin ones (or digits), as typed on a Cyrillic keyboard by
# someone copying a receipt from paper.
_LOOKALIKES = str.maketrans("АВСЕНКМОРТХУЗІ", "ABCEHKMOPTXY31")


def _latin(text: str) -> str:
    return clean_text(text, multiline=False).upper().translate(_LOOKALIKES)


class SecretInput(forms.TextInput):
    """A text box (the code is easier to type when seen) that never writes its value back."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # A re-shown form must not carry the secret in the page, even a mistyped one.
        return super().get_context(name, None, attrs)


class StatusForm(PublicForm):
    """Reference and secret, typed as people type them: any case, spaces, dashes or none."""

    reference = forms.CharField(
        label=pgettext_lazy("public", "Reference"),
        help_text=_("It looks like LF-7K3Q-9D2M."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=_("Secret code"),
        help_text=_("16 letters and digits. Spaces and dashes do not matter."),
        max_length=60,
        widget=SecretInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    # A follow-up written after the page had closed itself: kept so that it is not lost.
    message = MessageField(label=_("Your message, not sent yet"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("reference", "secret"):
            self.fields[name].error_messages["required"] = _("Please fill this in.")

    def clean_reference(self) -> str:
        reference = normalise_reference(_latin(self.cleaned_data["reference"]))
        if reference is None:
            raise forms.ValidationError(
                _("This is not a reference. It looks like LF-7K3Q-9D2M."), code="invalid"
            )
        return reference

    def clean_secret(self) -> str:
        secret = canonical(_latin(self.cleaned_data["secret"]))
        if len(secret) != SECRET_CHARS or not set(secret) <= set(ALPHABET):
            raise forms.ValidationError(
                _("The secret code has 16 letters and digits. Please check it."), code="invalid"
            )
        return secret


class ReplyForm(PublicForm):
    message = MessageField()
