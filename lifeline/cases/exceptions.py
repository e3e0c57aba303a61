"""Refusals of case actions that the officer should read, as opposed to missing permissions."""

from __future__ import annotations

from lifeline.core.exceptions import ActionRefused


class CaseActionRefused(ActionRefused):
    """The rules forbid this action on this case."""


class TransitionNotAllowed(CaseActionRefused):
    """A status change that the case kind's workflow does not allow."""


class CaseChanged(CaseActionRefused):
    """The case changed after the page the action came from was shown: nothing was done."""
