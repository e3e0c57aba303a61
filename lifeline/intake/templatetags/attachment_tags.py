"""The attachment list of a case page: `{{ attachment|dangerous }}` to warn before opening."""

from __future__ import annotations

from django import template

from lifeline.intake.attachments.store import attachment_is_dangerous
from lifeline.intake.models import Attachment

register = template.Library()


@register.filter
def dangerous(attachment: Attachment) -> bool:
    """Whether opening the file can run code (a script, a program, a web page)."""
    return attachment_is_dangerous(attachment)
