"""Template helpers of the public pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def reference(value: str) -> SafeString:
    """A case reference that a narrow screen never breaks in the middle ("LF-" / "7K3Q-9D2M")."""
    return format_html('<span class="ref">{}</span>', value)
