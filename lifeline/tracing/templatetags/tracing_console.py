"""Template tags of the tracing console, and tracing's part of the case page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template

from lifeline.cases.models import Case
from lifeline.core.access import Perm, has_perm
from lifeline.registry.explain import Line
from lifeline.registry.explain import explained as _explained
from lifeline.tracing.models import Enquiry

register = template.Library()


@register.filter
def explained(stored: Iterable[Mapping[str, Any]]) -> list[Line]:
    """A candidate's stored explanation, worded in the active language with field labels."""
    return _explained(stored)


@register.inclusion_tag("tracing/_case_enquiries.html", takes_context=True)
def case_enquiries(context: template.Context, case: Case) -> dict[str, Any]:
    """The case page's link to its enquiry (`{% case_enquiries case %}`): the case app sits
    below tracing and cannot ask for it. Shown only to those who may open enquiries."""
    user = context.get("user")
    if user is None or not has_perm(user, Perm.ENQUIRY_VIEW):
        return {"enquiries": []}
    return {
        "enquiries": list(
            Enquiry.objects.filter(case=case).order_by("id").values_list("pk", flat=True)
        )
    }
