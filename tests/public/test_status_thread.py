"""The thread on the status page: paged to stay light, times that need no time zone."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.core.receipts import Receipt
from lifeline.intake.models import Contact
from lifeline.public import selectors
from lifeline.public.services import web_followup_receive
from tests.public.helpers import MAX_PAGE_BYTES, open_case, page_bytes, unlock

pytestmark = pytest.mark.django_db

LONGEST = 10_000
EARLIER_LINK = re.compile(r'<a href="(/(?:[a-z]{2}/)?status/\?before=[^"]+)">')
# Messages are numbered in Cyrillic letters, so that every character weighs two bytes.
DIGITS = "абвгдежзик"
MARKER = re.compile(f"Ю([{DIGITS}]+)Ю")


def long_thread(count: int, *, filler: str = "щ", size: int = LONGEST) -> tuple[Case, Receipt]:
    """A case with `count` messages from the visitor, each numbered and `size` characters long."""

    def body(i: int) -> str:
        marker = "Ю" + "".join(DIGITS[int(d)] for d in str(i)) + "Ю"
        return marker + filler * (size - len(marker))

    case, receipt = open_case(body=body(0))
    for i in range(1, count):
        web_followup_receive(case=case, language="ru", body=body(i))
    return case, receipt


def numbers(html: str) -> list[int]:
    """The numbers of the messages `html` shows, in the order shown."""
    return [int("".join(str(DIGITS.index(c)) for c in m)) for m in MARKER.findall(html)]


def walk(client: Client, first: Any) -> list[list[int]]:
    """The messages of every page, following the "earlier" links from `first`, checking weight."""
    pages: list[list[int]] = []
    response = first
    for _ in range(100):
        assert response.status_code == 200
        assert page_bytes(response) < MAX_PAGE_BYTES, f"page {len(pages) + 1}"
        html = response.content.decode()
        pages.append(numbers(html))
        link = EARLIER_LINK.search(html)
        if link is None:
            return pages
        response = client.get(htmllib.unescape(link[1]))
    raise AssertionError("the earlier links go round in circles")


def test_forty_longest_messages_page_light_newest_first_page_nothing_skipped(
    client: Client,
) -> None:
    _, receipt = long_thread(40)
    pages = walk(client, unlock(client, receipt))
    assert pages[0][-1] == 39, "the newest message is on the first page, last"
    assert all(page == sorted(page) for page in pages), "each page reads oldest first"
    assert [n for page in reversed(pages) for n in page] == list(range(40))


def test_short_messages_page_by_count(client: Client) -> None:
    _, receipt = long_thread(45, size=20)
    pages = walk(client, unlock(client, receipt, "/en"))
    assert [len(page) for page in pages] == [20, 20, 5]
    assert [n for page in reversed(pages) for n in page] == list(range(45))


def test_earlier_pages_lead_back_to_the_newest_and_keep_the_language(client: Client) -> None:
    _, receipt = long_thread(3)
    first = unlock(client, receipt, "/uk").content.decode()
    assert "Показати попередні повідомлення" in first
    assert "Показати останні повідомлення" not in first
    link = EARLIER_LINK.search(first)
    assert link is not None and link[1].startswith("/uk/status/?before=")
    earlier = client.get(htmllib.unescape(link[1])).content.decode()
    assert '<a href="/uk/status/">Показати останні повідомлення</a>' in earlier
    ru = unlock(Client(), receipt).content.decode()
    assert "Показать более ранние сообщения" in ru


def test_a_single_message_is_never_split_or_dropped(client: Client) -> None:
    # Four bytes a character, none of them grown by HTML escaping: the heaviest letter a
    # person writes. It is over the page's budget, and still shown whole on a page of its own.
    _, receipt = long_thread(2, filler="🙏")
    pages = walk(client, unlock(client, receipt))
    assert pages == [[1], [0]]


def test_the_cursor_reveals_no_contact_id(client: Client) -> None:
    _, receipt = long_thread(3)
    html = unlock(client, receipt).content.decode()
    link = EARLIER_LINK.search(html)
    assert link is not None
    ids = {str(pk) for pk in Contact.objects.values_list("pk", flat=True)}
    assert htmllib.unescape(link[1]).removeprefix("/status/?before=") not in ids


def test_a_cursor_only_ever_shows_the_visitors_own_case(client: Client) -> None:
    mine, my_receipt = long_thread(3)
    theirs, their_receipt = long_thread(3, filler="ы")
    stranger = Client()
    their_page = unlock(stranger, their_receipt).content.decode()
    their_link = EARLIER_LINK.search(their_page)
    assert their_link is not None
    newest = unlock(client, my_receipt).content.decode()
    for before in [
        htmllib.unescape(their_link[1]).removeprefix("/status/?before="),
        str(theirs.contacts.values_list("pk", flat=True).order_by("id")[0]),
        "garbage",
        "-1",
        "k1$" + "A" * 60,
        "x" * 5000,
    ]:
        response = client.get("/status/", {"before": before})
        html = response.content.decode()
        assert response.status_code == 200
        assert "ы" * 50 not in html, before
        assert numbers(html) == numbers(newest), before
    # A cursor naming another case's contact, even sealed for this case, shows nothing of it.
    foreign = theirs.contacts.order_by("id").last()
    assert foreign is not None
    sealed = selectors._cursor_seal(case=mine, contact=foreign)
    page = selectors.contact_page_for_case(case=mine, before=sealed)
    assert {c.case_id for c in page.contacts} == {mine.pk} and page.newest


def test_a_locked_visitor_following_an_earlier_link_sees_nothing(client: Client) -> None:
    _, receipt = long_thread(3)
    link = EARLIER_LINK.search(unlock(client, receipt).content.decode())
    assert link is not None
    html = Client().get(htmllib.unescape(link[1])).content.decode()
    assert "щ" * 50 not in html and 'name="secret"' in html


def _page_with_one_message_at(client: Client, prefix: str, at: datetime) -> str:
    case, receipt = open_case()
    Contact.objects.filter(case=case).update(received_at=at)
    return unlock(client, receipt, prefix).content.decode()


@pytest.mark.parametrize(
    ("prefix", "hours", "days"),
    [
        ("", "3\xa0часа назад", "2\xa0дня назад"),
        ("/uk", "3\xa0години тому", "2\xa0дні тому"),
        ("/en", "3\xa0hours ago", "2\xa0days ago"),
    ],
)
def test_times_are_relative_in_the_page_language(
    client: Client, prefix: str, hours: str, days: str
) -> None:
    now = timezone.now()
    assert hours in _page_with_one_message_at(client, prefix, now - timedelta(hours=3))
    assert days in _page_with_one_message_at(client, prefix, now - timedelta(days=2))


@pytest.mark.parametrize(
    ("prefix", "date", "ago"),
    [
        ("", "14 марта 2025", "назад"),
        ("/uk", "14 березня 2025", "тому"),
        ("/en", "March 14, 2025", "ago"),
    ],
)
def test_the_date_is_in_the_page_language_and_no_clock_time_is_shown(
    client: Client, prefix: str, date: str, ago: str
) -> None:
    html = _page_with_one_message_at(client, prefix, datetime(2025, 3, 14, 10, 17, tzinfo=UTC))
    meta = re.search(r'<span class="meta">(.*?)</span>', html)
    assert meta is not None
    assert date in meta[1] and ago in meta[1]
    assert "10:17" not in html and "UTC" not in html
