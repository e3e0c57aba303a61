"""Registry console: match a whole list against the registry, nothing written to it; the result
table, a person's confirmation or rejection per row, and its download (docs/lists.md)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lifeline.core.access import Perm, has_perm, staff_user, staff_view
from lifeline.core.downloads import download_response
from lifeline.core.viewflow import form_action
from lifeline.registry import import_jobs, lists, selectors
from lifeline.registry.forms import ListDecideForm, ListUploadForm
from lifeline.registry.import_views import job_page
from lifeline.registry.models import ImportJob, ListMatch, ListMatchRow

FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@staff_view(Perm.REGISTRY_VIEW)
def list_index(request: HttpRequest) -> HttpResponse:
    """The lists matched so far, and the form to match another."""
    user = staff_user(request)
    form = ListUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        mappings=lists.list_mapping_list_for(user=user),
    )

    def match() -> ListMatch | ImportJob:
        upload = form.cleaned_data["file"]
        return import_jobs.list_match_start(
            actor=user,
            data=upload.read(),
            kind=form.cleaned_data["kind"],
            filename=upload.name or "",
            mapping=form.cleaned_data["mapping"],
            columns=form.columns(),
            sheet=form.cleaned_data["sheet"],
        )

    def done(started: ListMatch | ImportJob) -> str:
        if isinstance(started, ImportJob):
            return _("The list is long: the background worker matches it.")
        return _("The list is matched. Nothing was written to the registry.")

    def shown(started: ListMatch | ImportJob) -> HttpResponse:
        if isinstance(started, ImportJob):
            return redirect("registry:list_job", job_id=started.pk)
        return redirect("registry:list", pk=started.pk)

    return form_action(
        request,
        form,
        match,
        success=done,
        redirect_to=shown,
        template="registry/lists.html",
        context={
            "lists": lists.list_match_list_for(user=user),
            "jobs": selectors.list_jobs_pending_for(user=user),
        },
    )


@staff_view(Perm.REGISTRY_VIEW)
@require_GET
def list_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """Where the worker is with a long list; the page reloads itself until it is done."""
    job = selectors.list_job_get_for(user=staff_user(request), pk=job_id)
    if job.state == ImportJob.State.DONE and job.list_match_id:
        messages.success(request, _("The list is matched. Nothing was written to the registry."))
        return redirect("registry:list", pk=job.list_match_id)
    return job_page(request, job)


@staff_view(Perm.REGISTRY_VIEW)
@require_GET
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The result table, of one band or all; each candidate shown is audited as read."""
    user = staff_user(request)
    listed = lists.list_match_get_for(user=user, pk=pk)
    band = request.GET.get("band", "")
    band = band if band in ListMatchRow.Band.values else ""
    rows = lists.list_page_for(
        user=user, list_id=listed.pk, band=band, page=request.GET.get("page", 1)
    )
    bands = [
        (value, label, listed.counts.get(value, 0)) for value, label in ListMatchRow.Band.choices
    ]
    confirmed = listed.rows.filter(decision=ListMatchRow.Decision.CONFIRMED).count()
    context = {
        "listed": listed,
        "rows": rows,
        "band": band,
        "bands": bands,
        "confirmed": confirmed,
        "can_exchange": listed.kind == ListMatch.Kind.EXCHANGE
        and has_perm(user, Perm.EXCHANGE_MANAGE),
    }
    return render(request, "registry/list_detail.html", context)


@staff_view(Perm.REGISTRY_VIEW)
@require_POST
def list_row_decide(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    """Confirm which candidate is the row's person, reject them all, or take it back."""
    user = staff_user(request)
    row = lists.list_row_get_for(user=user, list_id=pk, line=line)
    form = ListDecideForm(request.POST)
    band, page = "", 1
    if not form.is_valid():
        messages.error(request, _("Choose a candidate, or reject them all."))
    else:
        band, page = form.cleaned_data["band"], form.cleaned_data["page"] or 1
        person = form.cleaned_data["person"]
        # "This is him" sends the candidate; "None of them" and "Undo" send the decision.
        decision = ListMatchRow.Decision.CONFIRMED if person else form.cleaned_data["decision"]
        try:
            lists.list_row_decide(actor=user, row=row, decision=decision, person=person)
        except lists.ListRefused as refused:
            messages.error(request, refused.message)
    query = urlencode({k: v for k, v in (("band", band), ("page", page)) if v and v != 1})
    url = reverse("registry:list", kwargs={"pk": pk})
    return redirect(f"{url}?{query}#line-{line}" if query else f"{url}#line-{line}")


@staff_view(Perm.REGISTRY_VIEW)
@require_GET
def list_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The result table as CSV or XLSX, in the console's language."""
    kind = request.GET.get("kind", "xlsx")
    band = request.GET.get("band", "")
    if kind not in lists.FILE_KINDS or (band and band not in ListMatchRow.Band.values):
        messages.error(request, _("Unknown file kind or band."))
        return redirect("registry:list", pk=pk)
    filename, content = lists.list_file_for(
        user=staff_user(request), list_id=pk, kind=kind, band=band
    )
    return download_response(content, filename=filename, content_type=FILE_TYPES[kind])


@staff_view(Perm.REGISTRY_VIEW)
@require_POST
def list_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_user(request)
    listed = lists.list_match_get_for(user=user, pk=pk)
    lists.list_match_delete(actor=user, listed=listed)
    messages.success(request, _("The list and its results are deleted."))
    return redirect("registry:lists")
