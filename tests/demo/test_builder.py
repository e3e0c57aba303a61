"""The demo load: every kind of case, plausible histories, private credentials, idempotence."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lifeline.accounts.models import User
from lifeline.cases.models import Case, CaseEvent, CaseKind
from lifeline.cases.workflows import CLOSED, workflow_for
from lifeline.core.audit import audit_verify
from lifeline.core.models import AuditEvent
from lifeline.core.receipts import verify_secret
from lifeline.demo.builder import demo_load
from lifeline.demo.registry import _father_name
from lifeline.demo.staff import DEMO_USERS
from lifeline.intake.models import Contact
from lifeline.outcomes.models import ExchangeEntry, Handover
from lifeline.registry.models import MatchKey, NameForm, Person, Source, StatusEvent
from lifeline.tracing.models import Enquiry, MatchCandidate

pytestmark = pytest.mark.django_db

SMALL = {"persons": 200, "cases": 40}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    settings.DEV_KEYS = True


def _demo(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out, **options)
    return out.getvalue()


def _passwords(text: str) -> dict[str, str]:
    names = {u for u, _ in DEMO_USERS}
    return {line.split()[0]: line.split()[-1] for line in text.splitlines() if line.split()[:1]
            and line.split()[0] in names}  # fmt: skip


@pytest.fixture
def loaded(db, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    return _demo(**SMALL, seed=7)


def test_counts_and_every_case_kind(loaded: str) -> None:
    assert Person.objects.count() == 200
    assert Case.objects.count() == 40
    assert set(Case.objects.values_list("kind", flat=True)) == set(CaseKind.values)
    assert set(Case.objects.values_list("language", flat=True)) <= {"ru", "uk", "en"}
    assert "200 persons" in loaded and "40 cases" in loaded


def test_registry_histories_have_sources_and_set_the_current_status(loaded: str) -> None:
    assert 40 <= Source.objects.count() <= 60
    assert len(set(Source.objects.values_list("kind", flat=True))) == len(Source.Kind.values)
    for person in Person.objects.prefetch_related("status_events__source", "name_forms"):
        events = sorted(person.status_events.all(), key=lambda e: e.sort_key)
        assert 1 <= len(events) <= 5  # a history of up to 4, then an exchange or a handover
        assert person.current_status == events[-1].status
        assert all(e.source_id and e.verification for e in events)
        primary = [f for f in person.name_forms.all() if f.is_primary]
        assert [(f.surname, f.script) for f in primary] == [(person.surname, "cyrl")]
        assert primary[0].surname_folded == person.surname.casefold().replace("ё", "е")
        if person.current_status == "held":
            assert person.place_of_detention and person.health
    assert NameForm.objects.filter(script="latn").exclude(transliteration="").exists()
    assert any(p.grave_location for p in Person.objects.filter(current_status="dead"))
    assert StatusEvent.objects.filter(status="captured").exists()
    assert any(e.place for e in StatusEvent.objects.all())


def test_cases_follow_their_workflows(loaded: str) -> None:
    for case in Case.objects.prefetch_related("events", "contacts"):
        workflow = workflow_for(case.kind)
        assert case.status in workflow.states
        status = "new"
        for event in case.events.filter(kind=CaseEvent.Kind.STATUS):
            assert event.from_value == status and workflow.allows(status, event.to_value)
            status = event.to_value
        assert status == case.status
        assert (case.closed_at is not None) == (case.status == CLOSED)
        messages = list(case.contacts.all())
        assert messages and messages[0].direction == Contact.Direction.IN
        last = messages[-1]
        waiting = last.direction == Contact.Direction.IN and case.status != CLOSED
        assert (case.waiting_since == last.received_at) if waiting else case.waiting_since is None
        assert all(
            (m.state, m.author is None)
            == (("processed", True) if m.direction == "in" else ("sent", False))
            for m in messages
        )
        times = [e.at for e in case.events.all()] + [m.received_at for m in messages]
        assert case.created_at == min(times) and case.updated_at == max(times)


def test_some_cases_are_assigned_and_some_not(loaded: str) -> None:
    assert Case.objects.filter(assignee__isnull=True).exists()
    owners = set(Case.objects.exclude(assignee=None).values_list("assignee__username", flat=True))
    assert owners <= {"operator", "caseworker", "tracer"} and len(owners) >= 2


def test_family_enquiries_name_registry_persons(loaded: str) -> None:
    surnames = set(Person.objects.values_list("surname", flat=True))
    sought = [
        c.fields.get("sought_surname")
        for c in Contact.objects.filter(case__kind=CaseKind.FAMILY_ENQUIRY, direction="in")
        if c.fields
    ]
    assert sum(1 for s in sought if s in surnames) >= 3


def test_demo_users_one_per_role_with_two_factor_off(loaded: str) -> None:
    passwords = _passwords(loaded)
    assert set(passwords) == {u for u, _ in DEMO_USERS}
    for username, role in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.two_factor_exempt
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password(passwords[username])
    assert "http://127.0.0.1:8000/console/" in loaded
    assert "Two-factor login is OFF for these demo users only" in loaded


def test_credentials_file_is_private_and_passwords_are_drawn_anew(tmp_path: Path, db) -> None:
    first = _demo(**SMALL)
    path = tmp_path / "demo-credentials.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") in first
    second = _demo(**SMALL)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    one, two = _passwords(first), _passwords(second)
    assert all(one[u] != two[u] for u in one)
    assert len(set(one.values())) == len(one)
    assert User.objects.get(username="operator").check_password(two["operator"])


def test_if_empty_adds_nothing_but_prints_the_credentials(loaded: str, tmp_path: Path) -> None:
    counts = (Person.objects.count(), Case.objects.count(), Contact.objects.count())
    again = _demo("--if-empty", **SMALL)
    assert (Person.objects.count(), Case.objects.count(), Contact.objects.count()) == counts
    assert "already loaded" in again
    assert _passwords(again) == _passwords(loaded)
    assert AuditEvent.objects.filter(action="demo.load").count() == 1


def test_if_empty_redraws_passwords_when_the_file_is_gone(loaded: str, tmp_path: Path) -> None:
    (tmp_path / "demo-credentials.txt").unlink()
    again = _demo("--if-empty")
    new = _passwords(again)
    assert set(new) == {u for u, _ in DEMO_USERS} and new != _passwords(loaded)
    assert User.objects.get(username="tracer").check_password(new["tracer"])
    assert Person.objects.count() == 200


def test_printed_receipts_open_their_cases(db) -> None:
    result = demo_load(**SMALL, seed=3)
    assert 2 <= len(result.receipts) <= 3
    for reference, secret, _ in result.receipts:
        assert verify_secret(Case.objects.get(reference=reference).secret_hash, secret)
    assert Case.objects.exclude(secret_hash="").count() == len(result.receipts)


def test_one_audit_event_and_the_chain_holds(loaded: str) -> None:
    # The load is one event; the system's matching of the demo enquiries is audited as usual.
    [event] = AuditEvent.objects.filter(action="demo.load")
    assert event.actor_kind == "system"
    assert set(AuditEvent.objects.values_list("actor_kind", flat=True)) == {"system"}
    assert event.detail["counts"]["persons"] == 200
    assert audit_verify().intact


def test_same_seed_same_registry(db) -> None:
    demo_load(persons=30, cases=5, seed=11)
    first = list(Person.objects.order_by("id").values_list("surname", "current_status"))
    MatchCandidate.objects.all().delete()
    Handover.objects.all().delete()
    ExchangeEntry.objects.all().delete()
    Person.objects.all().delete()
    demo_load(persons=30, cases=5, seed=11)
    assert list(Person.objects.order_by("id").values_list("surname", "current_status")) == first


def test_web_family_enquiries_are_matched(loaded: str) -> None:
    enquiries = Enquiry.objects.all()
    assert enquiries.exists()
    assert all(e.case.kind == "family_enquiry" for e in enquiries)
    assert MatchCandidate.objects.filter(enquiry__in=enquiries).exists()


def test_refused_outside_development(settings, db) -> None:  # type: ignore[no-untyped-def]
    settings.DEV_KEYS = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"The demo runs only with LIFELINE_DEV_KEYS=1"):
        _demo(**SMALL)
    assert not Person.objects.exists()


def test_helpers() -> None:
    names = {"Сергей", "Иван", "Игорь", "Сергій", "Павел"}
    assert _father_name("Сергеевич", names) == "Сергей"
    assert _father_name("Иванович", names) == "Иван"
    assert _father_name("Игоревич", names) == "Игорь"
    assert _father_name("Сергійович", names) == "Сергій"
    assert _father_name("Павлович", names) == ""  # Павел or Павло: not guessed


def test_a_real_account_is_never_taken_over(db) -> None:
    real = User.objects.create_user(username="admin", password="x" * 20)
    with pytest.raises(CommandError, match="not a demo user"):
        _demo(**SMALL)
    real.refresh_from_db()
    assert not real.two_factor_exempt and real.check_password("x" * 20)
    assert not Person.objects.exists()


def test_every_demo_person_has_his_match_keys(loaded: str) -> None:
    keyed = set(MatchKey.objects.values_list("person", flat=True).distinct())
    assert keyed == set(
        Person.objects.filter(merged_into__isnull=True).values_list("pk", flat=True)
    )
