"""The console's "log a call" page: one form, one service, the call filed on the caller's case."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lifeline.cases.calls.services import CallRefused, call_log_record
from lifeline.cases.models import Case, CaseEvent, Priority
from lifeline.core.models import AuditEvent
from lifeline.core.numbers import caller_number, number_normalise
from lifeline.intake.models import Contact, Conversation
from tests.factories import login_staff

URL = "/console/calls/new/"
CALL = {
    "number": "+380 (67) 123-45-67",
    "language": "uk",
    "kind": "surrender",
    "summary": "Wants to surrender with two others.\nNear the river crossing.",
    "follow_up": "call_back",
    "follow_up_note": "after 22:00 his time",
    "priority": "1",
}


@pytest.fixture
def operator(client: Any, alice: Any) -> Any:
    login_staff(client, alice)
    return client


def written() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Contact.objects.count(),
        Conversation.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_url_is_the_one_the_design_names() -> None:
    assert reverse("calls:log") == URL


def test_the_page_starts_on_the_number_with_a_key_for_every_choice(operator: Any) -> None:
    response = operator.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    number = html[html.index('name="number"') - 200 : html.index('name="number"') + 200]
    assert "autofocus" in number and 'accesskey="n"' in number
    assert html.count("autofocus") == 1
    for key in "ruet sfo m cah w g k".replace(" ", ""):
        assert f'accesskey="{key}"' in html, key
    assert '<button type="submit" accesskey="k"' in html


def test_alice_logs_a_call_and_lands_on_the_new_case(operator: Any, alice: Any) -> None:
    response = operator.post(URL, CALL)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"key": case.pk})
    assert (case.kind, case.language, case.priority) == ("surrender", "uk", Priority.URGENT)
    assert case.summary == "Wants to surrender with two others."
    assert case.waiting_since is not None  # a call back is owed
    contact = Contact.objects.get()
    assert contact.body == CALL["summary"]
    assert (contact.channel, contact.direction, contact.state) == ("phone", "in", "processed")
    assert contact.author == alice and contact.case == case and contact.processed_at
    assert contact.fields == {"follow_up": "call_back", "follow_up_note": "after 22:00 his time"}
    assert contact.conversation.case == case
    assert contact.conversation.identity == "+380671234567"
    note = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.NOTE)
    assert note.text == "Follow-up: call back. after 22:00 his time"
    audit = AuditEvent.objects.get(action="call.log")
    assert (audit.actor_id, audit.object_id) == (alice.pk, str(contact.pk))
    assert "22:00" not in str(audit.detail) and "380" not in str(audit.detail)
    page = operator.get(response["Location"])
    assert case.reference in page.content.decode()
    assert "Call logged; case" in page.content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": "  "}, "summary"),
        ({"kind": "handover"}, "kind"),
        ({"kind": "nonsense"}, "kind"),
        ({"number": "call me maybe"}, "number"),
        ({"language": "de"}, "language"),
        ({"number": "", "follow_up": "call_back"}, "follow_up"),
        ({"follow_up": "none"}, "follow_up_note"),
    ],
)
def test_bad_input_is_shown_and_writes_nothing(
    operator: Any, change: dict[str, str], field: str
) -> None:
    before = written()
    response = operator.post(URL, {**CALL, **change})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert written() == before
    # The cursor goes to what needs fixing, and what was typed is kept.
    assert response.context["form"].fields[field].widget.attrs.get("autofocus")
    assert "Near the river crossing" in response.content.decode() or field == "summary"


def test_a_withheld_number_gets_a_case_of_its_own_each_time(operator: Any) -> None:
    call = {**CALL, "number": "", "follow_up": "await_call"}
    operator.post(URL, call)
    operator.post(URL, call)

    assert Case.objects.count() == 2
    assert Conversation.objects.filter(identity_hash="").count() == 2
    assert all(c.waiting_since is None for c in Case.objects.all())  # the caller will call


def test_a_second_call_from_the_number_lands_on_its_open_case(operator: Any) -> None:
    operator.post(URL, CALL)
    response = operator.post(
        URL, {**CALL, "number": "00380671234567", "summary": "Called again.", "follow_up": "none",
              "follow_up_note": "", "priority": "0"}
    )  # fmt: skip

    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", kwargs={"key": case.pk})
    assert case.contacts.count() == 2
    assert case.priority == Priority.URGENT  # a later normal call does not lower it
    assert "open case" in operator.get(response["Location"]).content.decode()


def test_a_call_of_another_kind_opens_its_own_case(operator: Any) -> None:
    operator.post(URL, CALL)
    operator.post(URL, {**CALL, "kind": "other"})

    assert sorted(Case.objects.values_list("kind", flat=True)) == ["other", "surrender"]
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().case.kind == "other"


def test_a_family_enquiry_by_phone_opens_its_enquiry(operator: Any) -> None:
    from lifeline.tracing.models import Enquiry

    operator.post(URL, {**CALL, "kind": "family_enquiry", "summary": "Looking for her son."})

    enquiry = Enquiry.objects.get()
    assert enquiry.sought_text == "Looking for her son."


@pytest.mark.parametrize("username", ["dave", "frank", "mallory"])
def test_users_who_do_not_create_cases_are_refused(
    client: Any, request: pytest.FixtureRequest, username: str
) -> None:
    login_staff(client, request.getfixturevalue(username))
    assert client.get(URL).status_code == 403
    assert client.post(URL, CALL).status_code == 403
    assert Contact.objects.count() == 0


def test_the_service_checks_the_rules_itself(alice: Any, dave: Any) -> None:
    from django.core.exceptions import PermissionDenied

    good = {k: v for k, v in CALL.items() if k != "priority"}
    with pytest.raises(PermissionDenied, match=r"^case\.create$"):
        call_log_record(actor=dave, **good)
    with pytest.raises(CallRefused, match=r"Unknown kind of call"):
        call_log_record(actor=alice, **{**good, "kind": "handover"})
    with pytest.raises(CallRefused, match=r"A withheld number cannot be called back"):
        call_log_record(actor=alice, **{**good, "number": ""})  # a call back needs a number
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("+7 (912) 345-67-89", "+79123456789"),
        ("0044 20 7946 0958", "+442079460958"),
        ("380671234567", "+380671234567"),
        ("", ""),
    ],
)
def test_numbers_are_kept_as_plus_and_digits(typed: str, number: str) -> None:
    assert number_normalise(typed) == number


@pytest.mark.parametrize("typed", ["12", "+1 234 567 890 123 456", "Anonymous", "+7+9", "٣٨٠١٢"])
def test_what_is_not_a_number_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=r"^not a phone number$"):
        number_normalise(typed)


def test_a_withheld_caller_id_is_no_number() -> None:
    assert caller_number("+266696687") == ""
    assert caller_number("anonymous") == ""
    assert caller_number("+380671234567") == "+380671234567"
