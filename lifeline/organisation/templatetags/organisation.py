"""`{% organisation as org %}`: the organisation's facts for a public page, in its language."""

from __future__ import annotations

import logging

from django import template
from django.db import DatabaseError
from django.utils.translation import get_language

from lifeline.organisation.selectors import OrganisationFacts, OrganisationPage, organisation_facts

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def organisation(context: template.Context) -> OrganisationPage:
    """The facts in the page's language; empty ones (no heading shows) if the database is down.

    Every public page's footer asks, error pages too: one that cannot reach the database
    still has to render, and a 500 page (`without_database` in its context) reads only the
    cache.
    """
    try:
        facts = organisation_facts(database=not context.get("without_database", False))
    except DatabaseError:
        log.warning("organisation settings unreadable; the page shows none")
        facts = OrganisationFacts()
    return facts.page(get_language() or "ru")
