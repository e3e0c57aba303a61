"""Helpers for tests of the public site: submissions, receipts, a visitor's client, page weight."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client

from lifeline.cases.models import Case
from lifeline.core.receipts import Receipt
from lifeline.public.services import web_submission_receive

# What a public page may weigh, its stylesheets included: it must load on a slow phone.
MAX_PAGE_BYTES = 50 * 1024


def open_case(
    *, kind: str = "other", body: str = "Добрый день", language: str = "ru", **fields: str
) -> tuple[Case, Receipt]:
    """A case opened as the web form opens it, and its receipt."""
    return web_submission_receive(kind=kind, language=language, body=body, fields=fields)


def unlock(client: Client, receipt: Receipt, prefix: str = "") -> Any:
    """Show the receipt on the status page, as a visitor does: post it, follow the redirect."""
    return client.post(
        f"{prefix}/status/", {"reference": receipt.reference, "secret": receipt.secret}, follow=True
    )


def stylesheets(html: str) -> list[Path]:
    """The files of the stylesheets `html` links, each checked to be served from /static/."""
    hrefs = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    assert hrefs, "a public page links its stylesheet"
    paths = []
    for href in hrefs:
        assert href.startswith("/static/"), href
        found = finders.find(href.removeprefix("/static/"))
        assert found, href
        paths.append(Path(str(found)))
    return paths


def page_bytes(response: Any) -> int:
    """What loading the page costs: its HTML and its stylesheets."""
    html = response.content.decode()
    return len(response.content) + sum(len(p.read_bytes()) for p in stylesheets(html))


def all_rows() -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every row of every table, as the database holds it (no decryption)."""
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                yield table, row


def raw_text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)
