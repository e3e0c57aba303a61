"""Background tasks of the inbox, run by `lifeline worker` through the database task backend."""

from __future__ import annotations

import logging

from django_tasks import task

from lifeline.core.audit import SYSTEM
from lifeline.intake.services import contact_mark_failed, contact_mark_processed
from lifeline.tracing.services import enquiry_open_from_contact

logger = logging.getLogger(__name__)


@task()
def contact_process(contact_id: int) -> None:
    """Process one committed inbound contact. Idempotent: running it again changes nothing.

    A failure is recorded on the contact (FAILED, with the error's type only) so that it stays
    visible in the console, and is then re-raised so the task backend reports it too.
    """
    try:
        contact_mark_processed(actor=SYSTEM, contact_id=contact_id)
        enquiry_open_from_contact(actor=SYSTEM, contact_id=contact_id)  # family enquiries only
    except Exception as exc:
        try:
            contact_mark_failed(actor=SYSTEM, contact_id=contact_id, error=exc)
        except Exception:
            # The original error matters more; the contact simply stays PENDING.
            logger.exception("could not record the failure of contact %s", contact_id)
        raise
