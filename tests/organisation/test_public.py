"""The public pages say who runs the line and how else to reach it, in the visitor's language."""

from __future__ import annotations

import html as html_text
import re
from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client

from lifeline.core.actors import SYSTEM
from lifeline.organisation import selectors
from lifeline.organisation.models import Organisation
from lifeline.organisation.services import organisation_update
from tests.organisation.helpers import NAMES, organisation_filled
from tests.public.helpers import MAX_PAGE_BYTES, open_case, page_bytes, unlock

pytestmark = pytest.mark.django_db

PREFIXES = {"ru": "", "uk": "/uk", "en": "/en"}
HEADINGS = {
    "ru": ("Кто мы", "Как ещё с нами связаться"),
    "uk": ("Хто ми", "Як ще з нами зв'язатися"),
    "en": ("Who we are", "Other ways to reach us"),
}


def _page(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def _text(html: str) -> str:
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("language", PREFIXES)
def test_the_start_page_says_who_we_are_and_how_else_to_reach_us(language: str) -> None:
    organisation_filled()
    html = _page(PREFIXES[language] + "/")
    shown = html_text.unescape(html)
    for field in ("name", "operated_by", "about", "hours"):
        assert f'lang="{language}">{NAMES[f"{field}_{language}"]}</' in shown, field
    for heading in HEADINGS[language]:
        assert f">{heading}</h2>" in shown
    assert '<a href="https://t.me/trial_hotline_bot">@trial_hotline_bot</a>' in html
    assert '<a href="mailto:hotline@example.org">hotline@example.org</a>' in html
    assert '<a href="tel:+442079460123">+44 20 7946 0123</a>' in html
    # A WhatsApp number opens a chat with it in WhatsApp.
    assert 'WhatsApp: <a href="https://wa.me/12025550143">+1 202 555 0143</a>' in html
    # The only addresses of other sites are the bot's and the WhatsApp number's, ordinary
    # links; nothing is loaded.
    assert re.findall(r"https?://[^\"'<\s]+", html) == [
        "https://t.me/trial_hotline_bot",
        "https://wa.me/12025550143",
    ]


def test_an_empty_language_falls_back_to_russian_then_to_any_language_that_has_it() -> None:
    organisation_filled(name_uk="", about_uk="", name_ru="", about_en="", hours_en="", hours_ru="")
    uk = _text(_page("/uk/"))
    assert "Бюро «Тест»" not in uk  # no Russian name was left to fall back on
    assert "Test Bureau" in uk  # so the name comes from the only language that has it
    assert NAMES["about_ru"] in uk  # Russian first
    en = _page("/en/")
    assert f'<p lang="ru">{NAMES["about_ru"]}</p>' in en  # marked as Russian for screen readers
    assert f'<span lang="uk">{NAMES["hours_uk"]}</span>' in en  # no ru or en hours: the uk


@pytest.mark.parametrize("language", PREFIXES)
def test_the_footer_of_every_public_page_names_the_organisation(language: str) -> None:
    organisation_filled()
    prefix = PREFIXES[language]
    client = Client()
    pages = {path: client.get(prefix + path) for path in
             ["/", "/write/surrender/", "/write/family/", "/write/other/", "/status/",
              "/statistics/"]}  # fmt: skip
    pages["receipt"] = client.post(prefix + "/write/other/", {"message": "Привет"}, follow=True)
    pages["csrf failure"] = Client(enforce_csrf_checks=True).post(prefix + "/write/other/", {})
    for name, response in pages.items():
        footer = html_text.unescape(response.content.decode().split("<footer>")[1])
        assert NAMES[f"name_{language}"] in footer, name


def test_the_receipt_and_status_pages_mention_the_other_channels() -> None:
    organisation_filled()
    client = Client()
    receipt = client.post("/en/write/other/", {"message": "Привет"}, follow=True)
    _case, sent = open_case()
    status = unlock(client, sent, "/en")
    lookup = Client().get("/en/status/")
    for name, response in [("receipt", receipt), ("status", status), ("lookup", lookup)]:
        html = response.content.decode()
        assert "You can also reach us:" in html, name
        assert '<a href="https://t.me/trial_hotline_bot">Telegram @trial_hotline_bot</a>' in html
        assert (
            'href="mailto:hotline@example.org"' in html
            and 'href="https://wa.me/12025550143"' in html
        )


@pytest.mark.parametrize("language", PREFIXES)
def test_before_anything_is_filled_the_pages_read_well_without_empty_headings(
    language: str,
) -> None:
    client = Client()
    for path in ["/", "/status/"]:
        html = client.get(PREFIXES[language] + path).content.decode()
        for heading in HEADINGS[language]:
            assert heading not in html_text.unescape(html)
        assert not re.search(r"<(h\d|p|li|ul|strong)[^>]*>\s*</\1>", html)
        assert "t.me" not in html and "mailto:" not in html and "tel:" not in html
    receipt = client.post(PREFIXES[language] + "/write/other/", {"message": "x"}, follow=True)
    assert "mailto:" not in receipt.content.decode()


def test_with_only_the_hours_filled_the_start_page_says_when_we_answer() -> None:
    organisation_update(actor=SYSTEM, texts={"hours_en": "Around the clock"})
    html = _page("/en/")
    assert '<h2 id="reach-us">When we answer</h2>' in html
    assert "Around the clock" in html and "Other ways to reach us" not in html


def test_the_pages_with_every_setting_at_its_longest_stay_small_and_script_free() -> None:
    organisation_update(
        actor=SYSTEM,
        texts={
            **{
                f"{f}_{lang}": "Ж" * 200
                for f in ("name", "operated_by", "hours")
                for lang in ("ru", "uk", "en")
            },  # fmt: skip
            **{f"about_{lang}": "Ж" * 600 for lang in ("ru", "uk", "en")},
        },
        telegram_bot="b" * 32,
        email="x" * 60 + "@example.org",
        phones=[("+44 20 7946 0123", "L" * 40)] * 5,
    )
    client = Client()
    for path in ["/", "/uk/", "/en/", "/status/"]:
        response = client.get(path)
        assert page_bytes(response) < MAX_PAGE_BYTES, path
        assert "<script" not in response.content.decode().lower()


def test_pages_read_the_cache_and_a_save_makes_them_read_the_row_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    organisation_filled()
    assert "Test Bureau" in _page("/en/")
    # A change that bypasses the service is not seen: the pages read the cached copy.
    Organisation.objects.update(name_en="Changed behind its back")
    assert "Test Bureau" in _page("/en/")
    with django_capture_on_commit_callbacks(execute=True):
        organisation_filled(name_en="Renamed Bureau")
    html = _page("/en/")
    assert "Renamed Bureau" in html and "Test Bureau" not in html


def test_a_page_renders_without_the_organisation_when_its_row_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreadable(**_: Any) -> Any:
        raise DatabaseError("no such table")

    monkeypatch.setattr(
        "lifeline.organisation.templatetags.organisation.organisation_facts", unreadable
    )
    html = _page("/en/write/other/")
    assert "This line is run by" not in html and "<footer>" in html
    assert selectors.CACHE_KEY  # the page did not need the cache either
