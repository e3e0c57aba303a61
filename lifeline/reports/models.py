"""Reports' one table: the registry's counts, taken by the worker so that pages only read them."""

from __future__ import annotations

from django.db import models


class RegistryTally(models.Model):
    """Persons by current status and verification level, and when they were counted.

    Counting a registry of a million persons takes seconds: too long for a page view. The
    worker's sweep recounts every REGISTRY_TALLY_SECONDS (tally.registry_tally_if_due); the
    dashboard and the public statistics show the latest count with its time. One row.
    """

    counts = models.JSONField(default=list)  # [[status, level, persons], ...]
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"registry tally at {self.computed_at:%Y-%m-%d %H:%M}"

    def as_dict(self) -> dict[tuple[str, str], int]:
        return {(status, level): n for status, level, n in self.counts}
