"""Writes of outcomes, one module per sub-domain: offers, assistance, exchanges, handovers.

Each service runs in one transaction and writes its audit event there. Audit details hold ids,
statuses and counts: never a name, a place, a document number or a note. Import a service from
its module; what `common` holds is shared by them all.
"""

# Kept importable from here for lifeline.demo, which imports them by this path.
from lifeline.outcomes.services.common import HELD_STATUSES
from lifeline.outcomes.services.handovers import DEFAULT_HANDOVER_STEPS

__all__ = ["DEFAULT_HANDOVER_STEPS", "HELD_STATUSES"]
