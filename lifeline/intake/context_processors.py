"""Template context for the console: how many inbox items failed and wait for a person."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from lifeline.intake.models import Contact


def inbox(request: HttpRequest) -> dict[str, Callable[[], int]]:
    # A callable: the template calls it only where it shows the count, so public pages and
    # users without the failed-intake page never run the query.
    def failed_intake_count() -> int:
        return Contact.objects.filter(state=Contact.State.FAILED).count()

    return {"failed_intake_count": failed_intake_count}
