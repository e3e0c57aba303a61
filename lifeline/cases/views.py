"""The console queue and case page. Each action view checks a form and calls one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lifeline.accounts.models import User
from lifeline.accounts.selectors import user_list_with_perm
from lifeline.cases.exceptions import CaseActionRefused
from lifeline.cases.forms import (
    AssignForm,
    DecisionNoteForm,
    FixedReplyForm,
    NoteForm,
    PriorityForm,
    QueueFilterForm,
    ReplyForm,
    TemplateReplyForm,
    TransitionForm,
)
from lifeline.cases.models import Case, Priority
from lifeline.cases.selectors import (
    case_get_for,
    case_open_counts_for,
    case_queue_for,
    case_timeline_for,
    reply_draft_get_for,
    reply_draft_pending_for,
)
from lifeline.cases.services import (
    case_assign,
    case_note_add,
    case_priority_set,
    case_reply,
    case_reply_approve,
    case_reply_draft,
    case_reply_fixed,
    case_reply_reject,
    case_reply_template,
    case_reply_window,
    case_transition,
    case_view_record,
)
from lifeline.cases.workflows import workflow_for
from lifeline.core.access import Perm, has_perm, staff_user, staff_view
from lifeline.core.viewflow import form_action

QUEUE_PAGE_SIZE = 50


def _back(case: Case) -> HttpResponse:
    return redirect("cases:detail", key=case.pk)


def _int_or_zero(text: str) -> int:
    return int(text) if text.isdigit() else 0


@staff_view(Perm.CASE_VIEW, others_to_start=True)  # /console/: the others start elsewhere
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    wanted = request.GET.get("ref", "").strip()[:40]
    if wanted:
        try:
            return _back(case_get_for(user=user, key=wanted))
        except Http404:
            messages.error(request, _("No case has the reference %(ref)s.") % {"ref": wanted})
    form = QueueFilterForm(request.GET)
    cases = case_queue_for(user=user, filters=form.filters())
    page = Paginator(cases, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("ref", None)
    context = {
        "form": form,
        "page": page,
        "counts": case_open_counts_for(user=user),
        "query": keep.urlencode(),
    }
    return render(request, "console/cases/queue.html", context)


def _render_case(
    request: HttpRequest, case: Case, forms: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    user = staff_user(request)
    case_view_record(actor=user, case=case)
    workflow = workflow_for(case.kind)
    timeline = case_timeline_for(user=user, case=case)
    last_contact = next((e.contact for e in reversed(timeline) if e.contact is not None), None)
    window = case_reply_window(case=case)
    context: dict[str, Any] = {
        # WhatsApp's 24-hour window, shown before the operator writes (_reply_window.html).
        "reply_window": window,
        "template_form": TemplateReplyForm(templates=window.templates if window else []),
        "case": case,
        "timeline": timeline,
        "reply_channel": last_contact.channel if last_contact is not None else "",
        "is_closed": case.status in workflow.terminal,
        "next_states": workflow.manual_from(case.status),
        "can_assign": has_perm(user, Perm.CASE_ASSIGN),
        "can_approve": has_perm(user, Perm.DISCLOSURE_APPROVE),
        "needs_approval": case.replies_need_approval,
        "fixed_form": FixedReplyForm(),
        "reject_form": DecisionNoteForm(),
        "assignable": user_list_with_perm(perm=Perm.CASE_WORK),
        "urgent": case.priority == Priority.URGENT,
        "reply_form": ReplyForm(),
        "note_form": NoteForm(),
        "transition_form": TransitionForm(),
        **(forms or {}),
    }
    return render(request, "console/cases/detail.html", context, status=status)


@staff_view(Perm.CASE_VIEW)
@require_GET
def detail(request: HttpRequest, key: str) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=key)
    if key != str(case.pk):
        # One canonical address per case; a typed reference lands there.
        return redirect("cases:detail", key=case.pk)
    return _render_case(request, case)


@staff_view(Perm.CASE_WORK)
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    form = ReplyForm(request.POST)
    send: Callable[..., object]
    if case.replies_need_approval:
        send = case_reply_draft
        done = _("Reply saved: it goes out once a supervisor approves it.")
    else:
        send, done = case_reply, _("Reply queued to send.")
    return form_action(
        request,
        form,
        lambda: send(actor=staff_user(request), case=case, body=form.cleaned_data["body"]),
        success=done,
        redirect_to=lambda _reply: _back(case),
        page=lambda status: _render_case(request, case, {"reply_form": form}, status=status),
    )


@staff_view(Perm.CASE_WORK)
@require_POST
def reply_fixed(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    form = FixedReplyForm(request.POST)
    return form_action(
        request,
        form,
        lambda: case_reply_fixed(
            actor=staff_user(request), case=case, key=form.cleaned_data["key"]
        ),
        success=_("Reply queued to send."),
        redirect_to=lambda _reply: _back(case),
        page=lambda status: _render_case(request, case, {"fixed_form": form}, status=status),
    )


@staff_view(Perm.CASE_WORK)
@require_POST
def reply_template(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    window = case_reply_window(case=case)
    form = TemplateReplyForm(request.POST, templates=window.templates if window else [])
    return form_action(
        request,
        form,
        lambda: case_reply_template(
            actor=staff_user(request), case=case, key=form.cleaned_data["key"]
        ),
        success=_("Template queued to send."),
        redirect_to=lambda _reply: _back(case),
        page=lambda status: _render_case(request, case, {"template_form": form}, status=status),
    )


@staff_view(Perm.DISCLOSURE_APPROVE)
@require_POST
def reply_approve(request: HttpRequest, draft: int) -> HttpResponse:
    held = reply_draft_get_for(user=staff_user(request), pk=draft)
    try:
        case_reply_approve(actor=staff_user(request), draft=held)
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Approved: the reply is queued to send."))
    return _back(held.case)


@staff_view(Perm.DISCLOSURE_APPROVE)
@require_POST
def reply_reject(request: HttpRequest, draft: int) -> HttpResponse:
    held = reply_draft_get_for(user=staff_user(request), pk=draft)
    form = DecisionNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say in the note why the reply is rejected."))
        return _back(held.case)
    try:
        case_reply_reject(actor=staff_user(request), draft=held, note=form.cleaned_data["note"])
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Rejected: the reply goes back to its author."))
    return _back(held.case)


@staff_view(Perm.DISCLOSURE_APPROVE)
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    drafts = reply_draft_pending_for(user=staff_user(request))
    page = Paginator(drafts, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/cases/approvals.html", {"page": page})


@staff_view(Perm.CASE_WORK)
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    form = NoteForm(request.POST)
    return form_action(
        request,
        form,
        lambda: case_note_add(actor=staff_user(request), case=case, text=form.cleaned_data["text"]),
        success=_("Note added."),
        redirect_to=lambda _note: _back(case),
        page=lambda status: _render_case(request, case, {"note_form": form}, status=status),
    )


@staff_view(Perm.CASE_WORK)
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, {"transition_form": form}, status=400)
    try:
        case_transition(
            actor=staff_user(request),
            case=case,
            to_status=form.cleaned_data["to_status"],
            note=form.cleaned_data["note"],
        )
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
        return _render_case(request, case, {"transition_form": form}, status=400)
    messages.success(request, _("Status changed."))
    return _back(case)


@staff_view(Perm.CASE_WORK)
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_user(request)
    case = case_get_for(user=user, key=pk)
    form = AssignForm(request.POST)
    choice = form.cleaned_data["assignee"] if form.is_valid() else ""
    assignee: User | None
    if choice == "me":
        assignee = user
    elif choice == "none":
        assignee = None
    else:
        assignee = user_list_with_perm(perm=Perm.CASE_WORK).filter(pk=_int_or_zero(choice)).first()
        if assignee is None:
            messages.error(request, _("Choose someone to assign the case to."))
            return _back(case)
    try:
        case_assign(actor=user, case=case, assignee=assignee)
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
    except PermissionDenied:
        messages.error(
            request,
            _("You may take an unassigned case or release your own; a supervisor assigns others."),
        )
    else:
        messages.success(request, _("Assignment changed."))
    return _back(case)


@staff_view(Perm.CASE_WORK)
@require_POST
def priority(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a priority."))
        return _back(case)
    try:
        case_priority_set(
            actor=staff_user(request), case=case, priority=form.cleaned_data["priority"]
        )
    except CaseActionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Priority changed."))
    return _back(case)
