"""The queue on a night shift: urgent first, previews, what is new, times in the user's zone."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lifeline.cases.handlers import contact_filed
from lifeline.cases.models import Case, Priority, QueueVisit
from lifeline.cases.selectors import case_previews_for
from lifeline.cases.services import case_note_add, case_open, case_priority_set
from lifeline.cases.workflows import terminal_states
from lifeline.core.actors import SYSTEM
from lifeline.core.models import AuditEvent
from lifeline.intake.models import Channel, Conversation
from tests.cases.helpers import contact_create, create_case
from tests.factories import create_user, login_staff

QUEUE = reverse("cases:queue")
pytestmark = pytest.mark.django_db


@pytest.fixture
def as_alice(client, alice):  # type: ignore[no-untyped-def]
    login_staff(client, alice)
    return client


def _refs(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [case.reference for case in response.context["page"]]


def create_case_message(case: Case, body: str) -> None:
    """The first message of a case opened without one (and without a summary)."""
    conversation = Conversation.objects.create(
        channel=Channel.WEB, case=case, created_at=case.created_at
    )
    contact_create(case=case, conversation=conversation, body=body)


def _row(html: str, case: Case) -> str:
    match = re.search(rf'<tr data-case="{case.pk}".*?</tr>', html, re.S)
    assert match, f"{case.reference} is not on the page"
    return match.group(0)


# --- urgent first ---------------------------------------------------------------------------


def test_a_just_logged_urgent_case_is_the_first_row_of_fifty(as_alice, alice, erin) -> None:
    now = timezone.now()
    for n in range(60):
        create_case(channel=None, waiting_since=now - timedelta(hours=60 - n))
    urgent = create_case(channel=None, assignee=erin)  # assigned and not waiting: once last
    case_priority_set(actor=alice, case=urgent, priority=Priority.URGENT)

    rows = _refs(as_alice.get(QUEUE))

    assert rows[0] == urgent.reference
    assert len(rows) == 50


def test_urgent_cases_come_first_then_the_usual_order(as_alice, erin) -> None:
    now = timezone.now()
    urgent_assigned = create_case(assignee=erin, priority=Priority.URGENT)
    urgent_waiting = create_case(priority=Priority.URGENT, waiting_since=now)
    assigned = create_case(assignee=erin, waiting_since=now - timedelta(days=3))
    waiting_long = create_case(waiting_since=now - timedelta(hours=5))
    not_waiting = create_case(created_at=now - timedelta(days=9))

    assert _refs(as_alice.get(QUEUE)) == [
        c.reference for c in (urgent_waiting, urgent_assigned, waiting_long, not_waiting, assigned)
    ]


def test_the_urgent_filter_shows_urgent_cases_only(as_alice) -> None:
    urgent = create_case(priority=Priority.URGENT)
    create_case()
    response = as_alice.get(QUEUE, {"urgent": "on"})
    assert _refs(response) == [urgent.reference]
    assert 'name="urgent" id="id_urgent" checked' in response.content.decode()


def test_with_four_hundred_open_cases_every_page_is_fifty_and_none_repeats(as_alice) -> None:
    now = timezone.now()
    # Many cases with the same times: only the id tells them apart, and the order still must.
    Case.objects.bulk_create(
        Case(
            reference=f"LF-{n:04d}-TEST",
            kind="surrender",
            priority=Priority.URGENT if n % 100 == 7 else Priority.NORMAL,
            created_at=now - timedelta(minutes=n % 3),
            updated_at=now,
            waiting_since=now - timedelta(minutes=n % 2) if n % 5 else None,
        )
        for n in range(420)
    )
    pages = [_refs(as_alice.get(QUEUE, {"page": p})) for p in range(1, 10)]

    assert [len(rows) for rows in pages] == [50] * 8 + [20]
    seen = [ref for rows in pages for ref in rows]
    assert len(set(seen)) == 420
    assert set(seen[:5]) == {f"LF-{n:04d}-TEST" for n in (7, 107, 207, 307, 407)}


def test_the_queue_index_holds_exactly_the_open_cases() -> None:
    # Its condition names the terminal states; a new one there would leave closed cases in it
    # and the queue's filter no longer matching it (PostgreSQL would then scan the table).
    [index] = [i for i in Case._meta.indexes if i.name == "case_queue_order"]
    assert index.condition == ~Q(status__in=sorted(terminal_states()))


# --- the preview ----------------------------------------------------------------------------


def test_the_preview_is_the_summary_else_the_start_of_the_first_message(as_alice) -> None:
    summarised = create_case(inbound="first words of the caller")
    first = "Мой сын Кузьминов Максим, 1999 г.р., служил в 3-й бригаде, связь пропала 2 марта. "
    written = case_open(actor=SYSTEM, kind="family_enquiry", language="ru")
    create_case_message(written, first + "Телефон +7 900 000 00 00, адрес ул. Ленина 1.")

    html = as_alice.get(QUEUE).content.decode()

    assert "summary text" in _row(html, summarised)
    assert "first words" not in html
    row = _row(html, written)
    preview = re.search(r"<bdi[^>]*>(.*?)</bdi>", row, re.S)
    assert preview is not None
    assert (
        preview.group(1)
        == "Мой сын Кузьминов Максим, 1999 г.р., служил в 3-й бригаде, связь пропала 2…"
    )
    assert "Телефон" not in html and "Ленина" not in html


def test_a_preview_is_escaped_and_kept_apart_from_the_text_around_it(as_alice) -> None:
    case = case_open(actor=SYSTEM, kind="other", language="ru")
    create_case_message(case, '<script>alert(1)</script>\u202e"quoted"')
    html = as_alice.get(QUEUE).content.decode()
    row = _row(html, case)
    assert "<script>alert" not in row
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row
    assert "<bdi" in row  # a right-to-left override inside stays inside the cell's text


def test_reading_the_previews_is_audited_once_per_case_until_it_changes(as_alice, alice) -> None:
    quiet = create_case()
    busy = create_case()
    as_alice.get(QUEUE)
    as_alice.get(QUEUE, {"fragment": "rows"})  # the page refreshing itself

    events = AuditEvent.objects.filter(action="case.preview")
    assert sorted(int(e.object_id) for e in events) == sorted([quiet.pk, busy.pk])
    assert {(e.actor, e.object_type) for e in events} == {(alice, "cases.case")}
    assert all(e.detail == {} for e in events)  # which case, never what it says

    case_note_add(actor=alice, case=busy, text="rang back, no answer")
    as_alice.get(QUEUE)
    assert [int(e.object_id) for e in events.order_by("id")][2:] == [busy.pk]


def test_the_preview_is_never_logged(as_alice, caplog) -> None:
    case_open(actor=SYSTEM, kind="other", language="ru", summary="Ivan Petrov, Kupiansk")
    with caplog.at_level(logging.DEBUG):
        as_alice.get(QUEUE)
        as_alice.get(QUEUE, {"fragment": "rows"})
    assert "Petrov" not in caplog.text


@pytest.mark.parametrize("refused", ["dave", "frank", "mallory"])
def test_these_users_cannot_read_previews(request, refused: str) -> None:
    case = create_case(inbound="hello")
    with pytest.raises(PermissionDenied, match=r"^case\.view$"):
        case_previews_for(user=request.getfixturevalue(refused), cases=[case])


# --- new since you last looked --------------------------------------------------------------


def test_new_and_changed_cases_are_marked_since_the_user_last_looked(as_alice, alice) -> None:
    old = create_case()
    touched = create_case()
    first = as_alice.get(QUEUE)
    assert first.context["news"] is None  # a first look: nothing to compare with
    assert "badge fresh" not in first.content.decode()
    looked = QueueVisit.objects.get(user=alice).seen_at

    case_note_add(actor=create_user("olga", roles=["operator"]), case=touched, text="called")
    arrived = create_case()
    second = as_alice.get(QUEUE)
    html = second.content.decode()

    news = second.context["news"]
    assert (news.since, news.opened, news.changed) == (looked, 1, 1)
    assert ">new</span>" in _row(html, arrived)
    assert ">changed</span>" in _row(html, touched)
    assert "badge" not in _row(html, old)
    assert "1 new, 1 changed" in html

    # Looking again is a new "last looked": what was new then is not new now.
    assert "badge fresh" not in as_alice.get(QUEUE).content.decode()


def test_what_the_user_changed_himself_is_no_news_to_him(client, as_alice, alice) -> None:
    mine, theirs = create_case(), create_case()
    as_alice.get(QUEUE)
    as_bob = client.__class__()
    olga = create_user("olga", roles=["operator"])
    login_staff(as_bob, olga)
    as_bob.get(QUEUE)

    case_note_add(actor=alice, case=mine, text="called back")
    case_priority_set(actor=alice, case=theirs, priority=Priority.URGENT)
    case_note_add(actor=olga, case=theirs, text="she wrote again")
    html = as_alice.get(QUEUE).content.decode()
    assert "badge" not in _row(html, mine)  # his own note
    assert ">changed</span>" in _row(html, theirs)  # a colleague's, after his own
    assert "0 new, 1 changed" in html
    html = as_bob.get(QUEUE).content.decode()
    assert ">changed</span>" in _row(html, mine) and "badge fresh" not in _row(html, theirs)

    # A message from the person is news to everyone, whoever changed the case before.
    contact_filed(contact=contact_create(case=mine, body="я здесь"), awaits_reply=True)
    assert ">changed</span>" in _row(as_alice.get(QUEUE).content.decode(), mine)


def test_show_only_these_lists_what_changed_since_the_last_look(as_alice, alice) -> None:
    create_case()
    as_alice.get(QUEUE)
    arrived = create_case()
    html = as_alice.get(QUEUE).content.decode()
    link = re.search(r'<a href="([^"]+)">Show only these</a>', html)
    assert link is not None
    only = as_alice.get(QUEUE + link.group(1).replace("&amp;", "&"))
    assert _refs(only) == [arrived.reference]
    assert "Show all" in only.content.decode()


def test_the_refresh_never_moves_the_mark_so_new_rows_stay_new(as_alice, alice) -> None:
    page = as_alice.get(QUEUE)
    looked = QueueVisit.objects.get(user=alice).seen_at
    refresh = page.context["refresh_url"]

    arrived = create_case(priority=Priority.URGENT)
    for _ in range(3):  # the script polls
        rows = as_alice.get(QUEUE + refresh)
    assert QueueVisit.objects.get(user=alice).seen_at == looked
    assert rows["X-Lifeline-Fragment"] == "queue-rows"
    html = rows.content.decode()
    assert "<html" not in html and "<tbody>" in html
    assert ">new</span>" in _row(html, arrived) and "urgent" in _row(html, arrived)

    # The next full look still shows it as new: the refresh had not counted as looking.
    assert ">new</span>" in _row(as_alice.get(QUEUE).content.decode(), arrived)


def test_a_since_that_is_no_time_is_ignored(as_alice) -> None:
    create_case()
    for since in ["yesterday", "2026-01-01T00:00:00", "2999-01-01T00:00:00+00:00"]:
        response = as_alice.get(QUEUE, {"fragment": "rows", "since": since})
        assert response.status_code == 200
        assert response.context["news"] is None


# --- times in the user's zone ---------------------------------------------------------------


def test_times_are_in_the_users_zone_and_say_which(client, alice) -> None:
    alice.time_zone = "Europe/Kyiv"
    alice.save(update_fields=["time_zone"])
    login_staff(client, alice)
    case = create_case(created_at=datetime(2026, 3, 1, 12, 5, tzinfo=UTC))

    html = client.get(QUEUE).content.decode()

    assert "Opened (Europe/Kyiv)" in html
    assert ">1 Mar 14:05</time>" in _row(html, case)  # UTC+2 in winter


def test_without_a_choice_times_are_in_the_sites_zone(as_alice, settings) -> None:
    case = create_case(created_at=datetime(2026, 7, 1, 12, 5, tzinfo=UTC))
    html = as_alice.get(QUEUE).content.decode()
    assert settings.TIME_ZONE == "UTC"
    assert "Opened (UTC)" in html and ">1 Jul 12:05</time>" in _row(html, case)


# --- the page's script ----------------------------------------------------------------------


def test_the_queue_loads_its_script_from_us_and_the_console_allows_only_that(as_alice) -> None:
    response = as_alice.get(QUEUE)
    html = response.content.decode()
    assert '<script src="/static/lifeline/queue.js" defer></script>' in html
    assert 'data-refresh="?fragment=rows&amp;since=' in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-" not in csp and "default-src 'none'" in csp
    # Before login there is no console yet: the login page runs no script, as public pages.
    as_alice.logout()
    assert "script-src" not in as_alice.get(reverse("accounts:login"))["Content-Security-Policy"]


def test_without_script_the_page_has_a_refresh_link_that_keeps_the_filters(as_alice) -> None:
    for _ in range(51):
        create_case(channel=None, kind="other")
    html = as_alice.get(QUEUE, {"kind": "other", "page": 2}).content.decode()
    assert '<a href="?kind=other&amp;page=2" accesskey="u">Refresh</a>' in html


def test_a_russian_console_reads_the_queue_in_russian(client) -> None:
    olga = create_user("olga", roles=["operator"], console_language="ru", time_zone="Europe/Kyiv")
    login_staff(client, olga)
    client.get(QUEUE)
    case = create_case(priority=Priority.URGENT)
    html = client.get(QUEUE).content.decode()
    for text in [
        "Только срочные",
        "Обновить",
        "Кратко",
        "Открыто (Europe/Kyiv)",
        "Новое в очереди:",
    ]:
        assert text in html, text
    assert "новых — 1, изменённых — 0." in html
    assert ">новое</span>" in _row(html, case)
