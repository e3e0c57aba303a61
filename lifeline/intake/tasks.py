"""Background tasks of the inbox, run by `lifeline worker` through the database task backend.

They never raise for a failed item: `intake.inbox` records the failure on the contact and
schedules the retry itself, so no message text reaches the task backend's traceback column.
"""

from __future__ import annotations

from django_tasks import task

from lifeline.intake import inbox


@task()
def contact_process(contact_id: int) -> None:
    """Process one committed inbound contact. Idempotent: running it again changes nothing."""
    inbox.contact_process(contact_id=contact_id)


@task()
def contact_deliver(contact_id: int) -> None:
    """Send one queued outbound contact, or put it off until its conversation may send."""
    inbox.contact_deliver(contact_id=contact_id)
