"""The console pages where an administrator sets the organisation's public settings and guidance."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.viewflow import form_action
from lifeline.organisation import guidance, selectors, services
from lifeline.organisation.forms import LANGUAGE_NAMES, GuidanceForm, OrganisationForm
from lifeline.organisation.models import LANGUAGES


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


@staff_view(Perm.ORGANISATION_EDIT)
@require_GET
def guidance_index(request: HttpRequest) -> HttpResponse:
    rows = selectors.guidance_rows_for(user=staff_user(request))
    table = [
        (topic, [(language, rows.get((topic.key, language))) for language in LANGUAGES])
        for topic in guidance.TOPICS
    ]
    languages = [(language, LANGUAGE_NAMES[language]) for language in LANGUAGES]
    return render(
        request,
        "console/organisation/guidance_index.html",
        {"table": table, "languages": languages},
    )


@staff_view(Perm.ORGANISATION_EDIT)
@require_http_methods(["GET", "POST"])
def guidance_edit(request: HttpRequest, language: str) -> HttpResponse:
    if language not in LANGUAGES:
        raise Http404
    current = selectors.guidance_get_for(user=staff_user(request), language=language)
    posted = request.POST if request.method == "POST" else None
    form = GuidanceForm(posted, initial=current, language=language)
    return form_action(
        request,
        form,
        lambda: services.guidance_update(
            actor=staff_user(request), language=language, texts=form.cleaned_data
        ),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: redirect("organisation:guidance"),
        template="console/organisation/guidance_edit.html",
        context={"language": language, "language_name": LANGUAGE_NAMES[language]},
    )
