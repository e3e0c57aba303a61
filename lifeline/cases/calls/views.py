"""The console's "log a call" page: an operator records a call while talking to the caller."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lifeline.cases.calls.forms import CallLogForm
from lifeline.cases.calls.services import LoggedCall, call_log_record
from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.viewflow import form_action


@staff_view(Perm.CASE_CREATE)
@require_http_methods(["GET", "POST"])
def call_log(request: HttpRequest) -> HttpResponse:
    form = CallLogForm(request.POST if request.method == "POST" else None)
    return form_action(
        request,
        form,
        lambda: call_log_record(actor=staff_user(request), **form.cleaned_data),
        success=_logged_message,
        redirect_to=lambda logged: redirect("cases:detail", key=logged.case.pk),
        page=lambda status: _log_page(request, form, status),
    )


def _logged_message(logged: LoggedCall) -> str:
    if logged.reused:
        text = _("Call logged on the caller's open case %(ref)s.")
    else:
        text = _("Call logged; case %(ref)s opened.")
    return text % {"ref": logged.case.reference}


def _log_page(request: HttpRequest, form: CallLogForm, status: int) -> HttpResponse:
    form.focus_first_error()
    return render(request, "console/calls/log.html", {"form": form}, status=status)
