"""Every role starts on a page with its work: after login, and at the console's root."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import resolve, reverse

from lifeline.core.access import (
    PERMISSION_MATRIX,
    START_PAGES,
    Perm,
    Role,
    has_perm,
    start_url_for,
)
from tests.factories import PASSWORD, create_user, login_staff

QUEUE = reverse("cases:queue")
LOGIN = reverse("accounts:login")
START = {
    "alice": QUEUE,  # operator
    "erin": QUEUE,  # caseworker
    "carol": QUEUE,  # supervisor
    "bob": reverse("tracing:enquiries"),  # tracing officer
    "dave": reverse("registry:search"),  # registrar
    "frank": reverse("accounts:staff"),  # admin
}


@pytest.mark.parametrize("username", sorted(START))
def test_login_lands_each_role_on_its_start_page(
    username: str, client: Any, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(username)
    user.two_factor_exempt = True
    user.save(update_fields=["two_factor_exempt"])
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == START[username]
    page = client.get(START[username])
    assert page.status_code == 200
    assert 'action="/console/account/logout/"' in page.content.decode()


@pytest.mark.parametrize("username", sorted(START))
def test_login_asked_for_the_console_root_ends_on_the_start_page(
    username: str, client: Any, request: pytest.FixtureRequest
) -> None:
    # /console/ sends an anonymous visitor to log in with next=/console/; after the password he
    # comes back there, and the root sends him on to his start page, never to a 403.
    user = request.getfixturevalue(username)
    user.two_factor_exempt = True
    user.save(update_fields=["two_factor_exempt"])
    assert client.get(QUEUE)["Location"] == f"{LOGIN}?next={QUEUE}"
    client.get(f"{LOGIN}?next={QUEUE}")
    response = client.post(LOGIN, {"username": username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == START[username]


@pytest.mark.parametrize("username", sorted(START))
def test_the_console_root_sends_who_has_no_queue_to_the_start_page(
    username: str, client: Any, request: pytest.FixtureRequest
) -> None:
    # Who may see the queue gets it there (a tracing officer follows the Queue link to it).
    user = request.getfixturevalue(username)
    login_staff(client, user)
    response = client.get(QUEUE)
    if has_perm(user, Perm.CASE_VIEW):
        assert response.status_code == 200
        assert "page" in response.context
    else:
        assert response.status_code == 302
        assert response["Location"] == START[username]


def test_a_user_without_a_role_is_refused_at_the_root(client: Any, mallory: Any) -> None:
    login_staff(client, mallory)
    assert start_url_for(mallory) is None
    assert client.get(QUEUE).status_code == 403


def test_a_user_of_two_roles_starts_where_the_first_row_says(db: Any) -> None:
    both = create_user("both", roles=[Role.REGISTRAR, Role.OPERATOR])
    assert start_url_for(both) == QUEUE


@pytest.mark.parametrize("role", Role.ALL)
def test_every_start_page_is_one_the_role_may_open(role: str) -> None:
    perms = PERMISSION_MATRIX[role]
    url_name = next(name for perm, name in START_PAGES if perm in perms)
    _kind, needed = resolve(reverse(url_name)).func.lifeline_access  # type: ignore[attr-defined]
    assert needed in perms, f"{role} starts on {url_name}, which needs {needed}"
