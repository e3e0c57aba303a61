"""What the tracing services share: the refusal, a text limit, the enquiry lock."""

from __future__ import annotations

from lifeline.core.exceptions import ActionRefused
from lifeline.tracing.models import Enquiry

TEXT_MAX_CHARS = 10_000


class TracingRefused(ActionRefused):
    """The rules forbid this tracing action."""


def lock_enquiry(enquiry: Enquiry) -> Enquiry:
    """The enquiry, locked for this transaction."""
    return Enquiry.objects.select_for_update().get(pk=enquiry.pk)
