"""What the tracing services share: the refusal and a text limit."""

from __future__ import annotations

from lifeline.core.exceptions import ActionRefused

TEXT_MAX_CHARS = 10_000


class TracingRefused(ActionRefused):
    """The rules forbid this tracing action."""
