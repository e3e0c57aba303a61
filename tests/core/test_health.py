"""Liveness says only that the process answers; readiness checks the database and the keys."""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client

pytestmark = pytest.mark.django_db

VISITOR = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "VisitorBrowser/9.9"}


def _database_down() -> Any:
    return mock.patch.object(
        connections["default"], "ensure_connection", side_effect=OperationalError("down")
    )


def test_liveness_answers_without_touching_the_database(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert (response.status_code, response.json()) == (200, {"ok": True})
    with _database_down():
        assert client.get("/healthz/live").status_code == 200


@pytest.mark.parametrize("path", ["/healthz/ready", "/healthz"])
def test_readiness_fails_while_the_database_is_down_and_passes_once_it_is_back(
    client: Client, path: str
) -> None:
    with _database_down():
        response = client.get(path)
    assert (response.status_code, response.json()) == (
        503,
        {"ok": False, "reason": "database unreachable"},
    )
    response = client.get(path)
    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_readiness_fails_with_a_wrong_field_key(client: Client, settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["k1:tooshort"]
    assert client.get("/healthz/ready").status_code == 503
    assert client.get("/healthz/live").status_code == 200


def test_health_checks_keep_nothing_about_the_caller(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for path in ("/healthz/live", "/healthz/ready"):
        response = client.get(path, **VISITOR)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert not response.cookies
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "203.0.113.77" not in logged and "VisitorBrowser" not in logged
