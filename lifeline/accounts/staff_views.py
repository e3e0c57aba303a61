"""The administrators' staff screens: list, invites, roles, deactivation, second-factor resets."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lifeline.accounts.forms import InviteForm, RolesForm
from lifeline.accounts.models import User
from lifeline.accounts.roles import ROLE_NAMES
from lifeline.accounts.selectors import StaffRow, staff_get_for, staff_list_for
from lifeline.accounts.staff import (
    Issued,
    enrol_link,
    invite_mail_send,
    user_deactivate,
    user_invite,
    user_reactivate,
    user_roles_set,
    user_second_factor_reset,
)
from lifeline.core.access import Perm, staff_user, staff_view
from lifeline.core.exceptions import ActionRefused
from lifeline.core.viewflow import form_action


def _role_names(row: StaffRow) -> list[str]:
    return [str(ROLE_NAMES[role]) for role in row.roles]


def _link_page(request: HttpRequest, issued: Issued, *, reset: bool = False) -> HttpResponse:
    """The one page that shows a new link; answered to the POST, never stored or redirected."""
    link = enrol_link(base_url=request.build_absolute_uri("/"), token=issued.token)
    mailed = invite_mail_send(issued=issued, link=link)
    context = {"issued": issued, "link": link, "mailed": mailed, "reset": reset}
    return render(request, "console/staff/link.html", context)


@staff_view(Perm.USERS_MANAGE)
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    rows = staff_list_for(actor=staff_user(request))
    context = {"rows": [(row, _role_names(row)) for row in rows]}
    return render(request, "console/staff/list.html", context)


@staff_view(Perm.USERS_MANAGE)
@never_cache
@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest) -> HttpResponse:
    admin = staff_user(request)
    form = InviteForm(request.POST if request.method == "POST" else None)

    def invite() -> Issued:
        data = form.cleaned_data
        return user_invite(
            actor=admin,
            username=data["username"],
            roles=data["roles"],
            display_name=data["display_name"],
            email=data["email"],
        )

    return form_action(
        request,
        form,
        invite,
        success=lambda issued: _("Invited %(name)s.") % {"name": issued.user.username},
        redirect_to=lambda issued: _link_page(request, issued),
        template="console/staff/invite.html",
        error_field="username",
    )


def _detail_page(
    request: HttpRequest, row: StaffRow, *, roles_form: Form | None = None, status: int = 200
) -> HttpResponse:
    form = roles_form or RolesForm(initial={"roles": list(row.roles)})
    context = {
        "row": row,
        "role_names": _role_names(row),
        "roles_form": form,
        "is_self": row.user == request.user,
    }
    return render(request, "console/staff/detail.html", context, status=status)


@staff_view(Perm.USERS_MANAGE)
@require_http_methods(["GET"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, staff_get_for(actor=staff_user(request), pk=pk))


@staff_view(Perm.USERS_MANAGE)
@require_POST
def staff_roles(request: HttpRequest, pk: int) -> HttpResponse:
    admin = staff_user(request)
    row = staff_get_for(actor=admin, pk=pk)
    form = RolesForm(request.POST)
    return form_action(
        request,
        form,
        lambda: user_roles_set(actor=admin, user=row.user, roles=form.cleaned_data["roles"]),
        success=_("Roles saved."),
        redirect_to=lambda _result: redirect("accounts:staff_detail", pk=pk),
        page=lambda status: _detail_page(request, row, roles_form=form, status=status),
        error_field="roles",
    )


def _refusal(request: HttpRequest, pk: int, refused: ActionRefused) -> HttpResponse:
    messages.error(request, refused.message)
    return redirect("accounts:staff_detail", pk=pk)


def _active_set(
    request: HttpRequest, pk: int, service: Callable[..., object], done: str
) -> HttpResponse:
    admin = staff_user(request)
    user: User = staff_get_for(actor=admin, pk=pk).user
    try:
        service(actor=admin, user=user)
    except ActionRefused as refused:
        return _refusal(request, pk, refused)
    messages.success(request, done % {"name": user.username})
    return redirect("accounts:staff_detail", pk=pk)


@staff_view(Perm.USERS_MANAGE)
@require_POST
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _active_set(request, pk, user_deactivate, _("%(name)s is deactivated."))


@staff_view(Perm.USERS_MANAGE)
@require_POST
def staff_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _active_set(request, pk, user_reactivate, _("%(name)s is active again."))


@staff_view(Perm.USERS_MANAGE)
@never_cache
@require_POST
def staff_reset(request: HttpRequest, pk: int) -> HttpResponse:
    admin = staff_user(request)
    user: User = staff_get_for(actor=admin, pk=pk).user
    try:
        issued = user_second_factor_reset(actor=admin, user=user)
    except ActionRefused as refused:
        return _refusal(request, pk, refused)
    return _link_page(request, issued, reset=True)
