"""The console screen where a supervisor keeps the reply templates operators start from."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifeline.cases.forms import ReplyTemplateForm
from lifeline.cases.selectors import reply_template_get_for, reply_template_list_for
from lifeline.cases.services import reply_template_delete, reply_template_save
from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.viewflow import form_action


@staff_view(Perm.REPLY_TEMPLATES_EDIT)
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = reply_template_list_for(user=staff_user(request))
    return render(request, "console/cases/templates.html", {"templates": templates})


@staff_view(Perm.REPLY_TEMPLATES_EDIT)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new template (no `pk`), or one to change."""
    user = staff_user(request)
    template = reply_template_get_for(user=user, pk=pk) if pk is not None else None
    initial = (
        {"language": template.language, "title": template.title, "body": template.body}
        if template is not None
        else {}
    )
    form = ReplyTemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    return form_action(
        request,
        form,
        lambda: reply_template_save(
            actor=user,
            template=template,
            language=form.cleaned_data["language"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        ),
        success=_("Template saved."),
        redirect_to=lambda _saved: redirect("cases:templates"),
        template="console/cases/template_edit.html",
        context={"template": template},
    )


@staff_view(Perm.REPLY_TEMPLATES_EDIT)
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff_user(request)
    reply_template_delete(actor=user, template=reply_template_get_for(user=user, pk=pk))
    messages.success(request, _("Template deleted."))
    return redirect("cases:templates")
