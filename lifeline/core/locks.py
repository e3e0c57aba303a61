"""Row locks: a service reads the row it will change again, locked until its transaction ends."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def row_lock(obj: M, *, related: tuple[str, ...] = ()) -> M:
    """`obj`'s row, read afresh and locked (SELECT ... FOR UPDATE) until the transaction ends.

    Every change starts from the committed state, not from whatever the caller's copy says, and
    two requests changing one row take turns. Call inside the service's transaction.
    """
    rows = type(obj)._default_manager.select_for_update()
    if related:
        rows = rows.select_related(*related)
    return rows.get(pk=obj.pk)
