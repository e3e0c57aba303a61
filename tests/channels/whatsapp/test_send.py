"""Replies: queued, paced and retried like Telegram's, and WhatsApp's 24-hour window obeyed.

Outside the window only an approved template goes out: the service refuses free text with a
clear message, and the case page says so before the operator writes and offers the templates.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lifeline.cases.exceptions import CaseActionRefused
from lifeline.cases.models import Case
from lifeline.cases.services import case_reply, case_reply_template, case_reply_window
from lifeline.core.models import AuditEvent
from lifeline.intake.inbox import contact_deliver
from lifeline.intake.models import Contact, Conversation
from tests.channels.whatsapp.conftest import (
    WA_ID,
    FakeGraphApi,
    deliver_all,
    notification,
    post,
    receive,
)
from tests.factories import login_staff

pytestmark = pytest.mark.django_db
TEMPLATES = """\
reply_waiting:
  ru: "Здравствуйте. У нас есть для вас ответ: напишите нам, чтобы его получить."
  uk: "Вітаємо. У нас є для вас відповідь: напишіть нам, щоб її отримати."
  en_US: "Hello. We have a reply for you: write to us to receive it."
"""


@pytest.fixture
def templates(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "whatsapp-templates.yaml"
    path.write_text(TEMPLATES, encoding="utf-8")
    settings.WHATSAPP_TEMPLATES_FILE = path
    return path


@pytest.fixture
def case(client: Client, graph_api: FakeGraphApi) -> Case:
    """A number that has chosen "stop fighting", its receipt already sent."""
    receive(client, notification("button_reply", button="kind:surrender"))
    deliver_all()
    graph_api.requests.clear()
    Conversation.objects.update(next_send_at=None)
    return Case.objects.get()


def _last_message_hours_ago(hours: float) -> None:
    """As if the person's last message had come `hours` ago."""
    when = timezone.now() - timedelta(hours=hours)
    for contact in Contact.objects.filter(direction="in"):
        contact.received_at = when
        contact.fields = {**contact.fields, "sent_at": int(when.timestamp())}
        contact.save(update_fields=["received_at", "fields"])


def test_two_replies_at_once_go_out_a_second_apart(
    graph_api: FakeGraphApi, case: Case, alice: Any
) -> None:
    first = case_reply(actor=alice, case=case, body="Перша відповідь")
    second = case_reply(actor=alice, case=case, body="Друга відповідь")
    started = timezone.now()
    contact_deliver(contact_id=first.pk)
    contact_deliver(contact_id=second.pk)
    assert [m["text"]["body"] for m in graph_api.sent()] == ["Перша відповідь"]
    second.refresh_from_db()
    assert second.state == "queued"
    assert second.next_attempt_at is not None
    assert second.next_attempt_at >= started + timedelta(seconds=0.9)


@pytest.mark.parametrize("code", [130429, 131056, 80007])
def test_a_rate_limit_puts_the_message_off(
    graph_api: FakeGraphApi, case: Case, alice: Any, code: int
) -> None:
    reply = case_reply(actor=alice, case=case, body="Відповідь")
    graph_api.fail(400, code, "Rate limit hit")
    contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.attempts) == ("queued", 0)
    assert reply.next_attempt_at is not None
    assert reply.next_attempt_at > timezone.now() + timedelta(seconds=5)
    deliver_all()
    reply.refresh_from_db()
    assert reply.state == "sent"


@pytest.mark.parametrize(
    ("code", "title"), [(131047, "Re-engagement message"), (131026, "Message undeliverable")]
)
def test_a_message_whatsapp_will_never_take_fails_visibly_at_once(
    graph_api: FakeGraphApi, case: Case, alice: Any, code: int, title: str
) -> None:
    reply = case_reply(actor=alice, case=case, body="Відповідь")
    graph_api.fail(400, code, title)
    contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.last_error, reply.next_attempt_at) == ("failed", "SendRefused", None)


def test_an_outage_is_retried(graph_api: FakeGraphApi, case: Case, alice: Any) -> None:
    reply = case_reply(actor=alice, case=case, body="Відповідь")
    graph_api.fail(500, 1, "An unknown error occurred")
    contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.attempts, reply.last_error) == ("queued", 1, "GraphApiError")


def test_a_reply_without_whatsapp_configured_fails_visibly_at_once(
    graph_api: FakeGraphApi, case: Case, alice: Any, settings: Any
) -> None:
    settings.WHATSAPP_ACCESS_TOKEN = ""
    reply = case_reply(actor=alice, case=case, body="Відповідь")
    contact_deliver(contact_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.last_error) == ("failed", "SendRefused")
    assert graph_api.sent() == []


def test_the_window_runs_24_hours_from_the_last_message(case: Case) -> None:
    _last_message_hours_ago(23)
    window = case_reply_window(case=case)
    assert window is not None and window.is_open
    assert window.channel == "WhatsApp"
    _last_message_hours_ago(24)
    window = case_reply_window(case=case)
    assert window is not None and not window.is_open


def test_free_text_outside_the_window_is_refused_and_nothing_queued(
    graph_api: FakeGraphApi, case: Case, alice: Any
) -> None:
    _last_message_hours_ago(25)
    before = Contact.objects.filter(direction="out").count()
    # in the site's language (Russian): the console shows it as it is
    with pytest.raises(CaseActionRefused, match="только одобренный шаблон"):
        case_reply(actor=alice, case=case, body="Відповідь")
    assert Contact.objects.filter(direction="out").count() == before


def test_a_template_goes_out_outside_the_window(
    graph_api: FakeGraphApi, case: Case, alice: Any, templates: Path
) -> None:
    _last_message_hours_ago(30)
    window = case_reply_window(case=case)
    assert window is not None
    # the case's language first
    assert [t.key for t in window.templates] == [
        "reply_waiting:uk",
        "reply_waiting:ru",
        "reply_waiting:en_US",
    ]
    sent = case_reply_template(actor=alice, case=case, key="reply_waiting:uk")
    assert sent.body.startswith("Вітаємо. У нас є для вас відповідь")
    deliver_all()
    assert graph_api.sent() == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": WA_ID,
            "type": "template",
            "template": {"name": "reply_waiting", "language": {"code": "uk"}},
        }
    ]
    event = AuditEvent.objects.filter(action="case.reply").latest("id")
    assert event.detail["template"] == "reply_waiting:uk"


def test_a_template_not_configured_is_refused(case: Case, alice: Any, templates: Path) -> None:
    _last_message_hours_ago(30)
    with pytest.raises(CaseActionRefused, match="одобренных шаблонов"):
        case_reply_template(actor=alice, case=case, key="made_up:uk")


def test_the_person_writing_again_reopens_the_window(
    client: Client, graph_api: FakeGraphApi, case: Case, alice: Any
) -> None:
    _last_message_hours_ago(30)
    receive(client, notification("text"))
    reply = case_reply(actor=alice, case=case, body="Дякуємо, що написали.")
    assert reply.state == "queued"


def test_the_case_page_says_when_the_window_closes(
    client: Client, case: Case, alice: Any, templates: Path
) -> None:
    login_staff(client, alice)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="reply-window"' in page
    assert "24 hours after the person" in page
    assert 'id="template-reply"' not in page


def test_the_case_page_offers_the_templates_once_the_window_has_closed(
    client: Client, case: Case, alice: Any, templates: Path
) -> None:
    _last_message_hours_ago(26)
    login_staff(client, alice)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "now delivers only an approved template" in page
    assert 'value="reply_waiting:uk"' in page
    response = client.post(
        reverse("cases:reply_template", args=[case.pk]), {"key": "reply_waiting:uk"}
    )
    assert response.status_code == 302
    assert Contact.objects.filter(direction="out", fields__isnull=False).exists()
    refused = client.post(reverse("cases:reply", args=[case.pk]), {"body": "Вільний текст"})
    assert refused.status_code == 400
    assert "now delivers only an approved template" in refused.content.decode()


def test_the_case_page_says_when_no_template_is_configured(
    client: Client, case: Case, alice: Any
) -> None:
    _last_message_hours_ago(26)
    login_staff(client, alice)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "No approved template is configured" in page


def test_a_telegram_case_shows_no_window(client: Client, alice: Any) -> None:
    from tests.cases.helpers import create_case

    case = create_case(inbound="Привет", channel="telegram")
    login_staff(client, alice)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="reply-window"' not in page


def test_a_message_whatsapp_reports_failed_later_shows_as_failed(
    client: Client, graph_api: FakeGraphApi, case: Case, alice: Any
) -> None:
    reply = case_reply(actor=alice, case=case, body="Відповідь")
    deliver_all()
    reply.refresh_from_db()
    assert reply.state == "sent"
    data = notification("status_failed")
    data["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = reply.provider_id
    delivered = notification("status_delivered")
    delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = reply.provider_id
    before = Contact.objects.count()
    assert post(client, delivered).status_code == 200
    reply.refresh_from_db()
    assert reply.state == "sent"  # delivered: nothing to do
    assert post(client, data).status_code == 200
    assert post(client, data).status_code == 200  # Meta's repeat changes nothing more
    reply.refresh_from_db()
    assert (reply.state, reply.last_error) == ("failed", "WhatsAppError131047")
    assert AuditEvent.objects.filter(action="contact.fail").count() == 1
    assert Contact.objects.count() == before  # a status is no new message


def test_a_family_enquiry_outside_the_window_can_neither_draft_nor_send_a_fixed_reply(
    client: Client, graph_api: FakeGraphApi, alice: Any, bob: Any, templates: Path
) -> None:
    from lifeline.cases.fixed_replies import fixed_replies
    from lifeline.cases.services import case_reply_draft, case_reply_fixed

    receive(client, notification("button_reply", button="kind:family_enquiry"))
    case = Case.objects.get()
    assert case.replies_need_approval
    _last_message_hours_ago(25)
    with pytest.raises(CaseActionRefused, match="только одобренный шаблон"):
        case_reply_draft(actor=bob, case=case, body="Мы ищем вашего сына.")
    key = next(iter(fixed_replies()))
    with pytest.raises(CaseActionRefused, match="только одобренный шаблон"):
        case_reply_fixed(actor=bob, case=case, key=key)
    # A template says nothing about anyone: it goes out at once, without a second person.
    sent = case_reply_template(actor=bob, case=case, key="reply_waiting:uk")
    assert sent.state == "queued"
