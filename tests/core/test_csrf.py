"""CSRF under `Referrer-Policy: no-referrer`: Origin "null" passes only with a valid token."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("secure", [False, True])
def test_origin_null_needs_the_token(secure: bool) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/write/other/", secure=secure)
    token = page.context["csrf_token"]
    forged = client.post("/write/other/", {"message": "x"}, HTTP_ORIGIN="null", secure=secure)
    assert forged.status_code == 403
    genuine = client.post(
        "/write/other/",
        {"message": "Нужна помощь", "csrfmiddlewaretoken": str(token)},
        HTTP_ORIGIN="null",
        secure=secure,
    )
    assert genuine.status_code == 303


def test_a_foreign_origin_is_refused_even_with_the_token() -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/write/other/").context["csrf_token"]
    response = client.post(
        "/write/other/",
        {"message": "x", "csrfmiddlewaretoken": str(token)},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
