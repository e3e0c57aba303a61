"""Throw-away databases for the benchmarks: fresh PostgreSQL databases, or SQLite, for Django."""

from __future__ import annotations

import os
import tempfile

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_fresh(name: str, *, admin_url: str = ADMIN_URL) -> str:
    """Drop database `name` if it exists, create it empty, and return its address."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def database_exists(name: str, *, admin_url: str = ADMIN_URL) -> bool:
    """Whether database `name` exists."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def database_copy(template: str, name: str, *, admin_url: str = ADMIN_URL) -> str:
    """Make database `name` a fresh copy of `template` (nobody may be connected to it)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def database_drop(*names: str, admin_url: str = ADMIN_URL) -> None:
    """Drop these databases, whoever is still connected."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def django_fresh(*, db_name: str | None, admin_url: str = ADMIN_URL) -> None:
    """Django on a throw-away data folder with dev keys, migrated.

    On a fresh PostgreSQL database `db_name`, or with None on SQLite inside that folder.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
    os.environ["LIFELINE_DATA_DIR"] = tempfile.mkdtemp(prefix="lifeline-bench-")
    os.environ["LIFELINE_DEV_KEYS"] = "1"
    os.environ.pop("LIFELINE_TESTING", None)
    if db_name is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = database_fresh(db_name, admin_url=admin_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
