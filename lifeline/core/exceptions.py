"""Refusals that staff should read, as opposed to missing permissions (PermissionDenied)."""

from __future__ import annotations


class ActionRefused(Exception):
    """The rules forbid this action; `message` says why, in words for the officer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
