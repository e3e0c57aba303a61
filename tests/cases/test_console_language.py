"""The case page words what the system stored as codes (a priority, a channel) in the user's
console language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lifeline.cases.templatetags.cases_console import channel_label, priority_label
from lifeline.intake.models import Channel
from tests.cases.helpers import create_case
from tests.factories import create_user, login_staff

pytestmark = pytest.mark.django_db

# (priority made urgent in the timeline, the message's channel there, the queue's badge)
WORDED = {
    "en": ("set the priority to urgent", "· phone ·", "urgent"),
    "ru": ("приоритет — срочный", "· телефон ·", "срочный"),
    "uk": ("пріоритет — терміновий", "· телефон ·", "терміновий"),
}


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_the_case_page_words_priority_and_channel_in_the_users_language(language: str) -> None:
    client = Client()
    login_staff(client, create_user("olga", roles=["operator"], console_language=language))
    case = create_case("surrender", channel=Channel.PHONE, inbound="звонок")
    client.post(reverse("cases:priority", kwargs={"pk": case.pk}), {"priority": "1"})

    page = " ".join(client.get(reverse("cases:detail", args=[case.pk])).content.decode().split())
    queue = client.get(reverse("cases:queue")).content.decode()

    priority, channel, badge = WORDED[language]
    assert priority in page and channel in page
    assert f'<span class="badge">{badge}</span>' in queue
    for other, words in WORDED.items():
        if other != language:
            assert words[0] not in page and (words[1] == channel or words[1] not in page)


def test_the_filters_leave_what_they_do_not_know_as_it_is() -> None:
    with translation.override("ru"):
        assert (priority_label("urgent"), priority_label("normal")) == ("срочный", "обычный")
        assert channel_label("phone") == "телефон"
        assert priority_label("") == "" and priority_label("very") == "very"
        assert channel_label("pigeon") == "pigeon"
