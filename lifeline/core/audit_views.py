"""The audit log's console screen: search, read, export as CSV, verify the chain."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lifeline.core import auditlog
from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.actions import Action
from lifeline.core.downloads import download_response
from lifeline.core.tasks import audit_chain_verify_task


class AuditSearchForm(forms.Form):
    person = forms.IntegerField(
        label=gettext_lazy("Person (registry id)"), required=False, min_value=1
    )
    actor = forms.CharField(
        label=gettext_lazy("Actor"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("a staff username, or system or public"),
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("any"))] + [(a.value, a.value) for a in sorted(Action)],
    )
    object_type = forms.CharField(label=gettext_lazy("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=gettext_lazy("Object id"), required=False, max_length=64)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the range is before its start."))
        return data

    def search(self) -> auditlog.AuditSearch:
        data = self.cleaned_data
        return auditlog.AuditSearch(
            person=data["person"],
            actor=data["actor"].strip(),
            action=data["action"],
            object_type=data["object_type"].strip().lower(),
            object_id=data["object_id"].strip(),
            since=data["since"],
            until=data["until"],
        )


def _object_types() -> list[str]:
    return sorted(
        m._meta.label_lower for m in apps.get_models() if m.__module__.startswith("lifeline.")
    )


@staff_view(Perm.AUDIT_VIEW)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = AuditSearchForm(request.GET)
    page = None
    if form.is_valid():
        page = auditlog.audit_search_for(
            user=user, search=form.search(), page=request.GET.get("page", 1)
        )
    context = {
        "form": form,
        "page": page,
        "object_types": _object_types(),
        "verification": auditlog.audit_last_verification(user=user),
        "export_limit": auditlog.EXPORT_LIMIT,
    }
    return render(request, "console/audit/log.html", context)


@staff_view(Perm.AUDIT_VIEW)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return render(request, "console/audit/log.html", {"form": form, "page": None}, status=400)
    export = auditlog.audit_export_for(user=staff_user(request), search=form.search())
    return download_response(
        export.content, filename="audit-log.csv", content_type="text/csv; charset=utf-8"
    )


@staff_view(Perm.AUDIT_VIEW)
@require_POST
def audit_verify_request(request: HttpRequest) -> HttpResponse:
    # The walk reads every event: the worker does it, and records the result as this user's.
    audit_chain_verify_task.enqueue(staff_user(request).pk)
    messages.info(
        request,
        _("The chain is being verified in the background; the result shows here when it is done."),
    )
    return redirect("audit:log")
