"""Shared fixtures: named users per role, and helpers that create what tests need."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests.factories import create_user


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to loopback only."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in {"::1", "localhost"} or host.startswith("/")
        ):
            raise RuntimeError(f"tests must not reach the network: {host}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def alice(db):  # type: ignore[no-untyped-def]
    """Alice the operator."""
    return create_user("alice", roles=["operator"])


@pytest.fixture
def bob(db):  # type: ignore[no-untyped-def]
    """Bob the tracing officer."""
    return create_user("bob", roles=["tracing_officer"])


@pytest.fixture
def carol(db):  # type: ignore[no-untyped-def]
    """Carol the supervisor."""
    return create_user("carol", roles=["supervisor"])


@pytest.fixture
def dave(db):  # type: ignore[no-untyped-def]
    """Dave the registrar."""
    return create_user("dave", roles=["registrar"])


@pytest.fixture
def erin(db):  # type: ignore[no-untyped-def]
    """Erin the caseworker."""
    return create_user("erin", roles=["caseworker"])


@pytest.fixture
def frank(db):  # type: ignore[no-untyped-def]
    """Frank the admin / data-protection officer."""
    return create_user("frank", roles=["admin"])


@pytest.fixture
def mallory(db):  # type: ignore[no-untyped-def]
    """Mallory: a staff account with no role at all."""
    return create_user("mallory", roles=[])


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    """Run tasks in-process when the transaction that enqueued them commits.

    Only a test with real commits (`django_db(transaction=True)`) sees them run.
    """
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def _own_checkpoint_file(settings: Any, tmp_path: Path) -> None:
    """Each test has its own audit checkpoint file: its chain lives in its own database."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Every test starts with an empty cache: the public statistics are cached, for one."""
    cache.clear()
    yield
    cache.clear()


BROWSER_FIXTURES = {"browser", "live_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives the browser or a live server is `e2e`, wherever it lives."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Every test starts in the site's default language, whatever the test before it left.

    A test client's request activates its page's language and leaves it active afterwards, so
    without this a refusal's language would depend on which test ran before.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
