"""The retention policy (days kept per kind of data) and the record of each purge run."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RetentionRule(models.Model):
    """The administrator's figure for one kind of data; a kind without a row keeps its default."""

    kind = models.CharField(max_length=32, unique=True)  # a key of lifeline.retention.kinds.KINDS
    days = models.PositiveIntegerField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.kind}: {self.days} days"


class PurgeRun(models.Model):
    """One real purge: when it ran and how many rows of each table it deleted (no content)."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"purge at {self.started_at:%Y-%m-%d %H:%M}"
