"""Refusals of case actions that the officer should read, as opposed to missing permissions."""

from __future__ import annotations


class CaseActionRefused(Exception):
    """The rules forbid this action on this case; `message` says why, in words for the officer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(CaseActionRefused):
    """A status change that the case kind's workflow does not allow."""
