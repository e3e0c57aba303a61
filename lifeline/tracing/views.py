"""Tracing console: the enquiries queue, an enquiry's page and its actions, duplicates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lifeline.cases.selectors import case_get_for
from lifeline.core.access import Perm, has_perm, staff_user, staff_view
from lifeline.core.viewflow import form_action
from lifeline.registry.services import RegistryRefused, person_merge
from lifeline.tracing import engine, selectors
from lifeline.tracing.forms import (
    DecisionNoteForm,
    DisclosureForm,
    EnquiryCreateForm,
    EnquiryForm,
    MergeForm,
    QueueFilterForm,
    ReviewForm,
    VerifyForm,
)
from lifeline.tracing.models import Disclosure, Enquiry
from lifeline.tracing.services import candidates, disclosures, duplicates, enquiries
from lifeline.tracing.services.common import TracingRefused
from lifeline.tracing.tasks import duplicates_find_task

PAGE_SIZE = 50
APPROVALS = "approvals"  # ?from= and next=: the supervisor came from the approval list


def _back(enquiry: Enquiry | int) -> HttpResponse:
    return redirect("tracing:enquiry", pk=getattr(enquiry, "pk", enquiry))


def _after_decision(request: HttpRequest, enquiry: int) -> HttpResponse:
    """Back to the approval list the supervisor came from, else to the enquiry."""
    if request.POST.get("next") == APPROVALS:
        return redirect("tracing:approvals")
    return _back(enquiry)


@staff_view(Perm.ENQUIRY_VIEW)
@require_GET
def enquiry_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    who = form.cleaned_data["who"] if form.is_valid() else ""
    queue = selectors.enquiry_queue_for(user=staff_user(request), who=who)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tracing/enquiries.html", {"form": form, "page": page})


def _render_enquiry(
    request: HttpRequest, enquiry: Enquiry, forms: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    user = staff_user(request)
    from_letter = engine.letter_reading(enquiry)
    can_work = has_perm(user, Perm.ENQUIRY_WORK)
    disclosure_list = list(selectors.disclosure_list_for(user=user, enquiry=enquiry))
    # One answer awaits approval at a time: while it does, no second draft is offered.
    pending = any(d.state == Disclosure.State.DRAFT for d in disclosure_list)
    drafting = can_work and enquiry.is_open and enquiry.enquirer_verified and not pending
    start = selectors.answer_start_for(user=user, enquiry=enquiry) if drafting else None
    context: dict[str, Any] = {
        "enquiry": enquiry,
        # Unsaved: the sought person as the engine read him from the letter, for display.
        "letter": Enquiry(**from_letter) if from_letter else None,
        "candidates": selectors.candidate_list_for(user=user, enquiry=enquiry),
        "disclosures": disclosure_list,
        "answer_pending": pending,
        "drafting": drafting,
        "answer_start": start,
        "threshold": engine.THRESHOLD,
        "can_work": can_work,
        "can_approve": has_perm(user, Perm.DISCLOSURE_APPROVE),
        "from_approvals": request.GET.get("from") == APPROVALS,
        "verify_form": VerifyForm(),
        "disclosure_form": DisclosureForm(initial={"text": start.text if start else ""}),
        "reject_form": DecisionNoteForm(),
        **(forms or {}),
    }
    return render(request, "tracing/enquiry_detail.html", context, status=status)


@staff_view(Perm.ENQUIRY_VIEW)
@require_GET
def enquiry(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_enquiry(request, selectors.enquiry_get_for(user=staff_user(request), pk=pk))


@staff_view(Perm.ENQUIRY_WORK)
def enquiry_create(request: HttpRequest) -> HttpResponse:
    form = EnquiryCreateForm(request.POST or None)

    def open_enquiry() -> Enquiry:
        try:
            case = case_get_for(user=staff_user(request), key=form.cleaned_data["case"])
        except Http404:
            raise TracingRefused(_("No case has this reference.")) from None
        return enquiries.enquiry_open(
            actor=staff_user(request), case=case, data=form.enquiry_data()
        )

    return form_action(
        request,
        form,
        open_enquiry,
        success=_("Enquiry opened."),
        redirect_to=_back,
        template="tracing/enquiry_form.html",
        context={"enquiry": None},
        error_field="case",
    )


@staff_view(Perm.ENQUIRY_WORK)
def enquiry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.enquiry_get_for(user=staff_user(request), pk=pk, purpose="edit")
    initial = EnquiryForm.initial_for(current)
    # "Confirm or correct" on the enquiry page: the fields the engine read from the letter are
    # filled in for the officer to check; saving them is the ordinary, audited update.
    from_letter = engine.letter_reading(current) if request.GET.get("from") == "letter" else {}
    form = EnquiryForm(request.POST or None, initial={**initial, **from_letter})
    return form_action(
        request,
        form,
        lambda: enquiries.enquiry_update(
            actor=staff_user(request), enquiry=current, data=form.enquiry_data()
        ),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: _back(current),
        template="tracing/enquiry_form.html",
        context={"enquiry": current, "from_letter": sorted(from_letter)},
    )


@staff_view(Perm.ENQUIRY_WORK)
@require_POST
def enquiry_match(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.enquiry_get_for(user=staff_user(request), pk=pk, purpose="match")
    try:
        summary = enquiries.enquiry_match(actor=staff_user(request), enquiry=current)
    except TracingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Matched: %(n)d candidates, %(new)d new above the threshold.")
            % {"n": summary.shown, "new": summary.new_above_threshold},
        )
    return _back(current)


_REVIEWS = {
    "confirm": (
        candidates.candidate_confirm,
        gettext_lazy("Candidate confirmed: the enquiry is linked to him."),
    ),
    "reject": (
        candidates.candidate_reject,
        gettext_lazy("Candidate rejected: he will not be proposed again."),
    ),
    "reopen": (candidates.candidate_reopen, gettext_lazy("The decision is taken back.")),
}


@staff_view(Perm.ENQUIRY_WORK)
@require_POST
def candidate_review(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = selectors.candidate_get_for(user=staff_user(request), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose confirm or reject."))
        return _back(candidate.enquiry_id)
    service, done = _REVIEWS[form.cleaned_data["action"]]
    try:
        service(actor=staff_user(request), candidate=candidate)
    except TracingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return _back(candidate.enquiry_id)


@staff_view(Perm.ENQUIRY_WORK)
@require_POST
def enquirer_verify(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.enquiry_get_for(user=staff_user(request), pk=pk, purpose="verify")
    form = VerifyForm(request.POST)
    return form_action(
        request,
        form,
        lambda: disclosures.enquirer_verify(
            actor=staff_user(request), enquiry=current, **form.cleaned_data
        ),
        success=_("The enquirer is marked verified."),
        redirect_to=lambda _verified: _back(current),
        page=lambda status: _render_enquiry(request, current, {"verify_form": form}, status=status),
    )


@staff_view(Perm.ENQUIRY_WORK)
@require_POST
def disclosure_draft(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.enquiry_get_for(user=staff_user(request), pk=pk, purpose="disclosure")
    form = DisclosureForm(request.POST)
    return form_action(
        request,
        form,
        lambda: disclosures.disclosure_draft(
            actor=staff_user(request), enquiry=current, text=form.cleaned_data["text"]
        ),
        success=_("Answer drafted: a supervisor must approve it."),
        redirect_to=lambda _draft: _back(current),
        page=lambda status: _render_enquiry(
            request, current, {"disclosure_form": form}, status=status
        ),
    )


@staff_view(Perm.DISCLOSURE_APPROVE)
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    drafts = selectors.disclosure_pending_for(user=staff_user(request))
    page = Paginator(drafts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tracing/approvals.html", {"page": page, "from": APPROVALS})


@staff_view(Perm.DISCLOSURE_APPROVE)
@require_POST
def disclosure_approve(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = selectors.disclosure_get_for(user=staff_user(request), pk=pk)
    try:
        disclosures.disclosure_approve(actor=staff_user(request), disclosure=disclosure)
    except TracingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Approved: the answer is on the enquirer's status page."))
        return _after_decision(request, disclosure.enquiry_id)
    return _back(disclosure.enquiry_id)


@staff_view(Perm.DISCLOSURE_APPROVE)
@require_POST
def disclosure_reject(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = selectors.disclosure_get_for(user=staff_user(request), pk=pk)
    form = DecisionNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say in the note why the answer is rejected."))
        return _back(disclosure.enquiry_id)
    try:
        disclosures.disclosure_reject(
            actor=staff_user(request), disclosure=disclosure, note=form.cleaned_data["note"]
        )
    except TracingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The answer is sent back to the officer."))
        return _after_decision(request, disclosure.enquiry_id)
    return _back(disclosure.enquiry_id)


@staff_view(Perm.REGISTRY_MERGE)
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    pairs = selectors.duplicate_list_for(user=staff_user(request))
    return render(request, "tracing/duplicates.html", {"pairs": pairs})


@staff_view(Perm.REGISTRY_MERGE)
@require_POST
def duplicates_find(request: HttpRequest) -> HttpResponse:
    # Minutes on a large registry: the worker runs it, as this user.
    duplicates_find_task.enqueue(staff_user(request).pk)
    messages.info(
        request,
        _(
            "The registry is being compared in the background; likely duplicates show here "
            "when it is done."
        ),
    )
    return redirect("tracing:duplicates")


@staff_view(Perm.REGISTRY_MERGE)
@require_POST
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.duplicate_get_for(user=staff_user(request), pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose which record to keep."))
        return redirect("tracing:duplicates")
    keep, merge = (pair.left, pair.right)
    if form.cleaned_data["keep"] == "right":
        keep, merge = merge, keep
    try:
        person_merge(actor=staff_user(request), keep=keep, merge=merge)
    except RegistryRefused as refused:
        messages.error(request, refused.message)
        return redirect("tracing:duplicates")
    messages.success(request, _("Merged: the record kept holds both histories."))
    return redirect("registry:person", pk=keep.pk)


@staff_view(Perm.REGISTRY_MERGE)
@require_POST
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.duplicate_get_for(user=staff_user(request), pk=pk)
    try:
        duplicates.duplicate_dismiss(actor=staff_user(request), pair=pair)
    except TracingRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Marked as two different persons."))
    return redirect("tracing:duplicates")
