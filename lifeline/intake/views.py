"""The public site: the start page, three ways to write in, the receipt, and the status page.

No view stores or logs anything that identifies a visitor: not his address, not his browser.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifeline.cases.models import Case, CaseKind
from lifeline.core.access import public_view
from lifeline.intake import selectors, services
from lifeline.intake.forms import (
    FamilyForm,
    OtherForm,
    PublicForm,
    ReplyForm,
    StatusForm,
    SurrenderForm,
    answers_for_display,
)
from lifeline.intake.visitor import (
    IDLE_SECONDS,
    visitor_case,
    visitor_forget,
    visitor_remember,
)

WRITE_FORMS: dict[str, tuple[type[PublicForm], str]] = {
    CaseKind.SURRENDER: (SurrenderForm, "public/write_surrender.html"),
    CaseKind.FAMILY_ENQUIRY: (FamilyForm, "public/write_family.html"),
    CaseKind.OTHER: (OtherForm, "public/write_other.html"),
}


@public_view
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "public/start.html")


@public_view
@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, kind: str) -> HttpResponse:
    form_class, template = WRITE_FORMS[kind]
    form = form_class(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(request, template, {"form": form})
    case, receipt = services.web_submission_receive(
        kind=kind,
        language=get_language(),
        body=form.cleaned_data["message"],
        fields=form.answers(),
    )
    # The receipt is rendered here and nowhere else: a redirect would have to carry the secret.
    return render(request, "public/receipt.html", {"case": case, "receipt": receipt})


def _case_page(
    request: HttpRequest, case: Case, *, form: ReplyForm | None = None, unsent: bool = False
) -> HttpResponse:
    services.case_public_view_record(case=case)
    page = selectors.contact_page_for_case(case=case, before=request.GET.get("before"))
    context = {
        "case": case,
        "public_status": selectors.case_public_status(case=case),
        "thread": [(contact, answers_for_display(contact.fields)) for contact in page.contacts],
        "earlier": page.earlier,
        "newest": page.newest,
        "form": form or ReplyForm(),
        "sent": request.GET.get("sent") == "1",
        "unsent": unsent,
        "idle_minutes": IDLE_SECONDS // 60,
    }
    response = render(request, "public/status_case.html", context)
    visitor_remember(response, case=case)
    return response


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
    unsent = form.cleaned_data["message"]
    reply_form = ReplyForm(initial={"message": unsent})
    return _case_page(request, check.case, form=reply_form, unsent=bool(unsent))


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
    return redirect(reverse("intake:status") + "?sent=1", permanent=False)


@public_view
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    response = redirect("intake:start")
    visitor_forget(response)
    return response
