"""Every public page: no script, nothing from other hosts, small, strict headers, 3 languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from lifeline.cases.fixed_replies import fixed_replies
from lifeline.cases.services import case_reply
from lifeline.intake.models import Contact
from tests.public.helpers import MAX_PAGE_BYTES, open_case, stylesheets, unlock

PREFIXES = ["", "/uk", "/en"]
HEADINGS = {
    "": "Чем мы можем помочь?",
    "/uk": "Чим ми можемо допомогти?",
    "/en": "How can we help you?",
}


def public_pages(prefix: str, alice: Any) -> Iterator[tuple[str, Any]]:
    """(name, response) for every page a visitor can reach, in the language of `prefix`."""
    client = Client()
    for path in ["/", "/write/surrender/", "/write/family/", "/write/other/", "/status/"]:
        yield f"GET {path}", client.get(prefix + path)
    yield "form errors", client.post(prefix + "/write/family/", {"message": " \x00 "})
    yield (
        "receipt",
        client.post(prefix + "/write/surrender/", {"message": "Хочу выйти"}, follow=True),
    )
    yield "receipt no longer shown", Client().get(prefix + "/write/receipt/")
    case, receipt = open_case(kind="family_enquiry", body="Ищу сына", sought_surname="Петров")
    # A family enquiry: what an operator sends at once is a fixed text of the catalogue.
    case_reply(actor=alice, case=case, body=fixed_replies()["acknowledgement"].texts["ru"])
    yield (
        "wrong secret",
        client.post(prefix + "/status/", {"reference": receipt.reference, "secret": "0" * 16}),
    )
    yield "case", unlock(client, receipt, prefix)
    yield "case again", client.get(prefix + "/status/")
    yield "reply error", client.post(prefix + "/status/reply/", {"message": ""})
    yield "reply sent", client.post(prefix + "/status/reply/", {"message": "Спасибо"}, follow=True)
    yield "expired", Client().post(prefix + "/status/reply/", {"message": "Ещё вопрос"})
    for _ in range(5):
        client.post(prefix + "/status/", {"reference": receipt.reference, "secret": "1" * 16})
    yield "blocked", unlock(client, receipt, prefix)
    yield (
        "too large",
        client.post(prefix + "/write/other/", data="x" * (300 * 1024), content_type="text/plain"),
    )
    strict = Client(enforce_csrf_checks=True)
    yield "csrf failure", strict.post(prefix + "/write/other/", {"message": "Привет"})
    yield "not found", client.get(prefix + "/no-such-page/")


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_public_page_is_safe_small_and_strict(prefix: str, alice: Any) -> None:
    seen = 0
    for name, response in public_pages(prefix, alice):
        seen += 1
        assert response.status_code in {200, 403, 404, 413, 429}, name
        html = response.content.decode()
        css = "".join(p.read_text() for p in stylesheets(html))
        lowered = (html + css).lower()
        assert "<script" not in lowered, name
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), f"{name}: event handler attribute"
        assert "<style" not in lowered and " style=" not in lowered, f"{name}: inline style"
        assert not re.search(r"<(img|iframe|object|embed|audio|video|source)\b", lowered), name
        assert not re.search(r"https?://", lowered), f"{name}: absolute URL"
        assert not re.search(r"""(?:href|src|action)\s*=\s*["']?//""", lowered), name
        assert "@import" not in css and "url(" not in css
        assert len(response.content) + len(css.encode()) < MAX_PAGE_BYTES, name

        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "style-src 'self'" in csp, name
        assert "unsafe-" not in csp and "script-src" not in csp, name
        assert response["Cache-Control"] == "no-store", name
        assert response["Referrer-Policy"] == "no-referrer", name
        assert '<meta name="referrer" content="no-referrer">' in html, name
        assert response["X-Content-Type-Options"] == "nosniff", name
        language = prefix.strip("/") or "ru"
        assert f'<html lang="{language}">' in html, name
    assert seen == 18


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", PREFIXES)
def test_start_page_speaks_the_language_of_its_url(client: Client, prefix: str) -> None:
    html = client.get(prefix + "/").content.decode()
    assert HEADINGS[prefix] in html
    for other, heading in HEADINGS.items():
        if other != prefix:
            assert heading not in html
    # The other two languages are one link away.
    for code in {"ru", "uk", "en"} - {prefix.strip("/") or "ru"}:
        assert f'hreflang="{code}"' in html


@pytest.mark.django_db
def test_russian_is_the_default_whatever_the_browser_asks(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert HEADINGS[""] in html


@pytest.mark.django_db
def test_start_page_offers_the_three_paths_and_says_what_happens(client: Client) -> None:
    html = client.get("/en/").content.decode()
    assert 'href="/en/write/surrender/"' in html
    assert 'href="/en/write/family/"' in html
    assert 'href="/en/write/other/"' in html
    assert "I want to stop fighting and get to safety" in html
    assert "I am looking for a relative: captured, missing or killed" in html
    assert "What happens next" in html and "without giving your name" in html


@pytest.mark.django_db
def test_oversized_body_gets_413_before_anything_is_written(client: Client) -> None:
    body = "message=" + "я" * 200_000  # over 256 KB once UTF-8 encoded
    response = client.post(
        "/uk/write/other/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "Повідомлення завелике" in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_body_just_under_the_limit_is_read(client: Client, settings: Any) -> None:
    settings.LIFELINE_MAX_BODY_BYTES = 4096
    response = client.post("/en/write/other/", {"message": "x" * 3000}, follow=True)
    assert response.status_code == 200
    assert "Your message has been received" in response.content.decode()


@pytest.mark.django_db
def test_csrf_failure_page_is_in_the_page_language() -> None:
    response = Client(enforce_csrf_checks=True).post("/uk/write/other/", {"message": "Привіт"})
    assert response.status_code == 403
    assert "Спробуйте ще раз" in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_forms_post_to_themselves_with_a_csrf_token_and_no_autocomplete(client: Client) -> None:
    for path in ["/write/surrender/", "/write/family/", "/write/other/", "/status/"]:
        html = client.get(path).content.decode()
        assert 'name="csrfmiddlewaretoken"' in html, path
        assert re.search(r'<form method="post"[^>]*autocomplete="off"', html), path
        # The message box has no maxlength: a browser would cut a long paste without a word.
        assert "maxlength" not in re.sub(r"<input[^>]*>", "", html), path
