"""Guidance before writing: shipped in three languages, worded anew by the organisation, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from lifeline.core.actions import Action
from lifeline.core.models import AuditEvent
from lifeline.organisation import guidance
from lifeline.organisation.models import Guidance
from lifeline.organisation.services import OrganisationRefused, guidance_update
from tests.factories import login_staff

pytestmark = pytest.mark.django_db

HEADINGS = {
    "": ("Что будет дальше", "Как безопасно связаться с нами", "Что не носить с собой"),
    "/uk": ("Що буде далі", "Як безпечно зв'язатися з нами", "Що не носити із собою"),
    "/en": ("What happens next", "How to make contact safely", "What not to carry or say"),
}
FAMILY_HEADINGS = {
    "": ("Что мы можем и чего не можем вам сообщить", "Кто может спрашивать"),
    "/uk": ("Що ми можемо і чого не можемо вам повідомити", "Хто може питати"),
    "/en": ("What we can and cannot tell you", "Who may ask", "What we will ask to verify you"),
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _page(path: str) -> str:
    return Client().get(path).content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("prefix", ["", "/uk", "/en"])
def test_each_path_shows_its_guidance_in_the_page_language_with_no_script(prefix: str) -> None:
    surrender = _page(prefix + "/write/surrender/")
    for heading in HEADINGS[prefix]:
        assert heading in surrender
    family = _page(prefix + "/write/family/")
    for heading in FAMILY_HEADINGS[prefix]:
        assert heading in family
    assert "<script" not in surrender + family
    # Each topic is linked from the top of the page, before the form.
    top = surrender.split("<form", 1)[0]
    assert top.count('href="#surrender_') == len(guidance.topics_for(guidance.SURRENDER))


def test_the_shipped_texts_render_as_lists_and_paragraphs() -> None:
    html = _page("/en/write/family/")
    section = html.split('id="family_verify"', 1)[1].split("</section>", 1)[0]
    assert "<li>call you back, or write to you, on the contact you give us;</li>" in section
    assert "<p>We never ask for money" in section
    steps = _page("/en/write/surrender/").split('id="surrender_next"', 1)[1]
    assert steps.split("</section>", 1)[0].count("<li>") == 4
    assert "<ol>" in steps


def test_the_surrender_page_says_how_long_a_reply_takes() -> None:
    html = _page("/en/write/surrender/")
    section = html.split('id="surrender_time"', 1)[1].split("</section>", 1)[0]
    assert "We usually reply within 2 days." in section


def test_an_admin_words_a_topic_in_one_language_and_the_others_keep_the_default(
    client: Client, frank: Any
) -> None:
    login_staff(client, frank)
    page = client.get("/console/organisation/guidance/ru/")
    assert page.status_code == 200
    with translation.override("ru"):
        shipped = guidance.default_text("family_who", "ru")
    assert shipped in page.content.decode()  # the box starts with the text shown now
    form = {topic: guidance.default_text(topic, "ru") for topic in guidance.TOPIC_KEYS}
    form["family_who"] = "Спрашивать могут только родители.\n\n- мать\n- отец <b>"
    response = client.post("/console/organisation/guidance/ru/", form)
    assert response.status_code == 302

    # Only the topic worded anew is stored; the rest stay the shipped text.
    assert list(Guidance.objects.exclude(text="").values_list("topic", "language")) == [
        ("family_who", "ru")
    ]
    [event] = AuditEvent.objects.filter(action=Action.GUIDANCE_UPDATE)
    assert event.detail == {"language": "ru", "topics": ["family_who"]}
    assert (event.actor_id, "Спрашивать" in str(event.detail)) == (frank.pk, False)

    ru = _page("/write/family/")
    assert "<p>Спрашивать могут только родители.</p>" in ru
    assert "<li>отец &lt;b&gt;</li>" in ru  # published as text, never as markup
    assert "Написать нам о пропавшем может любой" not in ru
    assert "Anyone may write to us about a person who is missing" in _page("/en/write/family/")


def test_emptying_a_text_brings_the_shipped_one_back(frank: Any) -> None:
    guidance_update(actor=frank, language="en", texts={"surrender_careful": "Carry nothing."})
    assert "Carry nothing." in _page("/en/write/surrender/")
    cache.clear()
    guidance_update(actor=frank, language="en", texts={"surrender_careful": "  "})
    html = _page("/en/write/surrender/")
    assert "Carry nothing." not in html
    assert "Do not carry printouts or notes of our messages" in html


def test_a_text_too_long_is_refused_and_nothing_is_stored(frank: Any) -> None:
    with pytest.raises(OrganisationRefused, match=r"At most 3000 characters"):
        guidance_update(actor=frank, language="en", texts={"family_who": "x" * 3001})
    assert not Guidance.objects.exists()


@pytest.mark.parametrize("user", ["alice", "bob", "carol", "dave", "erin"])
def test_only_administrators_edit_guidance(client: Client, user: str, request: Any) -> None:
    login_staff(client, request.getfixturevalue(user))
    assert client.get("/console/organisation/guidance/").status_code == 403
    assert client.post("/console/organisation/guidance/en/", {"family_who": "x"}).status_code == 403
    with pytest.raises(Exception, match=r"organisation\.edit"):
        guidance_update(actor=request.getfixturevalue(user), language="en", texts={})


def test_the_index_says_which_texts_are_the_organisations(client: Client, frank: Any) -> None:
    guidance_update(actor=frank, language="uk", texts={"family_tell": "Власний текст."})
    login_staff(client, frank)
    html = client.get("/console/organisation/guidance/").content.decode()
    assert html.count("Own text, changed") == 1
    assert client.get("/console/organisation/guidance/de/").status_code == 404
