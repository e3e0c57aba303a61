"""The one access layer: roles, the permission matrix, and the view decorators that apply it.

Every URL's view carries exactly one rule: `@public_view`, `@login_step_view` (the login pages)
or `@staff_view(<permission>)`.
`tests/core/test_url_access.py` walks the URLconf and fails on any view without a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, Union, cast

from csp.constants import SELF
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt

from lifeline.core.actors import SYSTEM, Actor, Nobody
from lifeline.core.zones import zone_for

if TYPE_CHECKING:
    from lifeline.accounts.models import User

# Whom a permission is asked about: an actor, or a request's user, who may be anonymous.
Anyone: TypeAlias = Union[Actor, AnonymousUser]

View = TypeVar("View", bound=Callable[..., HttpResponse])

# The console speaks the language its user chose on his account page (User.console_language),
# whatever the browser asks for, so Django's own form errors and dates match the console's text;
# the public pages follow the visitor's language. Lines the system writes into a case for staff
# to read (no user's choice applies there) are written in CONSOLE_LANGUAGE.
CONSOLE_LANGUAGE = "en"
CONSOLE_LANGUAGES = ("en", "ru", "uk")

# What a console page may load beyond settings.CONTENT_SECURITY_POLICY: our own scripts from
# lifeline/static, and requests back to us (the queue's refresh). Public pages never get it,
# so they stay without script (docs/decisions/0014).
CONSOLE_CSP: dict[str, list[str]] = {"script-src": [SELF], "connect-src": [SELF]}


class Role:
    OPERATOR = "operator"
    CASEWORKER = "caseworker"
    TRACING_OFFICER = "tracing_officer"
    REGISTRAR = "registrar"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    ALL = (OPERATOR, CASEWORKER, TRACING_OFFICER, REGISTRAR, SUPERVISOR, ADMIN)
    LABELS = {
        OPERATOR: "Operator",
        CASEWORKER: "Caseworker",
        TRACING_OFFICER: "Tracing officer",
        REGISTRAR: "Registrar",
        SUPERVISOR: "Supervisor",
        ADMIN: "Admin / data-protection officer",
    }


class Perm:
    CONSOLE = "console.enter"  # any staff role: the console's home, own account
    CASE_VIEW = "case.view"
    CASE_WORK = "case.work"  # reply, note, change status of a case
    CASE_CREATE = "case.create"
    CASE_ASSIGN = "case.assign"  # assign to anyone, not only take it oneself
    REGISTRY_VIEW = "registry.view"
    REGISTRY_EDIT = "registry.edit"
    REGISTRY_MERGE = "registry.merge"  # find duplicate persons and merge them
    ENQUIRY_VIEW = "enquiry.view"
    ENQUIRY_WORK = "enquiry.work"  # match, review candidates, verify the enquirer, draft answers
    DISCLOSURE_APPROVE = "disclosure.approve"  # the second person who lets an answer go out
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    INTAKE_MANAGE = "intake.manage"  # the failed-intake list (no message content) and retry
    OUTCOME_WORK = "outcome.work"  # outcomes, assistance items and handovers on cases
    EXCHANGE_MANAGE = "exchange.manage"  # exchange batches: add persons, record outcomes
    CATALOGUE_EDIT = "catalogue.edit"  # the catalogue of assistance types
    REPORTS_VIEW = "reports.view"  # the staff dashboard and its exports (counts, no names)
    REGISTRY_EXPORT = "registry.export"  # draft an export for the central tracing agency
    EXPORT_APPROVE = "export.approve"  # the second person who lets a registry export out
    ORGANISATION_EDIT = "organisation.edit"  # the organisation's public name, texts, channels
    RETENTION_EDIT = "retention.edit"  # how long each kind of data is kept; the purge's preview
    CALLER_NUMBER_VIEW = "case.caller_number"  # read a phone caller's number to call him back
    REPLY_TEMPLATES_EDIT = "reply_templates.edit"  # the texts operators start replies from


_STAFF = {Perm.CONSOLE}
# Whoever works cases may have to call a phone-only person back, so may read his number; a
# role without it sees that a number exists, not the number.
_CASES = {Perm.CASE_VIEW, Perm.CASE_WORK, Perm.CASE_CREATE, Perm.CALLER_NUMBER_VIEW}
_ENQUIRIES = {Perm.ENQUIRY_VIEW, Perm.ENQUIRY_WORK}

# Registrars and admins never see cases: their work needs no one's messages. Only supervisors
# assign cases to others; everyone who works cases may take a free one. Tracing officers work
# enquiries; a disclosure needs a supervisor as the second person. Registrars and supervisors
# merge duplicate persons. Caseworkers and supervisors record outcomes, assistance and
# handovers; caseworkers, registrars and supervisors keep exchange batches. A registry export
# for the central tracing agency is drafted by a registrar or supervisor and approved by a
# supervisor who did not draft it. Supervisors and admins see the dashboard (counts only);
# admins keep the assistance catalogue and the organisation's public settings.
PERMISSION_MATRIX: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset(_STAFF | _CASES | {Perm.INTAKE_MANAGE}),
    Role.CASEWORKER: frozenset(
        _STAFF | _CASES | {Perm.REGISTRY_VIEW, Perm.OUTCOME_WORK, Perm.EXCHANGE_MANAGE}
    ),
    Role.TRACING_OFFICER: frozenset(_STAFF | _CASES | _ENQUIRIES | {Perm.REGISTRY_VIEW}),
    Role.REGISTRAR: frozenset(
        _STAFF
        | {
            Perm.REGISTRY_VIEW,
            Perm.REGISTRY_EDIT,
            Perm.REGISTRY_MERGE,
            Perm.EXCHANGE_MANAGE,
            Perm.REGISTRY_EXPORT,
        }
    ),
    Role.SUPERVISOR: frozenset(
        _STAFF
        | _CASES
        | _ENQUIRIES
        | {
            Perm.CASE_ASSIGN,
            Perm.REGISTRY_VIEW,
            Perm.REGISTRY_MERGE,
            Perm.DISCLOSURE_APPROVE,
            Perm.AUDIT_VIEW,
            Perm.INTAKE_MANAGE,
            Perm.OUTCOME_WORK,
            Perm.EXCHANGE_MANAGE,
            Perm.REPORTS_VIEW,
            Perm.REGISTRY_EXPORT,
            Perm.EXPORT_APPROVE,
            Perm.REPLY_TEMPLATES_EDIT,
        }
    ),
    Role.ADMIN: frozenset(
        _STAFF
        | {
            Perm.AUDIT_VIEW,
            Perm.USERS_MANAGE,
            Perm.INTAKE_MANAGE,
            Perm.CATALOGUE_EDIT,
            Perm.REPORTS_VIEW,
            Perm.ORGANISATION_EDIT,
            Perm.RETENTION_EDIT,
        }
    ),
}


# Each user's start page, after login and at /console/: the page of the first row whose
# permission he holds. Supervisors hold every permission of a tracing officer and assigning
# cases besides: they watch the queue, a tracing officer his enquiries, the others who work
# cases the queue; a registrar the registry; an admin the failed intake, then the dashboard.
START_PAGES: tuple[tuple[str, str], ...] = (
    (Perm.CASE_ASSIGN, "cases:queue"),
    (Perm.ENQUIRY_VIEW, "tracing:enquiries"),
    (Perm.CASE_VIEW, "cases:queue"),
    (Perm.REGISTRY_VIEW, "registry:search"),
    (Perm.USERS_MANAGE, "accounts:staff"),
    (Perm.INTAKE_MANAGE, "inbox:troubled"),
    (Perm.REPORTS_VIEW, "reports:dashboard"),
    (Perm.CONSOLE, "accounts:me"),
)


def roles_of(user: Anyone | None) -> frozenset[str]:
    """The Lifeline roles of a user: the names of his groups that are roles.

    The system, the public, an anonymous or inactive user, and no user at all have none.
    """
    if user is None or isinstance(user, Nobody) or user.is_anonymous or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_lifeline_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(names & set(Role.ALL))
        user._lifeline_roles = cached  # type: ignore[attr-defined]
    return cached


def permissions_of(user: Anyone | None) -> frozenset[str]:
    perms: set[str] = set()
    for role in roles_of(user):
        perms |= PERMISSION_MATRIX[role]
    return frozenset(perms)


def has_perm(user: Anyone, perm: str) -> bool:
    return perm in permissions_of(user)


def start_url_for(user: Anyone | None) -> str | None:
    """The console page the user starts from (START_PAGES), or None for a user with no role."""
    perms = permissions_of(user)
    for perm, url_name in START_PAGES:
        if perm in perms:
            return reverse(url_name)
    return None


def require_perm(user: Anyone, perm: str) -> None:
    """Raise PermissionDenied unless the user holds `perm` (for use inside services too)."""
    if not has_perm(user, perm):
        raise PermissionDenied(perm)


def require_perm_or_system(actor: Actor, perm: str) -> None:
    """As require_perm, but the system itself (a task, an import, the demo) may always act."""
    if actor is not SYSTEM:
        require_perm(actor, perm)


def staff_user(request: HttpRequest) -> User:
    """The staff user of a request that `staff_view` has let in (it refuses anyone else)."""
    user = request.user
    if not user.is_authenticated or isinstance(user, AnonymousUser):
        raise PermissionDenied("not logged in")
    return cast("User", user)


def second_factor_passed(request: HttpRequest) -> bool:
    user = request.user
    if not settings.LIFELINE_REQUIRE_2FA or getattr(user, "two_factor_exempt", False):
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


def console_language_for(request: HttpRequest) -> str:
    """The console's language for this request: the user's choice, else the browser's (en/ru/uk)."""
    chosen = getattr(request.user, "console_language", None)
    if request.user.is_authenticated and chosen in CONSOLE_LANGUAGES:
        return str(chosen)
    return console_language_of_browser(request)


def console_language_of_browser(request: HttpRequest) -> str:
    """The console's language the browser asks for (en/ru/uk); reads neither user nor session."""
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if (base := tag.split("-")[0]) in CONSOLE_LANGUAGES:
            return base
    return CONSOLE_LANGUAGE


def console_time_zone_for(request: HttpRequest) -> str:
    """The zone the console shows times in: the user's choice (User.time_zone), else the site's."""
    chosen = getattr(request.user, "time_zone", "") if request.user.is_authenticated else ""
    return str(zone_for(chosen or ""))


def _in_console_language(
    view: Callable[..., HttpResponse], request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Run a console view in its user's language and time zone (dates, forms and all)."""
    language = console_language_for(request)
    with translation.override(language), timezone.override(console_time_zone_for(request)):
        response = view(request, *args, **kwargs)
        _word_queued_messages(request)
    # LocaleMiddleware would otherwise label the page with the public site's language.
    response.headers.setdefault("Content-Language", language)
    return response


def _word_queued_messages(request: HttpRequest) -> None:
    """Word the messages the view queued (often lazy strings) in the console's language.

    The message middleware words them only when it stores them, after the view has returned and
    the override above has ended: they would come out in the public site's language instead.
    """
    storage = getattr(request, "_messages", None)
    for message in getattr(storage, "_queued_messages", ()):
        message._prepare()


def staff_view(perm: str, *, others_to_start: bool = False) -> Callable[[View], View]:
    """Guard a console view: login, then the second factor, then `perm` from the matrix.

    With `others_to_start` (the console's root, /console/), a user without `perm` is sent to
    his own start page instead of being refused.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not second_factor_passed(request):
                return redirect("accounts:two_factor")
            if not has_perm(request.user, perm):
                start = start_url_for(request.user) if others_to_start else None
                if start is None or start == request.path:
                    raise PermissionDenied(perm)
                return redirect(start)
            response = _in_console_language(view, request, *args, **kwargs)
            response._csp_update = {  # type: ignore[attr-defined]
                **CONSOLE_CSP,
                **(getattr(response, "_csp_update", None) or {}),
            }
            return response

        guarded.lifeline_access = ("staff", perm)  # type: ignore[attr-defined]
        guarded.lifeline_others_to_start = others_to_start  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def login_step_view(view: View) -> View:
    """Mark a view of the login flow itself: reachable before the second factor is passed."""

    @wraps(view)
    def in_console_language(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _in_console_language(view, request, *args, **kwargs)

    in_console_language.lifeline_access = ("login", None)  # type: ignore[attr-defined]
    return in_console_language  # type: ignore[return-value]


def public_view(view: View) -> View:
    """Mark a view as open to anonymous visitors: it must store nothing that identifies them."""
    view.lifeline_access = ("public", None)  # type: ignore[attr-defined]
    return view


def channel_view(view: View) -> View:
    """Mark a provider's webhook (Telegram, a voice provider): no user, no session, no CSRF.

    The view itself must prove the request comes from the provider (a shared secret header or
    a request signature) before it writes anything, and answer 403 when it cannot.
    """
    exempt = csrf_exempt(view)
    exempt.lifeline_access = ("channel", None)  # type: ignore[attr-defined]
    return exempt
