"""Writes to the registry. Each service runs in one transaction and audits there.

Audit details name the fields that changed and the statuses involved, never a name, a place or
any other value typed in about a person.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lifeline.accounts.models import User
from lifeline.core.access import (
    PERMISSION_MATRIX,
    Perm,
    Role,
    has_perm,
    require_perm,
    require_perm_or_system,
    roles_of,
)
from lifeline.core.actions import Action
from lifeline.core.actors import Actor, staff_of
from lifeline.core.audit import audit_record, audit_record_many
from lifeline.core.exceptions import ActionRefused
from lifeline.core.hooks import hook_run
from lifeline.core.locks import row_lock
from lifeline.registry import exports
from lifeline.registry.matchkeys import keys_refresh
from lifeline.registry.models import (
    DETENTION_PLACE_STATUSES,
    PERSON_NAME_FIELDS,
    PERSON_RECORD_FIELDS,
    NameForm,
    Person,
    PersonStatus,
    RegistryExport,
    Source,
    StatusEvent,
)
from lifeline.registry.text import script_of

# What a person's data may hold: every field of the record, from the model (registry.models).
NAME_FIELDS = PERSON_NAME_FIELDS
PERSON_FIELDS = PERSON_RECORD_FIELDS
# Not a Person column: the language of the primary name form.
NAME_LANGUAGE = "name_language"
SOURCE_FIELDS = ("kind", "title", "reliability", "details", "received_on")


class RegistryRefused(ActionRefused):
    """The rules forbid this registry action (an export approved by its own drafter...)."""


def _check_keys(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def _sync_primary_name_form(person: Person, language: str | None) -> None:
    """Make the primary NameForm carry the person's primary name (and language, if given)."""
    form = person.name_forms.filter(is_primary=True).first()
    if form is None:
        form = NameForm(person=person, is_primary=True)
    form.surname = person.surname
    form.given_name = person.given_name
    form.patronymic = person.patronymic
    form.script = script_of(person.full_name)
    if language is not None:
        form.language = language
    form.refresh_search_fields()
    form.save()


@transaction.atomic
def person_create(*, actor: Actor, data: Mapping[str, Any]) -> Person:
    """Create a person and his primary name form from `data` (PERSON_FIELDS, name_language)."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    _check_keys(data, (*PERSON_FIELDS, NAME_LANGUAGE))
    person = Person(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
    person.refresh_search_fields()
    person.full_clean(exclude=["current_status"])
    person.save()
    _sync_primary_name_form(person, data.get(NAME_LANGUAGE, ""))
    keys_refresh([person.pk])
    audit_record(actor=actor, action=Action.PERSON_CREATE, obj=person)
    hook_run("registry_changed", person_id=person.pk)
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, data: Mapping[str, Any]) -> list[str]:
    """Apply `data` to the person; return the names of the fields that changed."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    _check_keys(data, (*PERSON_FIELDS, NAME_LANGUAGE))
    person = row_lock(person)
    changed = [f for f in PERSON_FIELDS if f in data and getattr(person, f) != data[f]]
    for field in changed:
        setattr(person, field, data[field])
    primary = person.name_forms.filter(is_primary=True).first()
    language = data.get(NAME_LANGUAGE)
    language_changed = language is not None and (primary is None or primary.language != language)
    if not changed and not language_changed:
        return []
    if changed:
        person.refresh_search_fields()
        person.full_clean(exclude=["current_status"])
        person.save(update_fields=[*changed, "unit_folded", "updated_at"])
    if language_changed or set(changed) & set(NAME_FIELDS):
        _sync_primary_name_form(person, language)
    keys_refresh([person.pk])
    fields = [*changed, *([NAME_LANGUAGE] if language_changed else [])]
    audit_record(actor=actor, action=Action.PERSON_UPDATE, obj=person, detail={"fields": fields})
    hook_run("registry_changed", person_id=person.pk)
    return fields


@transaction.atomic
def name_form_add(
    *,
    actor: Actor,
    person: Person,
    surname: str,
    given_name: str = "",
    patronymic: str = "",
    script: str = "",
    language: str = "",
    transliteration: str = "",
    source: Source | None = None,
    make_primary: bool = False,
) -> NameForm:
    """Record another spelling of the person's name; `make_primary` makes it his main name."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    person = row_lock(person)
    form = NameForm(
        person=person,
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        script=script or script_of(" ".join((surname, given_name, patronymic))),
        language=language,
        transliteration=transliteration,
        source=source,
        is_primary=make_primary,
    )
    form.refresh_search_fields()
    if make_primary:
        person.name_forms.filter(is_primary=True).update(is_primary=False)
    form.full_clean()
    form.save()
    if make_primary:
        person.surname, person.given_name, person.patronymic = surname, given_name, patronymic
        person.save(update_fields=[*NAME_FIELDS, "updated_at"])
    else:
        # A new spelling changes the record too: the next export for the agency carries it.
        person.save(update_fields=["updated_at"])
    keys_refresh([person.pk])
    audit_record(
        actor=actor,
        action=Action.PERSON_NAME_FORM_ADD,
        obj=person,
        detail={
            "name_form": form.pk,
            "script": form.script,
            "language": form.language,
            "primary": make_primary,
        },
    )
    hook_run("registry_changed", person_id=person.pk)
    return form


def _source_create(*, actor: Actor, data: Mapping[str, Any]) -> Source:
    _check_keys(data, SOURCE_FIELDS)
    source = Source(**data)
    source.full_clean()
    source.save()
    audit_record(
        actor=actor,
        action=Action.SOURCE_CREATE,
        obj=source,
        detail={"kind": source.kind, "reliability": source.reliability},
    )
    return source


@transaction.atomic
def source_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    reliability: str,
    details: str = "",
    received_on: date | None = None,
) -> Source:
    """Record a document or report that facts in the registry rest on."""
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    return _source_create(
        actor=actor,
        data={
            "kind": kind,
            "title": title,
            "reliability": reliability,
            "details": details,
            "received_on": received_on,
        },
    )


def _newest_event(person: Person) -> StatusEvent | None:
    return max(person.status_events.all(), key=lambda e: e.sort_key, default=None)


@transaction.atomic
def status_event_add(
    *,
    actor: Actor,
    person: Person,
    status: str,
    verification: str,
    source: Source | None = None,
    new_source: Mapping[str, Any] | None = None,
    occurred_on: date | None = None,
    place: str = "",
    note: str = "",
    grave_location: str = "",
    on_behalf_of: User | None = None,
) -> StatusEvent:
    """Record a change of status on an existing source or a new one (`new_source` fields).

    `on_behalf_of` names the user whose action in another part of the console (completing an
    exchange or a handover) led the system to record the event; it becomes `recorded_by`.

    The person's current status follows the newest event by date, so entering an older event
    later fills in his history without changing where he is now. When the newest event says
    where he is held (held, transferred), his place of detention follows it; a death may give
    his grave location, which is written to his record whatever the order of events.
    """
    require_perm_or_system(actor, Perm.REGISTRY_EDIT)
    if source is not None and new_source is not None:
        raise ValueError("give either an existing source or the fields of a new one, not both")
    if grave_location and status != PersonStatus.DEAD:
        raise ValueError("a grave location belongs to a death")
    person = row_lock(person)
    if new_source is not None:
        source = _source_create(actor=actor, data=new_source)
    if source is None:
        raise ValueError("a status event needs a source")
    event = StatusEvent(
        person=person,
        status=status,
        verification=verification,
        source=source,
        occurred_on=occurred_on,
        place=place,
        note=note,
        recorded_by=staff_of(actor) or on_behalf_of,
        recorded_at=timezone.now(),
    )
    event.full_clean()
    event.save()
    newest = _newest_event(person)
    became_current = newest is not None and newest.pk == event.pk
    changes: dict[str, str] = {}
    if newest is not None and person.current_status != newest.status:
        changes["current_status"] = newest.status
    if became_current and status in DETENTION_PLACE_STATUSES and place:
        changes["place_of_detention"] = place
    if grave_location:
        changes["grave_location"] = grave_location
    changed = [f for f, value in changes.items() if getattr(person, f) != value]
    for field in changed:
        setattr(person, field, changes[field])
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action=Action.PERSON_STATUS_ADD,
        obj=person,
        detail={
            "status_event": event.pk,
            "status": status,
            "verification": verification,
            "source": source.pk,
            "current": became_current,
            "fields": changed,
        },
    )
    hook_run("registry_changed", person_id=person.pk)
    return event


# --- Merging duplicates --------------------------------------------------------------------

# Columns copied from the merged record where the kept one has nothing: the record's fields but
# the name and the birth date (the kept record's identity) and the family's wish to be told.
_FILLABLE = tuple(
    name
    for name in PERSON_RECORD_FIELDS
    if name not in PERSON_NAME_FIELDS and not name.startswith("birth_") and name != "inform_family"
)


@transaction.atomic
def person_merge(*, actor: Actor, keep: Person, merge: Person) -> Person:
    """Merge the duplicate `merge` into `keep`; `merge` stays, marked, as the merge's record.

    Name forms and status events move to `keep`, and empty fields of `keep` are filled from
    `merge`. The apps above move their own rows in the "person_merged" hook (enquiries,
    candidates, exchange entries, handovers...), adding what they moved to the audit detail;
    a handler that refuses (two records on exchange lists) refuses the whole merge.
    """
    require_perm(actor, Perm.REGISTRY_MERGE)
    if keep.pk == merge.pk:
        raise RegistryRefused(gettext("A person cannot be merged into himself."))
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk])
    }
    keep, merge = locked[keep.pk], locked[merge.pk]
    if keep.merged_into_id is not None or merge.merged_into_id is not None:
        raise RegistryRefused(gettext("One of the two was merged into another person already."))
    now = timezone.now()
    name_forms = list(NameForm.objects.filter(person=merge).values_list("pk", flat=True))
    NameForm.objects.filter(pk__in=name_forms).update(person=keep, is_primary=False)
    events = list(StatusEvent.objects.filter(person=merge).values_list("pk", flat=True))
    StatusEvent.objects.filter(pk__in=events).update(person=keep)
    detail: dict[str, Any] = {"merged": merge.pk, "name_forms": name_forms, "status_events": events}
    hook_run("person_merged", actor=actor, keep=keep, merge=merge, merged_at=now, detail=detail)
    filled = [f for f in _FILLABLE if not getattr(keep, f) and getattr(merge, f)]
    for field in filled:
        setattr(keep, field, getattr(merge, field))
    if keep.birth_year is None and merge.birth_year is not None:
        keep.birth_year, keep.birth_month, keep.birth_day = (
            merge.birth_year,
            merge.birth_month,
            merge.birth_day,
        )
        filled.append("birth_date")
    newest = _newest_event(keep)
    if newest is not None:
        keep.current_status = newest.status
    keep.refresh_search_fields()
    birth = ["birth_year", "birth_month", "birth_day"] if "birth_date" in filled else []
    plain = [f for f in filled if f != "birth_date"]
    keep.save(update_fields=[*plain, *birth, "current_status", "unit_folded", "updated_at"])
    merge.merged_into = keep
    merge.merged_at = now
    merge.save(update_fields=["merged_into", "merged_at", "updated_at"])
    keys_refresh([keep.pk, merge.pk])  # the kept record has the merged one's names; he has none
    audit_record(
        actor=actor, action=Action.PERSON_MERGE, obj=keep, detail={**detail, "filled": filled}
    )
    hook_run("registry_changed", person_id=keep.pk)
    return keep


def _role_with(user: User, perm: str) -> str:
    """The user's role that grants `perm`, for saying who acted without naming him."""
    held = roles_of(user)
    return next((r for r in Role.ALL if r in held and perm in PERMISSION_MATRIX[r]), "")


@transaction.atomic
def registry_export_draft(*, actor: User, since: date, format: str) -> RegistryExport:
    """Draft an export of the registry's changes from `since` until now.

    Nothing leaves yet: a second person approves it, and only then is the file made.
    """
    require_perm(actor, Perm.REGISTRY_EXPORT)
    if format not in RegistryExport.Format.values:
        raise ValueError(f"unknown export format: {format}")
    now = timezone.now()
    if since > timezone.localdate(now):
        raise RegistryRefused(gettext("The start date is in the future."))
    export = RegistryExport.objects.create(
        since=since, until=now, format=format, drafted_by=actor, drafted_at=now
    )
    audit_record(
        actor=actor,
        action=Action.REGISTRY_EXPORT_DRAFT,
        obj=export,
        detail={"since": since.isoformat(), "format": format},
    )
    return export


@transaction.atomic
def registry_export_approve(*, actor: User, export: RegistryExport) -> RegistryExport:
    """Approve a draft as the second person: the file is made now, frozen and kept encrypted.

    Each person in it gets a `person.export` audit event, so a record's history shows every
    export that carried it.
    """
    require_perm(actor, Perm.EXPORT_APPROVE)
    export = row_lock(export)
    if export.is_approved:
        raise RegistryRefused(gettext("This export has been approved already."))
    if export.drafted_by_id == actor.pk:
        raise RegistryRefused(gettext("A second person must approve: you drafted this export."))
    now = timezone.now()
    rows = exports.export_rows(since=export.since, until=export.until)
    if export.format == RegistryExport.Format.JSON:
        meta = exports.ExportMeta(
            export_id=export.pk,
            since=export.since,
            until=export.until,
            generated_at=now,
            drafted_by_role=_role_with(export.drafted_by, Perm.REGISTRY_EXPORT),
            approved_by_role=_role_with(actor, Perm.EXPORT_APPROVE),
        )
        content = exports.to_json(rows, meta)
    else:
        content = exports.to_csv(rows)
    export.content = content
    export.sha256 = hashlib.sha256(content).hexdigest()
    export.row_count = len(rows)
    export.approved_by = actor
    export.approved_at = now
    export.save(update_fields=["content", "sha256", "row_count", "approved_by", "approved_at"])
    person_ids = sorted({row["registry_id"] for row in rows})
    audit_record(
        actor=actor,
        action=Action.REGISTRY_EXPORT_APPROVE,
        obj=export,
        detail={
            "drafted_by": export.drafted_by_id,
            "rows": export.row_count,
            "persons": len(person_ids),
            "sha256": export.sha256,
        },
    )
    exported = Person.objects.only("pk").in_bulk(person_ids)
    audit_record_many(
        actor=actor,
        action=Action.PERSON_EXPORT,
        objs=[exported[pk] for pk in person_ids],
        detail={"export": export.pk},
    )
    return export


@transaction.atomic
def registry_export_download(*, actor: User, export: RegistryExport) -> bytes:
    """The approved file, exactly as approved; every download is counted and audited."""
    if not (has_perm(actor, Perm.REGISTRY_EXPORT) or has_perm(actor, Perm.EXPORT_APPROVE)):
        raise PermissionDenied(Perm.REGISTRY_EXPORT)
    export = row_lock(export)
    if not export.is_approved or export.content is None:
        raise RegistryRefused(gettext("This export is not approved yet."))
    content = bytes(export.content)
    if hashlib.sha256(content).hexdigest() != export.sha256:
        # The ciphertext is bound to its column, not its row: this finds a swapped file.
        raise RuntimeError(f"registry export {export.pk} does not match its approved hash")
    export.download_count += 1
    export.last_downloaded_at = timezone.now()
    export.save(update_fields=["download_count", "last_downloaded_at"])
    audit_record(
        actor=actor,
        action=Action.REGISTRY_EXPORT_DOWNLOAD,
        obj=export,
        detail={"download": export.download_count, "sha256": export.sha256},
    )
    return content
