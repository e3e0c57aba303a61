"""Forms of the console queue and case page. They check input only; rules live in services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lifeline.accounts.selectors import user_list_with_perm
from lifeline.cases.fixed_replies import fixed_replies
from lifeline.cases.models import CallBackOutcome, CaseKind, Priority
from lifeline.cases.selectors import (
    AGE_FILTERS,
    ASSIGNEE_ME,
    ASSIGNEE_NONE,
    STATUS_ALL,
    STATUS_CLOSED,
    STATUS_OPEN,
    QueueFilters,
)
from lifeline.cases.services import (
    CALL_BACK_NOTE_MAX_CHARS,
    NOTE_MAX_CHARS,
    REPLY_MAX_CHARS,
    REPLY_TEMPLATE_TITLE_MAX_CHARS,
)
from lifeline.cases.workflows import CLOSED, STATE_LABELS
from lifeline.core.access import Perm
from lifeline.intake.adapters import ApprovedTemplate


def _status_choices() -> list[tuple[str, Any]]:
    states = [(code, label) for code, label in STATE_LABELS.items() if code != CLOSED]
    return [(STATUS_OPEN, _("open")), (STATUS_CLOSED, _("closed")), (STATUS_ALL, _("all")), *states]


def _age_choices() -> list[tuple[str, Any]]:
    return [("", _("any age")), *((key, label) for key, (label, _s, _d) in AGE_FILTERS.items())]


def _assignee_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("anyone")),
        (ASSIGNEE_ME, _("me")),
        (ASSIGNEE_NONE, _("unassigned")),
        *((str(u.pk), u.get_username()) for u in user_list_with_perm(perm=Perm.CASE_WORK)),
    ]


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("any kind")), *CaseKind.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_status_choices)
    age = forms.ChoiceField(label=_("Age"), required=False, choices=_age_choices)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, choices=_assignee_choices)
    urgent = forms.BooleanField(label=_("Urgent only"), required=False)

    def filters(self) -> QueueFilters:
        """The filters asked for; a value that does not validate is ignored, not an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueFilters(
            kind=data.get("kind") or "",
            status=data.get("status") or STATUS_OPEN,
            age=data.get("age") or "",
            assignee=data.get("assignee") or "",
            urgent=bool(data.get("urgent")),
        )


# The case page's one form (its id): every text typed on the page and every button belong to
# it, so whichever button is pressed, the typed texts travel with it and come back. Its fields
# carry no `required`: the browser would refuse "Take it" for want of a note. The services
# say what is missing for the button pressed.
WORK_FORM = "work"


class ReplyForm(forms.Form):
    use_required_attribute = False  # one form of the page: see WORK_FORM
    body = forms.CharField(
        label=_("Reply"),
        max_length=REPLY_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 4, "autofocus": True, "accesskey": "r", "form": WORK_FORM}
        ),
    )


def _fixed_reply_choices() -> list[tuple[str, str]]:
    # Labels in the console's language, which is active while the form renders.
    language = (get_language() or "en").split("-")[0]
    return [(key, reply.label(language)) for key, reply in fixed_replies().items()]


class FixedReplyForm(forms.Form):
    use_required_attribute = False  # one form of the page: see WORK_FORM
    key = forms.ChoiceField(
        label=_("Fixed reply"),
        choices=_fixed_reply_choices,
        widget=forms.Select(attrs={"form": WORK_FORM}),
    )


class TemplateReplyForm(forms.Form):
    """One of the approved templates a channel offers (WhatsApp, once its window has closed)."""

    use_required_attribute = False  # one form of the page: see WORK_FORM
    key = forms.ChoiceField(
        label=_("Approved template"), widget=forms.Select(attrs={"form": WORK_FORM})
    )

    def __init__(self, *args: Any, templates: Sequence[ApprovedTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        key = cast(forms.ChoiceField, self.fields["key"])
        key.choices = [(t.key, f"{t.language}: {t.text}") for t in templates]


class DecisionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is rejected"),
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    use_required_attribute = False  # one form of the page: see WORK_FORM
    text = forms.CharField(
        label=_("Internal note"),
        max_length=NOTE_MAX_CHARS,
        help_text=_("Seen by staff only."),
        widget=forms.Textarea(attrs={"rows": 3, "accesskey": "n", "form": WORK_FORM}),
    )


class TransitionForm(forms.Form):
    # Any string: the workflow, not the form, says which states may follow, and explains why not.
    to_status = forms.CharField(max_length=30)
    note = forms.CharField(
        label=_("Note (required to close)"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(forms.Form):
    # "me", "none", or a user's id.
    assignee = forms.CharField(max_length=20)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)


class CallBackForm(forms.Form):
    use_required_attribute = False  # one form of the page: see WORK_FORM
    outcome = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=CallBackOutcome.choices,
        widget=forms.RadioSelect(attrs={"form": WORK_FORM}),
    )
    call_note = forms.CharField(
        label=_("What was said (staff only)"),
        required=False,
        max_length=CALL_BACK_NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "form": WORK_FORM}),
    )


def _language_choices() -> list[tuple[str, Any]]:
    return list(settings.LANGUAGES)


class ReplyTemplateForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices)
    title = forms.CharField(label=_("Title"), max_length=REPLY_TEMPLATE_TITLE_MAX_CHARS)
    body = forms.CharField(
        label=_("Text"), max_length=REPLY_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8})
    )
