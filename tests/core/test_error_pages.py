"""403, 404 and 500: the console's keep its navigation and language; the public site's speak
the visitor's language, run no script, and lead back to the start page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from lifeline.core.errors import server_error
from tests.factories import login_staff

LOGOUT = 'action="/console/account/logout/"'
FAILING = "tests.core.failing_urls"


def test_console_403_keeps_the_navigation_and_the_log_out(client: Client, dave: Any) -> None:
    login_staff(client, dave)  # a registrar may not open enquiries
    response = client.get(reverse("tracing:enquiries"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not for your role" in page
    assert "<nav>" in page and LOGOUT in page
    assert 'href="/console/registry/">Back to your start page' in page
    assert "lifeline/console" in page  # the console's stylesheet


def test_console_403_speaks_the_users_console_language(client: Client, dave: Any) -> None:
    dave.console_language = "ru"
    dave.save(update_fields=["console_language"])
    login_staff(client, dave)
    response = client.get(reverse("tracing:enquiries"))
    assert response.status_code == 403
    assert "Не для вашей роли" in response.content.decode()
    assert response["Content-Language"] == "ru"


def test_console_403_tells_a_user_without_a_role_to_ask_for_one(
    client: Client, mallory: Any
) -> None:
    login_staff(client, mallory)
    page = client.get(reverse("registry:search")).content.decode()
    assert "has no role yet" in page
    assert LOGOUT in page


def test_console_404_keeps_the_navigation(client: Client, alice: Any) -> None:
    login_staff(client, alice)
    for url in ("/console/no-such-page/", reverse("cases:detail", args=[999999])):
        response = client.get(url)
        assert response.status_code == 404, url
        page = response.content.decode()
        assert "Page not found" in page and "<nav>" in page and LOGOUT in page


@pytest.mark.parametrize(
    ("prefix", "title", "start"),
    [
        ("", "Страница не найдена", "/"),
        ("/uk", "Сторінку не знайдено", "/uk/"),
        ("/en", "Page not found", "/en/"),
    ],
)
def test_public_404_speaks_the_language_of_the_address(
    client: Client, db: Any, prefix: str, title: str, start: str
) -> None:
    response = client.get(prefix + "/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page
    assert f'<a href="{start}">' in page
    assert "<script" not in page
    assert "lifeline/public" in page  # the public stylesheet
    assert "<nav>" not in page and "logout" not in page


@override_settings(ROOT_URLCONF=FAILING, DEBUG=False)
@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/explode/", "Что-то пошло не так"),
        ("/uk/explode/", "Щось пішло не так"),
        ("/en/explode/", "Something went wrong"),
    ],
)
def test_public_500_speaks_the_language_of_the_address(db: Any, path: str, title: str) -> None:
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page
    assert "<script" not in page and "lifeline/public" in page


@override_settings(ROOT_URLCONF=FAILING, DEBUG=False)
def test_console_500_is_a_console_page_without_the_user(client: Client, alice: Any) -> None:
    login_staff(client, alice)
    client.raise_request_exception = False
    response = client.get("/console/explode/", headers={"accept-language": "ru"})
    assert response.status_code == 500
    page = response.content.decode()
    assert "Что-то пошло не так" in page and "lifeline/console" in page
    assert "alice" not in page  # it did not read who is logged in


def test_500_pages_need_neither_database_nor_user() -> None:
    # No `db` fixture: any query here fails the test, as would reading the user or session.
    def broken() -> Any:
        raise RuntimeError("database unreachable")

    for path in ("/console/cases/1/", "/uk/status/"):
        request = RequestFactory().get(path)
        request.user = SimpleLazyObject(broken)  # type: ignore[assignment]
        request.session = SimpleLazyObject(broken)  # type: ignore[assignment]
        response = server_error(request)
        assert response.status_code == 500
