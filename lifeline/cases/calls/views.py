"""The console's "log a call" page: an operator records a call while talking to the caller."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lifeline.cases.calls.forms import CallLogForm
from lifeline.cases.calls.services import CallRefused, call_log_record
from lifeline.core.access import Perm, staff_view


@staff_view(Perm.CASE_CREATE)
@require_http_methods(["GET", "POST"])
def call_log(request: HttpRequest) -> HttpResponse:
    form = CallLogForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            logged = call_log_record(actor=request.user, **form.cleaned_data)
        except CallRefused as refused:
            form.add_error(None, refused.message)
        else:
            reference = logged.case.reference
            if logged.reused:
                text = _("Call logged on the caller's open case %(ref)s.")
            else:
                text = _("Call logged; case %(ref)s opened.")
            messages.success(request, text % {"ref": reference})
            return redirect("cases:detail", key=logged.case.pk)
    form.focus_first_error()
    status = 400 if form.is_bound else 200
    return render(request, "console/calls/log.html", {"form": form}, status=status)
