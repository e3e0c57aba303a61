"""Writing in from the web: one case, one conversation, one contact, a receipt shown once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django_tasks_db.models import DBTaskResult

from lifeline.cases.models import Case
from lifeline.core.models import AuditEvent
from lifeline.core.receipts import REFERENCE_RE, canonical, verify_secret
from lifeline.intake.models import Contact, Conversation
from lifeline.public.services import web_submission_receive
from tests.public.helpers import all_rows, raw_text

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), Conversation.objects.count(), Contact.objects.count()


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/write/surrender/", "surrender"),
        ("/write/family/", "family_enquiry"),
        ("/write/other/", "other"),
    ],
)
def test_each_path_opens_a_waiting_case_with_its_conversation_and_contact(
    client: Client, path: str, kind: str
) -> None:
    response = client.post("/uk" + path, {"message": "Доброго дня"})
    assert response.status_code == 303 and response["Location"] == "/uk/write/receipt/"
    case = Case.objects.get()
    assert (case.kind, case.language, case.status) == (kind, "uk", "new")
    assert case.waiting_since is not None
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.case) == ("web", case)
    contact = Contact.objects.get()
    assert contact.conversation == conversation and contact.case == case
    assert (contact.channel, contact.direction, contact.state) == ("web", "in", "pending")
    assert contact.body == "Доброго дня" and contact.language == "uk"
    assert len(contact.external_id) == 32
    assert contact.author is None
    actions = list(AuditEvent.objects.values_list("action", "actor_kind"))
    assert ("case.open", "public") in actions and ("contact.receive", "public") in actions


def test_receipt_is_shown_after_a_redirect_and_kept_only_as_a_hash(client: Client) -> None:
    posted = client.post("/en/write/other/", {"message": "Hello"})
    assert posted.status_code == 303 and posted["Location"] == "/en/write/receipt/"
    response = client.get(posted["Location"])
    html = response.content.decode()
    case = Case.objects.get()
    assert REFERENCE_RE.match(case.reference) and case.reference in html
    secret = html.split("<dt>Secret code</dt><dd>")[1].split("</dd>")[0]
    assert len(canonical(secret)) == 16 and secret.count("-") == 3
    assert verify_secret(case.secret_hash, secret)
    assert "shown only this once" in html and "screenshot" in html
    assert "We cannot recover a lost code" in html
    # Not in the database, not in the session (it holds only the sealed form token), not in a
    # cookie.
    for table, row in all_rows():
        text = " ".join(raw_text(v) for v in row)
        assert secret not in text and canonical(secret) not in text, table
    session = Session.objects.get().get_decoded()
    assert secret not in str(session) and canonical(secret) not in str(session)
    for morsel in [*posted.cookies.values(), *response.cookies.values()]:
        assert secret not in morsel.value and canonical(secret) not in morsel.value
    # The receipt page offers no language link: it would leave the page and lose the secret.
    assert 'hreflang="' not in html


def test_family_answers_go_into_the_encrypted_fields(client: Client) -> None:
    client.post(
        "/write/family/",
        {
            "message": "Ищу сына",
            "sought_surname": " Кузьминов ",
            "sought_given_name": "Максим",
            "sought_patronymic": "",
            "sought_birth": "1995",
            "sought_unit": "в/ч 12345",
            "sought_last_place": "под Бахмутом\nв марте",
            "relationship": "mother",
            "enquirer_name": "Анна",
            "enquirer_contact": "+7 900 000-00-00",
        },
    )
    contact = Contact.objects.get()
    assert contact.fields == {
        "sought_surname": "Кузьминов",
        "sought_given_name": "Максим",
        "sought_birth": "1995",
        "sought_unit": "в/ч 12345",
        "sought_last_place": "под Бахмутом в марте",
        "relationship": "mother",
        "enquirer_name": "Анна",
        "enquirer_contact": "+7 900 000-00-00",
    }
    audit = AuditEvent.objects.get(action="contact.receive")
    assert "sought_surname" in audit.detail["fields"]
    assert "Кузьминов" not in str(audit.detail) and "Ищу" not in str(audit.detail)


def test_control_characters_are_dropped_but_lines_and_tabs_kept(client: Client) -> None:
    client.post("/write/other/", {"message": "\x00 Стро\x07ка\r\nвторая\tчасть\x1b[31m \u0085"})
    assert Contact.objects.get().body == "Строка\nвторая\tчасть[31m"


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", "Пожалуйста, напишите ваше сообщение."),
        ("/uk", "Будь ласка, напишіть ваше повідомлення."),
        ("/en", "Please write your message."),
    ],
)
@pytest.mark.parametrize("message", ["", "   ", "\x00\x01\x7f", "\n\t\r\n"])
def test_a_message_empty_after_cleaning_is_refused_in_the_page_language(
    client: Client, prefix: str, expected: str, message: str
) -> None:
    response = client.post(prefix + "/write/surrender/", {"message": message})
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert counts() == (0, 0, 0)


def test_a_message_over_the_limit_is_refused_and_kept_for_editing(client: Client) -> None:
    response = client.post("/en/write/other/", {"message": "y" * 10_001})
    html = response.content.decode()
    assert "The message is too long: 10001 characters, and the limit is 10000" in html
    assert "y" * 10_001 in html
    assert counts() == (0, 0, 0)


def test_a_long_but_allowed_message_is_taken_whole(client: Client, settings: Any) -> None:
    text = "ж" * settings.PUBLIC_MESSAGE_MAX_CHARS
    client.post("/write/other/", {"message": text})
    assert Contact.objects.get().body == text


def test_an_unknown_relationship_is_refused(client: Client) -> None:
    response = client.post("/en/write/family/", {"message": "x", "relationship": "boss"})
    assert "Select a valid choice" in response.content.decode()
    assert counts() == (0, 0, 0)


def test_processing_is_enqueued_only_after_commit(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/write/other/", {"message": "Привет"})
    assert callbacks  # the enqueue waits for the commit
    assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    task = DBTaskResult.objects.get()
    assert task.task_path == "lifeline.intake.tasks.contact_process"
    assert task.args_kwargs == {"args": [Contact.objects.get().pk], "kwargs": {}}


def test_a_failing_queue_does_not_cost_the_visitor_his_receipt(
    client: Client, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_tasks_db.backend import DatabaseBackend

    def broken(*args: Any) -> None:
        raise RuntimeError("queue down")

    monkeypatch.setattr(DatabaseBackend, "enqueue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/write/other/", {"message": "Hello"}, follow=True)
    assert response.status_code == 200 and "Secret code" in response.content.decode()
    assert Contact.objects.get().state == "pending"


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"kind": "handover"}, "kind"),
        ({"body": " \x00 "}, "empty"),
        ({"body": "x" * 10_001}, "too long"),
        ({"language": "de"}, "language"),
    ],
)
def test_the_service_refuses_bad_input_and_writes_nothing(kwargs: Any, problem: str) -> None:
    arguments = {"kind": "other", "language": "ru", "body": "x", "fields": {}} | kwargs
    with pytest.raises(ValueError, match=problem):
        web_submission_receive(**arguments)
    assert counts() == (0, 0, 0)
    assert not AuditEvent.objects.exists()


def test_get_never_writes(client: Client) -> None:
    for path in ["/", "/write/surrender/", "/write/family/", "/write/other/", "/status/"]:
        client.get(path)
    assert counts() == (0, 0, 0)
    assert not AuditEvent.objects.exists()
