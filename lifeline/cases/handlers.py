"""What the case files do when the inbox below them has filed a message (LIFELINE_HOOKS)."""

from __future__ import annotations

from django.utils import timezone

from lifeline.cases.models import Case
from lifeline.cases.services import case_reopen_for_message
from lifeline.intake.models import Contact


def contact_filed(*, contact: Contact, awaits_reply: bool) -> None:
    """Bring the message's case back to the queue: reopened if closed, waiting if it asks us.

    Runs inside the inbox's processing transaction (see settings.LIFELINE_HOOKS).
    """
    if contact.case_id is None:
        return
    case = Case.objects.select_for_update().get(pk=contact.case_id)
    if awaits_reply:
        case_reopen_for_message(case=case)  # a closed case would hide the new message
    case.updated_at, case.updated_by = timezone.now(), None  # the person wrote
    update = ["updated_at", "updated_by"]
    if awaits_reply and case.waiting_since is None:
        case.waiting_since = contact.received_at
        update.append("waiting_since")
    case.save(update_fields=update)
