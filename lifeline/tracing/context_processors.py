"""Template context for the console: how many tracing answers await this user's approval."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from lifeline.accounts.models import User
from lifeline.core.access import Perm, has_perm
from lifeline.tracing.selectors import disclosure_pending_count_for


def approvals(request: HttpRequest) -> dict[str, Callable[[], int]]:
    # A callable, as the failed-intake count: the navigation calls it once, and only for users
    # who may approve, so other pages and other users never run the query.
    def answers_awaiting_count() -> int:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not has_perm(user, Perm.DISCLOSURE_APPROVE):
            return 0
        return disclosure_pending_count_for(user=user)

    return {"answers_awaiting_count": answers_awaiting_count}
