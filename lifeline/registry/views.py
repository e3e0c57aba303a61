"""Registry console: search, a person's record, and the forms that change it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lifeline.core.access import Perm, staff_view
from lifeline.registry import selectors, services
from lifeline.registry.forms import NameFormForm, PersonForm, PersonSearchForm, StatusEventForm
from lifeline.registry.models import PersonStatus


@staff_view(Perm.REGISTRY_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET)
    page = None
    if form.is_valid() and form.criteria().used():
        page = selectors.person_search_for(
            user=request.user, criteria=form.criteria(), page=request.GET.get("page", 1)
        )
    counts = selectors.registry_counts_for(user=request.user)
    return render(
        request,
        "registry/search.html",
        {
            "form": form,
            "page": page,
            "counts": [(PersonStatus(s).label, n) for s, n in counts.items() if n],
            "total": sum(counts.values()),
        },
    )


@staff_view(Perm.REGISTRY_VIEW)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=request.user, pk=pk)
    return render(
        request,
        "registry/person_detail.html",
        {"person": person, "history": selectors.status_history(person)},
    )


@staff_view(Perm.REGISTRY_EDIT)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, initial={"inform_family": "unknown"})
    if request.method == "POST" and form.is_valid():
        person = services.person_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Person added to the registry."))
        return redirect("registry:person", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": None})


@staff_view(Perm.REGISTRY_EDIT)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=request.user, pk=pk, purpose="edit")
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        changed = services.person_update(actor=request.user, person=person, data=form.cleaned_data)
        messages.success(request, _("Saved.") if changed else _("Nothing changed."))
        return redirect("registry:person", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


@staff_view(Perm.REGISTRY_EDIT)
def name_form_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=request.user, pk=pk, purpose="name_form_add")
    sources = selectors.source_list_for(user=request.user)
    form = NameFormForm(request.POST or None, sources=sources)
    if request.method == "POST" and form.is_valid():
        services.name_form_add(actor=request.user, person=person, **form.cleaned_data)
        messages.success(request, _("Name form added."))
        return redirect("registry:person", pk=person.pk)
    return render(request, "registry/name_form_form.html", {"form": form, "person": person})


@staff_view(Perm.REGISTRY_EDIT)
def status_event_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get_for(user=request.user, pk=pk, purpose="status_add")
    sources = selectors.source_list_for(user=request.user)
    form = StatusEventForm(request.POST or None, sources=sources)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.status_event_add(
            actor=request.user,
            person=person,
            status=data["status"],
            verification=data["verification"],
            source=data["source"],
            new_source=form.new_source(),
            occurred_on=data["occurred_on"],
            place=data["place"],
            note=data["note"],
        )
        messages.success(request, _("Status event recorded."))
        return redirect("registry:person", pk=person.pk)
    return render(request, "registry/status_event_form.html", {"form": form, "person": person})
