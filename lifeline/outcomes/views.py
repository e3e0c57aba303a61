"""Outcomes console: the case panel's actions, exchange batches, handovers, the catalogue.

Each action view checks a form and calls one service; a refusal comes back as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lifeline.cases.selectors import case_get_for
from lifeline.core.access import Perm, has_perm, staff_user, staff_view
from lifeline.core.exceptions import ActionRefused
from lifeline.core.viewflow import form_action
from lifeline.outcomes import selectors
from lifeline.outcomes.forms import (
    AssistanceAddForm,
    AssistanceStatusForm,
    AssistanceTypeCreateForm,
    AssistanceTypeForm,
    BatchActionForm,
    BatchPickForm,
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
from lifeline.outcomes.services import assistance, exchanges, handovers, offers
from lifeline.registry import lists
from lifeline.registry.models import ListMatchRow
from lifeline.registry.selectors import person_get_for, person_search_for


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
        results = person_search_for(user=staff_user(request), criteria=form.criteria())
    return form, results


# --- The panel on the case page -------------------------------------------------------------


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def offer(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=case_pk)
    form = OfferForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(case.pk)
    try:
        offers.outcome_offer(actor=staff_user(request), case=case, **form.cleaned_data)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Offer recorded."))
    return _case_page(case.pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def offer_choose(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.outcome_offer_get_for(user=staff_user(request), pk=pk)
    form = ChooseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(current.case_id)
    try:
        offers.outcome_choose(
            actor=staff_user(request), offer=current, note=form.cleaned_data["note"]
        )
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Choice recorded."))
    return _case_page(current.case_id)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def assistance_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=case_pk)
    types = selectors.assistance_types_offered_for(user=staff_user(request))
    form = AssistanceAddForm(request.POST, types=types)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(case.pk)
    try:
        assistance.assistance_item_add(actor=staff_user(request), case=case, **form.cleaned_data)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Assistance item added."))
    return _case_page(case.pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def assistance_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.assistance_item_get_for(user=staff_user(request), pk=pk)
    form = AssistanceStatusForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _case_page(item.case_id)
    try:
        assistance.assistance_item_set_status(
            actor=staff_user(request), item=item, **form.cleaned_data
        )
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
        lambda: assistance.assistance_type_create(actor=staff_user(request), **form.cleaned_data),
        success=_("Type added to the catalogue."),
        redirect_to=lambda _type: redirect("outcomes:catalogue"),
        template="console/outcomes/catalogue.html",
        context={"types": selectors.catalogue_for(user=staff_user(request))},
    )


@staff_view(Perm.CATALOGUE_EDIT)
def catalogue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.assistance_type_get_for(user=staff_user(request), pk=pk)
    form = AssistanceTypeForm(_posted(request), initial=AssistanceTypeForm.initial_for(current))

    def save() -> list[str]:
        data = dict(form.cleaned_data)
        data["name"], data["description"] = current.as_stored(data["name"], data["description"])
        return assistance.assistance_type_update(
            actor=staff_user(request), assistance_type=current, **data
        )

    return form_action(
        request,
        form,
        save,
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: redirect("outcomes:catalogue"),
        template="console/outcomes/catalogue_edit.html",
        context={"type": current},
    )


@staff_view(Perm.CATALOGUE_EDIT)
@require_POST
def catalogue_delete(request: HttpRequest, pk: int) -> HttpResponse:
    current = selectors.assistance_type_get_for(user=staff_user(request), pk=pk)
    try:
        assistance.assistance_type_delete(actor=staff_user(request), assistance_type=current)
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
def exchange_list(request: HttpRequest) -> HttpResponse:
    batches = selectors.exchange_batch_list_for(user=staff_user(request))
    return render(request, "console/outcomes/exchanges.html", {"batches": batches})


@staff_view(Perm.EXCHANGE_MANAGE)
def exchange_create(request: HttpRequest) -> HttpResponse:
    form = ExchangeBatchForm(_posted(request), initial=ExchangeBatchForm.initial_for(None))
    return form_action(
        request,
        form,
        lambda: exchanges.exchange_batch_create(actor=staff_user(request), **form.cleaned_data),
        success=_("Batch created. Add the persons on its list."),
        redirect_to=_batch_page,
        template="console/outcomes/exchange_form.html",
        context={"batch": None},
    )


@staff_view(Perm.EXCHANGE_MANAGE)
def exchange_edit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=staff_user(request), pk=pk)
    form = ExchangeBatchForm(_posted(request), initial=ExchangeBatchForm.initial_for(batch))
    return form_action(
        request,
        form,
        lambda: exchanges.exchange_batch_update(
            actor=staff_user(request), batch=batch, **form.cleaned_data
        ),
        success=lambda changed: _("Saved.") if changed else _("Nothing changed."),
        redirect_to=lambda _changed: _batch_page(batch),
        template="console/outcomes/exchange_form.html",
        context={"batch": batch},
    )


@staff_view(Perm.EXCHANGE_MANAGE)
@require_GET
def exchange(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=staff_user(request), pk=pk)
    find_form, results = _search(request) if batch.status == batch.Status.DRAFT else (None, None)
    context = {
        "batch": batch,
        "entries": selectors.exchange_entries_for(user=staff_user(request), batch=batch),
        "find_form": find_form,
        "results": results,
    }
    return render(request, "console/outcomes/exchange.html", context)


@staff_view(Perm.EXCHANGE_MANAGE)
@require_POST
def exchange_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=staff_user(request), pk=pk)
    form = PersonPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person from the search results."))
        return _batch_page(batch)
    person = person_get_for(
        user=staff_user(request), pk=form.cleaned_data["person"], purpose="exchange"
    )
    try:
        exchanges.exchange_entry_add(actor=staff_user(request), batch=batch, person=person)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("%(name)s added to the batch.") % {"name": person.full_name})
    return _batch_page(batch)


@staff_view(Perm.EXCHANGE_MANAGE)
@require_POST
def exchange_entry_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.exchange_entry_get_for(user=staff_user(request), pk=pk)
    form = EntryOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return _batch_page(entry.batch_id)
    try:
        exchanges.exchange_entry_set_outcome(
            actor=staff_user(request), entry=entry, **form.cleaned_data
        )
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Outcome recorded."))
    return _batch_page(entry.batch_id)


@staff_view(Perm.EXCHANGE_MANAGE)
def exchange_from_list(request: HttpRequest, list_pk: int) -> HttpResponse:
    """Put the confirmed persons of an exchange list on a draft batch in one step; the page
    then says, row by row, who was added and who was refused and why."""
    user = staff_user(request)
    listed = lists.list_match_get_for(user=user, pk=list_pk)
    form = BatchPickForm(_posted(request), batches=selectors.exchange_draft_batches_for(user=user))
    results = None
    if form.is_bound and form.is_valid():
        batch = form.cleaned_data["batch"]
        try:
            results = exchanges.exchange_entries_add_from_list(
                actor=user, batch=batch, listed=listed
            )
        except ActionRefused as refused:
            form.add_error(None, refused.message)
    rows = lists.list_rows_for(
        user=user, list_id=listed.pk, decision=ListMatchRow.Decision.CONFIRMED
    )
    context = {"listed": listed, "form": form, "rows": rows, "results": results}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "console/outcomes/exchange_from_list.html", context, status=status)


_BATCH_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "confirm": (exchanges.exchange_batch_confirm, gettext_lazy("The list is confirmed.")),
    "reopen": (exchanges.exchange_batch_reopen, gettext_lazy("The batch is a draft again.")),
    "cancel": (exchanges.exchange_batch_cancel, gettext_lazy("The batch is cancelled.")),
    "complete": (
        exchanges.exchange_batch_complete,
        gettext_lazy("The batch is completed: the registry records the persons exchanged."),
    ),
}


@staff_view(Perm.EXCHANGE_MANAGE)
@require_POST
def exchange_action(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.exchange_batch_get_for(user=staff_user(request), pk=pk)
    form = BatchActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return _batch_page(batch)
    service, done = _BATCH_ACTIONS[form.cleaned_data["action"]]
    try:
        service(actor=staff_user(request), batch=batch)
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
    case = selectors.handover_case_get_for(user=staff_user(request), pk=case_pk)
    handover = selectors.handover_for(user=staff_user(request), case=case)
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
    case = selectors.handover_case_get_for(user=staff_user(request), pk=case_pk)
    form = PersonPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person from the search results."))
        return _handover_page(case.pk)
    person = person_get_for(
        user=staff_user(request), pk=form.cleaned_data["person"], purpose="handover"
    )
    try:
        handovers.handover_open(actor=staff_user(request), case=case, person=person)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Handover started. Verify the relative first."))
    return _handover_page(case.pk)


def _current_handover(request: HttpRequest, case_pk: int) -> Any:
    case = selectors.handover_case_get_for(user=staff_user(request), pk=case_pk)
    return selectors.handover_for(user=staff_user(request), case=case)


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
        handovers.handover_verify(
            actor=staff_user(request),
            handover=current,
            relative_name=data["relative_name"],
            relationship=data["relationship"],
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
        handovers.handover_schedule(
            actor=staff_user(request), handover=current, **form.cleaned_data
        )
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Meeting fixed. Work through the checklist."))
    return _handover_page(case_pk)


@staff_view(Perm.OUTCOME_WORK)
@require_POST
def handover_step(request: HttpRequest, pk: int) -> HttpResponse:
    step = selectors.handover_step_get_for(user=staff_user(request), pk=pk)
    case_pk = step.handover.case_id
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the step or take the tick back."))
        return _handover_page(case_pk)
    try:
        handovers.handover_step_set(
            actor=staff_user(request), step=step, done=form.cleaned_data["done"]
        )
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
        handovers.handover_complete(actor=staff_user(request), handover=current)
    except ActionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(
            request, _("Handover completed: the registry records the person handed over.")
        )
    return _handover_page(case_pk)
