"""Writes of outcomes, one module per sub-domain: offers, assistance, exchanges, handovers.

Each service runs in one transaction and writes its audit event there. Audit details hold ids,
statuses and counts: never a name, a place, a document number or a note. Import a service from
its module; what `common` holds is shared by them all.
"""
