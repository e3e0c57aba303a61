"""Erase the local copy after the keys are destroyed: every table and file that holds content.

`lifeline keys destroy` (lifeline.core.closure) calls these after it has shredded the keys
(docs/decisions/0012-destruction-erases-plaintext.md). What is kept holds nothing about a
person: the audit log (core's Audit* models), the closed marker, the schema's own tables
(migrations, content types, permissions, groups), and the staff accounts the audit log points
at, which are anonymised instead. Every other table is emptied, whatever app made it, so a
table added later is erased without being listed here.

Then the deleted bytes are made to leave the database's files: on SQLite freed pages are
zeroed (secure_delete), the file is rebuilt (VACUUM) and the WAL truncated; on PostgreSQL
TRUNCATE gives every emptied table new files, the anonymised accounts' table is rewritten
(VACUUM FULL), the planner's sampled values are dropped and a CHECKPOINT is asked for. What
lies beyond the files (WAL archives, replicas, free blocks) is the operator's to destroy.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Cast, Concat

from lifeline.core.checkpoints import checkpoint_file

# Tables that hold no content about a person, besides the audit log and the user table.
_KEPT_LABELS = (
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
    "core.serviceclosed",
)
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
_SHRED_CHUNK = 1024 * 1024
_SNAPSHOT_WAIT_SECONDS = 120


@dataclass
class ErasurePlan:
    rows: dict[str, int]  # table -> rows to delete (every erased table, empty ones too)
    users: int  # staff accounts to anonymise
    files: list[Path]  # files in DATA_DIR to overwrite and remove (besides the key files)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass
class ErasureReport:
    notes: list[str] = field(default_factory=list)  # what could not be done, and what to do


def _kept_tables() -> set[str]:
    kept = {"django_migrations", get_user_model()._meta.db_table}
    for model in apps.get_models(include_auto_created=True):
        is_audit = model._meta.app_label == "core" and model.__name__.startswith("Audit")
        if is_audit or model._meta.label_lower in _KEPT_LABELS:
            kept.add(model._meta.db_table)
    return kept


def erased_tables() -> list[str]:
    """Every table in the database but the kept ones: those a model names and any other."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    kept = _kept_tables()
    return sorted(n for n in names if n not in kept and not n.startswith("sqlite_"))


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def _database_files() -> set[Path]:
    if connection.vendor != "sqlite":
        return set()
    name = Path(str(connection.settings_dict["NAME"])).resolve()
    return {name.with_name(name.name + suffix) for suffix in _SQLITE_SUFFIXES}


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def data_folder_files(*, kept: set[Path]) -> list[Path]:
    """The files in DATA_DIR that go: all but `kept`, the database's own files, the audit
    checkpoints and the collected static files (the application's, not anyone's data)."""
    folder = Path(settings.DATA_DIR).resolve()
    if not folder.is_dir():
        return []
    stays = {p.resolve() for p in kept} | _database_files()
    checkpoints = checkpoint_file().resolve()
    static = Path(settings.STATIC_ROOT).resolve()
    goes = []
    for path in _walk(folder):
        if path in stays or path.is_relative_to(static):
            continue
        # Its rotated or set-aside siblings too (`...jsonl.before-restore-...`).
        if path.parent == checkpoints.parent and path.name.startswith(checkpoints.stem):
            continue
        goes.append(path)
    return goes


def erasure_plan(*, kept_files: set[Path]) -> ErasurePlan:
    rows = {table: _count(table) for table in erased_tables()}
    users = get_user_model()._base_manager.count()
    return ErasurePlan(rows=rows, users=users, files=data_folder_files(kept=kept_files))


def shred(path: Path) -> None:
    """Overwrite a file with random bytes, flush it to disk, then unlink it (a link: unlink).

    A file that cannot be overwritten (read-only, another owner) is still unlinked; only a
    file that cannot be removed raises.
    """
    if not path.is_symlink() and path.is_file():
        with contextlib.suppress(OSError):
            _overwrite(path)
    path.unlink(missing_ok=True)


def _overwrite(path: Path) -> None:
    path.chmod(0o600)
    remaining = max(path.stat().st_size, 64)
    with path.open("r+b") as handle:
        while remaining > 0:
            chunk = min(remaining, _SHRED_CHUNK)
            handle.write(os.urandom(chunk))
            remaining -= chunk
        handle.flush()
        os.fsync(handle.fileno())


def files_shred(files: list[Path]) -> list[str]:
    """Shred `files`, then remove the folders under DATA_DIR they leave empty.

    Goes on past a file it cannot remove (an emergency is no time to stop): returns what is
    left, to be said.
    """
    left = []
    for path in files:
        try:
            shred(path)
        except OSError as error:
            left.append(f"could not remove {path} ({error.strerror}): delete it by hand")
    folder = Path(settings.DATA_DIR).resolve()
    for parent in sorted({p.parent for p in files}, key=lambda p: len(p.parts), reverse=True):
        while parent != folder and parent.is_relative_to(folder):
            try:
                parent.rmdir()
            except OSError:
                break  # not empty: something kept is in it
            parent = parent.parent
    return left


def _users_anonymise() -> None:
    """Keep each account's row for the audit log that names it, with nothing about its owner."""
    user = get_user_model()
    blank: dict[str, object] = {}
    for f in user._meta.concrete_fields:
        if f.name in (user.USERNAME_FIELD, "password"):
            continue
        if isinstance(f, models.CharField | models.TextField) and not f.choices:
            blank[f.attname] = ""
        elif isinstance(f, models.DateTimeField) and f.null:
            blank[f.attname] = None
    user._base_manager.update(
        **blank,
        **{user.USERNAME_FIELD: Concat(models.Value("erased-"), Cast("pk", models.CharField()))},
        password=make_password(None),
        is_active=False,
        is_staff=False,
        is_superuser=False,
    )


def data_erase(tables: list[str]) -> ErasureReport:
    """Empty `tables`, anonymise the staff accounts, and push the deleted bytes off the disk."""
    report = ErasureReport()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA secure_delete=ON")  # freed pages are zeroed, not left
    with transaction.atomic():
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
        _users_anonymise()
        erased_by = _transaction_id()
    if connection.vendor == "sqlite":
        _reclaim_sqlite(report)
    elif connection.vendor == "postgresql":
        _reclaim_postgresql(tables, erased_by, report)
    return report


def _transaction_id() -> int | None:
    """PostgreSQL's id of the current transaction (32 bits, as pg_stat_activity shows them)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current() % 4294967296")
        return int(cursor.fetchone()[0])


def _reclaim_sqlite(report: ErasureReport) -> None:
    with connection.cursor() as cursor:
        for table in ("sqlite_stat1", "sqlite_stat4"):  # ANALYZE's samples, if it ever ran
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [table])
            if cursor.fetchone():
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        try:
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()[0]
        except DatabaseError:  # "database is locked": a web process is reading
            busy = 1
    if busy:
        report.notes.append(
            "another process holds the SQLite database open, so it could not be rebuilt and "
            "its write-ahead log emptied: stop Lifeline, then run `sqlite3 <database> "
            "'VACUUM; PRAGMA wal_checkpoint(TRUNCATE)'`"
        )


def _reclaim_postgresql(tables: list[str], erased_by: int | None, report: ErasureReport) -> None:
    quote = connection.ops.quote_name
    users = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        # TRUNCATE gave the emptied tables new files; the accounts' old row versions remain
        # until a rewrite, which drops them only once no transaction could still see them.
        _older_transactions_wait(cursor, erased_by, report)
        cursor.execute(f"VACUUM FULL {quote(users)}")
        problem = _statistics_clear(cursor, [*tables, users], report)
        if problem:
            report.notes.append(
                "PostgreSQL's column statistics keep sampled values (surnames among them) and "  # noqa: S608
                f"could not be cleared ({problem}): as the postgres superuser run `DELETE FROM "
                "pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relname NOT LIKE "
                "'pg\\_%'); VACUUM FULL pg_statistic;` in this database"
            )
        try:
            cursor.execute("CHECKPOINT")  # the old files are unlinked at the next checkpoint
        except DatabaseError:
            report.notes.append(
                "the database role may not run CHECKPOINT: as the postgres superuser run "
                "`CHECKPOINT;` so the emptied tables' old files are removed now"
            )


def _older_transactions_wait(cursor: Any, xid: int | None, report: ErasureReport) -> None:
    """Wait until no transaction that began before `xid` runs, in any database of the cluster.

    A rewrite (VACUUM FULL) keeps every dead row version a running snapshot may still see, and
    a snapshot's horizon is the oldest transaction of the whole cluster, not of this database.
    """
    if xid is None:
        return
    deadline = time.monotonic() + _SNAPSHOT_WAIT_SECONDS
    while True:
        cursor.execute(
            "SELECT datname, pid, backend_type FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND (age(backend_xmin) >= age(%s::text::xid) "
            "OR age(backend_xid) >= age(%s::text::xid))",
            [xid, xid],
        )
        holders = cursor.fetchall()
        if not holders or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if holders:
        named = "; ".join(f"{kind} {pid} in {db}" for db, pid, kind in holders)
        report.notes.append(
            f"older transactions were still running ({named}), so the erased rows' old "
            "versions may remain in the user table and pg_statistic: when they have ended, "
            "as the postgres superuser run `VACUUM FULL accounts_user; VACUUM FULL "
            "pg_statistic; CHECKPOINT;` in this database"
        )


def _statistics_clear(cursor: Any, tables: list[str], report: ErasureReport) -> str:
    """Delete the planner's samples of `tables` and rewrite pg_statistic; '' or what failed.

    TRUNCATE leaves pg_statistic's rows (most common values, histogram bounds) in place; only
    a superuser may delete them.
    """
    try:
        with transaction.atomic():
            cursor.execute(
                "DELETE FROM pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = ANY(%s) AND n.nspname = ANY(current_schemas(false)))",
                [tables],
            )
            deleted_by = _transaction_id()
        _older_transactions_wait(cursor, deleted_by, report)
        cursor.execute("VACUUM FULL pg_statistic")
    except DatabaseError as error:
        return str(error).strip()
    return ""
