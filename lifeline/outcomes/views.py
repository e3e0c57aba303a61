"""Outcomes console: the case panel's actions, exchange batches, handovers, the catalogue.

Each action view checks a form and calls one service; a refusal comes back as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lifeline.accounts.models import User
from lifeline.cases.selectors import case_get_for
from lifeline.core.access import Perm, has_perm, staff_view
from lifeline.core.exceptions import ActionRefused
from lifeline.core.viewflow import form_action
from lifeline.outcomes import selectors, services
from lifeline.outcomes.forms import (
    RELATIONSHIPS,
    AssistanceAddForm,
    AssistanceStatusForm,
    AssistanceTypeCreateForm,
    AssistanceTypeForm,
    BatchActionForm,
    ChooseForm,
    EntryOutcomeForm,
    ExchangeBatchForm,
    FindPersonForm,
    HandoverScheduleForm,
    HandoverVerifyForm,
    OfferForm,
    PersonPickForm,
    StepForm,
)
from lifeline.outcomes.models import ExchangeBatch
from lifeline.registry.selectors import person_get_for, person_search_for


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _case_page(case_pk: int) -> HttpResponse:
    return redirect("cases:detail", key=case_pk)


def _posted(request: HttpRequest) -> Any:
    """The submitted data on a POST (even an empty one, which is then invalid), else None."""
    return request.POST if request.method == "POST" else None


def _refused(request: HttpRequest, refused: ActionRefused) -> None:
    messages.error(request, refused.message)


def _form_errors(request: HttpRequest, form: Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _search(request: HttpRequest) -> tuple[FindPersonForm, Any]:
    """The registry search of an outcomes page, and its first page of results (or None)."""
    form = FindPersonForm(request.GET)
    results = None
    if has_perm(request.user, Perm.REGISTRY_VIEW) and form.is_valid() and form.criteria().used():
        results = person_search_for(user=request.user, criteria=form.criteria())
    return form, results


# --- The panel on the case page -------------------------------------------------------------


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def offer(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_get_for(user=_user(request), key=case_pk)
    form = OfferForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(case.pk)
    try:
        services.outcome_offer(actor=request.user, case=case, **form.cleaned_data)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Offer recorded."))
    return _case_page(case.pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def offer_choose(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.outcome_offer_get_for(user=request.user, pk=pk)
    form = ChooseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(current.case_id)
    try:
        services.outcome_choose(actor=request.user, offer=current, note=form.cleaned_data["note"])
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Choice recorded."))
    return _case_page(current.case_id)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def assistance_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_get_for(user=_user(request), key=case_pk)
    types = selectors.assistance_types_offered_for(user=request.user)
    form = AssistanceAddForm(request.POST, types=types)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(case.pk)
    try:
        services.assistance_item_add(actor=request.user, case=case, **form.cleaned_data)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Assistance item added."))
    return _case_page(case.pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def assistance_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.assistance_item_get_for(user=request.user, pk=pk)
    form = AssistanceStatusForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(item.case_id)
    try:
        services.assistance_item_set_status(actor=request.user, item=item, **form.cleaned_data)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Assistance status changed."))
    return _case_page(item.case_id)


# --- The catalogue --------------------------------------------------------------------------


@staff_view(Perm.CATALOGUE_EDIT)
def catalogue(request: HttpRequest) -> HttpResponse:
    form = AssistanceTypeCreateForm(_posted(request))
    return form_action(
        request,
        form,
        lambda: services.assistance_type_create(actor=request.user, **form.cleaned_data),
        success=_("Type added to the catalogue."),
        redirect_to=lambda _type: redirect("outcomes:catalogue"),
        template="console/outcomes/catalogue.html",
        context={"types": selectors.catalogue_for(user=request.user)},
    )


@staff_view(Perm.CATALOGUE_EDIT)
def catalogue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.assistance_type_get_for(user=request.user, pk=pk)
    form = AssistanceTypeForm(_posted(request), initial=AssistanceTypeForm.initial_for(current))
    return form_action(
        request,
        form,
        lambda: services.assistance_type_update(
            actor=request.user, assistance_type=current, **form.cleaned_data
        ),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: redirect("outcomes:catalogue"),
        template="console/outcomes/catalogue_edit.html",
        context={"type": current},
    )


@staff_view(Perm.CATALOGUE_EDIT)
@require_POST
def catalogue_delete(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.assistance_type_get_for(user=request.user, pk=pk)
    try:
        services.assistance_type_delete(actor=request.user, assistance_type=current)
    except ActionRefused as refused:
        _refused(request, refused)
        return redirect("outcomes:catalogue_edit", pk=current.pk)
    messages.success(request, _("Type deleted."))
    return redirect("outcomes:catalogue")


# --- Exchange batches -----------------------------------------------------------------------


def _batch_page(batch: ExchangeBatch | int) -> HttpResponse:
    return redirect("outcomes:exchange", pk=getattr(batch, "pk", batch))


@staff_view(Perm.EXCHANGE_MANAGE)
@require_GET
def exchanges(request: HttpRequest) -> HttpResponse:
    batches = selectors.exchange_batch_list_for(user=request.user)
    return render(request, "console/outcomes/exchanges.html", {"batches": batches})


@staff_view(Perm.EXCHANGE_MANAGE)
def exchange_create(request: HttpRequest) -> HttpResponse:
    form = ExchangeBatchForm(_posted(request), initial=ExchangeBatchForm.initial_for(None))
    return form_action(
        request,
        form,
        lambda: services.exchange_batch_create(actor=request.user, **form.cleaned_data),
        success=_("Batch created. Add the persons on its list."),
        redirect_to=_batch_page,
        template="console/outcomes/exchange_form.html",
        context={"batch": None},
    )


@staff_view(Perm.EXCHANGE_MANAGE)
def exchange_edit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=request.user, pk=pk)
    form = ExchangeBatchForm(_posted(request), initial=ExchangeBatchForm.initial_for(batch))
    return form_action(
        request,
        form,
        lambda: services.exchange_batch_update(
            actor=request.user, batch=batch, **form.cleaned_data
        ),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: _batch_page(batch),
        template="console/outcomes/exchange_form.html",
        context={"batch": batch},
    )


@staff_view(Perm.EXCHANGE_MANAGE)
@require_GET
def exchange(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=request.user, pk=pk)
    find_form, results = _search(request) if batch.status == batch.Status.DRAFT else (None, None)
    context = {
        "batch": batch,
        "entries": selectors.exchange_entries_for(user=request.user, batch=batch),
        "find_form": find_form,
        "results": results,
    }
    return render(request, "console/outcomes/exchange.html", context)


@staff_view(Perm.EXCHANGE_MANAGE)
@require_POST
def exchange_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=request.user, pk=pk)
    form = PersonPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person from the search results."))
        return _batch_page(batch)
    person = person_get_for(user=request.user, pk=form.cleaned_data["person"], purpose="exchange")
    try:
        services.exchange_entry_add(actor=request.user, batch=batch, person=person)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("%(name)s added to the batch.") % {"name": person.full_name})
    return _batch_page(batch)


@staff_view(Perm.EXCHANGE_MANAGE)
@require_POST
def exchange_entry_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.exchange_entry_get_for(user=request.user, pk=pk)
    form = EntryOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return _batch_page(entry.batch_id)
    try:
        services.exchange_entry_set_outcome(actor=request.user, entry=entry, **form.cleaned_data)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Outcome recorded."))
    return _batch_page(entry.batch_id)


_BATCH_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "confirm": (services.exchange_batch_confirm, gettext_lazy("The list is confirmed.")),
    "reopen": (services.exchange_batch_reopen, gettext_lazy("The batch is a draft again.")),
    "cancel": (services.exchange_batch_cancel, gettext_lazy("The batch is cancelled.")),
    "complete": (
        services.exchange_batch_complete,
        gettext_lazy("The batch is completed: the registry records the persons exchanged."),
    ),
}


@staff_view(Perm.EXCHANGE_MANAGE)
@require_POST
def exchange_action(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=request.user, pk=pk)
    form = BatchActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return _batch_page(batch)
    service, done = _BATCH_ACTIONS[form.cleaned_data["action"]]
    try:
        service(actor=request.user, batch=batch)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        # Translated now, in the console's language: the message is stored after the view.
        messages.success(request, str(done))
    return _batch_page(batch)


# --- Handovers ------------------------------------------------------------------------------


def _handover_page(case_pk: int) -> HttpResponse:
    return redirect("outcomes:handover", case_pk=case_pk)


def _render_handover(
    request: HttpRequest, case_pk: int, forms: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    case = selectors.handover_case_get_for(user=request.user, pk=case_pk)
    handover = selectors.handover_for(user=request.user, case=case)
    find_form, results = _search(request) if handover is None else (None, None)
    context: dict[str, Any] = {
        "case": case,
        "handover": handover,
        "find_form": find_form,
        "results": results,
        "verify_form": HandoverVerifyForm(),
        "schedule_form": HandoverScheduleForm(),
        **(forms or {}),
    }
    if handover is not None:
        steps = list(handover.steps.all())
        context["steps"] = steps
        context["all_steps_done"] = all(s.is_done for s in steps)
    return render(request, "console/outcomes/handover.html", context, status=status)


@staff_view(Perm.OUTCOME_WORK)
@require_GET
def handover(request: HttpRequest, case_pk: int) -> HttpResponse:
    return _render_handover(request, case_pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def handover_open(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = selectors.handover_case_get_for(user=request.user, pk=case_pk)
    form = PersonPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person from the search results."))
        return _handover_page(case.pk)
    person = person_get_for(user=request.user, pk=form.cleaned_data["person"], purpose="handover")
    try:
        services.handover_open(actor=request.user, case=case, person=person)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Handover started. Verify the relative first."))
    return _handover_page(case.pk)


def _current_handover(request: HttpRequest, case_pk: int) -> Any:
    case = selectors.handover_case_get_for(user=request.user, pk=case_pk)
    return selectors.handover_for(user=request.user, case=case)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def handover_verify(request: HttpRequest, case_pk: int) -> HttpResponse:
    current = _current_handover(request, case_pk)
    if current is None:
        messages.error(request, _("Start the handover first: choose the person."))
        return _handover_page(case_pk)
    form = HandoverVerifyForm(request.POST)
    if not form.is_valid():
        return _render_handover(request, case_pk, {"verify_form": form}, status=400)
    data = form.cleaned_data
    try:
        services.handover_verify(
            actor=request.user,
            handover=current,
            relative_name=data["relative_name"],
            relationship=str(dict(RELATIONSHIPS)[data["relationship"]]),
            documents=data["documents"],
        )
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Relationship verified. Now fix the meeting."))
    return _handover_page(case_pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def handover_schedule(request: HttpRequest, case_pk: int) -> HttpResponse:
    current = _current_handover(request, case_pk)
    if current is None:
        messages.error(request, _("Start the handover first: choose the person."))
        return _handover_page(case_pk)
    form = HandoverScheduleForm(request.POST)
    if not form.is_valid():
        return _render_handover(request, case_pk, {"schedule_form": form}, status=400)
    try:
        services.handover_schedule(actor=request.user, handover=current, **form.cleaned_data)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Meeting fixed. Work through the checklist."))
    return _handover_page(case_pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def handover_step(request: HttpRequest, pk: int) -> HttpResponse:
    step = selectors.handover_step_get_for(user=request.user, pk=pk)
    case_pk = step.handover.case_id
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the step or take the tick back."))
        return _handover_page(case_pk)
    try:
        services.handover_step_set(actor=request.user, step=step, done=form.cleaned_data["done"])
    except ActionRefused as refused:
        _refused(request, refused)
    return _handover_page(case_pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def handover_complete(request: HttpRequest, case_pk: int) -> HttpResponse:
    current = _current_handover(request, case_pk)
    if current is None:
        messages.error(request, _("Start the handover first: choose the person."))
        return _handover_page(case_pk)
    try:
        services.handover_complete(actor=request.user, handover=current)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(
            request, _("Handover completed: the registry records the person handed over.")
        )
    return _handover_page(case_pk)
