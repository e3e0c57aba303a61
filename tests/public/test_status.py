"""The status page: forgiving receipt check, public wording, the thread, follow-ups, throttling."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from lifeline.cases.models import Case
from lifeline.cases.services import case_reply_approved_send
from lifeline.cases.workflows import WORKFLOWS
from lifeline.core import receipts
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent, ThrottleBucket
from lifeline.intake.models import Contact
from lifeline.public import visitor
from lifeline.public.selectors import case_public_status
from tests.public.helpers import open_case, unlock

pytestmark = pytest.mark.django_db


def test_forgiving_input_opens_the_case_and_the_read_is_audited(client: Client) -> None:
    case, receipt = open_case(body="Где мой брат?")
    sloppy_reference = receipt.reference.lower().replace("-", " ").removeprefix("lf ")
    sloppy_secret = " " + receipt.secret.lower().replace("-", "").replace("1", "l") + " "
    response = client.post(
        "/status/", {"reference": sloppy_reference, "secret": sloppy_secret}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert receipt.reference in html and "Где мой брат?" in html
    view = AuditEvent.objects.get(action="case.public_view")
    assert (view.actor_kind, view.actor, view.object_id) == ("public", None, str(case.pk))
    assert view.detail == {}


def test_every_read_writes_an_audit_event(client: Client) -> None:
    _, receipt = open_case()
    unlock(client, receipt)
    client.get("/status/")
    client.get("/en/status/")
    assert AuditEvent.objects.filter(action="case.public_view").count() == 3


# Every state of every workflow, as the visitor should read it on a case nobody has replied
# on yet. Only a terminal state is "closed": a handover "completed", a surrender "in_safety"
# or an answered enquiry may still move on, and the team has not finished until it closes
# the case.
PUBLIC_WORDS = {
    "surrender": {
        "new": "received",
        "in_contact": "in_progress",
        "verifying": "in_progress",
        "arranging": "in_progress",
        "in_safety": "in_progress",
        "closed": "closed",
    },
    "family_enquiry": {
        "new": "received",
        "in_contact": "in_progress",
        "tracing": "in_progress",
        "answered": "answered",
        "closed": "closed",
    },
    "handover": {
        "new": "received",
        "verifying": "in_progress",
        "scheduled": "in_progress",
        "completed": "in_progress",
        "closed": "closed",
    },
    "assistance": {
        "new": "received",
        "in_progress": "in_progress",
        "done": "in_progress",
        "closed": "closed",
    },
    "other": {"new": "received", "in_progress": "in_progress", "closed": "closed"},
}


def test_the_public_words_cover_every_state_of_every_workflow() -> None:
    assert {kind: set(words) for kind, words in PUBLIC_WORDS.items()} == {
        kind: set(workflow.states) for kind, workflow in WORKFLOWS.items()
    }


@pytest.mark.parametrize(
    ("kind", "status", "public"),
    [
        (kind, status, public)
        for kind, words in PUBLIC_WORDS.items()
        for status, public in words.items()
    ],
)
def test_internal_states_map_to_the_public_words(kind: str, status: str, public: str) -> None:
    assert case_public_status(case=Case(kind=kind, status=status)) == public


def test_a_state_the_workflow_does_not_know_reads_as_being_handled() -> None:
    assert case_public_status(case=Case(kind="handover", status="rejected")) == "in_progress"


def test_a_completed_handover_is_shown_as_still_open(client: Client) -> None:
    case, receipt = open_case()
    Case.objects.filter(pk=case.pk).update(kind="handover", status="completed")
    html = unlock(client, receipt, "/en").content.decode()
    assert "Being handled." in html and "Closed." not in html


@pytest.mark.parametrize(
    ("status", "wording", "hidden"),
    [
        ("new", "Received.", "in_contact"),
        ("verifying", "Being handled.", "verifying"),
        ("closed", "Closed.", "closed."),
    ],
)
def test_the_page_shows_the_public_wording_not_the_workflow(
    client: Client, status: str, wording: str, hidden: str
) -> None:
    case, receipt = open_case(kind="surrender")
    Case.objects.filter(pk=case.pk).update(status=status)
    html = unlock(client, receipt, "/en").content.decode()
    assert wording in html
    assert hidden not in html.replace(wording, "")


def test_thread_shows_both_sides_oldest_first_without_operator_names(
    client: Client, alice: Any, carol: Any
) -> None:
    case, receipt = open_case(
        kind="family_enquiry", body="Ищу сына", sought_surname="Петров", relationship="mother"
    )
    # A family enquiry: alice's free text goes out once carol, the second person, approves it.
    case_reply_approved_send(
        actor=carol, case=case, body="Здравствуйте.\nМы ищем.", drafted_by=alice
    )
    html = unlock(client, receipt, "/en").content.decode()
    first, second = html.index("Ищу сына"), html.index("Мы ищем.")
    assert first < second
    assert re.search(r'<li class="in">.*?You', html, re.S)
    assert re.search(r'<li class="out">.*?Lifeline', html, re.S)
    assert "Здравствуйте.\nМы ищем." in html
    assert "Surname" in html and "Петров" in html and "mother" in html
    assert "alice" not in html.lower() and "carol" not in html.lower()


def test_follow_up_adds_an_inbound_contact_to_the_same_conversation(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    case, receipt = open_case()
    unlock(client, receipt, "/uk")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/uk/status/reply/", {"message": " Ещё \x00 одно "})
    assert response.status_code == 302 and response["Location"] == "/uk/status/?sent=1"
    assert len(callbacks) == 1
    first, second = Contact.objects.order_by("id")
    assert second.conversation == first.conversation and second.case == case
    assert (second.direction, second.state, second.body) == ("in", "pending", "Ещё  одно")
    assert second.language == "uk"
    receive = AuditEvent.objects.filter(action="contact.receive").last()
    assert receive is not None and receive.object_id == str(second.pk)
    html = client.get(response["Location"]).content.decode()
    assert "Ваше повідомлення надіслано." in html and "Ещё  одно" in html


def test_empty_follow_up_is_refused_on_the_case_page(client: Client) -> None:
    _, receipt = open_case()
    unlock(client, receipt, "/en")
    response = client.post("/en/status/reply/", {"message": "\x00 \n"})
    assert response.status_code == 200
    assert "Please write your message." in response.content.decode()
    assert Contact.objects.count() == 1


def test_the_session_cookie_dies_with_the_browser_and_the_session_holds_no_receipt(
    client: Client,
) -> None:
    _, receipt = open_case()
    response = client.post(
        "/status/",
        {"reference": receipt.reference, "secret": receipt.secret, "message": "Не отправлено"},
    )
    morsel = response.cookies["sessionid"]
    assert morsel["httponly"] and morsel["samesite"] in {"Lax", "Strict"}
    assert not morsel["max-age"] and not morsel["expires"]
    assert receipt.reference not in morsel.value and receipt.secret not in morsel.value
    stored = str(Session.objects.get().get_decoded())
    assert receipt.reference not in stored
    assert receipts.canonical(receipt.secret) not in receipts.canonical(stored)
    assert "Не отправлено" not in stored  # a follow-up not yet sent is kept sealed


def test_the_case_locks_itself_after_idle_minutes(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, receipt = open_case(body="Секретный текст")
    unlock(client, receipt)
    assert "Секретный текст" in client.get("/status/").content.decode()
    real = visitor.time.time
    monkeypatch.setattr(visitor.time, "time", lambda: real() + visitor.IDLE_SECONDS + 1)
    html = client.get("/status/").content.decode()
    assert "Секретный текст" not in html and 'name="secret"' in html


def test_a_tampered_or_foreign_cookie_opens_nothing(client: Client) -> None:
    _, receipt = open_case(body="Секретный текст")
    unlock(client, receipt)
    value = client.cookies["sessionid"].value
    flipped = value[:-3] + ("a" if value[-3] != "a" else "b") + value[-2:]
    client.cookies["sessionid"] = flipped
    assert "Секретный текст" not in client.get("/status/").content.decode()
    client.cookies["sessionid"] = "garbage"
    assert client.get("/status/").status_code == 200


def test_a_new_secret_hash_voids_the_cookie(client: Client) -> None:
    case, receipt = open_case(body="Секретный текст")
    unlock(client, receipt)
    Case.objects.filter(pk=case.pk).update(secret_hash=receipts.hash_secret("0" * 16))
    assert "Секретный текст" not in client.get("/status/").content.decode()


def test_leave_forgets_the_case_on_this_device(client: Client) -> None:
    _, receipt = open_case(body="Секретный текст")
    unlock(client, receipt)
    response = client.post("/status/leave/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["sessionid"].value == ""
    assert "Секретный текст" not in client.get("/status/").content.decode()


def test_a_follow_up_after_the_page_locked_is_kept_until_the_receipt_is_shown(
    client: Client,
) -> None:
    _, receipt = open_case()
    response = client.post("/en/status/reply/", {"message": "Long letter\nwritten slowly"})
    html = response.content.decode()
    assert "has not been sent yet" in html and "Long letter\nwritten slowly" in html
    assert Contact.objects.count() == 1
    response = client.post(
        "/en/status/",
        {
            "reference": receipt.reference,
            "secret": receipt.secret,
            "message": "Long letter\nwritten slowly",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Your message below has not been sent yet" in html
    assert "Long letter\nwritten slowly</textarea>" in html
    assert Contact.objects.count() == 1
    client.post("/en/status/reply/", {"message": "Long letter\nwritten slowly"})
    assert Contact.objects.count() == 2


def _normalised(html: str, *references: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    for reference in references:
        html = html.replace(reference, "REFERENCE")
    return html


def test_a_secret_typed_in_is_never_written_back_into_the_page(
    client: Client, settings: Any
) -> None:
    _, receipt = open_case()
    wrong = client.post("/status/", {"reference": receipt.reference, "secret": "4" * 16})
    assert "4" * 16 not in wrong.content.decode()
    # An old argon2 receipt while the site-wide argon2 budget is spent: asked to retry.
    settings.RECEIPT_ARGON2_BUDGET = 0
    Case.objects.filter(reference=receipt.reference).update(
        secret_hash=receipts.hash_secret_argon2(receipt.secret)
    )
    blocked = unlock(client, receipt)
    assert blocked.status_code == 429
    assert receipt.secret not in blocked.content.decode()
    assert receipt.reference in blocked.content.decode()  # the reference is kept for him


def test_unknown_reference_and_wrong_secret_get_the_same_answer(client: Client) -> None:
    _, receipt = open_case()
    unknown = "LF-0000-0000"
    wrong = client.post("/status/", {"reference": receipt.reference, "secret": "2" * 16})
    absent = client.post("/status/", {"reference": unknown, "secret": "2" * 16})
    assert wrong.status_code == absent.status_code == 200
    assert _normalised(wrong.content.decode(), receipt.reference) == _normalised(
        absent.content.decode(), unknown
    )
    assert "Номер обращения или секретный код не подходят" in wrong.content.decode()
    assert set(wrong.cookies) == set(absent.cookies)


@pytest.mark.parametrize(
    ("reference", "secret", "error"),
    [
        ("hello", "0" * 16, "This is not a reference"),
        ("LF-0000-0000", "short", "The secret code has 16 letters and digits"),
        ("", "", "Please fill this in."),
    ],
)
def test_malformed_input_is_explained_and_not_counted(
    client: Client, reference: str, secret: str, error: str
) -> None:
    response = client.post("/en/status/", {"reference": reference, "secret": secret})
    assert response.status_code == 200 and error in response.content.decode()
    assert not ThrottleBucket.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_case_opened_by_staff_has_no_receipt_to_guess(client: Client) -> None:
    from lifeline.cases.services import case_open

    case = case_open(actor=SYSTEM, kind="other")
    response = client.post("/status/", {"reference": case.reference, "secret": "0" * 16})
    assert "Номер обращения или секретный код не подходят" in response.content.decode()
