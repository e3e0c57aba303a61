"""`create_*` helpers for tests: plain functions, no deep factories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from lifeline.accounts.models import User
from lifeline.core.actors import SYSTEM
from lifeline.registry.models import PERSON_RECORD_FIELDS, Person, Source, StatusEvent
from lifeline.registry.services import NAME_LANGUAGE, person_create, status_event_add

PASSWORD = "correct horse battery staple"


def create_user(username: str, *, roles: list[str], **extra: Any) -> User:
    """A staff user with the given roles; two-factor is marked passed by `login_staff`."""
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


def create_person(
    surname: str = "Кузьминов",
    events: Sequence[tuple[str, str, date | None]] = (),
    *,
    status: str | None = None,
    recorded_at: datetime | None = None,
    **fields: Any,
) -> Person:
    """A registry person made by the system through the registry's service.

    `fields` override the rest (given name Максим, patronymic Сергеевич); a field the service
    does not take, such as `merged_into`, is set on the row afterwards.
    `status`: one confirmed event, recorded through the service a month after the fact.
    `events`: (status, verification, occurred on) rows written straight to the table, oldest
    first and recorded at `recorded_at` (now by default), for a report that needs old rows.
    Either way his current status follows the newest event; with none he is missing.
    """
    data = {"given_name": "Максим", "patronymic": "Сергеевич", **fields, "surname": surname}
    taken = {k: v for k, v in data.items() if k in PERSON_RECORD_FIELDS or k == NAME_LANGUAGE}
    person = person_create(actor=SYSTEM, data=taken)
    rest = {k: v for k, v in data.items() if k not in taken}
    if rest:
        Person.objects.filter(pk=person.pk).update(**rest)
    if status is not None:
        status_event_add(
            actor=SYSTEM,
            person=person,
            status=status,
            verification="confirmed",
            new_source={"kind": "official_list", "title": "list", "reliability": "high"},
            occurred_on=timezone.localdate() - timedelta(days=30),
        )
    if events:
        source, _ = Source.objects.get_or_create(kind="document", title="list", reliability="high")
        for event_status, verification, occurred_on in events:
            StatusEvent.objects.create(
                person=person,
                status=event_status,
                verification=verification,
                occurred_on=occurred_on,
                source=source,
                recorded_at=recorded_at or timezone.now(),
            )
        newest = max(person.status_events.all(), key=lambda e: e.sort_key)
        Person.objects.filter(pk=person.pk).update(current_status=newest.status)
    person.refresh_from_db()
    return person


def login_staff(client: Any, user: User) -> None:
    """Log `user` in through both factors, as the console requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def fill_every_encrypted_field(canary: str) -> set[tuple[type, str]]:
    """Create one row of every model that has encrypted columns, each column holding `canary`.

    Returns the (model, field name) pairs written, so a test notices a new encrypted column
    that this helper does not cover yet.
    """
    from django.utils import timezone

    from lifeline.cases.models import Case, CaseEvent, ReplyDraft, ReplyTemplate
    from lifeline.core.fields import EncryptedBinaryField, EncryptedJSONField, EncryptedTextField
    from lifeline.intake.models import Attachment, Contact, Conversation
    from lifeline.outcomes.models import (
        AssistanceEvent,
        AssistanceItem,
        AssistanceType,
        ExchangeBatch,
        ExchangeEntry,
        Handover,
        OutcomeOffer,
    )
    from lifeline.registry.models import (
        ImportBatch,
        ImportJob,
        ImportRow,
        ImportUpload,
        ListMatch,
        ListMatchRow,
        Person,
        RegistryExport,
        Source,
        StatusEvent,
    )
    from lifeline.tracing.models import Disclosure, Enquiry, MatchCandidate

    now = timezone.now()
    person = Person.objects.create(surname="Тестов")
    source = Source.objects.create(kind="document", title="list", reliability="high")
    case = Case.objects.create(
        reference="LF-TEST-0001", kind="other", created_at=now, updated_at=now
    )
    conversation = Conversation.objects.create(channel="web", case=case, created_at=now)
    enquiry = Enquiry(case=case, created_at=now, updated_at=now)
    drafter = create_user("canary-drafter", roles=[])
    handover_case = Case.objects.create(
        reference="LF-TEST-0002", kind="handover", created_at=now, updated_at=now
    )
    assistance_type = AssistanceType.objects.create(name="canary type")
    rows: list[Any] = [
        person,
        source,
        StatusEvent(
            person=person, status="held", source=source, verification="reported", recorded_at=now
        ),
        case,
        CaseEvent(case=case, kind="note", at=now),
        ReplyDraft(case=case, drafted_by=drafter, drafted_at=now),
        ReplyTemplate(language="ru", title="canary", updated_at=now, updated_by=drafter),
        conversation,
        contact := Contact(
            channel="web",
            external_id="canary",
            direction="in",
            conversation=conversation,
            case=case,
            received_at=now,
            body="x",
            state="pending",
        ),
        Attachment(
            contact=contact, content_type="text/plain", size=1, cleaning="none", created_at=now
        ),
        enquiry,
        MatchCandidate(enquiry=enquiry, person=person, score=0.5, proposed_at=now, scored_at=now),
        Disclosure(enquiry=enquiry, text="x", drafted_by=drafter, drafted_at=now),
        RegistryExport(
            since=now.date(), until=now, format="csv", drafted_by=drafter, drafted_at=now
        ),
        OutcomeOffer(case=case, option="pow", offered_at=now),
        item := AssistanceItem(case=case, type=assistance_type, created_at=now, updated_at=now),
        AssistanceEvent(item=item, to_status="requested", at=now),
        batch := ExchangeBatch(
            planned_on=now.date(), counterpart="x", created_at=now, updated_at=now
        ),
        ExchangeEntry(batch=batch, person=person, added_at=now),
        Handover(case=handover_case, person=person, created_at=now),
        import_batch := ImportBatch(
            file_format="csv", threshold=0.5, same_person_score=0.9, created_at=now, matched_at=now
        ),
        ImportRow(batch=import_batch, line=2, band="new"),
        ImportUpload(size=1, uploaded_by=drafter, uploaded_at=now),
        ImportJob(kind="match", requested_by=drafter, requested_at=now),
        list_match := ListMatch(
            file_format="csv",
            threshold=0.5,
            same_person_score=0.9,
            close_margin=0.05,
            created_at=now,
        ),
        ListMatchRow(list_match=list_match, line=2, band="none"),
    ]
    written: set[tuple[type, str]] = set()
    for row in rows:
        for field in row._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField):
                setattr(row, field.attname, {"canary": canary})
            elif isinstance(field, EncryptedTextField):
                setattr(row, field.attname, f"{canary} {field.name}")
            elif isinstance(field, EncryptedBinaryField):
                setattr(row, field.attname, f"{canary} {field.name}".encode())
            else:
                continue
            written.add((type(row), field.name))
        row.save()
    return written
