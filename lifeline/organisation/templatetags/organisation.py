"""`{% organisation as org %}`: the organisation's facts for a public page, in its language."""

from __future__ import annotations

import logging

from django import template
from django.db import DatabaseError
from django.utils.translation import get_language

from lifeline.organisation.selectors import OrganisationFacts, OrganisationPage, organisation_facts

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag
def organisation() -> OrganisationPage:
    """The facts in the page's language; empty ones (no heading shows) if the database is down.

    Every public page's footer asks, error pages too: one that cannot reach the database
    still has to render.
    """
    try:
        facts = organisation_facts()
    except DatabaseError:
        log.warning("organisation settings unreadable; the page shows none")
        facts = OrganisationFacts()
    return facts.page(get_language() or "ru")
