"""Template filters of the reports: when a kept count was taken."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def as_of(moment: datetime | None) -> str:
    """'14:05' for a time today, '2026-12-04 14:05' for an older one (in local time)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"
