"""The public site: the start page, three ways to write in, the receipt, and the status page.

No view stores or logs anything that identifies a visitor: not his address, not his browser.
Every POST that opens a case or shows one answers with a redirect (post/redirect/get), so the
tab's history holds only plain GETs: Back or reload never sends a form, or a secret, again.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifeline.cases.models import Case, CaseKind
from lifeline.core.access import public_view
from lifeline.public import selectors, services
from lifeline.public.form_tokens import new_form_token
from lifeline.public.forms import (
    FamilyForm,
    OtherForm,
    ReplyForm,
    StatusForm,
    SurrenderForm,
    WriteForm,
    answers_for_display,
)
from lifeline.public.visitor import (
    IDLE_SECONDS,
    visitor_case,
    visitor_drop_receipt,
    visitor_forget,
    visitor_keep_receipt,
    visitor_receipt_token,
    visitor_remember,
    visitor_take_unsent,
    visitor_unlock,
)

WRITE_FORMS: dict[str, tuple[type[WriteForm], str]] = {
    CaseKind.SURRENDER: (SurrenderForm, "public/write_surrender.html"),
    CaseKind.FAMILY_ENQUIRY: (FamilyForm, "public/write_family.html"),
    CaseKind.OTHER: (OtherForm, "public/write_other.html"),
}


@public_view
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "public/start.html")


def _see_other(name: str) -> HttpResponse:
    # 303: the browser follows with a GET, and the POST leaves no entry in the tab's history.
    return HttpResponseRedirect(reverse(name), status=303)


@public_view
@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, kind: str) -> HttpResponse:
    form_class, template = WRITE_FORMS[kind]
    form = form_class(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(request, template, {"form": form})
    token = form.cleaned_data["form_token"] or new_form_token()
    services.web_submission_receive(
        kind=kind,
        language=get_language(),
        body=form.cleaned_data["message"],
        fields=form.answers(),
        form_token=token,
    )
    # The redirect carries nothing: the session names the form, and the receipt is rebuilt
    # from its token (public.form_tokens), so a reload shows the same receipt and opens nothing.
    visitor_keep_receipt(request, form_token=token)
    return _see_other("public:receipt")


@public_view
@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    token = visitor_receipt_token(request)
    sent = selectors.web_submission_for_token(form_token=token) if token else None
    if sent is None or sent.receipt is None:
        visitor_drop_receipt(request)
        return render(request, "public/receipt.html", {"gone": True})
    return render(request, "public/receipt.html", {"case": sent.case, "receipt": sent.receipt})


def _case_page(request: HttpRequest, case: Case, *, form: ReplyForm | None = None) -> HttpResponse:
    services.case_public_view_record(case=case)
    unsent = "" if form is not None else visitor_take_unsent(request)
    page = selectors.contact_page_for_case(case=case, before=request.GET.get("before"))
    context = {
        "case": case,
        "public_status": selectors.case_public_status(case=case),
        "thread": [(contact, answers_for_display(contact.fields)) for contact in page.contacts],
        "earlier": page.earlier,
        "newest": page.newest,
        "form": form or ReplyForm(initial={"message": unsent}),
        "sent": request.GET.get("sent") == "1",
        "unsent": bool(unsent),
        "idle_minutes": IDLE_SECONDS // 60,
    }
    visitor_remember(request, case=case)
    return render(request, "public/status_case.html", context)


@public_view
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        case = visitor_case(request)
        if case is not None:
            return _case_page(request, case)
        return render(request, "public/status_lookup.html", {"form": StatusForm()})
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render(request, "public/status_lookup.html", {"form": form})
    check = selectors.case_get_for_receipt(
        reference=form.cleaned_data["reference"], secret=form.cleaned_data["secret"]
    )
    if check.case is None:
        context = {
            "form": form,
            "blocked": check.blocked,
            "wrong": not check.blocked,
        }
        return render(
            request, "public/status_lookup.html", context, status=429 if check.blocked else 200
        )
    # The case is shown by the GET that follows: this POST, with the secret, stays out of history.
    visitor_unlock(request, case=check.case, unsent=form.cleaned_data["message"])
    return _see_other("public:status")


@public_view
@require_POST
def reply(request: HttpRequest) -> HttpResponse:
    case = visitor_case(request)
    if case is None:
        # The page closed itself while he was writing: ask for the receipt again, keep the text.
        lookup = StatusForm(initial={"message": request.POST.get("message", "")})
        return render(request, "public/status_lookup.html", {"form": lookup, "expired": True})
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, form=form)
    services.web_followup_receive(
        case=case, language=get_language(), body=form.cleaned_data["message"]
    )
    return redirect(reverse("public:status") + "?sent=1", permanent=False)


@public_view
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    visitor_forget(request)
    return redirect("public:start")
