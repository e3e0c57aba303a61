"""Every URL has an access rule, and every staff URL refuses exactly the users it should.

The URLconf is walked, not listed: a new URL without `@public_view`, `@login_step_view` or
`@staff_view(...)` fails here. Who may use each staff URL is written out below by path (ADMITTED),
not derived from PERMISSION_MATRIX, and checked against the running views: a wrong matrix, a wrong
permission on a view, or a new URL nobody decided about all fail.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RegexPattern

from lifeline.core.access import PERMISSION_MATRIX, Role, start_url_for
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


# Who gets into each family of console URLs, written out here and not read from
# PERMISSION_MATRIX, so a wrong matrix fails. Keyed by path (a prefix; `*` stands for one path
# segment), not by URL name or view module, which move; the longest matching key wins. Everyone
# in USERS who is not listed must be refused with 403 (or, at /console/, sent to his start
# page); a staff URL no key matches fails.
CASE_WORKERS = {
    "alice",
    "bob",
    "carol",
    "erin",
}  # operator, tracing officer, supervisor, caseworker
EVERY_ROLE = CASE_WORKERS | {"dave", "frank"}  # mallory has no role and gets in nowhere
ADMITTED: dict[str, set[str]] = {
    "/console/": CASE_WORKERS,  # the queue and the cases
    "/console/approvals/": {"carol"},  # replies to families waiting for a second person
    "/console/reply/": {"carol"},
    "/console/reply-templates/": {"carol"},  # the texts operators insert: kept by supervisors
    "/console/registry/": {"bob", "carol", "dave", "erin"},  # reading the registry
    "/console/registry/new/": {"dave"},  # writing it: registrars only
    "/console/registry/*/edit/": {"dave"},
    "/console/registry/*/names/": {"dave"},
    "/console/registry/*/status/": {"dave"},
    "/console/registry/exports/": {"carol", "dave"},  # exports for the tracing agency
    "/console/registry/exports/*/approve/": {"carol"},  # the second person
    "/console/registry/exports/schema/": {"carol", "dave"},  # the files' published format
    "/console/registry/imports/": {"dave"},  # importing persons from a file: registrars only
    # A whole list matched against the registry, nothing written: whoever reads the registry.
    "/console/registry/lists/": {"bob", "carol", "dave", "erin"},
    "/console/tracing/": {"bob", "carol"},  # enquiries
    "/console/tracing/disclosure/": {"carol"},  # approving what a family is told
    "/console/tracing/approvals/": {"carol"},  # the answers waiting for that approval
    "/console/tracing/duplicates/": {"carol", "dave"},  # merging persons
    "/console/inbox/": {"alice", "carol", "frank"},  # failed intake, without content
    "/console/attachments/": CASE_WORKERS,
    "/console/calls/": CASE_WORKERS,
    "/console/outcomes/": {"carol", "erin"},  # outcomes, assistance, handovers on cases
    "/console/outcomes/exchanges/": {"carol", "dave", "erin"},
    # A list's confirmed persons put on a batch: who keeps batches (all of whom read the registry).
    "/console/outcomes/exchanges/from-list/": {"carol", "dave", "erin"},
    "/console/outcomes/entry/": {"carol", "dave", "erin"},
    "/console/outcomes/catalogue/": {"frank"},
    "/console/reports/": {"carol", "frank"},  # counts, no names
    "/console/organisation/": {"frank"},  # the organisation's public name and channels
    "/console/retention/": {"frank"},  # how long data is kept, and what the purge would remove
    "/console/audit/": {"carol", "frank"},  # the audit log: who did what, no content
    "/console/account/": EVERY_ROLE,
    "/console/account/staff/": {"frank"},  # staff accounts: invites, roles, resets
}
# The only console URLs open before login and the second factor.
LOGIN_STEPS = {
    "/console/account/login/",
    "/console/account/two-factor/",
    "/console/account/logout/",
}
ENROLMENT = "/console/account/enrol/"  # an enrolment link: its token is the credential
CHANNELS = "/channels/"  # providers' webhooks: their own proof, tested below
PUBLIC = ("/healthz", "/write/", "/status/", "/statistics/")  # and the home page "/"


def _key_pattern(key: str) -> re.Pattern[str]:
    return re.compile(re.escape(key).replace(r"\*", "[^/]+"))


def _admitted(path: str) -> set[str] | None:
    keys = [key for key in ADMITTED if _key_pattern(key).match(path)]
    return ADMITTED[max(keys, key=len)] if keys else None


def test_the_expected_table_says_what_it_means() -> None:
    assert _admitted("/console/registry/7/edit/") == {"dave"}
    assert _admitted("/console/registry/7/") == {"bob", "carol", "dave", "erin"}
    assert _admitted("/console/registry/exports/7/approve/") == {"carol"}
    assert _admitted("/console/registry/exports/7/download/") == {"carol", "dave"}
    assert _admitted("/elsewhere/") is None
    assert all(users <= set(USERS) - {"mallory"} for users in ADMITTED.values())


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_url_belongs_to_a_family_of_its_kind(route: Route, objects: dict[str, Any]) -> None:
    """Console URLs are staff URLs but the login steps; /channels/ are channels; the rest public."""
    # The public pages carry a language prefix when another test left a language active.
    path = re.sub(r"^/(?:uk|en|ru)/", "/", _url(route, objects))
    kind = route.access[0] if route.access else None
    if path.startswith("/console/"):
        expected = "login" if path in LOGIN_STEPS or path.startswith(ENROLMENT) else "staff"
    elif path.startswith(CHANNELS):
        expected = "channel"
    else:
        assert path == "/" or path.startswith(PUBLIC), f"{path}: a new family? list it here"
        expected = "public"
    assert kind == expected, f"{path} ({route.name}) is {kind}, expected {expected}"
    if kind == "staff":
        assert _admitted(path) is not None, f"{path}: add who may use it to ADMITTED"


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda r: r.name)
def test_staff_url_lets_in_exactly_the_listed_users(
    route: Route, objects: dict[str, Any], client: Any, request: pytest.FixtureRequest
) -> None:
    url = _url(route, objects)
    admitted = _admitted(url)
    assert admitted is not None, f"{url}: add who may use it to ADMITTED"

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))

    wrong: list[str] = []
    for username in USERS:
        user = request.getfixturevalue(username)
        client.logout()
        login_staff(client, user)
        response = client.get(url)
        if response.status_code == 405:  # an action: ask again the way a form would
            response = client.post(url)
        # The console's root sends those it does not admit to their own start page.
        sent_to_start = (
            getattr(route.callback, "lifeline_others_to_start", False)
            and response.status_code == 302
            and response["Location"] == start_url_for(user) != url
        )
        refused = response.status_code == 403 or sent_to_start
        to_login = response.status_code == 302 and response["Location"].startswith(
            reverse("accounts:login")
        )
        if to_login or refused == (username in admitted):
            wrong.append(f"{username}: {response.status_code}")
    assert not wrong, f"{url} ({route.name}) answered wrongly for: {', '.join(wrong)}"


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.access and r.access[0] == "public"], ids=lambda r: r.name
)
def test_public_url_is_open_to_anyone(route: Route, objects: dict[str, Any], client: Any) -> None:
    response = client.get(_url(route, objects))
    assert response.status_code != 403
    assert not response.get("Location", "").startswith(reverse("accounts:login"))


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
    settings.WHATSAPP_APP_SECRET = "configured-app-secret"
    settings.WHATSAPP_VERIFY_TOKEN = "configured-verify-token"
    before = (Contact.objects.count(), AuditEvent.objects.count())
    url = _url(route, objects)
    body = '{"update_id": 1}'
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 403, route.name
    form = client.post(url, {"CallSid": "CA1", "From": "+0001", "CallStatus": "ringing"})
    assert form.status_code == 403, route.name
    handshake = client.get(url, {"hub.mode": "subscribe", "hub.challenge": "1"})
    assert handshake.status_code in (403, 405), route.name
    assert (Contact.objects.count(), AuditEvent.objects.count()) == before
