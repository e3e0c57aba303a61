"""What tracing does when a family's message is filed: open its enquiry (settings.LIFELINE_HOOKS).

Opening it is part of intake, not of an officer's tracing work, so the system does it.
"""

from __future__ import annotations

from lifeline.core.audit import SYSTEM
from lifeline.intake.models import Contact
from lifeline.tracing.services import enquiry_open_from_contact


def contact_filed(*, contact: Contact, awaits_reply: bool) -> None:
    """A message, not a button press, may describe the one sought: open its enquiry."""
    if awaits_reply:
        enquiry_open_from_contact(actor=SYSTEM, contact_id=contact.pk)


def call_logged(*, contact: Contact) -> None:
    """A family's call opens its enquiry as a message on any other channel does."""
    enquiry_open_from_contact(actor=SYSTEM, contact_id=contact.pk)
