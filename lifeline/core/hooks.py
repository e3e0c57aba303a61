"""Hooks: how a lower app tells the apps above it that something happened, without importing them.

Dependencies run one way (core → accounts → intake → cases → registry → tracing | outcomes →
reports → public). When something in a lower app matters to an app above it (the inbox filed a
message, the registry merged two persons), the lower app calls `hook_run(name, ...)` and the
handlers named in `settings.LIFELINE_HOOKS[name]` run, in order, in the caller's transaction. A
handler that raises rolls the caller back: these are steps of one action, not notifications.

The table in settings is the one place that says who reacts to what. There are no signals.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def hook_handlers(name: str) -> tuple[Callable[..., Any], ...]:
    """The handlers registered for `name`, imported once. A name not in the table is a KeyError."""
    return tuple(import_string(path) for path in settings.LIFELINE_HOOKS[name])


def hook_run(name: str, **kwargs: Any) -> None:
    """Run every handler registered for `name` with these keyword arguments, in table order."""
    for handler in hook_handlers(name):
        handler(**kwargs)
