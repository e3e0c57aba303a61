"""A public form's errors where a phone shows them first; fields a text browser reads in order."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.public.helpers import open_case, stylesheets, unlock

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * 151  # a surname longer than the form takes


def _family_with_errors(client: Client, prefix: str = "/en") -> str:
    response = client.post(
        f"{prefix}/write/family/", {"message": " \x00 ", "sought_surname": TOO_LONG}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_error_summary_opens_the_page_and_links_to_each_field_in_error() -> None:
    html = _family_with_errors(Client())
    main = html.split("<main>", 1)[1]
    # The summary comes before anything else on the page, the form's heading included.
    assert main.lstrip().startswith('<div class="error-summary" role="alert"')
    summary = main.split("</div>", 1)[0]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _text in links] == ["id_sought_surname", "id_message"]
    assert "Please write your message." in links[1][1]
    for target, _text in links:
        assert f'id="{target}"' in html  # each link lands on its field


def test_the_page_title_says_error_in_the_page_language() -> None:
    client = Client()
    assert "<title>Error: I am looking for a relative</title>" in _family_with_errors(client)
    assert "<title>Ошибка:" in _family_with_errors(client, prefix="")
    assert "<title>Помилка:" in _family_with_errors(client, prefix="/uk")
    clean = client.get("/en/write/family/").content.decode()
    assert "<title>I am looking for a relative</title>" in clean
    assert "error-summary" not in clean


def test_a_wrong_receipt_puts_error_in_the_title_too() -> None:
    html = Client().post("/en/status/", {"reference": "LF-7K3Q-9D2M", "secret": "0" * 16})
    assert "<title>Error: Check for a reply</title>" in html.content.decode()


@pytest.mark.parametrize("path", ["/en/write/family/", "/en/write/surrender/", "/en/status/"])
def test_each_field_is_a_block_of_its_own_so_a_text_browser_never_runs_them_together(
    path: str,
) -> None:
    html = Client().get(path).content.decode()
    form = html.split("<form", 1)[1].split("</form>", 1)[0]
    boxes = re.findall(r"<(?:input|textarea|select)\b(?![^>]*type=\"hidden\")", form)
    blocks = re.findall(r'<div class="field">\s*<label for="([^"]+)"', form)
    assert boxes and len(blocks) == len(boxes)
    # No box sits on the line of the next label: a block ends between each box and the next label.
    for between in re.split(r'<div class="field">', form)[1:]:
        assert between.count("<label") == 1


@pytest.mark.parametrize("prefix", ["", "/uk", "/en"])
def test_the_language_links_name_each_language_in_itself(prefix: str) -> None:
    html = Client().get(prefix + "/").content.decode()
    nav = html.split('<nav class="langs"', 1)[1].split("</nav>", 1)[0]
    names = re.findall(r">([^<>]+)</(?:a|strong)>", nav)
    assert names == ["Русский", "Українська", "English"]


def test_a_reference_never_breaks_in_the_middle_on_a_narrow_screen() -> None:
    # The status page's heading marks the reference as one unbreakable word; the receipt's
    # first line is the reference (tests/e2e/test_public_paths.py measures it at 360 px).
    css = "".join(path.read_text() for path in stylesheets(Client().get("/").content.decode()))
    assert re.search(r"\.ref,\.receipt dd:first-of-type\{white-space:nowrap", css)
    _case, receipt = open_case()
    html = unlock(Client(), receipt, "/en").content.decode()
    assert f'<h1>Your case <span class="ref">{receipt.reference}</span></h1>' in html
