"""Template filters of the tracing console."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template

from lifeline.registry.explain import Line
from lifeline.registry.explain import explained as _explained

register = template.Library()


@register.filter
def explained(stored: Iterable[Mapping[str, Any]]) -> list[Line]:
    """A candidate's stored explanation, worded in the active language with field labels."""
    return _explained(stored)
