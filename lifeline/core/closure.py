"""Emergency destruction: shred the keys, erase the local copy of the data, close the service.

`lifeline keys destroy` (docs/operations.md, "Emergency destruction") calls `keys_destroy`. The
marker it leaves (a file in DATA_DIR and a `ServiceClosed` row) makes every page answer "This
service is closed" (ClosedMiddleware), and lets a restarted process start without the keys it
no longer has, to say so. The data survives only in the encrypted backups held elsewhere and
in the field-key shares (docs/decisions/0012-destruction-erases-plaintext.md).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lifeline.core.actions import Action
from lifeline.core.actors import SYSTEM
from lifeline.core.audit import audit_record
from lifeline.core.erasure import ErasurePlan, data_erase, erasure_plan, files_shred
from lifeline.core.models import FieldKeyCanary, ServiceClosed

MARKER = "closed"
# The environment variables naming key files, and the dev key files kept in DATA_DIR.
KEY_FILE_VARIABLES = ("LIFELINE_FIELD_KEYS_FILE", "SECRET_KEY_FILE", "LIFELINE_LOOKUP_KEYS_FILE")
KEY_VARIABLES = ("LIFELINE_FIELD_KEYS", "SECRET_KEY", "LIFELINE_LOOKUP_KEYS")
DEV_KEY_FILES = ("field_keys", "secret_key", "lookup_keys")
_CACHE_SECONDS = 5.0
_cached: tuple[float, bool] = (0.0, False)


def marker_path() -> Path:
    return Path(settings.DATA_DIR) / MARKER


def service_closed() -> bool:
    """Whether the keys were destroyed here; the file is looked at once every few seconds."""
    global _cached
    now = time.monotonic()
    checked_at, closed = _cached
    if now - checked_at > _CACHE_SECONDS or checked_at == 0.0:
        closed = settings.LIFELINE_CLOSED or marker_path().exists()
        _cached = (now, closed)
    return closed


def forget_cached_state() -> None:
    global _cached
    _cached = (0.0, False)


def closed_in_database() -> bool:
    try:
        return ServiceClosed.objects.exists()
    except DatabaseError:
        return False


def confirmation_phrase() -> str:
    """What `--confirm` must repeat: it names this installation, so a pasted command fails
    elsewhere."""
    where = f"{settings.DATABASES['default'].get('NAME')}|{Path(settings.DATA_DIR).resolve()}"
    return "destroy-" + hashlib.sha256(where.encode()).hexdigest()[:8]


@dataclass
class DestructionPlan:
    key_files: list[Path]
    keys_in_environment: list[str]
    canaries: int
    erasure: ErasurePlan
    notes: list[str] = field(default_factory=list)  # after the run: what is left to do by hand


def destruction_plan() -> DestructionPlan:
    files = [Path(os.environ[v]) for v in KEY_FILE_VARIABLES if os.environ.get(v)]
    files += [Path(settings.DATA_DIR) / name for name in DEV_KEY_FILES]
    existing = [f.resolve() for f in dict.fromkeys(files) if f.exists()]
    in_env = [v for v in KEY_VARIABLES if os.environ.get(v)]
    erasure = erasure_plan(kept_files={*existing, marker_path()})
    return DestructionPlan(existing, in_env, FieldKeyCanary.objects.count(), erasure)


def keys_destroy() -> DestructionPlan:
    """Destroy the keys, then the local copy of the data; audit first.

    The audit event, with the counts planned, commits before anything is destroyed, so the log
    says who did it even if the machine goes down half-way. The keys go first: without them
    the encrypted fields are unreadable even if the erasure that follows is cut short.
    """
    if connection.in_atomic_block:
        raise RuntimeError("keys_destroy runs outside a transaction: VACUUM cannot run in one")
    plan = destruction_plan()
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=Action.KEYS_DESTROY,
            detail={
                "key_files": len(plan.key_files),
                "canaries": plan.canaries,
                "rows": plan.erasure.total_rows,
                "tables": {t: n for t, n in plan.erasure.rows.items() if n},
                "users_anonymised": plan.erasure.users,
                "files": len(plan.erasure.files),
            },
        )
    with transaction.atomic():
        FieldKeyCanary.objects.all().delete()
        ServiceClosed.objects.update_or_create(id=1, defaults={"at": timezone.now()})
    marker = marker_path()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"keys destroyed at {timezone.now():%Y-%m-%d %H:%M:%S %Z}\n")
    forget_cached_state()
    plan.notes = files_shred(plan.key_files)
    plan.notes += data_erase(list(plan.erasure.rows)).notes
    plan.notes += files_shred(plan.erasure.files)
    return plan
