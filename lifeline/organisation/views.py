"""The console page where an administrator sets the organisation's public settings."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.viewflow import form_action
from lifeline.organisation import selectors, services
from lifeline.organisation.forms import OrganisationForm


@staff_view(Perm.ORGANISATION_EDIT)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    current = selectors.organisation_get_for(user=staff_user(request))
    posted = request.POST if request.method == "POST" else None
    form = OrganisationForm(posted, initial=OrganisationForm.initial_for(current))
    return form_action(
        request,
        form,
        lambda: services.organisation_update(actor=staff_user(request), **form.values()),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: redirect("organisation:edit"),
        template="console/organisation/edit.html",
        context={"organisation": current},
    )
