"""Every URL has an access rule, and every staff URL refuses exactly the users it should.

The URLconf is walked, not listed: a new URL without `@public_view`, `@login_step_view` or
`@staff_view(...)` fails here, and so does a staff URL that lets in a role the matrix excludes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RegexPattern

from lifeline.core.access import PERMISSION_MATRIX, Role
from lifeline.registry.models import Person
from tests.cases.helpers import create_case
from tests.factories import create_user, login_staff

# The named users of tests/conftest.py and their roles.
USERS = {
    "alice": [Role.OPERATOR],
    "bob": [Role.TRACING_OFFICER],
    "carol": [Role.SUPERVISOR],
    "dave": [Role.REGISTRAR],
    "erin": [Role.CASEWORKER],
    "frank": [Role.ADMIN],
    "mallory": [],
}
RULES = {"public", "login", "staff", "channel"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when it has no name
    route: str
    callback: Any
    converters: dict[str, Any]

    @property
    def access(self) -> tuple[str, str | None] | None:
        return getattr(self.callback, "lifeline_access", None)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        converters = dict(getattr(entry.pattern, "converters", {}))
        if isinstance(entry.pattern, RegexPattern):
            converters = {name: None for name in entry.pattern.regex.groupindex}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            # LocalePrefixPattern ("" or "en/") and plain prefixes alike.
            for sub in _walk(entry.url_patterns, prefix + str(entry.pattern), inner):
                routes.append(
                    Route(sub.name, sub.route, sub.callback, {**converters, **sub.converters})
                )
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else route
            routes.append(Route(name, route, entry.callback, converters))
    return routes


ROUTES = _walk(get_resolver().url_patterns)
STAFF_ROUTES = [r for r in ROUTES if r.access and r.access[0] == "staff"]
CHANNEL_ROUTES = [r for r in ROUTES if r.access and r.access[0] == "channel"]


def test_the_walk_finds_the_console_and_the_public_site() -> None:
    names = {r.name for r in ROUTES}
    assert {"cases:queue", "cases:detail", "accounts:login", "healthz"} <= names
    assert any(name.startswith("public:") for name in names)


def test_the_walk_finds_the_reply_approval_urls_and_only_approvers_pass() -> None:
    # A free-text reply to a family waits for a second person (issue 9 §5): the walk below
    # asserts the refused roles of these URLs, as of every other.
    approval = {"cases:approvals", "cases:reply_approve", "cases:reply_reject"}
    access = {r.name: r.access for r in ROUTES if r.name in approval | {"cases:reply_fixed"}}
    assert access == {
        **{name: ("staff", "disclosure.approve") for name in approval},
        "cases:reply_fixed": ("staff", "case.work"),
    }
    assert _holders("disclosure.approve") == {"carol"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_view_carries_one_access_rule(route: Route) -> None:
    assert route.access is not None, (
        f"{route.route} ({route.name}) has no access rule: decorate its view with "
        "@public_view, @login_step_view, @channel_view or @staff_view(Perm.X) from "
        "lifeline/core/access.py"
    )
    kind, perm = route.access
    assert kind in RULES
    if kind == "staff":
        assert any(perm in perms for perms in PERMISSION_MATRIX.values()), f"no role has {perm}"


def _value(route: Route, param: str, converter: Any, objects: dict[str, Any]) -> Any:
    """A value for a path parameter: an existing object where we know which, else plausible."""
    app = route.name.split(":")[0]
    if app == "cases" and param in {"pk", "key", "case_pk", "case_id"}:
        return objects["case"].pk
    if app == "cases" and param == "reference":
        return objects["case"].reference
    if app == "cases" and param == "draft":
        return objects["draft"].pk
    if app == "registry" and param in {"pk", "person_pk", "person_id"}:
        return objects["person"].pk
    if converter is None or isinstance(converter, IntConverter):  # None: a re_path group
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.uuid4()
    if isinstance(converter, SlugConverter):
        return "plausible-slug"
    return "plausible"


def _url(route: Route, objects: dict[str, Any]) -> str:
    kwargs = {p: _value(route, p, c, objects) for p, c in route.converters.items()}
    return reverse(route.name, kwargs=kwargs)


def _holders(perm: str) -> set[str]:
    return {
        name for name, roles in USERS.items() if any(perm in PERMISSION_MATRIX[r] for r in roles)
    }


@pytest.fixture
def objects(db: Any) -> dict[str, Any]:
    from lifeline.cases.models import ReplyDraft

    family = create_case("family_enquiry", inbound="hello")
    author = create_user("author", roles=[Role.TRACING_OFFICER])
    return {
        "case": create_case(inbound="hello"),
        "person": Person.objects.create(surname="Testov"),
        "draft": ReplyDraft.objects.create(
            case=family, body="held", drafted_by=author, drafted_at=family.created_at
        ),
    }


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda r: r.name)
def test_staff_url_refuses_exactly_the_users_without_its_permission(
    route: Route, objects: dict[str, Any], client: Any, request: pytest.FixtureRequest
) -> None:
    _kind, perm = route.access  # type: ignore[misc]
    url = _url(route, objects)

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))

    holders = _holders(perm)
    assert "mallory" not in holders
    wrong: list[str] = []
    for username in USERS:
        user = request.getfixturevalue(username)
        client.logout()
        login_staff(client, user)
        status = client.get(url).status_code
        if status == 405:  # an action: ask again the way a form would
            status = client.post(url).status_code
        refused = status == 403
        if refused == (username in holders):
            wrong.append(f"{username}: {status}")
    assert not wrong, f"{route.name} ({perm}) answered wrongly for: {', '.join(wrong)}"


def test_staff_urls_need_the_second_factor(objects: dict[str, Any], client: Any, carol) -> None:
    client.force_login(carol)
    for route in STAFF_ROUTES:
        response = client.get(_url(route, objects))
        assert response.status_code == 302, route.name
        assert response["Location"] == reverse("accounts:two_factor"), route.name


@pytest.mark.parametrize("route", CHANNEL_ROUTES, ids=lambda r: r.name)
def test_channel_url_refuses_a_request_it_cannot_authenticate(
    route: Route, objects: dict[str, Any], client: Any, settings: Any
) -> None:
    from lifeline.core.models import AuditEvent
    from lifeline.intake.models import Contact

    # Even with every channel configured, a request without the provider's proof is refused.
    settings.TELEGRAM_WEBHOOK_SECRET = "configured-secret"
    settings.TELEGRAM_BOT_TOKEN = "123:configured"
    settings.VOICE_AUTH_TOKEN = "configured-token"
    before = (Contact.objects.count(), AuditEvent.objects.count())
    url = _url(route, objects)
    body = '{"update_id": 1}'
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 403, route.name
    form = client.post(url, {"CallSid": "CA1", "From": "+0001", "CallStatus": "ringing"})
    assert form.status_code == 403, route.name
    assert (Contact.objects.count(), AuditEvent.objects.count()) == before
