"""The console's view of the inbox itself: what failed or is stuck, and the retry button."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from lifeline.core.access import Perm, has_perm, staff_user, staff_view
from lifeline.intake import inbox, selectors
from lifeline.intake.models import Contact

PAGE_SIZE = 50


@staff_view(Perm.INTAKE_MANAGE)
@require_GET
def troubled(request: HttpRequest) -> HttpResponse:
    contacts = selectors.contact_list_troubled()
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "failed_count": contacts.filter(state=Contact.State.FAILED).count(),
        "can_open_cases": has_perm(request.user, Perm.CASE_VIEW),
    }
    return render(request, "console/intake/troubled.html", context)


@staff_view(Perm.INTAKE_MANAGE)
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    inbox.contact_retry(actor=staff_user(request), contact=contact)
    messages.success(request, gettext("Item %(id)s is queued again.") % {"id": pk})
    return redirect("inbox:troubled")


@staff_view(Perm.INTAKE_MANAGE)
@require_POST
def retry_all(request: HttpRequest) -> HttpResponse:
    failed = list(Contact.objects.filter(state=Contact.State.FAILED).order_by("id"))
    for contact in failed:
        inbox.contact_retry(actor=staff_user(request), contact=contact)
    messages.success(
        request,
        ngettext("%(n)d item is queued again.", "%(n)d items are queued again.", len(failed))
        % {"n": len(failed)},
    )
    return redirect("inbox:troubled")
