"""Each staff user reads the console in the language he chose: English, Russian or Ukrainian."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lifeline.accounts.models import ConsoleLanguage, User
from lifeline.accounts.views import ROLE_NAMES
from lifeline.core.access import CONSOLE_LANGUAGES, Role
from lifeline.core.models import AuditEvent
from tests.factories import PASSWORD, create_user, login_staff

QUEUE = reverse("cases:queue")
ME = reverse("accounts:me")
LOGIN = reverse("accounts:login")


def _console(user: User) -> Client:
    client = Client()
    login_staff(client, user)
    return client


def test_the_choices_are_the_languages_the_console_speaks() -> None:
    assert tuple(ConsoleLanguage.values) == CONSOLE_LANGUAGES
    assert set(ROLE_NAMES) == set(Role.ALL)


@pytest.mark.django_db
def test_a_new_user_reads_the_console_in_english_whatever_the_browser_asks() -> None:
    user = create_user("alice", roles=["operator"])
    assert user.console_language == "en"
    response = _console(user).get(QUEUE, HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert ">Queue</a>" in html and "Очередь" not in html
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_a_user_who_chose_russian_reads_the_queue_in_russian() -> None:
    user = create_user("alice", roles=["operator"], console_language="ru")
    response = _console(user).get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert ">Очередь</a>" in html and ">Queue</a>" not in html
    assert "Журнал звонка" in html or "Записать звонок" in html  # the navigation too
    assert response["Content-Language"] == "ru"


@pytest.mark.django_db
def test_a_user_who_chose_ukrainian_reads_the_console_in_ukrainian() -> None:
    user = create_user("alice", roles=["operator"], console_language="uk")
    response = _console(user).get(QUEUE, HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert '<html lang="uk">' in html and response["Content-Language"] == "uk"
    assert ">Черга</a>" in html and ">Записати дзвінок</a>" in html
    assert ">Очередь</a>" not in html and ">Queue</a>" not in html


@pytest.mark.django_db
def test_the_account_page_offers_ukrainian() -> None:
    user = create_user("alice", roles=["operator"])
    client = _console(user)
    response = client.post(ME, {"console_language": "uk"}, follow=True)
    user.refresh_from_db()
    assert user.console_language == "uk"
    html = response.content.decode()
    assert "Мову консолі збережено." in html
    assert '<option value="uk" selected>Українська</option>' in html
    assert "<dd>Оператор</dd>" in html


@pytest.mark.django_db
def test_the_account_page_changes_the_language_and_audits_it() -> None:
    user = create_user("alice", roles=["operator"])
    client = _console(user)
    assert "Console language" in client.get(ME).content.decode()

    response = client.post(ME, {"console_language": "ru"}, follow=True)

    user.refresh_from_db()
    assert user.console_language == "ru"
    html = response.content.decode()
    assert "Язык консоли сохранён." in html and "Язык консоли" in html
    assert '<option value="ru" selected>Русский</option>' in html
    assert "<dd>Оператор</dd>" in html
    event = AuditEvent.objects.get(action="user.console_language")
    assert (event.actor, event.detail) == (user, {"from": "en", "to": "ru"})
    assert ">Очередь</a>" in client.get(QUEUE).content.decode()

    client.post(ME, {"console_language": "en"})
    assert ">Queue</a>" in client.get(QUEUE).content.decode()
    assert AuditEvent.objects.filter(action="user.console_language").count() == 2


@pytest.mark.django_db
def test_the_account_page_refuses_a_language_the_console_does_not_speak() -> None:
    user = create_user("alice", roles=["operator"])
    client = _console(user)
    for language in ["de", "pl", ""]:
        response = client.post(ME, {"console_language": language})
        assert response.status_code == 400
        assert 'class="errorlist"' in response.content.decode()
    user.refresh_from_db()
    assert user.console_language == "en"
    assert not AuditEvent.objects.filter(action="user.console_language").exists()


@pytest.mark.django_db
def test_choosing_the_same_language_again_writes_nothing() -> None:
    user = create_user("alice", roles=["operator"])
    _console(user).post(ME, {"console_language": "en"})
    assert not AuditEvent.objects.filter(action="user.console_language").exists()


@pytest.mark.django_db
def test_each_user_keeps_his_own_language() -> None:
    russian = create_user("alice", roles=["operator"], console_language="ru")
    english = create_user("bob", roles=["operator"])
    assert ">Очередь</a>" in _console(russian).get(QUEUE).content.decode()
    assert ">Queue</a>" in _console(english).get(QUEUE).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected", "heading"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "Вход"),
        ("uk,ru;q=0.8,en;q=0.5", "uk", "Увійти"),
        ("be,ru;q=0.8", "ru", "Вход"),
        ("de-DE,en-GB;q=0.7", "en", "Log in"),
        ("uk-UA", "uk", "Увійти"),
        ("", "en", "Log in"),
    ],
)
def test_the_login_page_follows_the_browser_among_the_console_languages(
    client: Client, accept: str, expected: str, heading: str
) -> None:
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert f'<html lang="{expected}">' in html
    assert f"<h1>{heading}</h1>" in html


@pytest.mark.django_db
def test_after_the_password_the_login_steps_speak_the_users_language(client: Client) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    alice = create_user("alice", roles=["operator"], console_language="ru")
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    response = client.post(
        LOGIN, {"username": "alice", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert '<html lang="ru">' in response.content.decode()


@pytest.mark.django_db
def test_public_pages_keep_their_own_language(client: Client) -> None:
    user = create_user("alice", roles=["operator"], console_language="en")
    login_staff(client, user)
    assert '<html lang="ru">' in client.get("/").content.decode()
    assert '<html lang="uk">' in client.get("/uk/").content.decode()
