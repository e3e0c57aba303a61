"""The console queue and case page. Each action view checks a form and calls one service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lifeline.accounts.models import User
from lifeline.accounts.selectors import user_list_with_perm
from lifeline.cases.exceptions import CaseActionRefused
from lifeline.cases.forms import (
    AssignForm,
    CallBackForm,
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
    case_phone_numbers_held,
    case_presence_others,
    case_previews_for,
    case_queue_for,
    case_queue_news_for,
    case_reply_conversation,
    case_timeline_for,
    reply_draft_get_for,
    reply_draft_pending_for,
    reply_templates_for_case,
)
from lifeline.cases.services import (
    case_assign,
    case_call_back_log,
    case_caller_numbers_read,
    case_note_add,
    case_presence_mark,
    case_preview_record,
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
    queue_visit_record,
)
from lifeline.cases.workflows import workflow_for
from lifeline.core.access import Perm, has_perm, staff_user, staff_view
from lifeline.core.viewflow import form_action
from lifeline.intake.models import Channel

QUEUE_PAGE_SIZE = 50


def _back(case: Case) -> HttpResponse:
    return redirect("cases:detail", key=case.pk)


def _int_or_zero(text: str) -> int:
    return int(text) if text.isdigit() else 0


@staff_view(Perm.CASE_VIEW, others_to_start=True)  # /console/: the others start elsewhere
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The queue page; with `fragment=rows`, only its rows, for the page's own refresh.

    A full view moves the user's "last looked" mark; the refresh never does. Both mark what
    is new since `since`, the mark the page was first shown with (docs/decisions/0014).
    """
    user = staff_user(request)
    wanted = request.GET.get("ref", "").strip()[:40]
    if wanted:
        try:
            return _back(case_get_for(user=user, key=wanted))
        except Http404:
            messages.error(request, _("No case has the reference %(ref)s.") % {"ref": wanted})
    fragment = request.GET.get("fragment") == "rows"
    since = _moment(request.GET.get("since", ""))
    if not fragment:
        last_looked = queue_visit_record(actor=user)
        since = since or last_looked
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    if since is not None and request.GET.get("changed") == "1":
        filters = replace(filters, changed_since=since)
    page = Paginator(case_queue_for(user=user, filters=filters), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    cases = list(page.object_list)
    previews = case_previews_for(user=user, cases=cases)
    case_preview_record(actor=user, cases=[case for case in cases if case.pk in previews])
    context = {
        "form": form,
        "page": page,
        "rows": [
            QueueRow(case, previews.get(case.pk, ""), _fresh(case, since, user)) for case in cases
        ],
        "news": case_queue_news_for(user=user, filters=form.filters(), since=since)
        if since is not None
        else None,
        "only_changed": filters.changed_since is not None,
        "counts": case_open_counts_for(user=user),
        "refresh_seconds": settings.QUEUE_REFRESH_SECONDS,
        **_queue_links(request, since),
    }
    if fragment:
        response = render(request, "console/cases/_queue_rows.html", context)
        response["X-Lifeline-Fragment"] = "queue-rows"  # the script checks it is no login page
        return response
    return render(request, "console/cases/queue.html", context)


# The texts the case page's one form carries (reply, internal note, status note, call-back
# note): whichever button is pressed, what was typed in the others comes back.
_TYPED = ("body", "text", "note", "call_note")
# A `seen` that is no time at all never matches a case's updated_at: the action is refused.
_NEVER = datetime.min.replace(tzinfo=UTC)


def _seen(request: HttpRequest) -> datetime | None:
    """When the page this action came from was rendered: the case's `updated_at` it showed."""
    text = request.POST.get("seen", "")
    if not text:
        return None
    try:
        seen = datetime.fromisoformat(text)
    except ValueError:
        return _NEVER
    return seen if timezone.is_aware(seen) else _NEVER


def _typed(request: HttpRequest, consumed: str) -> dict[str, str]:
    if request.method != "POST":
        return {}
    return {name: request.POST.get(name, "") for name in _TYPED if name != consumed}


@dataclass(frozen=True)
class QueueRow:
    case: Case
    preview: str
    fresh: str  # "new" (opened since the user last looked), "changed", or ""


def _fresh(case: Case, since: datetime | None, user: User) -> str:
    """What the queue marks on a case: "new", "changed", or nothing (nothing since `since`, or
    the latest change was `user`'s own)."""
    if since is None or case.updated_at <= since or case.updated_by_id == user.pk:
        return ""
    return "new" if case.created_at > since else "changed"


def _queue_links(request: HttpRequest, since: datetime | None) -> dict[str, str]:
    """The queries of the queue's own links, each keeping the filters asked for."""
    keep = request.GET.copy()
    for name in ("page", "ref", "fragment"):
        keep.pop(name, None)
    refresh = request.GET.copy()
    refresh["fragment"] = "rows"
    # Rows that arrive while the page is open are new too, even on a first look.
    refresh["since"] = (since or timezone.now()).isoformat()
    everything = keep.copy()
    for name in ("changed", "since"):
        everything.pop(name, None)
    only_changed = everything.copy()
    if since is not None:
        only_changed["since"] = since.isoformat()
        only_changed["changed"] = "1"
    return {
        "query": keep.urlencode(),
        "refresh_url": "?" + refresh.urlencode(),
        "all_url": "?" + everything.urlencode(),
        "changed_url": "?" + only_changed.urlencode(),
    }


def _moment(text: str) -> datetime | None:
    """An ISO 8601 time with its offset, not in the future; anything else is None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or moment > timezone.now():
        return None
    return moment


def _render_case(
    request: HttpRequest,
    case: Case,
    forms: dict[str, Form] | None = None,
    status: int = 200,
    *,
    consumed: str = "",
    numbers: list[str] | None = None,
) -> HttpResponse:
    """The case page. Shown again after a POST, it keeps what was typed but `consumed`.

    A refused action (`status` 400) from a page older than the case shows what changed since.
    """
    user = staff_user(request)
    if request.method == "POST":
        case.refresh_from_db()
    typed = _typed(request, consumed)
    case_view_record(actor=user, case=case)
    if has_perm(user, Perm.CASE_WORK):
        case_presence_mark(actor=user, case=case, replying=bool(typed.get("body", "").strip()))
    workflow = workflow_for(case.kind)
    timeline = case_timeline_for(user=user, case=case)
    seen = _seen(request) if request.method == "POST" else None
    # A refused action from a page the case has moved on from: what it gained since.
    stale = status >= 400 and seen is not None and seen != case.updated_at
    changes = [entry for entry in timeline if stale and seen is not None and entry.at > seen]
    reply_to = case_reply_conversation(case=case)
    number_held = case_phone_numbers_held(case=case)
    window = case_reply_window(case=case, conversation=reply_to)
    context: dict[str, Any] = {
        # WhatsApp's 24-hour window, shown before the operator writes (_reply_window.html).
        "reply_window": window,
        "template_form": TemplateReplyForm(templates=window.templates if window else []),
        "case": case,
        "seen": case.updated_at.isoformat(),
        "timeline": timeline,
        "changes": changes,
        "stale": stale,
        "others": case_presence_others(user=user, case=case),
        "reply_channel": reply_to.get_channel_display() if reply_to is not None else "",
        "reply_web": reply_to is not None and reply_to.channel == Channel.WEB,
        "phone_only": reply_to is None and number_held is not None,
        "called_in": number_held is not None,
        "number_held": bool(number_held),
        "numbers": numbers,
        "can_see_number": has_perm(user, Perm.CALLER_NUMBER_VIEW),
        "is_closed": case.status in workflow.terminal,
        "next_states": workflow.manual_from(case.status),
        "can_assign": has_perm(user, Perm.CASE_ASSIGN),
        "can_approve": has_perm(user, Perm.DISCLOSURE_APPROVE),
        "needs_approval": case.replies_need_approval,
        "fixed_form": FixedReplyForm(),
        "reject_form": DecisionNoteForm(),
        "assignable": user_list_with_perm(perm=Perm.CASE_WORK),
        "urgent": case.priority == Priority.URGENT,
        "reply_form": ReplyForm(initial={"body": typed.get("body", "")}),
        "templates": (
            reply_templates_for_case(user=user, case=case) if has_perm(user, Perm.CASE_WORK) else []
        ),
        "note_form": NoteForm(initial={"text": typed.get("text", "")}),
        "transition_note": typed.get("note", ""),
        "transition_form": TransitionForm(),
        "call_back_form": CallBackForm(initial={"call_note": typed.get("call_note", "")}),
        **(forms or {}),
    }
    # Its presence line polls (lifeline/static/lifeline/case-presence.js) as every console page
    # may: staff_view allows our own scripts (core.access.CONSOLE_CSP).
    return render(request, "console/cases/detail.html", context, status=status)


def _done(request: HttpRequest, case: Case, consumed: str) -> HttpResponse:
    """After an action on the case page: back to it, with whatever else was typed kept."""
    if any(text.strip() for text in _typed(request, consumed).values()):
        return _render_case(request, case, consumed=consumed)
    return _back(case)


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
        lambda: send(
            actor=staff_user(request),
            case=case,
            body=form.cleaned_data["body"],
            seen=_seen(request),
        ),
        success=done,
        redirect_to=lambda _reply: _done(request, case, consumed="body"),
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
            actor=staff_user(request),
            case=case,
            key=form.cleaned_data["key"],
            seen=_seen(request),
        ),
        success=_("Reply queued to send."),
        redirect_to=lambda _reply: _done(request, case, consumed=""),
        page=lambda status: _render_case(request, case, {"fixed_form": form}, status=status),
    )


@staff_view(Perm.CASE_WORK)
@require_POST
def template_insert(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply box again, with the chosen template's text after what was typed."""
    user = staff_user(request)
    case = case_get_for(user=user, key=pk)
    chosen = request.POST.get("template", "")
    template = reply_templates_for_case(user=user, case=case)
    found = next((t for t in template if str(t.pk) == chosen), None)
    if found is None:
        messages.error(request, _("Choose a template to insert."))
        return _render_case(request, case, status=400)
    typed = request.POST.get("body", "").rstrip()
    body = f"{typed}\n\n{found.body}" if typed else found.body
    return _render_case(request, case, {"reply_form": ReplyForm(initial={"body": body})})


@staff_view(Perm.CALLER_NUMBER_VIEW)
@require_POST
def caller_number(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page with the caller's number shown; the read is audited."""
    user = staff_user(request)
    case = case_get_for(user=user, key=pk)
    return _render_case(request, case, numbers=case_caller_numbers_read(actor=user, case=case))


@staff_view(Perm.CASE_WORK)
@require_POST
def call_back(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    form = CallBackForm(request.POST)
    return form_action(
        request,
        form,
        lambda: case_call_back_log(
            actor=staff_user(request),
            case=case,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["call_note"],
            seen=_seen(request),
        ),
        success=_("Call back logged."),
        redirect_to=lambda _event: _done(request, case, consumed="call_note"),
        page=lambda status: _render_case(
            request, case, {"call_back_form": form}, status=status, consumed="call_note"
        ),
    )


@staff_view(Perm.CASE_VIEW)
@require_POST
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's poll (when it runs script): who else has the case open, as a list fragment."""
    user = staff_user(request)
    case = case_get_for(user=user, key=pk)
    if has_perm(user, Perm.CASE_WORK):
        case_presence_mark(actor=user, case=case, replying=request.POST.get("replying") == "1")
    others = case_presence_others(user=user, case=case)
    return render(request, "console/cases/_presence.html", {"others": others})


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
            actor=staff_user(request),
            case=case,
            key=form.cleaned_data["key"],
            seen=_seen(request),
        ),
        success=_("Template queued to send."),
        redirect_to=lambda _reply: _done(request, case, consumed=""),
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
        redirect_to=lambda _note: _done(request, case, consumed="text"),
        page=lambda status: _render_case(request, case, {"note_form": form}, status=status),
    )


def _refused(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    """The case page again, saying why nothing was done, with every typed text kept."""
    messages.error(request, message)
    return _render_case(request, case, status=400)


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
            seen=_seen(request),
        )
    except CaseActionRefused as refused:
        return _refused(request, case, refused.message)
    messages.success(request, _("Status changed."))
    return _done(request, case, consumed="note")


@staff_view(Perm.CASE_WORK)
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_user(request)
    case = case_get_for(user=user, key=pk)
    form = AssignForm(request.POST)
    choice = form.cleaned_data["assignee"] if form.is_valid() else ""
    if choice == "pick":  # the supervisor's list, not a button of its own
        choice = request.POST.get("assign_to", "")
    assignee: User | None
    if choice == "me":
        assignee = user
    elif choice == "none":
        assignee = None
    else:
        assignee = user_list_with_perm(perm=Perm.CASE_WORK).filter(pk=_int_or_zero(choice)).first()
        if assignee is None:
            return _refused(request, case, _("Choose someone to assign the case to."))
    try:
        case_assign(actor=user, case=case, assignee=assignee, seen=_seen(request))
    except CaseActionRefused as refused:
        return _refused(request, case, refused.message)
    except PermissionDenied:
        return _refused(
            request,
            case,
            _("You may take an unassigned case or release your own; a supervisor assigns others."),
        )
    messages.success(request, _("Assignment changed."))
    return _done(request, case, consumed="")


@staff_view(Perm.CASE_WORK)
@require_POST
def priority(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_for(user=staff_user(request), key=pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _refused(request, case, _("Choose a priority."))
    try:
        case_priority_set(
            actor=staff_user(request),
            case=case,
            priority=form.cleaned_data["priority"],
            seen=_seen(request),
        )
    except CaseActionRefused as refused:
        return _refused(request, case, refused.message)
    messages.success(request, _("Priority changed."))
    return _done(request, case, consumed="")
