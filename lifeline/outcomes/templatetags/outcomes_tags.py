"""The outcomes panel of a case page: `{% outcome_panel case user %}`."""

from __future__ import annotations

from typing import Any

from django import template

from lifeline.accounts.models import User
from lifeline.cases.models import Case
from lifeline.outcomes.selectors import outcome_panel_for
from lifeline.outcomes.services.common import TEXT_MAX_CHARS

register = template.Library()


@register.inclusion_tag("console/outcomes/_panel.html", takes_context=True)
def outcome_panel(context: template.Context, case: Case, user: User) -> dict[str, Any]:
    """Offers, assistance items or the handover of the case; nothing without OUTCOME_WORK."""
    return {
        "panel": outcome_panel_for(user=user, case=case),
        "csrf_token": context.get("csrf_token"),
        "note_max": TEXT_MAX_CHARS,
    }
