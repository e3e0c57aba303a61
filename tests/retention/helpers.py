"""Helpers for retention tests: cases closed long ago, and a column as the database holds it."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, models
from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.intake.attachments.store import attachment_store
from lifeline.intake.models import Attachment, Contact
from tests.cases.helpers import create_case


def closed_case(*, days_ago: int, body: str, file: bytes | None = None) -> Case:
    """A case with one inbound message (and a file), closed `days_ago` days ago."""
    case = create_case(
        "other",
        inbound=body,
        status="closed",
        closed_at=timezone.now() - timedelta(days=days_ago),
    )
    if file is not None:
        attachment_store(
            contact=case.contacts.get(), filename="note.txt", content_type="text/plain", data=file
        )
    return case


def raw_column(obj: models.Model, column: str) -> bytes:
    """The column as the database holds it, without the field's decryption."""
    table = connection.ops.quote_name(type(obj)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [obj.pk])  # noqa: S608
        value = cursor.fetchone()[0]
    return bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()


__all__ = ["Attachment", "Contact", "closed_case", "raw_column"]
