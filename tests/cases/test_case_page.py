"""The case page with colleagues on it: stale pages, kept drafts, presence, templates, calls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lifeline.cases.calls.services import call_log_record
from lifeline.cases.exceptions import CaseActionRefused, CaseChanged
from lifeline.cases.models import Case, CaseEvent, CasePresence, ReplyTemplate
from lifeline.cases.services import (
    case_assign,
    case_call_back_log,
    case_caller_numbers_read,
    case_note_add,
    case_reply,
    case_transition,
    reply_template_delete,
    reply_template_save,
)
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Contact
from tests.cases.helpers import create_case
from tests.factories import login_staff

pytestmark = pytest.mark.django_db

TYPED = "Держитесь. Мы рядом, напишите, где вы сейчас."
NUMBER = "+380671234567"


def _client(user: Any) -> Client:
    client = Client()
    login_staff(client, user)
    return client


def _url(name: str, case: Case) -> str:
    return reverse(name, kwargs={"pk": case.pk})


def _page(client: Client, case: Case) -> str:
    return client.get(reverse("cases:detail", kwargs={"key": case.pk})).content.decode()


def _seen(case: Case) -> str:
    case.refresh_from_db()
    return case.updated_at.isoformat()


# --- a stale page -----------------------------------------------------------------------------


def test_a_reply_from_a_page_older_than_the_case_is_refused_and_nothing_goes_out(
    alice: Any, carol: Any
) -> None:
    case = create_case(inbound="help")
    seen = case.updated_at
    case_reply(actor=carol, case=case, body="Carol answered first.")
    with pytest.raises(CaseChanged, match="changed after you opened it"):
        case_reply(actor=alice, case=Case.objects.get(pk=case.pk), body=TYPED, seen=seen)
    assert [c.body for c in Contact.objects.filter(direction="out")] == ["Carol answered first."]


@pytest.mark.parametrize(
    "act",
    [
        lambda user, case, seen: case_transition(
            actor=user, case=case, to_status="in_contact", seen=seen
        ),
        lambda user, case, seen: case_assign(actor=user, case=case, assignee=user, seen=seen),
    ],
    ids=["status", "take"],
)
def test_a_status_change_or_take_from_a_stale_page_is_refused(
    alice: Any, erin: Any, act: Any
) -> None:
    case = create_case(inbound="help")
    seen = case.updated_at
    case_note_add(actor=erin, case=case, text="called him, no answer")
    before = (case.status, case.assignee_id, CaseEvent.objects.count())
    with pytest.raises(CaseChanged, match="Nothing was done"):
        act(alice, Case.objects.get(pk=case.pk), seen)
    case.refresh_from_db()
    assert (case.status, case.assignee_id, CaseEvent.objects.count()) == before


def test_a_page_that_shows_the_case_as_it_is_acts(alice: Any) -> None:
    case = create_case(inbound="help")
    case_reply(actor=alice, case=case, body=TYPED, seen=case.updated_at)
    assert Contact.objects.get(direction="out").body == TYPED


def test_the_stale_page_says_so_keeps_the_reply_and_shows_what_changed(
    alice: Any, carol: Any
) -> None:
    case = create_case(inbound="help")
    as_alice, as_carol = _client(alice), _client(carol)
    seen = _seen(case)
    assert as_carol.post(_url("cases:reply", case), {"body": "Carol.", "seen": seen}).status_code
    response = as_alice.post(_url("cases:reply", case), {"body": TYPED, "seen": seen})

    html = response.content.decode()
    assert response.status_code == 400
    assert "This case changed after you opened it. Nothing was done" in html
    assert f"{TYPED}</textarea>" in html
    assert "What changed since you opened the page" in html and "a reply by carol" in html
    assert Contact.objects.filter(direction="out").count() == 1
    # The page now carries the case as it is: sending again goes out.
    again = as_alice.post(_url("cases:reply", case), {"body": TYPED, "seen": _seen(case)})
    assert again.status_code == 302
    assert Contact.objects.filter(direction="out").count() == 2


def test_a_tampered_seen_is_refused_not_ignored(alice: Any) -> None:
    case = create_case(inbound="help")
    response = _client(alice).post(_url("cases:reply", case), {"body": TYPED, "seen": "yesterday"})
    assert response.status_code == 400
    assert not Contact.objects.filter(direction="out").exists()


# --- a draft survives the other buttons ----------------------------------------------------------


def test_take_it_keeps_the_reply_being_written(alice: Any) -> None:
    case = create_case(inbound="help")
    response = _client(alice).post(
        _url("cases:assign", case), {"assignee": "me", "body": TYPED, "seen": _seen(case)}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{TYPED}</textarea>" in html and "Assignment changed." in html
    case.refresh_from_db()
    assert case.assignee == alice
    assert f'name="seen" value="{case.updated_at.isoformat()}"' in html


def test_a_status_button_keeps_the_reply_and_consumes_its_own_note(alice: Any) -> None:
    case = create_case(inbound="help")
    response = _client(alice).post(
        _url("cases:transition", case),
        {"to_status": "in_contact", "note": "on it", "body": TYPED, "seen": _seen(case)},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{TYPED}</textarea>" in html
    assert "on it</textarea>" not in html
    assert Case.objects.get(pk=case.pk).status == "in_contact"


def test_without_a_draft_a_button_goes_back_to_the_page(alice: Any) -> None:
    case = create_case(inbound="help")
    response = _client(alice).post(
        _url("cases:assign", case), {"assignee": "me", "body": "", "seen": _seen(case)}
    )
    assert response.status_code == 302


def test_every_text_and_button_of_the_page_belongs_to_its_one_form(alice: Any) -> None:
    case = create_case(inbound="help")
    html = _page(_client(alice), case)
    for name in ('name="body"', 'name="text"', 'name="note"'):
        tag = html[html.rindex("<", 0, html.index(name)) : html.index(">", html.index(name))]
        assert 'form="work"' in tag, name
    take = html[html.rindex("<button", 0, html.index("Take it")) : html.index("Take it")]
    assert 'form="work"' in take and _url("cases:assign", case) in take


# --- presence -----------------------------------------------------------------------------------


def test_the_page_shows_who_else_has_the_case_open(alice: Any, bob: Any) -> None:
    case = create_case(inbound="help")
    as_alice = _client(alice)
    assert "Also on this case" not in _page(as_alice, case)
    _page(_client(bob), case)
    html = _page(as_alice, case)
    assert "Also on this case:" in html and "<strong>bob</strong>" in html
    assert "<strong>alice</strong>" not in html  # not oneself


def test_a_colleague_with_a_reply_typed_is_shown_typing(alice: Any, bob: Any) -> None:
    case = create_case(inbound="help")
    response = _client(bob).post(_url("cases:presence", case), {"replying": "1"})
    assert response.status_code == 200
    assert "bob" in _page(_client(alice), case).split("Also on this case:")[1][:200]
    assert "typing a reply" in _page(_client(alice), case)


def test_someone_who_left_long_ago_is_not_shown(alice: Any, bob: Any) -> None:
    case = create_case(inbound="help")
    _page(_client(bob), case)
    CasePresence.objects.update(seen_at=timezone.now() - timedelta(minutes=10))
    assert "Also on this case" not in _page(_client(alice), case)


def test_a_users_expired_presence_goes_when_he_opens_another_case(alice: Any, bob: Any) -> None:
    first, second = create_case(inbound="help"), create_case(inbound="help again")
    _page(_client(bob), first)
    _page(_client(alice), first)
    CasePresence.objects.update(seen_at=timezone.now() - timedelta(minutes=10))
    _page(_client(bob), second)
    kept = set(CasePresence.objects.values_list("user__username", "case"))
    assert kept == {("bob", second.pk), ("alice", first.pk)}  # alice's waits for her next look


def test_the_poll_answers_the_others_only(alice: Any, bob: Any) -> None:
    case = create_case(inbound="help")
    _page(_client(bob), case)
    html = _client(alice).post(_url("cases:presence", case)).content.decode()
    assert "bob" in html and "alice" not in html


# --- reply templates ----------------------------------------------------------------------------


def test_a_supervisor_keeps_templates_and_each_change_is_audited(carol: Any) -> None:
    saved = reply_template_save(
        actor=carol, template=None, language="ru", title="Первый ответ", body="Здравствуйте."
    )
    reply_template_save(
        actor=carol, template=saved, language="ru", title="Первый ответ", body="Добрый день."
    )
    assert ReplyTemplate.objects.get().body == "Добрый день."
    reply_template_delete(actor=carol, template=saved)
    assert not ReplyTemplate.objects.exists()
    actions = AuditEvent.objects.filter(action__startswith="reply_template").values_list(
        "action", flat=True
    )
    assert sorted(actions) == [
        "reply_template.create",
        "reply_template.delete",
        "reply_template.update",
    ]
    assert "Добрый" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


@pytest.mark.parametrize("who", ["alice", "bob", "erin", "dave", "frank"])
def test_only_supervisors_keep_templates(who: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(PermissionDenied):
        reply_template_save(
            actor=request.getfixturevalue(who),
            template=None,
            language="ru",
            title="t",
            body="b",
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"language": "de"}, "Unknown language"),
        ({"title": "  "}, "Give the template a title"),
        ({"body": " "}, "The reply is empty"),
    ],
)
def test_a_bad_template_is_refused(carol: Any, change: dict[str, str], message: str) -> None:
    fields = {"language": "ru", "title": "t", "body": "b", **change}
    with pytest.raises(CaseActionRefused, match=message):
        reply_template_save(actor=carol, template=None, **fields)
    assert not ReplyTemplate.objects.exists()


def test_the_template_screen_creates_and_lists(carol: Any) -> None:
    as_carol = _client(carol)
    response = as_carol.post(
        reverse("cases:template_new"),
        {"language": "uk", "title": "Вітання", "body": "Добрий день."},
    )
    assert response.status_code == 302
    assert "Вітання" in as_carol.get(reverse("cases:templates")).content.decode()


def test_insert_appends_the_template_to_the_draft(alice: Any, carol: Any) -> None:
    case = create_case(inbound="help")  # a Russian case
    ru = reply_template_save(
        actor=carol, template=None, language="ru", title="Адрес", body="Идите к мосту."
    )
    reply_template_save(actor=carol, template=None, language="en", title="Hello", body="Hi.")
    as_alice = _client(alice)
    html = _page(as_alice, case)
    assert html.index("Адрес") < html.index("[en] Hello")  # the case's language first
    response = as_alice.post(
        _url("cases:template_insert", case), {"template": ru.pk, "body": TYPED, "seen": "x"}
    )
    assert response.status_code == 200
    assert f"{TYPED}\n\nИдите к мосту.</textarea>" in response.content.decode()
    assert not Contact.objects.filter(direction="out").exists()  # inserted, not sent


def test_insert_without_a_template_keeps_the_draft(alice: Any) -> None:
    case = create_case(inbound="help")
    response = _client(alice).post(_url("cases:template_insert", case), {"body": TYPED})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a template to insert." in html and f"{TYPED}</textarea>" in html


# --- a case reached by phone --------------------------------------------------------------------


def _phone_case(alice: Any) -> Case:
    logged = call_log_record(
        actor=alice,
        number="+380 67 123 45 67",
        language="uk",
        kind="surrender",
        summary="Wants out.",
        follow_up="call_back",
    )
    return logged.case


def test_a_phone_only_case_offers_no_reply_and_hides_the_number(alice: Any) -> None:
    case = _phone_case(alice)
    html = _page(_client(alice), case)
    assert 'name="body"' not in html and "Send reply" not in html
    assert "can only be reached by phone" in html
    assert "123" not in html.replace(case.reference, "")
    assert "Show the caller's number" in html


def test_showing_the_number_is_audited(alice: Any) -> None:
    case = _phone_case(alice)
    response = _client(alice).post(_url("cases:caller_number", case), {"seen": _seen(case)})
    assert response.status_code == 200
    assert f'href="tel:{NUMBER}"' in response.content.decode()
    audit = AuditEvent.objects.get(action="case.caller_number_read")
    assert (audit.actor_id, audit.object_id) == (alice.pk, str(case.pk))
    assert "380" not in str(audit.detail)


@pytest.mark.parametrize("who", ["dave", "frank", "mallory"])
def test_who_works_no_cases_cannot_read_the_number(
    who: str, request: pytest.FixtureRequest
) -> None:
    case = _phone_case(request.getfixturevalue("alice"))
    with pytest.raises(PermissionDenied):
        case_caller_numbers_read(actor=request.getfixturevalue(who), case=case)


def test_a_call_back_is_logged_on_the_timeline(alice: Any) -> None:
    case = _phone_case(alice)
    as_alice = _client(alice)
    response = as_alice.post(
        _url("cases:call_back", case),
        {"outcome": "reached", "call_note": "He is safe, calls again at 6.", "seen": _seen(case)},
    )
    assert response.status_code == 302
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CALL_BACK)
    assert (event.actor, event.to_value, event.text) == (
        alice,
        "reached",
        "He is safe, calls again at 6.",
    )
    case.refresh_from_db()
    assert case.waiting_since is None and case.first_response_at is not None
    assert AuditEvent.objects.get(action="case.call_back").detail["outcome"] == "reached"
    assert "alice called back: reached the person" in _page(as_alice, case)


def test_no_answer_leaves_the_case_waiting(alice: Any) -> None:
    case = _phone_case(alice)
    case_call_back_log(actor=alice, case=case, outcome="no_answer")
    case.refresh_from_db()
    assert case.waiting_since is not None


def test_a_call_back_needs_an_outcome_and_a_caller(alice: Any) -> None:
    with pytest.raises(CaseActionRefused, match="Say how the call went"):
        case_call_back_log(actor=alice, case=_phone_case(alice), outcome="maybe")
    with pytest.raises(CaseActionRefused, match="no one to call back"):
        case_call_back_log(actor=alice, case=create_case(inbound="web"), outcome="reached")


# --- notes --------------------------------------------------------------------------------------


def test_a_note_in_the_timeline_keeps_only_its_own_line_breaks(alice: Any) -> None:
    case = create_case(inbound="help")
    case_note_add(actor=alice, case=case, text="first line\nsecond line")
    css = open("lifeline/static/lifeline/console.css", encoding="utf-8").read().replace(" ", "")
    rule = css[css.index(".timelineli{") : css.index("}", css.index(".timelineli{"))]
    assert "white-space:normal" in rule  # the li's template whitespace is not shown
    assert "first line\nsecond line</div>" in _page(_client(alice), case)


def test_the_case_page_may_run_only_our_own_script(alice: Any) -> None:
    case = create_case(inbound="help")
    response = _client(alice).get(reverse("cases:detail", kwargs={"key": case.pk}))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-" not in csp
    assert 'src="/static/lifeline/case-presence.js"' in response.content.decode()


def test_a_withheld_number_cannot_be_called_back(alice: Any) -> None:
    case = call_log_record(
        actor=alice, number="", language="ru", kind="surrender", summary="Hung up."
    ).case
    with pytest.raises(CaseActionRefused, match="no one to call back"):
        case_call_back_log(actor=alice, case=case, outcome="reached")
    html = _page(_client(alice), case)
    assert "withheld the number" in html
    assert 'name="body"' not in html and "Log the call back" not in html
