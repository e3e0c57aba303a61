"""What a public visitor's browser keeps: cookies, history, reloads and double submits.

Issue 9, section 6: nothing may outlast the browser session, the receipt's secret must never sit
in the tab's history, "leave" must end access, and a reload or a double submit opens no case.
"""

from __future__ import annotations

import re
from http.cookies import Morsel
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from lifeline.cases.models import Case
from lifeline.core.receipts import canonical, verify_secret
from lifeline.intake.models import Contact
from lifeline.public import selectors
from tests.public.helpers import open_case

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Секретный текст"


def _session_only(morsel: Morsel[str]) -> bool:
    return not morsel["max-age"] and not morsel["expires"]


def _token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "a write form carries its idempotency token"
    return match.group(1)


def _receipt_of(html: str) -> tuple[str, str]:
    reference, secret = re.findall(r"<dd>([^<]+)</dd>", html.split('class="receipt"')[1])[:2]
    return reference, secret


# --- 1. The CSRF cookie -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/en/", "/uk/", "/statistics/", "/en/statistics/"])
def test_a_page_without_a_form_sets_no_cookie_at_all(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert dict(response.cookies) == {}


@pytest.mark.parametrize(
    "path", ["/write/surrender/", "/en/write/family/", "/uk/write/other/", "/status/"]
)
def test_a_form_page_sets_only_cookies_that_end_with_the_browser(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert response.cookies, "a form page needs its CSRF cookie"
    for name, morsel in response.cookies.items():
        assert _session_only(morsel), f"{name} outlives the browser: {morsel.OutputString()}"


def test_a_posted_receipt_and_a_new_message_set_only_session_cookies() -> None:
    _, receipt = open_case()
    client = Client()
    posted = client.post("/status/", {"reference": receipt.reference, "secret": receipt.secret})
    written = client.post("/write/other/", {"message": "Hello"})
    for response in (posted, written, client.get(written["Location"])):
        for name, morsel in response.cookies.items():
            assert _session_only(morsel), f"{name}: {morsel.OutputString()}"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/write/other/", {"message": "Нужна помощь"}),
        ("/status/", {"reference": "LF-0000-0000", "secret": "0" * 16}),
        ("/status/reply/", {"message": "Ещё"}),
        ("/status/leave/", {}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(path: str, data: dict[str, str]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/write/other/")  # the visitor has the cookie, the forger's page lacks the token
    response = client.post(path, data)
    assert response.status_code == 403
    assert not Case.objects.exists()


# --- 2. The status page: post/redirect/get, and leaving ends access -----------------------------


def test_a_right_receipt_redirects_to_the_status_page_without_the_secret(client: Client) -> None:
    _, receipt = open_case(body=SECRET_TEXT)
    response = client.post(
        "/en/status/", {"reference": receipt.reference, "secret": receipt.secret}
    )
    assert response.status_code == 303
    assert response["Location"] == "/en/status/"
    assert SECRET_TEXT not in response.content.decode()
    page = client.get(response["Location"])
    assert SECRET_TEXT in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert canonical(receipt.secret) not in canonical(page.content.decode())


def test_the_unsent_message_survives_the_redirect(client: Client) -> None:
    _, receipt = open_case()
    response = client.post(
        "/en/status/",
        {"reference": receipt.reference, "secret": receipt.secret, "message": "Written late"},
    )
    assert response.status_code == 303
    html = client.get(response["Location"]).content.decode()
    assert "Your message below has not been sent yet" in html and "Written late</textarea>" in html
    # Shown once: a reload shows the case without the stale notice.
    assert "has not been sent yet" not in client.get("/en/status/").content.decode()


def test_leaving_flushes_the_session_and_the_status_url_shows_the_lookup_form(
    client: Client,
) -> None:
    _, receipt = open_case(body=SECRET_TEXT)
    client.post("/status/", {"reference": receipt.reference, "secret": receipt.secret})
    assert SECRET_TEXT in client.get("/status/").content.decode()
    copied = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=copied).exists()

    left = client.post("/status/leave/")
    assert left.status_code == 302
    assert not Session.objects.filter(session_key=copied).exists()
    html = client.get("/status/").content.decode()
    assert SECRET_TEXT not in html and 'name="secret"' in html
    # A copy of the cookie taken before leaving opens nothing either.
    thief = Client()
    thief.cookies["sessionid"] = copied
    assert SECRET_TEXT not in thief.get("/status/").content.decode()


def test_showing_the_receipt_starts_a_new_session_key(client: Client) -> None:
    _, receipt = open_case()
    client.get("/status/")
    client.post("/write/other/", {"message": "x"})  # the visitor already has a session
    before = client.cookies["sessionid"].value
    client.post("/status/", {"reference": receipt.reference, "secret": receipt.secret})
    assert client.cookies["sessionid"].value != before


# --- 3. Reloads and double submits ---------------------------------------------------------------


def test_each_form_render_carries_a_new_random_token(client: Client) -> None:
    first = _token(client.get("/write/other/").content.decode())
    second = _token(client.get("/write/other/").content.decode())
    assert first != second and len(first) >= 32


def test_writing_in_redirects_to_the_receipt_and_a_reload_opens_no_case(client: Client) -> None:
    token = _token(client.get("/en/write/other/").content.decode())
    response = client.post("/en/write/other/", {"message": "Hello", "form_token": token})
    assert response.status_code == 303 and response["Location"] == "/en/write/receipt/"
    first = client.get(response["Location"])
    again = client.get(response["Location"])
    assert Case.objects.count() == 1
    reference, secret = _receipt_of(first.content.decode())
    assert _receipt_of(again.content.decode()) == (reference, secret)
    case = Case.objects.get()
    assert case.reference == reference and verify_secret(case.secret_hash, secret)
    assert first["Cache-Control"] == "no-store"


def test_two_posts_with_the_same_token_make_one_case_and_the_same_receipt(
    client: Client,
) -> None:
    token = _token(client.get("/write/surrender/").content.decode())
    data = {"message": "Хочу сдаться", "form_token": token}
    first = client.post("/write/surrender/", data)
    # The second click comes from a browser that never saw the first answer's cookie.
    other = Client()
    second = other.post("/write/surrender/", data)
    assert Case.objects.count() == 1 and Contact.objects.count() == 1
    shown = _receipt_of(client.get(first["Location"]).content.decode())
    assert _receipt_of(other.get(second["Location"]).content.decode()) == shown


def test_a_duplicate_that_loses_the_race_still_shows_the_same_receipt(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "t" * 43
    client.post("/write/other/", {"message": "Первый", "form_token": token})
    shown = _receipt_of(client.get("/write/receipt/").content.decode())
    # As if both requests had looked before either wrote: the database's unique key decides.
    real = selectors.web_submission_for_token
    looks: list[str] = []

    def too_early(*, form_token: str) -> selectors.FormSubmission | None:
        looks.append(form_token)
        return None if len(looks) == 1 else real(form_token=form_token)

    monkeypatch.setattr(selectors, "web_submission_for_token", too_early)
    late = Client()
    response = late.post("/write/other/", {"message": "Первый", "form_token": token})
    assert response.status_code == 303 and len(looks) >= 2
    monkeypatch.undo()
    assert Case.objects.count() == 1
    assert _receipt_of(late.get("/write/receipt/").content.decode()) == shown


def test_a_new_token_is_a_new_message(client: Client) -> None:
    client.post("/write/other/", {"message": "Один", "form_token": "a" * 43})
    client.post("/write/other/", {"message": "Два", "form_token": "b" * 43})
    assert Case.objects.count() == 2


def test_the_secret_is_not_shown_again_after_the_window(
    client: Client, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    client.post("/en/write/other/", {"message": "Hello", "form_token": "c" * 43})
    _, secret = _receipt_of(client.get("/en/write/receipt/").content.decode())
    Contact.objects.update(received_at=Contact.objects.get().received_at.replace(year=2000))
    html = client.get("/en/write/receipt/").content.decode()
    assert canonical(secret) not in canonical(html)
    assert "no longer shown" in html
    # Nor to a replayed form.
    replay = Client()
    replay.post("/en/write/other/", {"message": "Hello", "form_token": "c" * 43})
    assert Case.objects.count() == 1
    assert canonical(secret) not in canonical(replay.get("/en/write/receipt/").content.decode())


def test_the_receipt_page_without_a_submission_shows_no_receipt(client: Client) -> None:
    open_case()
    response = client.get("/en/write/receipt/")
    assert response.status_code == 200
    assert 'class="receipt"' not in response.content.decode()
