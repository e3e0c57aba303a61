"""The audit log's console screen: filters, who may use it, the CSV export, and that each
search, export and verification is itself recorded."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lifeline.core import auditlog
from lifeline.core.actions import Action
from lifeline.core.actors import PUBLIC, SYSTEM
from lifeline.core.audit import audit_record
from lifeline.core.auditlog import AuditSearch, audit_events_matching
from lifeline.core.models import AuditEvent
from lifeline.registry.models import Person
from tests.factories import create_user, login_staff

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


def _record(actor: Any, action: Action, obj: Any = None, **detail: Any) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=actor, action=action, obj=obj, detail=detail)


@pytest.fixture
def events(alice: Any, dave: Any) -> dict[str, Any]:
    kuzminov = Person.objects.create(surname="Kuzminov")
    other = Person.objects.create(surname="Other")
    return {
        "person": kuzminov,
        "viewed": _record(dave, Action.PERSON_VIEW, kuzminov, purpose="view"),
        "other": _record(dave, Action.PERSON_VIEW, other, purpose="view"),
        "named": _record(alice, Action.CANDIDATE_REVIEW, alice, person=kuzminov.pk),
        "system": _record(SYSTEM, Action.CONTACT_PROCESS),
        "public": _record(PUBLIC, Action.CASE_PUBLIC_VIEW),
    }


def _ids(search: AuditSearch) -> list[int]:
    return list(audit_events_matching(search).values_list("pk", flat=True))


def test_search_by_person_finds_his_record_and_events_naming_him(events: dict[str, Any]) -> None:
    found = _ids(AuditSearch(person=events["person"].pk))
    assert found == [events["named"].pk, events["viewed"].pk]  # newest first


def test_search_by_actor_staff_system_and_public(events: dict[str, Any]) -> None:
    assert _ids(AuditSearch(actor="alice")) == [events["named"].pk]
    assert _ids(AuditSearch(actor="system")) == [events["system"].pk]
    assert _ids(AuditSearch(actor="public")) == [events["public"].pk]
    assert _ids(AuditSearch(actor="nobody-of-that-name")) == []


def test_search_by_action_object_and_dates(events: dict[str, Any]) -> None:
    assert _ids(AuditSearch(action=Action.CONTACT_PROCESS)) == [events["system"].pk]
    other = events["other"]
    assert _ids(AuditSearch(object_type="registry.person", object_id=str(other.object_id))) == [
        other.pk
    ]
    today = timezone.localdate()
    assert len(_ids(AuditSearch(since=today, until=today))) == 5
    assert _ids(AuditSearch(until=today - timedelta(days=1))) == []
    assert _ids(AuditSearch(since=today + timedelta(days=1))) == []


def test_the_screen_lists_events_and_records_each_search(
    client: Client, frank: Any, events: dict[str, Any]
) -> None:
    login_staff(client, frank)
    response = client.get(LOG, {"actor": "dave", "action": "person.view"})
    assert response.status_code == 200
    assert [e.pk for e in response.context["page"]] == [events["other"].pk, events["viewed"].pk]
    page = response.content.decode()
    assert "<td>dave</td>" in page and "<th>purpose</th>" in page
    search = AuditEvent.objects.filter(action=Action.AUDIT_SEARCH).get()
    assert search.actor == frank
    assert search.detail == {"filters": {"actor": "dave", "action": "person.view"}, "page": 1}


def test_a_bad_filter_is_a_clear_error_not_a_search(client: Client, frank: Any, db: Any) -> None:
    login_staff(client, frank)
    today = timezone.localdate()
    response = client.get(
        LOG, {"action": "no.such", "since": str(today), "until": str(today - timedelta(1))}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"action", "until"}
    assert not AuditEvent.objects.filter(action=Action.AUDIT_SEARCH).exists()


@pytest.mark.parametrize("username", ["alice", "bob", "dave", "erin", "mallory"])
def test_only_holders_of_audit_view_get_in(
    client: Client, username: str, request: pytest.FixtureRequest
) -> None:
    login_staff(client, request.getfixturevalue(username))
    assert client.get(LOG).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.AUDIT_SEARCH).exists()


def test_the_export_is_the_search_as_csv_and_is_recorded(
    client: Client, frank: Any, events: dict[str, Any]
) -> None:
    login_staff(client, frank)
    response = client.get(EXPORT, {"person": events["person"].pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == auditlog.EXPORT_HEADER
    assert [row[0] for row in rows[1:]] == [str(events["named"].pk), str(events["viewed"].pk)]
    assert rows[1][2] == "alice" and rows[1][3] == "candidate.review"
    export = AuditEvent.objects.filter(action=Action.AUDIT_EXPORT).get()
    assert export.actor == frank
    filters = {"person": events["person"].pk}
    assert export.detail == {"filters": filters, "rows": 2, "truncated": False}


def test_the_export_stops_at_its_limit_and_says_so(
    client: Client, frank: Any, events: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auditlog, "EXPORT_LIMIT", 2)
    login_staff(client, frank)
    rows = list(csv.reader(io.StringIO(client.get(EXPORT).content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2 + 1
    assert rows[-1][0].startswith("# cut at 2 rows")
    assert AuditEvent.objects.get(action=Action.AUDIT_EXPORT).detail["truncated"] is True


def test_a_username_a_spreadsheet_would_run_stays_text_in_the_export(
    client: Client, frank: Any
) -> None:
    # Django allows @ + - in usernames, and a spreadsheet takes a cell starting so as a formula.
    _record(create_user("@SUM(1)", roles=[]), Action.USER_LOGIN)
    login_staff(client, frank)
    content = client.get(EXPORT, {"action": "user.login"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[1][2] == "'@SUM(1)"


def test_the_chain_shows_its_last_verification_and_is_verified_on_request(
    client: Client, carol: Any, events: dict[str, Any], settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    login_staff(client, carol)  # a supervisor holds AUDIT_VIEW too
    assert "has not been verified yet" in client.get(LOG).content.decode()
    response = client.post(reverse("audit:verify"), follow=True)
    assert response.status_code == 200
    verified = AuditEvent.objects.filter(action=Action.AUDIT_VERIFY).get()
    assert verified.actor == carol and verified.detail["broken_at"] is None
    assert "Chain intact" in response.content.decode()
    AuditEvent.objects.filter(pk=events["viewed"].pk).update(detail={"purpose": "edited"})
    client.post(reverse("audit:verify"))
    page = client.get(LOG).content.decode()
    assert "Chain broken" in page and f"at event {events['viewed'].pk}" in page


def test_the_audit_screen_is_in_the_navigation_of_its_holders(
    client: Client, frank: Any, alice: Any
) -> None:
    login_staff(client, frank)
    assert f'href="{LOG}"' in client.get(reverse("accounts:me")).content.decode()
    login_staff(client, alice)
    assert f'href="{LOG}"' not in client.get(reverse("accounts:me")).content.decode()
