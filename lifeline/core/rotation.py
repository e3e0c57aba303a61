"""Field key rotation: re-seal every encrypted value under the primary key, then retire the old.

The key ring (settings.FIELD_ENCRYPTION_KEYS) already lets a new key seal while the old ones
still open. `keys_reencrypt` walks every model with encrypted fields in primary-key order, a
batch per transaction with its rows locked, so the site stays up; each batch commits with its
progress (`KeyRotation`), so a rotation stopped or crashed resumes after the last batch. A value
already sealed under the primary key and bound to its row is recognised from its stored header
(`r:<key id>$`) without being opened. `keys_retire` removes a key's canary once nothing needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from lifeline.core import crypto
from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import audit_record
from lifeline.core.fields import ROW_KEY, Unreadable, _Stored, encrypted_fields
from lifeline.core.models import FieldKeyCanary, KeyRotation

DEFAULT_BATCH = 500


def stored_key_id(token: Any) -> tuple[str, bool]:
    """The key id a stored value was sealed under, and whether it is bound to its row."""
    if isinstance(token, bytes | memoryview):
        token = bytes(token).decode("ascii", errors="replace")
    row_bound = token.startswith("r:")
    body = token[2:] if row_bound else token
    return body.partition("$")[0], row_bound


def sealed_models() -> list[type[models.Model]]:
    """Every installed model with at least one encrypted field, in a stable order."""
    found = [m for m in apps.get_models() if encrypted_fields(m)]
    return sorted(found, key=lambda m: m._meta.label_lower)


def _has_row_key(model: type[models.Model]) -> bool:
    return any(f.name == ROW_KEY for f in model._meta.concrete_fields)


@dataclass
class RotationReport:
    key_id: str
    resealed: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)
    batches: int = 0


def _needs_reseal(token: Any, *, primary: str, row_bound_expected: bool) -> bool:
    key_id, row_bound = stored_key_id(token)
    return key_id != primary or (row_bound_expected and not row_bound)


def _write(model: type[models.Model], updates: list[tuple[Any, dict[str, str | bytes]]]) -> None:
    """One UPDATE for the batch: each changed column set per row from its new ciphertext.

    The ciphertexts go in as plain text or bytes (`Value` with a plain field), so the encrypted
    field does not seal them a second time; a column a row does not change keeps its value.
    """
    if not updates:
        return
    columns: dict[str, list[When]] = {}
    plain: dict[str, models.Field[Any, Any]] = {}
    for pk, changes in updates:
        for attname, token in changes.items():
            if attname not in plain:
                plain[attname] = (
                    models.BinaryField() if isinstance(token, bytes) else models.TextField()
                )
            when = When(pk=pk, then=Value(token, output_field=plain[attname]))
            columns.setdefault(attname, []).append(when)
    model._base_manager.filter(pk__in=[pk for pk, _ in updates]).update(
        **{
            name: Case(*whens, default=F(name), output_field=plain[name])
            for name, whens in columns.items()
        }
    )


def _reseal_batch(
    model: type[models.Model], progress: KeyRotation, *, primary: str, batch_size: int
) -> tuple[int, int, bool]:
    """Re-seal one batch after `progress.last_pk`; returns (re-sealed, unreadable, finished)."""
    sealed = encrypted_fields(model)
    row_bound = _has_row_key(model)
    unreadable = 0
    updates: list[tuple[Any, dict[str, str | bytes]]] = []
    with transaction.atomic():
        rows = list(
            model._base_manager.select_for_update()
            .filter(pk__gt=progress.last_pk)
            .order_by("pk")[:batch_size]
        )
        for row in rows:
            changes: dict[str, str | bytes] = {}
            for f in sealed:
                stored = row.__dict__.get(f.attname)
                if not isinstance(stored, _Stored):
                    continue  # empty
                if not _needs_reseal(stored.token, primary=primary, row_bound_expected=row_bound):
                    continue
                value = getattr(row, f.attname)  # opens it with whichever key sealed it
                if isinstance(value, Unreadable):
                    unreadable += 1
                    continue  # left as it is: only its own key can open it
                changes[f.attname] = f.seal_for(value, row)
            if changes:
                updates.append((row.pk, changes))
        _write(model, updates)
        resealed = len(updates)
        finished = len(rows) < batch_size
        if rows:
            progress.last_pk = rows[-1].pk
        progress.resealed += resealed
        if finished:
            progress.finished_at = timezone.now()
        progress.save(update_fields=["last_pk", "resealed", "finished_at"])
    return resealed, unreadable, finished


def keys_reencrypt(
    *,
    batch_size: int = DEFAULT_BATCH,
    after_batch: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-seal every encrypted value under the primary key, resuming a rotation left unfinished.

    `after_batch(model label, rows re-sealed)` runs after each committed batch (progress output,
    and the tests' crash).
    """
    primary = crypto.key_ids()[0]
    report = RotationReport(key_id=primary)
    for model in sealed_models():
        label = model._meta.label_lower
        progress, _ = KeyRotation.objects.get_or_create(key_id=primary, model=label)
        report.resealed[label] = progress.resealed
        report.unreadable[label] = 0
        while progress.finished_at is None:
            done, unreadable, _ = _reseal_batch(
                model, progress, primary=primary, batch_size=batch_size
            )
            report.resealed[label] += done
            report.unreadable[label] += unreadable
            report.batches += 1
            if after_batch is not None:
                after_batch(label, done)
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=Action.KEYS_REENCRYPT,
            detail={
                "key_id": primary,
                "rows": sum(report.resealed.values()),
                "unreadable": sum(report.unreadable.values()),
            },
        )
    return report


def _tokens(model: type[models.Model], attname: str) -> Iterator[Any]:
    values = model._base_manager.exclude(**{f"{attname}__isnull": True}).values_list(
        attname, flat=True
    )
    for value in values.iterator(chunk_size=2000):
        if isinstance(value, _Stored):
            yield value.token


def key_uses(key_id: str) -> dict[str, int]:
    """How many stored values, per model and column, are still sealed under `key_id`."""
    uses: dict[str, int] = {}
    for model in sealed_models():
        for f in encrypted_fields(model):
            count = sum(1 for t in _tokens(model, f.attname) if stored_key_id(t)[0] == key_id)
            if count:
                uses[f"{model._meta.label_lower}.{f.attname}"] = count
    return uses


class KeyStillNeeded(Exception):
    """The key cannot be retired: it is the primary, or values are still sealed under it."""


def keys_retire(*, key_id: str) -> None:
    """Remove the canary of a key nothing needs any more; the operator then drops it from the ring.

    Refused while it is the primary key or any stored value is still sealed under it.
    """
    if crypto.key_ids()[0] == key_id:
        raise KeyStillNeeded(f"{key_id} is the primary key: put the new key first in the ring")
    uses = key_uses(key_id)
    if uses:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(uses.items()))
        raise KeyStillNeeded(
            f"values are still sealed under {key_id}: {listed}; run `lifeline keys rotate "
            "--reencrypt` first"
        )
    with transaction.atomic():
        removed, _ = FieldKeyCanary.objects.filter(key_id=key_id).delete()
        KeyRotation.objects.exclude(key_id=crypto.key_ids()[0]).delete()
        audit_record(
            actor=SYSTEM,
            action=Action.KEYS_RETIRE,
            detail={"key_id": key_id, "canary_removed": bool(removed)},
        )
