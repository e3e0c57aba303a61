"""Registry console: search, a person's record, the forms that change it, his capture card,
and the exports for the central tracing agency."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lifeline.core.access import Perm, has_perm, staff_user, staff_view
from lifeline.core.downloads import download_response
from lifeline.core.viewflow import form_action
from lifeline.registry import agency_format, capture_card, selectors, services
from lifeline.registry.forms import (
    ExportDraftForm,
    NameFormForm,
    PersonForm,
    PersonSearchForm,
    StatusEventForm,
)
from lifeline.registry.models import Source, StatusEvent
from lifeline.registry.services import RegistryRefused
from lifeline.registry.tally import count_status_label

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@staff_view(Perm.REGISTRY_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET)
    page = None
    if form.is_valid() and form.criteria().used():
        page = selectors.person_search_for(
            user=staff_user(request), criteria=form.criteria(), page=request.GET.get("page", 1)
        )
    counts, counted_at = selectors.registry_counts_for(user=staff_user(request))
    return render(
        request,
        "registry/search.html",
        {
            "form": form,
            "page": page,
            "search_limit": selectors.SEARCH_LIMIT,
            "counts": [(count_status_label(s), n) for s, n in counts.items() if n],
            "total": sum(counts.values()),
            "counted_at": counted_at,
        },
    )


@staff_view(Perm.REGISTRY_VIEW)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=staff_user(request), pk=pk)
    return render(
        request,
        "registry/person_detail.html",
        {"person": person, "history": selectors.status_history(person)},
    )


@staff_view(Perm.REGISTRY_EDIT)
def person_create(request: HttpRequest) -> HttpResponse:
    """Add a person; first, if the registry holds persons the engine takes for him, the
    registrar chooses: one of them (the name is added to him as a name form), or a new person.

    Two steps without script: the form posts; while the registrar has not chosen ("duplicate"
    is "new" or a person's id), the persons found are shown with the values kept hidden.
    """
    form = PersonForm(request.POST or None, initial={"inform_family": "unknown"})
    choice = request.POST.get("duplicate", "")
    if form.is_bound and form.is_valid() and choice != "new":
        if choice.isdigit():
            return _name_form_for_same(request, form, int(choice))
        candidates = selectors.person_duplicates_for(
            user=staff_user(request), data=form.cleaned_data
        )
        if candidates:
            return render(
                request,
                "registry/person_duplicates.html",
                {"form": form, "candidates": candidates},
            )
    return form_action(
        request,
        form,
        lambda: services.person_create(actor=staff_user(request), data=form.cleaned_data),
        success=_("Person added to the registry."),
        redirect_to=lambda person: redirect("registry:person", pk=person.pk),
        template="registry/person_form.html",
        context={"person": None},
    )


def _name_form_for_same(request: HttpRequest, form: PersonForm, pk: int) -> HttpResponse:
    """The registrar says the new person is this one: his name is added as a name form."""
    person = selectors.person_get_for(user=staff_user(request), pk=pk, purpose="name_form_add")
    data = form.cleaned_data
    return form_action(
        request,
        form,
        lambda: services.name_form_add(
            actor=staff_user(request),
            person=person,
            surname=data["surname"],
            given_name=data["given_name"],
            patronymic=data["patronymic"],
            language=data["name_language"],
        ),
        success=_("The name was added to this person as a name form; no new person was made."),
        redirect_to=lambda _added: redirect("registry:person", pk=person.pk),
        template="registry/person_form.html",
        context={"person": None},
    )


@staff_view(Perm.REGISTRY_EDIT)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=staff_user(request), pk=pk, purpose="edit")
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
    return form_action(
        request,
        form,
        lambda: services.person_update(
            actor=staff_user(request), person=person, data=form.cleaned_data
        ),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: redirect("registry:person", pk=person.pk),
        template="registry/person_form.html",
        context={"person": person},
    )


SOURCE_FILTER_MAX_CHARS = 100


def _sources(request: HttpRequest) -> tuple[QuerySet[Source], str]:
    """The sources to pick from, narrowed by the page's own filter (?sources=a word of a title)."""
    narrowed = request.GET.get("sources", "").strip()[:SOURCE_FILTER_MAX_CHARS]
    return selectors.source_list_for(user=staff_user(request), title_contains=narrowed), narrowed


@staff_view(Perm.REGISTRY_EDIT)
def name_form_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=staff_user(request), pk=pk, purpose="name_form_add")
    sources, narrowed = _sources(request)
    form = NameFormForm(request.POST or None, sources=sources)
    return form_action(
        request,
        form,
        lambda: services.name_form_add(
            actor=staff_user(request), person=person, **form.cleaned_data
        ),
        success=_("Name form added."),
        redirect_to=lambda _added: redirect("registry:person", pk=person.pk),
        template="registry/name_form_form.html",
        context={"person": person, "sources_filter": narrowed, "sources": sources},
    )


@staff_view(Perm.REGISTRY_EDIT)
def status_event_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=staff_user(request), pk=pk, purpose="status_add")
    sources, narrowed = _sources(request)
    form = StatusEventForm(request.POST or None, sources=sources)

    def record() -> StatusEvent:
        data = form.cleaned_data
        return services.status_event_add(
            actor=staff_user(request),
            person=person,
            status=data["status"],
            verification=data["verification"],
            source=data["source"],
            new_source=form.new_source(),
            occurred_on=data["occurred_on"],
            place=data["place"],
            note=data["note"],
            grave_location=data["grave_location"],
        )

    return form_action(
        request,
        form,
        record,
        success=_("Status event recorded."),
        redirect_to=lambda _event: redirect("registry:person", pk=person.pk),
        template="registry/status_event_form.html",
        context={"person": person, "sources_filter": narrowed, "sources": sources},
    )


@staff_view(Perm.REGISTRY_VIEW)
@require_GET
def capture_card_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_capture_card_for(user=staff_user(request), pk=pk)
    card = capture_card.card_for(person, selectors.status_history(person), timezone.localdate())
    pdf = capture_card.render_pdf(card)
    return download_response(
        pdf, filename=f"capture-card-{person.pk}.pdf", content_type="application/pdf"
    )


def _render_exports(
    request: HttpRequest, form: ExportDraftForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "exports": selectors.registry_export_list_for(user=staff_user(request)),
        "format_version": agency_format.version(),
        "form": form or ExportDraftForm(initial={"format": "csv"}),
        "can_approve": has_perm(request.user, Perm.EXPORT_APPROVE),
    }
    return render(request, "registry/exports.html", context, status=status)


@staff_view(Perm.REGISTRY_EXPORT)
@require_GET
def exports(request: HttpRequest) -> HttpResponse:
    return _render_exports(request)


@staff_view(Perm.REGISTRY_EXPORT)
@require_GET
def export_schema(request: HttpRequest) -> HttpResponse:
    """The JSON Schema the exports follow, to send the agency with the first file."""
    return download_response(
        agency_format.schema_bytes(),
        filename=agency_format.SCHEMA_FILE,
        content_type="application/schema+json",
    )


@staff_view(Perm.REGISTRY_EXPORT)
@require_POST
def export_draft(request: HttpRequest) -> HttpResponse:
    form = ExportDraftForm(request.POST)
    return form_action(
        request,
        form,
        lambda: services.registry_export_draft(
            actor=staff_user(request),
            since=form.cleaned_data["since"],
            format=form.cleaned_data["format"],
        ),
        success=_("Export drafted: a supervisor other than you must approve it."),
        redirect_to=lambda _export: redirect("registry:exports"),
        page=lambda status: _render_exports(request, form, status=status),
        error_field="since",
    )


@staff_view(Perm.EXPORT_APPROVE)
@require_POST
def export_approve(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.registry_export_get_for(user=staff_user(request), pk=pk)
    try:
        services.registry_export_approve(actor=staff_user(request), export=export)
    except RegistryRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Export approved: it may now be downloaded."))
    return redirect("registry:exports")


@staff_view(Perm.REGISTRY_EXPORT)
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = selectors.registry_export_get_for(user=staff_user(request), pk=pk)
    try:
        content = services.registry_export_download(actor=staff_user(request), export=export)
    except RegistryRefused as refused:
        messages.error(request, refused.message)
        return redirect("registry:exports")
    return download_response(
        content, filename=export.filename, content_type=EXPORT_TYPES[export.format]
    )
